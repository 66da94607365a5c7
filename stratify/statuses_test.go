package stratify_test

import (
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/stratify"
)

// TestRecordStatuses: every rule honours a record's status as the policy
// reads it. A diagnosis entered in error or refuted never counts; one not
// yet confirmed counts only if the policy says so, and otherwise shows as a
// data gap to confirm; an observation, prescription or encounter entered in
// error, cancelled (or, for an encounter, planned; a prescription, a draft)
// is as if never recorded.
func TestRecordStatuses(t *testing.T) {
	p := loadDefault(t)
	withDiabetes := func(status string) *joinedup.Facts {
		f := base("p")
		f.Conditions[1].VerificationStatus = status
		return f
	}
	for _, tc := range []struct {
		status      string
		eligible    bool
		unconfirmed bool // shown as a diagnosis to confirm
	}{
		{"", true, false},
		{"confirmed", true, false},
		{"unknown", true, false},
		{"provisional", false, true},
		{"differential", false, true},
		{"unconfirmed", false, true},
		{"refuted", false, false},
		{"entered-in-error", false, false},
	} {
		t.Run("condition "+tc.status, func(t *testing.T) {
			a := stratify.Assess(p, withDiabetes(tc.status), asOf)
			if a.Eligible != tc.eligible {
				t.Errorf("eligible = %v, want %v (LTCs %v)", a.Eligible, tc.eligible, ids(a.LTCs))
			}
			shown := false
			for _, g := range a.DataGaps {
				if g.Rule == "unconfirmed-diagnosis" && strings.Contains(g.Description, tc.status) {
					shown = true
				}
			}
			if shown != tc.unconfirmed {
				t.Errorf("shown as a diagnosis to confirm: %v, want %v (%+v)", shown, tc.unconfirmed, a.DataGaps)
			}
		})
	}
	t.Run("a policy that counts provisional diagnoses", func(t *testing.T) {
		q := *p
		q.Statuses = policy.DefaultRecordStatuses()
		q.Statuses.ConditionsCounted = append(q.Statuses.ConditionsCounted, "provisional")
		if a := stratify.Assess(&q, withDiabetes("provisional"), asOf); !a.Eligible {
			t.Errorf("a counted provisional diagnosis left out: %v", ids(a.LTCs))
		}
	})
	for _, status := range []string{"entered-in-error", "cancelled"} {
		t.Run("BMI "+status, func(t *testing.T) {
			f := base("p")
			f.Observations[0].Status = status
			if a := stratify.Assess(p, f, asOf); a.Eligible || a.Features["bmi_latest"] != 0 {
				t.Errorf("a BMI %s still counts: eligible %v, BMI %v", status, a.Eligible, a.Features["bmi_latest"])
			}
		})
	}
	for _, tc := range []struct {
		status string
		counts bool
	}{{"finished", true}, {"", true}, {"planned", false}, {"cancelled", false}, {"entered-in-error", false}} {
		t.Run("A&E attendance "+tc.status, func(t *testing.T) {
			f := base("p")
			e := enc("p-ae", joinedup.EncounterEmergency, day(2024, 5, 1), "")
			e.Status = tc.status
			f.Encounters = append(f.Encounters, e)
			a := stratify.Assess(p, f, asOf)
			if got := a.Features[joinedup.FeatureAEAttendances12m] == 1; got != tc.counts {
				t.Errorf("A&E attendance %q counted %v, want %v (tier %s)", tc.status, got, tc.counts, a.SuggestedTier)
			}
		})
	}
}

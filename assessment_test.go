package joinedup_test

import (
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

func TestTier(t *testing.T) {
	tests := []struct {
		in   string
		want joinedup.Tier
		rank int
		str  string
		ok   bool
	}{
		{"red", joinedup.TierRed, 3, "Red", true},
		{"Amber", joinedup.TierAmber, 2, "Amber", true},
		{" GREEN ", joinedup.TierGreen, 1, "Green", true},
		{"blue", "", 0, "", false},
		{"", "", 0, "", false},
	}
	for _, tt := range tests {
		got, err := joinedup.ParseTier(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseTier(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if got != tt.want || got.Rank() != tt.rank || got.String() != tt.str || got.Valid() != tt.ok {
			t.Errorf("ParseTier(%q) = %q (rank %d, %q, valid %v)", tt.in, got, got.Rank(), got.String(), got.Valid())
		}
	}
	if joinedup.Tier("purple").Valid() || joinedup.Tier("purple").String() != "purple" {
		t.Error("an unknown tier must be invalid and shown as it is")
	}
}

func TestDrift(t *testing.T) {
	d1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	d2 := d1.AddDate(0, 6, 0)
	old := joinedup.Assessment{
		PatientID: "p1", AsOf: d1, SuggestedTier: joinedup.TierGreen,
		LTCs:        []joinedup.Finding{{ID: "diabetes", Name: "Diabetes"}},
		RiskFactors: []joinedup.Finding{{ID: "high-bmi", Name: "High BMI"}},
		Features:    map[string]float64{joinedup.FeatureAEAttendances12m: 0, joinedup.FeatureHbA1cLatest: 50},
	}
	cur := joinedup.Assessment{
		PatientID: "p1", AsOf: d2, SuggestedTier: joinedup.TierAmber, Eligible: true,
		LTCs:        []joinedup.Finding{{ID: "diabetes", Name: "Diabetes"}, {ID: "copd", Name: "COPD"}},
		RiskFactors: []joinedup.Finding{{ID: "high-bmi", Name: "High BMI"}, {ID: "smoker", Name: "Current smoker"}},
		Features:    map[string]float64{joinedup.FeatureAEAttendances12m: 1, joinedup.FeatureHbA1cLatest: 55},
		RulesFired:  []joinedup.RuleFired{{Name: "amber-ae", Rationale: "any A&E attendance", Tier: joinedup.TierAmber}},
	}
	got := joinedup.Drift(old, cur)
	want := []joinedup.DriftKind{
		joinedup.DriftBecameEligible, joinedup.DriftTierUp, joinedup.DriftNewLTC,
		joinedup.DriftNewRiskFactor, joinedup.DriftFirstAE, joinedup.DriftRisingHbA1c,
	}
	if len(got) != len(want) {
		t.Fatalf("Drift = %+v, want kinds %v", got, want)
	}
	for i, k := range want {
		if got[i].Kind != k || got[i].PatientID != "p1" || !got[i].AsOf.Equal(d2) {
			t.Errorf("event %d = %+v, want kind %s", i, got[i], k)
		}
	}
	if got[1].FromTier != joinedup.TierGreen || got[1].ToTier != joinedup.TierAmber {
		t.Errorf("tier_up = %+v", got[1])
	}
	if got[2].Item != "copd" || got[3].Item != "smoker" {
		t.Errorf("new items = %q, %q", got[2].Item, got[3].Item)
	}

	// The reverse is less need: no drift.
	if back := joinedup.Drift(cur, old); len(back) != 0 {
		t.Errorf("Drift toward less need = %+v, want none", back)
	}
	// A rise below the threshold is not drift.
	cur2 := old
	cur2.AsOf = d2
	cur2.Features = map[string]float64{joinedup.FeatureHbA1cLatest: 54.9}
	if got := joinedup.Drift(old, cur2); len(got) != 0 {
		t.Errorf("small HbA1c rise gave %+v", got)
	}
	// No earlier assessment: nothing to drift from.
	if got := joinedup.Drift(joinedup.Assessment{}, cur); got != nil {
		t.Errorf("Drift from nothing = %+v", got)
	}
}

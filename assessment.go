package joinedup

import (
	"fmt"
	"strings"
	"time"
)

// Tier is the level of need suggested for a person in the cohort. A tier is
// always a suggestion until a clinician confirms or overrides it.
type Tier string

// Values of Tier, from the highest need to the lowest.
const (
	TierRed   Tier = "red"
	TierAmber Tier = "amber"
	TierGreen Tier = "green"
)

// ParseTier accepts "red", "amber" or "green" (any case) and returns the Tier.
func ParseTier(s string) (Tier, error) {
	t := Tier(strings.ToLower(strings.TrimSpace(s)))
	if !t.Valid() {
		return "", fmt.Errorf("parse tier %q: want red, amber or green", s)
	}
	return t, nil
}

// Valid reports whether t is one of Red, Amber or Green.
func (t Tier) Valid() bool {
	return t.Rank() > 0
}

// String returns the name people read: "Red", "Amber", "Green". An invalid
// tier is shown as it is, so a bad value is visible rather than hidden.
func (t Tier) String() string {
	switch t {
	case TierRed:
		return "Red"
	case TierAmber:
		return "Amber"
	case TierGreen:
		return "Green"
	}
	return string(t)
}

// Rank orders tiers by need: Green 1, Amber 2, Red 3, and 0 for anything
// else, so that a move "up" is simply a larger rank.
func (t Tier) Rank() int {
	switch t {
	case TierRed:
		return 3
	case TierAmber:
		return 2
	case TierGreen:
		return 1
	}
	return 0
}

// FactKind names the kind of fact a piece of evidence points at.
type FactKind string

// Values of FactKind.
const (
	FactPatient     FactKind = "patient"
	FactCondition   FactKind = "condition"
	FactObservation FactKind = "observation"
	FactMedication  FactKind = "medication"
	FactEncounter   FactKind = "encounter"
	FactAppointment FactKind = "appointment"
)

// Evidence points at the exact fact that supports a finding, with enough of
// its content (code, date, value) that a clinician can judge it without
// opening the record, and enough provenance (source system and id) that they
// can find it in the system that sent it.
type Evidence struct {
	Kind         FactKind  `json:"kind"`
	FactID       string    `json:"fact_id"`
	SourceSystem string    `json:"source_system,omitempty"`
	SourceID     string    `json:"source_id,omitempty"`
	CodeSystem   string    `json:"code_system,omitempty"`
	Code         string    `json:"code,omitempty"`
	Display      string    `json:"display,omitempty"`
	Date         time.Time `json:"date"`
	Value        *float64  `json:"value,omitempty"` // as recorded, in Unit
	Unit         string    `json:"unit,omitempty"`
	Note         string    `json:"note,omitempty"` // e.g. "= 58.5 mmol/mol", "range 12 across 3 readings"
}

// Finding is one long-term condition or risk factor found for a person, with
// the facts that show it.
type Finding struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Evidence []Evidence `json:"evidence"`
}

// DataGap is something a policy expects to know about a person but cannot
// find, or can find only from too long ago: "no HbA1c in 15 months for a
// person with diabetes", "BMI never recorded". Gaps are shown beside the
// suggestion because a missing test can hide a risk factor.
type DataGap struct {
	Rule        string    `json:"rule"`               // the data-gap rule's name
	Description string    `json:"description"`        // what is missing, in words
	LastSeen    time.Time `json:"last_seen,omitzero"` // the latest matching fact, if any (so: stale rather than never)
	Because     string    `json:"because,omitempty"`  // the LTC or risk factor that makes it expected
}

// RuleFired records one policy rule that decided part of an assessment, with
// the rationale the policy gives for it.
type RuleFired struct {
	Name      string `json:"name"`
	Rationale string `json:"rationale"`
	Tier      Tier   `json:"tier,omitempty"` // set for tier rules
}

// Assessment is one evaluation of one patient under one policy version at one
// as-of date. It is a suggestion and its reasons; the decision is the
// clinician's.
type Assessment struct {
	PatientID     string             `json:"patient_id"`
	PolicyVersion string             `json:"policy_version"`
	AsOf          time.Time          `json:"as_of"`
	Eligible      bool               `json:"eligible"` // meets the cohort rule
	LTCs          []Finding          `json:"ltcs"`
	RiskFactors   []Finding          `json:"risk_factors"`
	Features      map[string]float64 `json:"features"`
	SuggestedTier Tier               `json:"suggested_tier"`
	RulesFired    []RuleFired        `json:"rules_fired"`
	DataGaps      []DataGap          `json:"data_gaps"`
}

// HasLTC reports whether the assessment found the LTC with this id.
func (a Assessment) HasLTC(id string) bool { return hasFinding(a.LTCs, id) }

// HasRiskFactor reports whether the assessment found the risk factor with
// this id.
func (a Assessment) HasRiskFactor(id string) bool { return hasFinding(a.RiskFactors, id) }

func hasFinding(fs []Finding, id string) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

// Feature names that drift detection reads. A policy computes these features
// under these names so that Drift can compare two assessments without
// knowing the policy.
const (
	FeatureAEAttendances12m = "ae_attendances_12m"
	FeatureHbA1cLatest      = "hba1c_latest" // in mmol/mol
)

// HbA1cRiseThreshold is the rise in the latest HbA1c, in mmol/mol, that
// counts as "rising": 5 mmol/mol is about the smallest change treated as
// clinically meaningful, and it stays clear of laboratory variation.
const HbA1cRiseThreshold = 5.0

// DriftKind names what changed between two assessments.
type DriftKind string

// Values of DriftKind.
const (
	DriftTierUp         DriftKind = "tier_up"
	DriftBecameEligible DriftKind = "became_eligible"
	DriftNewLTC         DriftKind = "new_ltc"
	DriftNewRiskFactor  DriftKind = "new_risk_factor"
	DriftFirstAE        DriftKind = "first_ae_attendance"
	DriftRisingHbA1c    DriftKind = "rising_hba1c"
)

// DriftEvent is a change toward more need between two assessments of the
// same patient, with its cause, so that a coordinator can look again before
// the next scheduled review.
type DriftEvent struct {
	PatientID string    `json:"patient_id"`
	Kind      DriftKind `json:"kind"`
	AsOf      time.Time `json:"as_of"`               // the newer assessment's date
	FromTier  Tier      `json:"from_tier,omitempty"` // for tier_up
	ToTier    Tier      `json:"to_tier,omitempty"`   // for tier_up
	Item      string    `json:"item,omitempty"`      // the LTC or risk factor id, for new_ltc and new_risk_factor
	Cause     string    `json:"cause"`
}

// Drift compares an earlier and a later assessment of the same patient and
// returns the changes toward more need: a higher tier, entry into the cohort,
// a new LTC or risk factor, a first A&E attendance in the last 12 months, a
// rise in the latest HbA1c of at least HbA1cRiseThreshold. Changes toward
// less need are not drift. With no earlier assessment (a zero AsOf) there is
// nothing to drift from, and Drift returns nil. Events come in a fixed order
// so the result is deterministic.
func Drift(old, cur Assessment) []DriftEvent {
	if old.AsOf.IsZero() {
		return nil
	}
	var out []DriftEvent
	ev := func(k DriftKind, cause string) DriftEvent {
		return DriftEvent{PatientID: cur.PatientID, Kind: k, AsOf: cur.AsOf, Cause: cause}
	}
	if cur.Eligible && !old.Eligible {
		out = append(out, ev(DriftBecameEligible, "now meets the cohort rule"))
	}
	if cur.SuggestedTier.Rank() > old.SuggestedTier.Rank() {
		e := ev(DriftTierUp, fmt.Sprintf("suggested tier moved from %s to %s", old.SuggestedTier, cur.SuggestedTier))
		if len(cur.RulesFired) > 0 {
			r := cur.RulesFired[len(cur.RulesFired)-1]
			e.Cause += fmt.Sprintf(" (rule %q: %s)", r.Name, r.Rationale)
		}
		e.FromTier, e.ToTier = old.SuggestedTier, cur.SuggestedTier
		out = append(out, e)
	}
	for _, f := range cur.LTCs {
		if !hasFinding(old.LTCs, f.ID) {
			e := ev(DriftNewLTC, "new long-term condition: "+f.Name)
			e.Item = f.ID
			out = append(out, e)
		}
	}
	for _, f := range cur.RiskFactors {
		if !hasFinding(old.RiskFactors, f.ID) {
			e := ev(DriftNewRiskFactor, "new risk factor: "+f.Name)
			e.Item = f.ID
			out = append(out, e)
		}
	}
	if cur.Features[FeatureAEAttendances12m] > 0 && old.Features[FeatureAEAttendances12m] == 0 {
		out = append(out, ev(DriftFirstAE, "first A&E attendance in the last 12 months"))
	}
	oldH, okOld := old.Features[FeatureHbA1cLatest]
	newH, okNew := cur.Features[FeatureHbA1cLatest]
	if okOld && okNew && oldH > 0 && newH-oldH >= HbA1cRiseThreshold {
		out = append(out, ev(DriftRisingHbA1c, fmt.Sprintf("HbA1c rose from %.0f to %.0f mmol/mol", oldH, newH)))
	}
	return out
}

package fhir

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
)

// TestFromCareRecords writes the records JoinedUp makes (assessment, tier
// decision, task, referral, consent), compares each with its golden file
// and validates it against the R4 schema.
func TestFromCareRecords(t *testing.T) {
	schema := fhirschema.Validator(t)
	at := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	assessment := joinedup.Assessment{PatientID: "patient-1", PolicyVersion: "pv-2025-06", AsOf: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
		Eligible: true, SuggestedTier: joinedup.TierRed,
		LTCs: []joinedup.Finding{{ID: "diabetes", Name: "Diabetes", Evidence: []joinedup.Evidence{
			{Kind: joinedup.FactCondition, FactID: "cond-1", Display: "Type 2 diabetes"}}}},
		RiskFactors: []joinedup.Finding{{ID: "bmi", Name: "BMI 30 or more", Evidence: []joinedup.Evidence{
			{Kind: joinedup.FactObservation, FactID: "obs-1", Display: "Body mass index"},
			{Kind: joinedup.FactMedication, FactID: "med-1", Display: "Metformin"}}}},
		RulesFired: []joinedup.RuleFired{{Name: "red-ae", Rationale: "two or more A&E attendances in a year", Tier: joinedup.TierRed}},
		DataGaps:   []joinedup.DataGap{{Rule: "hba1c", Description: "no HbA1c in 15 months"}}}
	decision := joinedup.TierDecision{ID: "decision-1", PatientID: "patient-1", AssessmentID: "assessment-1", SuggestedTier: joinedup.TierRed,
		Tier: joinedup.TierAmber, Overridden: true, Reason: "A&E visits were one episode", DecidedBy: "user-1", DecidedAt: at}
	tests := []struct {
		name string
		res  any
	}{
		{"riskassessment", FromAssessment("assessment-1", assessment, at, map[string]string{"med-1": "MedicationStatement"})},
		{"flag-current", FromTierDecision(decision, time.Time{}, "Dr Ada Jones")},
		{"flag-superseded", FromTierDecision(decision, at.AddDate(0, 3, 0), "Dr Ada Jones")},
		{"task", FromTask(joinedup.Task{ID: "task-1", PatientID: "patient-1", Kind: joinedup.TaskTierReview, Title: "Review the tier",
			Reason: "tier moved up", AssigneeOrg: "org-practice-1", Due: at.AddDate(0, 0, 14), Priority: 1, Status: "open", CreatedAt: at}, "")},
		{"servicerequest", FromReferral(Referral{ID: "referral-1", PatientID: "patient-1", OrganisationID: "org-vol-1",
			Reason: "lonely since bereavement", WhatMatters: "getting back to the choir", Requester: "Sam Coordinator", Created: at})},
		{"consent", FromConsent(ConsentRecord{ID: "consent-1", PatientID: "patient-1", SocialCare: true, Voluntary: false,
			RecordedBy: "Dr Ada Jones", RecordedAt: at, Current: true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.MarshalIndent(tt.res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			golden(t, tt.name, b)
			if err := schema.Validate(b); err != nil {
				t.Fatalf("not valid R4: %v", err)
			}
		})
	}
}

func TestSourceURI(t *testing.T) {
	for _, src := range []joinedup.Source{{System: "synthea", ID: "abc-123"}, {System: "F84001 GP/CSV", ID: "row:7/x"}} {
		u := SourceURI(src)
		sys, id, ok := ParseSourceURI(u)
		if !ok || sys != src.System || id != src.ID {
			t.Errorf("SourceURI(%+v) = %q, read back as %q %q %v", src, u, sys, id, ok)
		}
	}
	for _, u := range []string{"", "http://example.org/fhir", "urn:joinedup:source:onlysystem", "urn:joinedup:source:/id"} {
		if _, _, ok := ParseSourceURI(u); ok {
			t.Errorf("ParseSourceURI(%q) accepted", u)
		}
	}
}

// TestFromCarePlanning writes a care team, the current and a superseded
// version of a care plan, and a goal, compares each with its golden file
// and validates it against the R4 schema.
func TestFromCarePlanning(t *testing.T) {
	schema := fhirschema.Validator(t)
	at := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	members := []CareTeamMember{
		{CareTeamMember: joinedup.CareTeamMember{ID: "m1", PatientID: "patient-1", Role: joinedup.CareCoordinator, UserID: "user-1",
			Start: at.AddDate(0, -2, 0)}, UserName: "Sam Coordinator"},
		{CareTeamMember: joinedup.CareTeamMember{ID: "m2", PatientID: "patient-1", Role: joinedup.CareGP, OrganisationID: "org-practice-1",
			Name: "Riverside Surgery", Start: at.AddDate(-1, 0, 0)}},
		{CareTeamMember: joinedup.CareTeamMember{ID: "m3", PatientID: "patient-1", Role: joinedup.CareCommunity, UserID: "user-2",
			Name: "District nurse", Start: at.AddDate(0, -6, 0), End: at.AddDate(0, -1, 0)}, UserName: "Kim Nurse"},
		{CareTeamMember: joinedup.CareTeamMember{ID: "m4", PatientID: "patient-1", Role: joinedup.CareCarer, Name: "Mary Smith",
			Relationship: "daughter", Contact: "07700 900123", Start: at.AddDate(0, -2, 0)}},
	}
	plan := joinedup.CarePlan{PatientID: "patient-1", Version: 2, AboutMe: "Retired teacher, lives alone",
		WhatMatters: "staying in my own home and singing in the choir",
		Goals: []joinedup.Goal{
			{Description: "Walk to the shop and back", Steps: []string{"Walk to the gate daily", "Walk to the corner with Mary"},
				Owner: "Me, with Mary", TargetDate: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Status: joinedup.GoalInProgress},
			{Description: "Go back to the choir", Owner: "Me", Status: joinedup.GoalNotStarted},
		},
		Strengths: "determined; good neighbours", SupportNetwork: "Mary (daughter) visits twice a week",
		SelfManagement: "checks her blood sugar daily", ActivationLevel: 3,
		Actions: []joinedup.AgreedAction{
			{Description: "Refer to the falls clinic", Owner: "Sam Coordinator", Due: time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC), Status: joinedup.ActionOpen},
			{Description: "Medication review", Owner: "Riverside Surgery", Due: time.Date(2025, 5, 30, 0, 0, 0, 0, time.UTC), Status: joinedup.ActionDone},
		},
		Contingency: "if breathless, call the surgery; out of hours 111", NextReview: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
		SavedBy: "user-1", SavedAt: at}
	tests := []struct {
		name string
		res  any
	}{
		{"careteam", FromCareTeam("patient-1", members, at)},
		{"careteam-ended", FromCareTeam("patient-1", members[2:3], at)},
		{"careplan-current", FromCarePlan(CarePlanRecord{ID: "plan-v2", Plan: plan, Author: "Sam Coordinator", Replaces: "plan-v1", CareTeam: "patient-1"})},
		{"careplan-revoked", FromCarePlan(CarePlanRecord{ID: "plan-v2", Plan: plan, Author: "Sam Coordinator", Replaces: "plan-v1",
			Until: at.AddDate(0, 1, 0), CareTeam: "patient-1"})},
		{"goal", FromGoal(GoalID("plan-v2", 0), "patient-1", plan.Goals[0], at)},
		{"goal-not-started", FromGoal(GoalID("plan-v2", 1), "patient-1", plan.Goals[1], at)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.MarshalIndent(tt.res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			golden(t, tt.name, b)
			if err := schema.Validate(b); err != nil {
				t.Fatalf("not valid R4: %v", err)
			}
		})
	}
}

func TestGoalID(t *testing.T) {
	id := GoalID("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 11)
	if got := PlanOfGoal(id); got != "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" {
		t.Errorf("PlanOfGoal(%q) = %q", id, got)
	}
	if len(id) > 64 {
		t.Errorf("%q is longer than an R4 id may be", id)
	}
	for _, bad := range []string{"", "plan", "-goal-1", "plan-goal-x"} {
		if got := PlanOfGoal(bad); got != "" {
			t.Errorf("PlanOfGoal(%q) = %q, want none", bad, got)
		}
	}
}

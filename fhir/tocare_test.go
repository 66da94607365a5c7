package fhir

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

// TestCareRecordsReadBack writes care records as JoinedUp exports them and
// reads them back: what the resources carry comes back the same.
func TestCareRecordsReadBack(t *testing.T) {
	at := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	d := joinedup.TierDecision{ID: "decision-1", PatientID: "p1", SuggestedTier: joinedup.TierRed, Tier: joinedup.TierAmber, Overridden: true,
		Reason: "A&E visits were one episode (flu)", DecidedAt: at}
	got, links, err := ToDomain("Flag", mustJSON(t, FromTierDecision(d, at.AddDate(0, 1, 0), "Dr Ada Jones")), "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	d.PatientID = "" // the caller's, from links.Subject
	if !reflect.DeepEqual(got, d) || links.Author != "Dr Ada Jones" || links.Subject != (Ref{Type: "Patient", ID: "p1"}) {
		t.Errorf("Flag read back as %+v (author %q), want %+v", got, links.Author, d)
	}

	plan := joinedup.CarePlan{Version: 3, SavedAt: at, WhatMatters: "home", AboutMe: "me", SelfManagement: "walks", ActivationLevel: 3,
		NextReview: at.AddDate(0, 6, 0).Truncate(24 * time.Hour), Actions: []joinedup.AgreedAction{{Description: "call", Owner: "GP", Status: joinedup.ActionDone}},
		Goals: []joinedup.Goal{{Description: "Walk", Steps: []string{"gate"}, Owner: "Me", Status: joinedup.GoalAchieved}}}
	plan.PatientID = "p1"
	for _, until := range []time.Time{{}, at.AddDate(0, 1, 0)} {
		v, _, err := ToDomain("CarePlan", mustJSON(t, FromCarePlan(CarePlanRecord{ID: "v3", Plan: plan, Until: until})), "s", nil)
		if err != nil {
			t.Fatal(err)
		}
		pv := v.(PlanVersion)
		want := plan
		want.PatientID = ""
		if until.IsZero() {
			// The current version's goals are Goals of their own: only
			// the description is in the plan.
			want.Goals = []joinedup.Goal{{Description: "Walk"}}
			if len(pv.Goals) != 1 || pv.Goals[0] != GoalID("v3", 0) {
				t.Errorf("goal ids %v", pv.Goals)
			}
		}
		if !reflect.DeepEqual(pv.Plan, want) {
			t.Errorf("CarePlan (until %v) read back as\n%+v\nwant\n%+v", until, pv.Plan, want)
		}
	}
	task := joinedup.Task{ID: "t1", DedupeKey: "tier-review:red", Kind: joinedup.TaskTierReview, Title: "Review", Reason: "moved up", Due: at.AddDate(0, 0, 14).Truncate(24 * time.Hour),
		Priority: 1, Status: joinedup.TaskDone, CreatedAt: at, ClosedAt: at.AddDate(0, 0, 1)}
	task.PatientID = "p1"
	got, links, err = ToDomain("Task", mustJSON(t, FromTask(task, "Dr Ada Jones")), "s", nil)
	task.PatientID = ""
	if err != nil || !reflect.DeepEqual(got, task) || links.Author != "Dr Ada Jones" {
		t.Errorf("Task read back as %+v (%q), %v; want %+v", got, links.Author, err, task)
	}
	consent := ConsentRecord{ID: "c1", PatientID: "p1", Voluntary: true, VoluntaryFields: []string{joinedup.ShareName}, RecordedBy: "Sam", RecordedAt: at}
	got, links, err = ToDomain("Consent", mustJSON(t, FromConsent(consent)), "s", nil)
	wantConsent := joinedup.Consent{ID: "c1", Voluntary: true, VoluntaryFields: []string{joinedup.ShareName}, RecordedAt: at}
	if err != nil || !reflect.DeepEqual(got, wantConsent) || links.Author != "Sam" {
		t.Errorf("Consent read back as %+v (%q), %v", got, links.Author, err)
	}
	ref := Referral{ID: "r1", PatientID: "p1", OrganisationID: "o1", ServiceID: "s1", Reason: "lonely", WhatMatters: "choir", Created: at,
		Closed: at.AddDate(0, 1, 0), Status: joinedup.ReferralDeclined}
	got, links, err = ToDomain("ServiceRequest", mustJSON(t, FromReferral(ref)), "s", nil)
	wantRef := joinedup.Referral{ID: "r1", ServiceID: "s1", Reason: "lonely", WhatMatters: "choir", Created: at, Closed: ref.Closed,
		Status: joinedup.ReferralCancelled}
	if err != nil || !reflect.DeepEqual(got, wantRef) || links.Performer != (Ref{Type: "Organization", ID: "o1"}) {
		t.Errorf("ServiceRequest read back as %+v (%+v), %v", got, links.Performer, err)
	}

	a := joinedup.Assessment{PolicyVersion: "pv", AsOf: at.Truncate(24 * time.Hour), SuggestedTier: joinedup.TierGreen,
		LTCs:       []joinedup.Finding{{Name: "Diabetes", Evidence: []joinedup.Evidence{{Kind: joinedup.FactCondition, FactID: "c1", Display: "T2DM"}}}},
		DataGaps:   []joinedup.DataGap{{Description: "no HbA1c"}},
		RulesFired: []joinedup.RuleFired{{Name: "green", Rationale: "one LTC"}, {Name: "cohort"}}}
	a.PatientID = "p1"
	got, _, err = ToDomain("RiskAssessment", mustJSON(t, FromAssessment("a1", a, at, nil)), "s", nil)
	a.PatientID = ""
	if err != nil || !reflect.DeepEqual(got, AssessmentRecord{ID: "a1", Assessment: a, Created: at}) {
		t.Errorf("RiskAssessment read back as %+v, %v; want %+v", got, err, a)
	}
	svc := joinedup.Service{ID: "s1", Name: "Lunch club", Status: "active", Organisation: joinedup.ServiceOrganisation{Name: "Age UK"},
		OrganisationID: "o1", MinimumAge: 18, MaximumAge: 65, Languages: []string{"en"}, Areas: []string{"Lambeth"}, Email: "a@b.org",
		Terms:     []joinedup.ServiceTerm{{Taxonomy: joinedup.TaxonomyNeeds, Code: "x", Name: "X"}, {Taxonomy: joinedup.TaxonomyCircumstances, Name: "Carers"}},
		Contacts:  []joinedup.ServiceContact{{Phone: "020"}},
		Schedules: []joinedup.ServiceSchedule{{ByDay: "MO", OpensAt: "09:00:00", ClosesAt: "17:30:00"}}}
	got, links, err = ToDomain("HealthcareService", mustJSON(t, FromService(svc)), "s", nil)
	svc.OrganisationID = ""
	if err != nil || !reflect.DeepEqual(got, svc) || links.Performer != (Ref{Type: "Organization", ID: "o1"}) {
		t.Errorf("HealthcareService read back as %+v (%+v), %v; want %+v", got, links.Performer, err, svc)
	}

	g, _, err := ToDomain("Goal", mustJSON(t, FromGoal("v3-goal-1", "p1", plan.Goals[0], at)), "s", nil)
	if err != nil || !reflect.DeepEqual(g.(PlanGoal).Goal, plan.Goals[0]) {
		t.Errorf("Goal read back as %+v, %v", g, err)
	}
}

// TestCareRecordsRejected: a care record with an unknown code, or missing
// what JoinedUp needs, is an error naming the resource and the element.
func TestCareRecordsRejected(t *testing.T) {
	tests := []struct {
		typ, json, want string
	}{
		{"Flag", `{"resourceType":"Flag","id":"f1","status":"active","category":[{"coding":[{"system":"` + SystemFlagCategory + `","code":"tier"}]}],
			"code":{"coding":[{"system":"` + SystemTier + `","code":"purple"}]},"subject":{"reference":"Patient/p1"},"period":{"start":"2025-01-01"}}`,
			`Flag/f1: code: "purple" is not a tier`},
		{"Flag", `{"resourceType":"Flag","id":"f1","status":"suspended","category":[{"coding":[{"system":"` + SystemFlagCategory + `","code":"tier"}]}],
			"subject":{"reference":"Patient/p1"}}`, `Flag/f1: status: "suspended" is not one of active, inactive`},
		{"Flag", `{"resourceType":"Flag","id":"f1","status":"active","category":[{"coding":[{"system":"` + SystemFlagCategory + `","code":"tier"}]}],
			"subject":{"reference":"Group/g1"}}`, "Flag/f1: subject: Group/g1 is not a Patient"},
		{"CarePlan", `{"resourceType":"CarePlan","title":"` + CarePlanTitle + `","id":"c1","status":"active","intent":"plan","subject":{"reference":"Patient/p1"},"created":"2025-01-01"}`,
			"CarePlan/c1: meta.versionId: missing"},
		{"CarePlan", `{"resourceType":"CarePlan","title":"` + CarePlanTitle + `","id":"c1","meta":{"versionId":"1"},"status":"draft","intent":"plan","subject":{"reference":"Patient/p1"}}`,
			`CarePlan/c1: status: "draft" is not one of active, revoked`},
		{"CarePlan", `{"resourceType":"CarePlan","title":"` + CarePlanTitle + `","id":"c1","meta":{"versionId":"1"},"status":"active","intent":"plan","subject":{"reference":"Patient/p1"},
			"created":"2025-01-01","goal":[{"reference":"#nope"}]}`, "CarePlan/c1: goal[0]: unresolved reference"},
		{"CarePlan", `{"resourceType":"CarePlan","title":"` + CarePlanTitle + `","id":"c1","meta":{"versionId":"1"},"status":"active","intent":"plan","subject":{"reference":"Patient/p1"},
			"created":"2025-01-01","activity":[{"detail":{"status":"on-hold"}}]}`, `CarePlan/c1: activity[0].detail.status: "on-hold" is not one of`},
		{"Goal", `{"resourceType":"Goal","id":"v1-goal-1","lifecycleStatus":"on-hold","description":{"text":"x"},"subject":{"reference":"Patient/p1"}}`,
			`Goal/v1-goal-1: lifecycleStatus: "on-hold" is not one of`},
		{"CareTeam", `{"resourceType":"CareTeam","id":"t1","status":"active","subject":{"reference":"Patient/p1"},
			"participant":[{"role":[{"coding":[{"system":"` + SystemCareTeamRole + `","code":"wizard"}]}],"member":{"display":"Merlin"},"period":{"start":"2025-01-01"}}]}`,
			"CareTeam/t1: participant[0].role: no care-team role"},
		{"CareTeam", `{"resourceType":"CareTeam","id":"t1","status":"active","subject":{"reference":"Patient/p1"},
			"participant":[{"role":[{"coding":[{"system":"` + SystemCareTeamRole + `","code":"family"}]}],"member":{"display":"Mary"},"period":{"start":"2025-01-01"}}]}`,
			`CareTeam/t1: participant[0].member.display: "Mary" is not "Name (relationship)"`},
		{"Task", `{"resourceType":"Task","id":"t1","status":"on-hold","intent":"order","code":{"coding":[{"system":"` + SystemTaskKind + `","code":"x"}]},
			"description":"x","for":{"reference":"Patient/p1"}}`, `Task/t1: status: "on-hold" is not one of`},
		{"Task", `{"resourceType":"Task","id":"t1","status":"requested","businessStatus":{"text":"done"},"intent":"order",
			"code":{"coding":[{"system":"` + SystemTaskKind + `","code":"x"}]},"description":"x","for":{"reference":"Patient/p1"}}`,
			`Task/t1: businessStatus.text: "done" disagrees with status "requested"`},
		{"Consent", `{"resourceType":"Consent","id":"c1","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2025-01-01",
			"provision":{"type":"permit","provision":[{"type":"permit","actor":[{"role":{},"reference":{"identifier":{"system":"` + SystemSharing + `","value":"police"}}}]}]}}`,
			`Consent/c1: provision.provision[0].actor[0].reference.identifier.value: "police" is not social-care or voluntary`},
		{"Consent", `{"resourceType":"Consent","id":"c1","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2025-01-01",
			"provision":{"type":"permit","provision":[{"type":"permit","code":[{"coding":[{"system":"` + SystemShareField + `","code":"diagnoses"}]}],
			"actor":[{"role":{},"reference":{"identifier":{"system":"` + SystemSharing + `","value":"voluntary"}}}]}]}}`,
			`Consent/c1: provision.provision[0].code[0]: "diagnoses" is not a field a referral may share`},
		{"ServiceRequest", `{"resourceType":"ServiceRequest","id":"r1","status":"active","intent":"order","category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
			"subject":{"reference":"Patient/p1"},"authoredOn":"2025-01-01"}`, "ServiceRequest/r1: performer: missing"},
		{"ServiceRequest", `{"resourceType":"ServiceRequest","id":"r1","status":"on-hold","intent":"order","category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
			"subject":{"reference":"Patient/p1"},"authoredOn":"2025-01-01","performer":[{"reference":"Organization/o1"}]}`, `ServiceRequest/r1: status: "on-hold" is not one of`},
		{"RiskAssessment", `{"resourceType":"RiskAssessment","id":"a1","meta":{"lastUpdated":"2025-01-01T00:00:00Z"},"status":"final",
			"code":{"coding":[{"system":"` + SystemTier + `","code":"tier"}]},"subject":{"reference":"Patient/p1"},"occurrenceDateTime":"2025-01-01",
			"prediction":[{"outcome":{"coding":[{"system":"` + SystemCohort + `","code":"maybe"}]}}]}`, `RiskAssessment/a1: prediction[0].outcome: "maybe" is not one of`},
		{"RiskAssessment", `{"resourceType":"RiskAssessment","id":"a1","meta":{"lastUpdated":"2025-01-01T00:00:00Z"},"status":"final",
			"code":{"coding":[{"system":"` + SystemTier + `","code":"tier"}]},"subject":{"reference":"Patient/p1"},"occurrenceDateTime":"2025-01-01",
			"prediction":[{"outcome":{"coding":[{"system":"` + SystemCohort + `","code":"in-cohort"}]}},{"outcome":{"coding":[{"system":"` + SystemTier + `","code":"blue"}]}}]}`,
			`RiskAssessment/a1: prediction[1].outcome: "blue" is not a tier`},
		{"HealthcareService", `{"resourceType":"HealthcareService","id":"s1","identifier":[{"system":"` + SystemOpenReferralService + `","value":"s1"}],"name":"x",
			"providedBy":{"reference":"Organization/o1"},"eligibility":[{"comment":"children"}]}`, `HealthcareService/s1: eligibility[0].comment: "children" is not an age range`},
		{"RiskAssessment", `{"resourceType":"RiskAssessment","id":"a1","status":"final","code":{"text":"fracture risk"}}`, "resource type not imported"},
		{"Flag", `{"resourceType":"Flag","id":"f1","status":"active","category":[{"coding":[{"code":"clinical"}]}]}`, "resource type not imported"},
		{"ServiceRequest", `{"resourceType":"ServiceRequest","id":"r1","status":"active","intent":"order","category":[{"coding":[{"system":"http://snomed.info/sct","code":"108252007"}]}]}`,
			"resource type not imported"},
		{"CarePlan", `{"resourceType":"CarePlan","id":"c1","status":"completed","title":"Diabetes self management plan"}`, "resource type not imported"},
		{"Goal", `{"resourceType":"Goal","id":"0dae4422-bf65-475b-8d93-4c1382168951","lifecycleStatus":"active"}`, "resource type not imported"},
	}
	for _, tt := range tests {
		_, _, err := ToDomain(tt.typ, []byte(tt.json), "s", nil)
		var me *MappingError
		wantSkip := errors.Is(err, ErrUnsupportedType) == (tt.want == "resource type not imported")
		if err == nil || !wantSkip || !errors.As(err, &me) && !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.typ, err, tt.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package joinedup_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

var today = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

func fields(err error) []string {
	var fe joinedup.FieldErrors
	if !errors.As(err, &fe) {
		return nil
	}
	var out []string
	for k := range fe {
		out = append(out, k)
	}
	return out
}

func TestCarePlanValidate(t *testing.T) {
	ok := joinedup.CarePlan{WhatMatters: "my garden", NextReview: today}
	tests := []struct {
		name  string
		edit  func(p *joinedup.CarePlan)
		field string // "" when valid
	}{
		{"minimal plan", func(*joinedup.CarePlan) {}, ""},
		{"PAM level 4", func(p *joinedup.CarePlan) { p.ActivationLevel = 4 }, ""},
		{"PAM level 5", func(p *joinedup.CarePlan) { p.ActivationLevel = 5 }, "activation_level"},
		{"PAM level -1", func(p *joinedup.CarePlan) { p.ActivationLevel = -1 }, "activation_level"},
		{"no what matters", func(p *joinedup.CarePlan) { p.WhatMatters = " \n" }, "what_matters"},
		{"no review date", func(p *joinedup.CarePlan) { p.NextReview = time.Time{} }, "next_review"},
		{"review yesterday", func(p *joinedup.CarePlan) { p.NextReview = today.AddDate(0, 0, -1) }, "next_review"},
		{"goal without description", func(p *joinedup.CarePlan) {
			p.Goals = []joinedup.Goal{{Owner: "me", Status: joinedup.GoalNotStarted}}
		}, "goals[0].description"},
		{"second goal bad status", func(p *joinedup.CarePlan) {
			p.Goals = []joinedup.Goal{{Description: "a", Owner: "me", Status: joinedup.GoalAchieved}, {Description: "b", Owner: "me", Status: "meh"}}
		}, "goals[1].status"},
		{"action without owner", func(p *joinedup.CarePlan) {
			p.Actions = []joinedup.AgreedAction{{Description: "refer", Due: today, Status: joinedup.ActionOpen}}
		}, "actions[0].owner"},
		{"too many goals", func(p *joinedup.CarePlan) {
			for i := range joinedup.MaxPlanItems + 1 {
				p.Goals = append(p.Goals, joinedup.Goal{Description: fmt.Sprint(i), Owner: "me", Status: joinedup.GoalNotStarted})
			}
		}, "goals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			err := p.Validate(today)
			got := fields(err)
			if tt.field == "" && err != nil || tt.field != "" && (len(got) != 1 || got[0] != tt.field) {
				t.Fatalf("Validate = %v; want a problem with %q only", err, tt.field)
			}
		})
	}
}

func TestCareTeamMemberValidate(t *testing.T) {
	tests := []struct {
		name  string
		m     joinedup.CareTeamMember
		field string
	}{
		{"coordinator", joinedup.CareTeamMember{Role: joinedup.CareCoordinator, UserID: "u", Start: today}, ""},
		{"team", joinedup.CareTeamMember{Role: joinedup.CareCommunity, OrganisationID: "o", Start: today}, ""},
		{"carer", joinedup.CareTeamMember{Role: joinedup.CareCarer, Name: "Ann", Relationship: "wife", Start: today}, ""},
		{"unknown role", joinedup.CareTeamMember{Role: "doctor", UserID: "u", Start: today}, "role"},
		{"nobody holds it", joinedup.CareTeamMember{Role: joinedup.CareGP, Start: today}, "user_id"},
		{"carer as a user", joinedup.CareTeamMember{Role: joinedup.CareFamily, Name: "Bo", Relationship: "son", UserID: "u", Start: today}, "user_id"},
		{"carer without a name", joinedup.CareTeamMember{Role: joinedup.CareCarer, Relationship: "son", Start: today}, "name"},
		{"no start", joinedup.CareTeamMember{Role: joinedup.CareGP, UserID: "u"}, "start"},
		{"ends before it starts", joinedup.CareTeamMember{Role: joinedup.CareGP, UserID: "u", Start: today, End: today.AddDate(0, 0, -1)}, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			got := fields(err)
			if tt.field == "" && err != nil || tt.field != "" && (len(got) != 1 || got[0] != tt.field) {
				t.Fatalf("Validate = %v; want a problem with %q only", err, tt.field)
			}
		})
	}
}

func TestReviewAndTaskValidate(t *testing.T) {
	if err := (joinedup.Review{Kind: joinedup.ReviewHolistic, HeldOn: today}).Validate(today); err != nil {
		t.Fatal(err)
	}
	if f := fields((joinedup.Review{Kind: joinedup.ReviewHolistic, HeldOn: today.AddDate(0, 0, 1)}).Validate(today)); len(f) != 1 || f[0] != "held_on" {
		t.Fatalf("future review: %v", f)
	}
	if f := fields((joinedup.Review{Kind: "chat", HeldOn: today}).Validate(today)); len(f) != 1 || f[0] != "kind" {
		t.Fatalf("unknown kind: %v", f)
	}
	good := joinedup.Task{Kind: joinedup.TaskManual, Title: "ring", AssigneeOrg: "o", Due: today, Priority: 2}
	if err := good.ValidateManual(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Priority, bad.AssigneeOrg = 0, ""
	if f := fields(bad.ValidateManual()); len(f) != 2 {
		t.Fatalf("two problems, got %v", f)
	}
}

func TestStreamline(t *testing.T) {
	spec := func(code, name string) joinedup.Codings {
		return joinedup.Codings{{System: joinedup.SystemSNOMED, Code: code, Display: name}}
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 10, 0, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		appts []joinedup.Appointment
		want  string // id:sameWeek:duplicate for each upcoming, soonest first
		busy  int
		dup   int
	}{
		{"nothing upcoming", []joinedup.Appointment{{ID: "past", Start: at(5, 1), Specialty: spec("1", "Cardiology")}}, "[]", 0, 0},
		{"two specialties in one week", []joinedup.Appointment{
			{ID: "a", Start: at(6, 3), Specialty: spec("1", "Cardiology"), Status: "booked"},
			{ID: "b", Start: at(6, 6), Specialty: spec("2", "Renal"), Status: "booked"},
		}, "[a:true:false b:true:false]", 1, 0},
		{"same specialty in different weeks", []joinedup.Appointment{
			{ID: "b", Start: at(7, 1), Specialty: spec("1", "Cardiology")},
			{ID: "a", Start: at(6, 3), Specialty: spec("1", "Cardiology")},
		}, "[a:false:true b:false:true]", 0, 1},
		{"cancelled and no-show left out", []joinedup.Appointment{
			{ID: "a", Start: at(6, 3), Specialty: spec("1", "Cardiology"), Status: "cancelled"},
			{ID: "b", Start: at(6, 4), Specialty: spec("1", "Cardiology"), Status: "noshow"},
			{ID: "c", Start: at(6, 5), Specialty: spec("1", "Cardiology"), Status: "booked"},
		}, "[c:false:false]", 0, 0},
		{"specialty by service text when uncoded", []joinedup.Appointment{
			{ID: "a", Start: at(6, 3), Service: "Diabetes clinic"},
			{ID: "b", Start: at(6, 30), Service: "diabetes clinic "},
		}, "[a:false:true b:false:true]", 0, 1},
		{"ISO week across a year end", []joinedup.Appointment{
			{ID: "a", Start: time.Date(2025, 12, 29, 9, 0, 0, 0, time.UTC), Specialty: spec("1", "Cardiology")},
			{ID: "b", Start: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), Specialty: spec("2", "Renal")},
		}, "[a:true:false b:true:false]", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := joinedup.Streamline(tt.appts, today)
			got := []string{}
			for _, u := range s.Appointments {
				got = append(got, fmt.Sprintf("%s:%v:%v", u.Appointment.ID, u.SameWeek, u.DuplicateSpecialty))
			}
			if fmt.Sprint(got) != tt.want || len(s.BusyWeeks) != tt.busy || len(s.Duplicated) != tt.dup {
				t.Fatalf("got %v busy %v dup %v; want %s, %d, %d", got, s.BusyWeeks, s.Duplicated, tt.want, tt.busy, tt.dup)
			}
		})
	}
}

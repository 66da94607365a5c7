package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// DashboardNow is the moment the dashboard population is described at.
var DashboardNow = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// DashboardLCN is what Dashboard stored: the organisations' ids by ODS code.
type DashboardLCN struct {
	Orgs map[string]string
}

// Dashboard stores a small LCN with exactly known dashboard figures, as of
// DashboardNow:
//
//	North (NORTH)
//	  Alpha (ALPHA), pilot since 2024-10-01: 19 in the cohort; current
//	    tier Red 15, Amber 1, Green 3; 6 decided; 12 of the 16 Amber/Red
//	    with a care plan, 2 of those reviews overdue; 7 overdue tasks;
//	    A&E 6 in April 2025 and 2 in May, emergency admissions 5 in April;
//	    5 moves up in March 2025.
//	  Beta (BETA), not in the pilot: 9 in the cohort (Red 5, Amber 4);
//	    7 with a care plan; 4 overdue tasks; A&E 5 in April 2025.
//	South (SOUTH)
//	  Gamma (GAMMA), pilot since 2025-01-01: 14 in the cohort; Red 2,
//	    Amber 6, Green 6; 3 decided; 6 with a care plan; 9 overdue tasks;
//	    A&E 1 in April 2025; 2 moves up in April 2025.
//
// Each practice also has one patient who is not eligible, with an A&E
// attendance that is not the cohort's use, and one of the practice's
// overdue tasks (overdue work is the practice's, cohort or not). Each
// practice also has a planned admission, a task not yet due and a closed
// overdue task, none of which counts.
func Dashboard(t testing.TB, db *store.DB) DashboardLCN {
	t.Helper()
	ctx := context.Background()
	now := DashboardNow
	lcn := DashboardLCN{Orgs: map[string]string{}}
	org := func(ods, name string, kind joinedup.OrgKind, parent string) joinedup.Organisation {
		o := joinedup.Organisation{ODS: ods, Name: name, Kind: kind, ParentID: lcn.Orgs[parent], Source: joinedup.Source{System: "dashboard", ID: ods}}
		o.ID = store.OrganisationID(o)
		lcn.Orgs[ods] = o.ID
		return o
	}
	b := &store.Batch{}
	b.Organisations = append(b.Organisations, org("NORTH", "North", joinedup.OrgLocality, ""), org("SOUTH", "South", joinedup.OrgLocality, ""))
	b.Organisations = append(b.Organisations, org("ALPHA", "Alpha Surgery", joinedup.OrgPractice, "NORTH"),
		org("BETA", "Beta Medical Centre", joinedup.OrgPractice, "NORTH"), org("GAMMA", "Gamma Health Centre", joinedup.OrgPractice, "SOUTH"))
	if _, err := store.Write(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pilot := func(practice string, since time.Time) {
		t.Helper()
		_, err := store.SetRollout(ctx, db, store.Rollout{PracticeID: lcn.Orgs[practice], Pilot: since, By: "test", At: now, Reason: "test fixture"})
		must(err)
	}
	pilot("ALPHA", time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC))
	pilot("GAMMA", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	_, err := store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: "dashboard-policy", Name: "dashboard", Files: map[string]string{}, LoadedBy: "test", LoadedAt: now})
	must(err)

	n := 0
	newPatient := func(practice string) joinedup.Patient {
		n++
		p := joinedup.Patient{Source: joinedup.Source{System: "dashboard", ID: fmt.Sprint("p", n)}, GivenName: "Person", FamilyName: fmt.Sprint("Number", n),
			PracticeID: lcn.Orgs[practice], BirthDate: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		return p
	}
	type spec struct {
		practice            string
		red, amber, green   int
		decideAmber, toRed  int // Amber-suggested decided Amber in January, then some of them Red
		redToAmber, backRed int // Red-suggested decided Amber in February, then some of them Red again
		plans, overdueRev   int // care plans among the Amber/Red, and overdue reviews among those
		tasks               int // overdue open tasks
		ae, aeMay, emerg    int // A&E in April, A&E in May, emergency admissions in April
	}
	specs := []spec{
		{practice: "ALPHA", red: 10, amber: 6, green: 3, decideAmber: 6, toRed: 5, plans: 12, overdueRev: 2, tasks: 6, ae: 6, aeMay: 2, emerg: 5},
		{practice: "BETA", red: 5, amber: 4, plans: 7, tasks: 3, ae: 5},
		{practice: "GAMMA", red: 3, amber: 5, green: 6, redToAmber: 3, backRed: 2, plans: 6, tasks: 8, ae: 1},
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	enc := 0
	encounter := func(p joinedup.Patient, class string, emergency bool, at time.Time) joinedup.Encounter {
		enc++
		return joinedup.Encounter{PatientID: p.ID, Source: joinedup.Source{System: "dashboard", ID: fmt.Sprint("e", enc)}, Class: class,
			Emergency: emergency, Start: at, End: at.Add(4 * time.Hour)}
	}
	for _, s := range specs {
		b := &store.Batch{}
		var tiers []joinedup.Tier
		for range s.red {
			tiers = append(tiers, joinedup.TierRed)
		}
		for range s.amber {
			tiers = append(tiers, joinedup.TierAmber)
		}
		for range s.green {
			tiers = append(tiers, joinedup.TierGreen)
		}
		var ps []joinedup.Patient
		var in []store.AssessmentInput
		for _, tier := range tiers {
			p := newPatient(s.practice)
			ps = append(ps, p)
			in = append(in, store.AssessmentInput{Assessment: joinedup.Assessment{PatientID: p.ID, PolicyVersion: "dashboard-policy",
				AsOf: now.Truncate(24 * time.Hour), Eligible: true, SuggestedTier: tier}, FactsVersion: 1})
		}
		outsider := newPatient(s.practice)
		in = append(in, store.AssessmentInput{Assessment: joinedup.Assessment{PatientID: outsider.ID, PolicyVersion: "dashboard-policy",
			AsOf: now.Truncate(24 * time.Hour)}, FactsVersion: 1})
		b.Patients = append(append(b.Patients, ps...), outsider)
		b.Encounters = append(b.Encounters, encounter(outsider, joinedup.EncounterEmergency, false, day(2025, 4, 3)))
		for i := range s.ae {
			b.Encounters = append(b.Encounters, encounter(ps[i%len(ps)], joinedup.EncounterEmergency, false, day(2025, 4, 1+i)))
		}
		for i := range s.aeMay {
			b.Encounters = append(b.Encounters, encounter(ps[i%len(ps)], joinedup.EncounterEmergency, false, day(2025, 5, 1+i)))
		}
		for i := range s.emerg {
			b.Encounters = append(b.Encounters, encounter(ps[i%len(ps)], joinedup.EncounterInpatient, true, day(2025, 4, 10+i)))
		}
		// A planned admission is not unplanned use.
		b.Encounters = append(b.Encounters, encounter(ps[0], joinedup.EncounterInpatient, false, day(2025, 4, 20)))
		if _, err := store.Write(ctx, db, b); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SaveAssessments(ctx, db, in, now); err != nil {
			t.Fatal(err)
		}
		decide := func(p joinedup.Patient, suggested, tier joinedup.Tier, at time.Time) {
			t.Helper()
			must(store.SaveDecision(ctx, db, &joinedup.TierDecision{PatientID: p.ID, AssessmentID: "a", SuggestedTier: suggested, Tier: tier,
				Overridden: suggested != tier, Reason: "clinical judgement", DecidedBy: "clinician", DecidedAt: at}))
		}
		amber := ps[s.red : s.red+s.amber]
		for i := range s.decideAmber {
			decide(amber[i], joinedup.TierAmber, joinedup.TierAmber, day(2025, 1, 10))
		}
		for i := range s.toRed {
			decide(amber[i], joinedup.TierAmber, joinedup.TierRed, day(2025, 3, 15))
		}
		for i := range s.redToAmber {
			decide(ps[i], joinedup.TierRed, joinedup.TierAmber, day(2025, 2, 1))
		}
		for i := range s.backRed {
			decide(ps[i], joinedup.TierRed, joinedup.TierRed, day(2025, 4, 10))
		}
		// Care plans go to the Amber/Red (the first red+amber patients).
		for i := range s.plans {
			review := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
			if i < s.overdueRev {
				review = time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
			}
			_, err := store.SaveCarePlan(ctx, db, joinedup.CarePlan{PatientID: ps[i].ID, WhatMatters: "staying at home", NextReview: review}, 0, "clinician", day(2025, 2, 1))
			must(err)
		}
		for i := range s.tasks + 1 {
			p := ps[i%len(ps)]
			if i == s.tasks {
				p = outsider
			}
			_, err := store.CreateTask(ctx, db, joinedup.Task{PatientID: p.ID, Kind: "review", Title: "Review", Due: time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC),
				Priority: 2, Status: "open", DedupeKey: fmt.Sprint("overdue", i), Source: "manual", CreatedAt: day(2025, 5, 1)})
			must(err)
		}
		// Neither a task not yet due nor a closed one is overdue.
		_, err := store.CreateTask(ctx, db, joinedup.Task{PatientID: ps[0].ID, Kind: "review", Title: "Review", Due: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
			Priority: 2, Status: "open", DedupeKey: "later", Source: "manual", CreatedAt: day(2025, 5, 1)})
		must(err)
		_, err = store.RaiseTask(ctx, db, &joinedup.Task{ID: store.NewID(), PatientID: ps[0].ID, Kind: "review", Title: "Review",
			Due: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Priority: 2, Status: joinedup.TaskDone, DedupeKey: "done", Source: "manual", CreatedAt: day(2025, 4, 1)})
		must(err)
	}
	return lcn
}

package web

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/stratify"
)

// fhirFixture is what the FHIR API tests add to the fixture: a record of
// every type for the related patient R and the unrelated patient U, and the
// id of each, by type and patient.
type fhirFixture struct {
	ids    map[string]map[string]string // type → patient id → a resource id
	client joinedup.Client
}

func init() {
	fixtureHooks = append(fixtureHooks, seedFHIR)
}

// seedFHIR gives R and U one record of every type.
func seedFHIR(t *testing.T, f *fixture) {
	t.Helper()
	t0 := f.clock.Now()
	ff := &fhirFixture{ids: map[string]map[string]string{}}
	f.fhir = ff
	src := func(id string) joinedup.Source {
		return joinedup.Source{System: "test", ID: id, LastUpdated: t0.Add(-24 * time.Hour)}
	}
	b := &store.Batch{}
	for _, p := range []joinedup.Patient{f.R, f.U} {
		n := p.GivenName
		b.Observations = append(b.Observations, joinedup.Observation{PatientID: p.ID, Source: src("o-" + n), Status: "final",
			Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "60621009", Display: "Body mass index"}}, Effective: t0.AddDate(0, -1, 0),
			Value: &joinedup.Quantity{Value: 31.5, Unit: "kg/m2"}})
		b.Medications = append(b.Medications,
			joinedup.Medication{PatientID: p.ID, Source: src("mr-" + n), Kind: joinedup.MedicationRequest, Status: "active", Repeat: true,
				Codes: joinedup.Codings{{System: joinedup.SystemDMD, Code: "322236009", Display: "Paracetamol 500mg tablets"}}, Authored: t0.AddDate(0, -2, 0)},
			joinedup.Medication{PatientID: p.ID, Source: src("ms-" + n), Kind: joinedup.MedicationStatement, Status: "active",
				Codes: joinedup.Codings{{System: joinedup.SystemDMD, Code: "39732311000001104", Display: "Metformin"}}, Authored: t0.AddDate(0, -3, 0)})
		b.Encounters = append(b.Encounters, joinedup.Encounter{PatientID: p.ID, Source: src("e-" + n), Class: joinedup.EncounterEmergency,
			Start: t0.AddDate(0, 0, -10), End: t0.AddDate(0, 0, -10).Add(3 * time.Hour), ServiceProvider: f.orgs["TRUST1"]})
		b.Appointments = append(b.Appointments, joinedup.Appointment{PatientID: p.ID, Source: src("a-" + n), Status: "booked",
			Start: t0.AddDate(0, 0, 7), End: t0.AddDate(0, 0, 7).Add(30 * time.Minute), Service: "Diabetes clinic"})
		b.Carers = append(b.Carers, joinedup.Carer{PatientID: p.ID, Source: src("rp-" + n), Name: "Carer of " + n, Phone: "020 7946 0999"})
	}
	b.Conditions = []joinedup.Condition{{PatientID: f.U.ID, Source: src("c-U"), ClinicalStatus: "active",
		Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "38341003", Display: "Hypertension"}}, Onset: t0.AddDate(-5, 0, 0)}}
	if _, err := store.Write(ctx, f.db, b); err != nil {
		t.Fatal(err)
	}
	pol, _, err := stratify.LoadPolicy(ctx, f.db, "../policies/lcn-default", "test", t0)
	if err != nil {
		t.Fatal(err)
	}
	gp := f.users[joinedup.RoleGP].ID
	var in []store.AssessmentInput
	for _, p := range []joinedup.Patient{f.R, f.U} {
		in = append(in, store.AssessmentInput{FactsVersion: 1, Assessment: joinedup.Assessment{PatientID: p.ID, PolicyVersion: pol.Hash(),
			AsOf: t0.Truncate(24 * time.Hour), Eligible: true, SuggestedTier: joinedup.TierAmber,
			LTCs: []joinedup.Finding{{ID: "diabetes", Name: "Diabetes", Evidence: []joinedup.Evidence{{Kind: joinedup.FactObservation,
				FactID: joinedup.StableID("Observation", "test", "o-"+p.GivenName), Display: "BMI"}}}},
			RulesFired: []joinedup.RuleFired{{Name: "amber-ltcs", Rationale: "three or more LTCs", Tier: joinedup.TierAmber}}}})
	}
	saved, err := store.SaveAssessments(ctx, f.db, in, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range []joinedup.Patient{f.R, f.U} {
		a := in[i].Assessment
		d, err := joinedup.Decide(saved[i].ID, a, joinedup.TierRed, "frequent A&E attendances", gp, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SaveDecision(ctx, f.db, &d); err != nil {
			t.Fatal(err)
		}
		task := joinedup.Task{PatientID: p.ID, Kind: joinedup.TaskTierReview, Title: "Review tier", AssigneeOrg: f.orgs["PRACB"],
			Due: t0.AddDate(0, 0, 14), DedupeKey: "review", CreatedAt: t0}
		if _, err := store.RaiseTask(ctx, f.db, &task); err != nil {
			t.Fatal(err)
		}
	}
	// U's referral goes where no test user works, so it makes no
	// relationship.
	if _, err := store.AddReferral(ctx, f.db, joinedup.Referral{PatientID: f.U.ID, OrganisationID: f.orgs["PRACB"], Reason: "review", Created: t0}); err != nil {
		t.Fatal(err)
	}
	// Care planning: a carer on each team (a person, so no relationship),
	// and a care plan saved three times for R, once for U.
	for _, p := range []joinedup.Patient{f.R, f.U} {
		if _, err := store.AddCareTeamMember(ctx, f.db, store.CareTeamMember{PatientID: p.ID, Role: joinedup.CareCarer,
			Name: "Carer of " + p.GivenName, Relationship: "daughter", Start: t0.AddDate(0, -1, 0)}); err != nil {
			t.Fatal(err)
		}
		versions := 1
		if p.ID == f.R.ID {
			versions = 3
		}
		for v := range versions {
			plan := joinedup.CarePlan{PatientID: p.ID, WhatMatters: fmt.Sprintf("staying at home (version %d)", v+1),
				Goals: []joinedup.Goal{{Description: "Walk to the shop", Steps: []string{"Walk to the gate"}, Owner: "Me",
					TargetDate: t0.AddDate(0, 3, 0), Status: joinedup.GoalInProgress},
					{Description: "Back to the choir", Owner: "Me", Status: joinedup.GoalNotStarted}},
				Actions: []joinedup.AgreedAction{{Description: "Falls clinic referral", Owner: "Care coordinator", Due: t0.AddDate(0, 0, 14),
					Status: joinedup.ActionOpen}},
				Contingency: "call the surgery", ActivationLevel: 2, NextReview: t0.AddDate(0, 6, 0)}
			if _, err := store.SaveCarePlan(ctx, f.db, plan, v, gp, t0.Add(time.Duration(v-versions)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, typ := range fhirapi.Types() {
		if !typ.PatientScoped() {
			continue
		}
		ff.ids[typ.Name] = map[string]string{}
		for _, p := range []joinedup.Patient{f.R, f.U} {
			rec := fhirapi.NewRecord(f.db, p, nil, nil)
			q, _ := fhirapi.ParseQuery(typ, url.Values{})
			page, err := fhirapi.SearchRecords(ctx, q, []*fhirapi.Record{rec})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 {
				t.Fatalf("fixture has no %s for %s", typ.Name, p.GivenName)
			}
			id := page.Items[0].ID
			if typ.Name == "ServiceRequest" && p.ID == f.R.ID {
				// The referral a link worker is shown: the one to VOL1.
				rs, _ := store.Referrals(ctx, f.db, p.ID)
				for _, r := range rs {
					if r.OrganisationID == f.orgs["VOL1"] {
						id = r.ID
					}
				}
			}
			ff.ids[typ.Name][p.ID] = id
		}
	}
	c, err := store.CreateClient(ctx, f.db, joinedup.Client{Name: "shared-care-record", Scopes: []string{"system/*.read"}}, `{"keys":[]}`, t0)
	if err != nil {
		t.Fatal(err)
	}
	ff.client = c
}

// fhirID is the id of a resource of type typ in a patient's record. A
// goal's id is that of the plan version it belongs to, and other rows of
// the matrix save plans (without goals), so the current plan is looked up
// when asked for, and given a goal again when it has none.
func (f *fixture) fhirID(typ, patientID string) string {
	if typ != "Goal" {
		return f.fhir.ids[typ][patientID]
	}
	cur, err := store.CurrentCarePlan(ctx, f.db, patientID)
	if err != nil {
		return ""
	}
	if len(cur.Plan.Goals) == 0 {
		plan := cur.Plan
		plan.Goals = []joinedup.Goal{{Description: "Walk to the shop", Owner: "Me", Status: joinedup.GoalInProgress}}
		saved, err := store.SaveCarePlan(ctx, f.db, plan, cur.Plan.Version, cur.SavedBy, f.clock.Now())
		if err != nil || saved.Conflict {
			return ""
		}
		cur = saved.Saved
	}
	return fhir.GoalID(cur.ID, 0)
}

// clientToken issues a bearer token with the given scope to the fixture's
// client, as /oauth/token would, and returns the Authorization value.
func (f *fixture) clientToken(t *testing.T, scope string) string {
	t.Helper()
	tok := coord.NewToken()
	if err := store.CreateAccessToken(ctx, f.db, coord.TokenHash(tok), f.fhir.client.ID, []string{scope}, f.clock.Now(), f.clock.Now().Add(AccessTokenLifetime)); err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// referenceDataPaths gives, for a type that is not patient-scoped, the id
// of a resource the full fixture holds and a search that finds it.
func referenceDataPaths(name string) (func(*fixture) string, string) {
	if name == "HealthcareService" {
		return func(*fixture) string { return testServiceID }, "name=Befriending"
	}
	return func(f *fixture) string { return f.orgs["PRACA"] },
		"identifier=" + url.QueryEscape("https://fhir.nhs.uk/Id/ods-organization-code|PRACA")
}

// otherScope is a scope that does not grant typ.
func otherScope(typ string) string {
	if typ == "Organization" {
		return "system/Patient.read"
	}
	return "system/Organization.read"
}

func init() {
	patientRoles := append(append([]joinedup.Role{}, clinicians...), joinedup.RoleCommunitySocialCare)
	for _, typ := range fhirapi.Types() {
		want := only(cell{200, 403}, patientRoles...)
		switch typ.Action {
		case joinedup.ActionReadPatient, joinedup.ActionReadReferralShare:
			want[joinedup.RoleVoluntaryLinkWorker] = cell{200, 403}
		}
		pick := func(f *fixture, with bool) joinedup.Patient {
			if with {
				return f.R
			}
			return f.U
		}
		name := typ.Name
		if !typ.PatientScoped() {
			all := cell{200, 200}
			read, search := referenceDataPaths(name)
			accessMatrix["GET /fhir/"+name+"/{id}"] = matrixRow{anon: 401, def: all, client: cell{200, 403}, clientScope: name,
				path: func(f *fixture, _ bool) string { return "/fhir/" + name + "/" + read(f) }}
			accessMatrix["GET /fhir/"+name] = matrixRow{anon: 401, def: all, client: cell{200, 403}, clientScope: name,
				path: func(f *fixture, _ bool) string { return "/fhir/" + name + "?" + search }}
			continue
		}
		accessMatrix["GET /fhir/"+name+"/{id}"] = matrixRow{anon: 401, def: forbidden, want: want, client: cell{200, 403}, clientScope: name,
			path: func(f *fixture, with bool) string {
				p := pick(f, with)
				return "/fhir/" + name + "/" + f.fhirID(name, p.ID)
			}}
		accessMatrix["GET /fhir/"+name] = matrixRow{anon: 401, def: forbidden, want: want, client: cell{200, 403}, clientScope: name,
			path: func(f *fixture, with bool) string {
				p := pick(f, with)
				if name == "Patient" {
					return "/fhir/Patient?identifier=" + url.QueryEscape(joinedup.NHSNumberSystem+"|"+string(p.NHSNumber))
				}
				return "/fhir/" + name + "?patient=Patient/" + p.ID
			}}
	}
	accessMatrix["GET /fhir/metadata"] = matrixRow{path: fixed("/fhir/metadata"), anon: 200, def: cell{200, 200}}
	accessMatrix["POST /oauth/token"] = matrixRow{path: fixed("/oauth/token"), anon: 400, def: cell{400, 400},
		body: func(*fixture) string { return "grant_type=password" }}
	async := []string{"Prefer", "respond-async"}
	// Staff never bulk export; a client exports what its scopes grant.
	accessMatrix["GET /fhir/$export"] = matrixRow{path: fixed("/fhir/$export?_type=Flag&_since=2100-01-01T00:00:00Z"), header: async, anon: 401, def: forbidden,
		client: cell{202, 403}, clientScope: "Flag"}
	accessMatrix["GET /fhir/Patient/$export"] = matrixRow{path: fixed("/fhir/Patient/$export?_type=Flag&_since=2100-01-01T00:00:00Z"), header: async, anon: 401, def: forbidden,
		client: cell{202, 403}, clientScope: "Flag"}
	// Another client's job, or none, is not found.
	for _, k := range []string{"GET /fhir/$export-status/{job}", "DELETE /fhir/$export-status/{job}"} {
		accessMatrix[k] = matrixRow{path: fixed("/fhir/$export-status/nojob"), anon: 401, def: forbidden, client: cell{404, 404}}
	}
	accessMatrix["GET /fhir/$export-output/{job}/{file}"] = matrixRow{path: fixed("/fhir/$export-output/nojob/Patient.ndjson"), anon: 401,
		def: forbidden, client: cell{404, 404}}
}

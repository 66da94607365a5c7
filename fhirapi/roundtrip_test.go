package fhirapi_test

import (
	"bufio"
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestRoundTrip is the promise of docs/fhir.md: export a population with
// resources of every type the API serves, import the export into an empty
// database, export again, and every resource of every type comes back the
// same. It walks fhirapi.Types(), so a type added to the API is covered
// (and fails here until the population has one and the importer reads
// it). Importing the export a second time changes nothing.
func TestRoundTrip(t *testing.T) {
	types := fhirapi.Types()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		populate(t, db)
		dir, first := exportAll(t, db)
		for _, typ := range types {
			if len(first[typ.Name]) == 0 {
				t.Errorf("the population has no %s: give it one, so the round trip covers it", typ.Name)
			}
		}
		if t.Failed() {
			t.FailNow()
		}

		fresh := storetest.Open(t, db.Engine)
		installation(t, fresh) // accounts and policies are set up, not exported
		var rejects bytes.Buffer
		sum, err := importer.Import(ctx, fresh, []string{dir}, importer.Options{Source: "joinedup-export", Rejects: &rejects})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rejected() > 0 {
			t.Fatalf("the export was not accepted whole:\n%s", rejects.String())
		}
		for _, typ := range types {
			c := sum.ByType[typ.Name]
			if c == nil || c.Skipped > 0 || c.Imported != len(first[typ.Name]) {
				t.Errorf("%s: imported %+v of %d exported", typ.Name, c, len(first[typ.Name]))
			}
		}
		_, second := exportAll(t, fresh)
		for _, typ := range types {
			compare(t, typ.Name, first[typ.Name], second[typ.Name])
		}
		// The databases themselves are compared through their exports:
		// a patient's facts_version counts the writes that changed their
		// facts, which depend on how the facts arrived (here one batch
		// for several types, there one file per type).
		before, err := store.Checksum(ctx, fresh)
		if err != nil {
			t.Fatal(err)
		}
		careBefore := careRows(t, fresh)

		// Importing the same export again changes nothing.
		again, err := importer.Import(ctx, fresh, []string{dir}, importer.Options{Source: "joinedup-export", Rejects: &rejects})
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range types {
			if c := again.ByType[typ.Name]; c == nil || c.Imported != 0 || c.Rejected != 0 {
				t.Errorf("%s imported again: %+v, want all unchanged", typ.Name, c)
			}
		}
		if after, _ := store.Checksum(ctx, fresh); after != before {
			t.Errorf("importing again changed the source data")
		}
		if after := careRows(t, fresh); !maps.Equal(after, careBefore) {
			t.Errorf("importing again changed the care records: %v, then %v", careBefore, after)
		}
		_, third := exportAll(t, fresh)
		for _, typ := range types {
			compare(t, typ.Name, first[typ.Name], third[typ.Name])
		}
	})
}

// compare reports the first resource of a type that differs. The lines are
// compared byte for byte, with no normalisation: every id (records from
// sources by meta.source, records JoinedUp made by their own id) and every
// time, meta.lastUpdated included, is carried by the resources, so nothing
// may legitimately differ. The one value worked out at export time, a
// CareTeam's status (active while a place is held now), is the same for
// both exports, whose population's places all began or ended in the past.
func compare(t *testing.T, typ string, a, b []string) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d resources, then %d", typ, len(a), len(b))
		return
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%s differs after the round trip:\n first: %s\nsecond: %s", typ, a[i], b[i])
			return
		}
	}
}

// exportAll exports every type into a new folder, one NDJSON file per
// type, validating every resource against the R4 schema; it returns the
// folder and each type's lines, sorted.
func exportAll(t *testing.T, db *store.DB) (string, map[string][]string) {
	t.Helper()
	return exportTypes(t, db, nil)
}

// exportTypes is exportAll for some types only (nil: all).
func exportTypes(t *testing.T, db *store.DB, types []*fhirapi.Type) (string, map[string][]string) {
	t.Helper()
	schema := fhirschema.Validator(t)
	dir := t.TempDir()
	bufs := map[string]*bytes.Buffer{}
	_, err := fhirapi.Export(ctx, db, fhirapi.ExportOptions{Types: types, Output: func(typ string) (io.Writer, error) {
		bufs[typ] = &bytes.Buffer{}
		return bufs[typ], nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]string{}
	for typ, b := range bufs {
		if err := os.WriteFile(filepath.Join(dir, typ+".ndjson"), b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if err := schema.Validate(sc.Bytes()); err != nil {
				t.Errorf("exported %s is not valid R4: %v\n%s", typ, err, sc.Bytes())
			}
			lines[typ] = append(lines[typ], sc.Text())
		}
		sort.Strings(lines[typ])
	}
	return dir, lines
}

// The staff the population's records name.
var roundTripStaff = []joinedup.User{
	{Username: "rt-gp", DisplayName: "Dr Amara Okafor", Role: joinedup.RoleGP},
	{Username: "rt-coordinator", DisplayName: "Tiago Fernandes", Role: joinedup.RoleCareCoordinator},
}

// installation sets up what an installation has before any import: the
// staff accounts (returning their ids by username) and the policy
// versions assessments were made with.
func installation(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	for _, id := range []string{"pv-1", "pv-2"} {
		v := store.PolicyVersion{ID: id, Name: "test", Files: map[string]string{"rules.yaml": id}, LoadedBy: "test",
			LoadedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		if _, err := store.SavePolicyVersion(ctx, db, v); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]string{}
	for _, u := range roundTripStaff {
		made, err := store.CreateUser(ctx, db, u, "", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		ids[u.Username] = made.ID
	}
	return ids
}

// populate builds a population with at least one resource of every type:
// the Synthea sample's facts, then, for one person, the facts it lacks and
// everything care coordination records: care team, care plan versions
// with goals, tier decisions, tasks, consents, referrals, an assessment
// and a directory service.
func populate(t *testing.T, db *store.DB) {
	t.Helper()
	sample := filepath.Join("..", "testdata", "synthea-bulk-ndjson-10patients")
	if _, err := importer.Import(ctx, db, []string{sample}, importer.Options{Source: "synthea"}); err != nil {
		t.Fatal(err)
	}
	users := installation(t, db)
	gp, coordinator := users["rt-gp"], users["rt-coordinator"]
	var p joinedup.Patient
	var facts *joinedup.Facts
	err := store.EachFacts(ctx, db, store.FactsFilter{}, func(f *joinedup.Facts, _ int64) error {
		if facts == nil && len(f.Conditions) > 0 {
			p, facts = f.Patient, f
		}
		return nil
	})
	if err != nil || facts == nil {
		t.Fatalf("no patient with conditions in the sample: %v", err)
	}
	orgs, err := store.Organisations(ctx, db)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("no organisation in the sample: %v", err)
	}
	org := orgs[0].ID
	t0 := time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)
	src := func(id string) joinedup.Source {
		return joinedup.Source{System: "practice", ID: id, LastUpdated: t0}
	}
	snomed := func(code, display string) joinedup.Codings {
		return joinedup.Codings{{System: joinedup.SystemSNOMED, Code: code, Display: display}}
	}
	// An organisation whose parent is listed after it by kind and name.
	icb := joinedup.Organisation{ODS: "QKK", Name: "NHS South East London ICB", Kind: joinedup.OrgICB, Source: src("icb")}
	icb.ID = store.OrganisationID(icb)
	community := joinedup.Organisation{Name: "Lambeth Community Health Services", Kind: joinedup.OrgCommunity, ParentID: icb.ID,
		Source: src("community")}
	b := &store.Batch{
		Organisations: []joinedup.Organisation{icb, community},
		Observations: []joinedup.Observation{{PatientID: p.ID, Source: src("obs-1"), Codes: snomed("60621009", "Body mass index"),
			Status: "final", Effective: t0, Value: &joinedup.Quantity{Value: 31.2, Unit: "kg/m2"}}},
		Medications: []joinedup.Medication{{PatientID: p.ID, Source: src("med-1"), Kind: joinedup.MedicationStatement,
			Codes: snomed("322236009", "Paracetamol 500mg tablets"), Status: "active", Authored: t0}},
		Appointments: []joinedup.Appointment{{PatientID: p.ID, Source: src("appt-1"), Start: t0.AddDate(0, 1, 0),
			End: t0.AddDate(0, 1, 0).Add(30 * time.Minute), Status: "booked", Service: "Diabetes clinic"}},
		Carers: []joinedup.Carer{{PatientID: p.ID, Source: src("carer-1"), Name: "Mary Jones",
			Relationship: joinedup.Codings{{System: "http://terminology.hl7.org/CodeSystem/v3-RoleCode", Code: "DAU", Display: "daughter"}}}},
	}
	if _, err := db.WriteBatch(ctx, b); err != nil {
		t.Fatal(err)
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		// The care team: a user with a label, the practice, a daughter,
		// and a place that has ended.
		for _, m := range []joinedup.CareTeamMember{
			{Role: joinedup.CareCoordinator, UserID: coordinator, Name: "Care navigator", Start: t0},
			{Role: joinedup.CareGP, UserID: gp, Start: t0, End: t0.AddDate(0, 2, 0)},
			{Role: joinedup.CareCommunity, OrganisationID: org, Name: "District nursing", Start: t0.Add(time.Hour)},
			{Role: joinedup.CareFamily, Name: "Mary Jones", Relationship: "daughter", Start: t0},
		} {
			m.PatientID = p.ID
			if _, err := store.AddCareTeamMember(ctx, tx, m); err != nil {
				return err
			}
		}
		// Two versions of the plan: the first's goals are contained in
		// its CarePlan, the second's are Goals of their own.
		plan := joinedup.CarePlan{PatientID: p.ID, AboutMe: "I live alone with my cat.", WhatMatters: "Staying at home",
			Strengths: "Good neighbours", SupportNetwork: "My daughter Mary", SelfManagement: "I check my sugars",
			ActivationLevel: 2, Contingency: "Call the practice", NextReview: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC),
			Goals: []joinedup.Goal{{Description: "Walk to the shops", Steps: []string{"Walk to the gate", "Walk to the corner"},
				Owner: "Me", TargetDate: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Status: joinedup.GoalInProgress}},
			Actions: []joinedup.AgreedAction{{Description: "Refer to falls clinic", Owner: "GP", Due: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
				Status: joinedup.ActionOpen}}}
		if _, err := store.SaveCarePlan(ctx, tx, plan, 0, gp, t0); err != nil {
			return err
		}
		plan.SelfManagement = ""
		plan.Goals[0].Status = joinedup.GoalAchieved
		plan.Goals = append(plan.Goals, joinedup.Goal{Description: "Join the choir", Owner: "Me and Mary", Status: joinedup.GoalNotStarted},
			joinedup.Goal{Description: "Stop smoking", Status: joinedup.GoalStopped})
		plan.Actions[0].Status = joinedup.ActionDone
		plan.Actions = append(plan.Actions, joinedup.AgreedAction{Description: "Blood test", Status: joinedup.ActionCancelled})
		if _, err := store.SaveCarePlan(ctx, tx, plan, 1, coordinator, t0.AddDate(0, 1, 0)); err != nil {
			return err
		}
		// Tier decisions: one as suggested, then an override.
		for _, d := range []joinedup.TierDecision{
			{SuggestedTier: joinedup.TierAmber, Tier: joinedup.TierAmber, DecidedBy: gp, DecidedAt: t0},
			{SuggestedTier: joinedup.TierAmber, Tier: joinedup.TierRed, Overridden: true, Reason: "Lives alone; two falls (since March)",
				DecidedBy: gp, DecidedAt: t0.AddDate(0, 1, 0)},
		} {
			d.PatientID, d.AssessmentID = p.ID, "a1"
			if err := store.SaveDecision(ctx, tx, &d); err != nil {
				return err
			}
		}
		// Tasks: one open for a person, one done by the organisation.
		open := joinedup.Task{PatientID: p.ID, Kind: joinedup.TaskTierReview, Title: "Review the tier", Reason: "tier moved up",
			AssigneeUser: gp, Due: time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC), Priority: 1, DedupeKey: "tier-review", CreatedAt: t0}
		if _, err := store.RaiseTask(ctx, tx, &open); err != nil {
			return err
		}
		done := joinedup.Task{PatientID: p.ID, Kind: joinedup.TaskReviewSuggestedTier, Title: "Confirm the suggested tier",
			AssigneeOrg: org, Priority: 3, DedupeKey: "review", CreatedAt: t0}
		if _, err := store.RaiseTask(ctx, tx, &done); err != nil {
			return err
		}
		if _, err := store.CloseTasksBecause(ctx, tx, p.ID, joinedup.TaskReviewSuggestedTier, "decided", t0.AddDate(0, 0, 2)); err != nil {
			return err
		}
		// Consents: social care only, then voluntary organisations too,
		// limited to some fields of a referral.
		for _, c := range []joinedup.Consent{
			{SocialCare: true, RecordedBy: gp, RecordedAt: t0, Note: "Discussed at the review"},
			{SocialCare: true, Voluntary: true, VoluntaryFields: []string{joinedup.ShareName, joinedup.ShareReason}, RecordedBy: coordinator,
				RecordedAt: t0.AddDate(0, 0, 7)},
		} {
			c.PatientID = p.ID
			if _, err := store.RecordConsent(ctx, tx, c); err != nil {
				return err
			}
		}
		// A service in the directory, and referrals to it: one accepted,
		// one declined.
		svc, err := store.PutService(ctx, tx, joinedup.Service{ID: "3f1c0a6e-4a8e-4c53-9d0b-6c1f0a5e2b11", Name: "Lunch club",
			Description: "A hot lunch and company", Status: "active", URL: "https://example.org/lunch", Email: "lunch@example.org",
			Organisation: joinedup.ServiceOrganisation{ID: "or-org-1", Name: "Age UK Lambeth"}, MinimumAge: 65,
			Languages: []string{"en", "pt"}, Areas: []string{"Lambeth"},
			Terms: []joinedup.ServiceTerm{{Taxonomy: joinedup.TaxonomyNeeds, Code: "loneliness", Name: "Loneliness"},
				{Taxonomy: joinedup.TaxonomyServiceTypes, Code: "activities", Name: "Activities"},
				{Taxonomy: joinedup.TaxonomyCircumstances, Code: "older-people", Name: "Older people"}},
			Contacts:  []joinedup.ServiceContact{{Name: "Jo", Phone: "020 7946 0000"}},
			Schedules: []joinedup.ServiceSchedule{{ByDay: "MO,WE", OpensAt: "12:00", ClosesAt: "14:30"}, {ByDay: "FR", OpensAt: "10:00:00", ClosesAt: "12:00:00"}}}, "", t0)
		if err != nil {
			return err
		}
		// A provider with an ODS code that another source describes
		// differently (its row is as that source last said).
		trust, err := store.PutService(ctx, tx, joinedup.Service{ID: "8a0f4f0e-2b7d-4c8e-9a51-3e2f6b1d9c02", Name: "Memory clinic", Status: "active",
			Organisation: joinedup.ServiceOrganisation{ID: "or-org-2", ODS: "RV5", Name: "Maudsley memory service"}}, "", t0)
		if err != nil {
			return err
		}
		if _, err := store.Write(ctx, tx, &store.Batch{Organisations: []joinedup.Organisation{{ID: trust.OrganisationID, ODS: "RV5",
			Name: "South London and Maudsley NHS Foundation Trust", Kind: joinedup.OrgTrust,
			Source: joinedup.Source{System: "ods", ID: "RV5", LastUpdated: t0}}}}); err != nil {
			return err
		}
		for _, r := range []joinedup.Referral{
			{Reason: "Lonely", Status: joinedup.ReferralAccepted, Created: t0.AddDate(0, 0, 3), CreatedBy: coordinator,
				Shared: []string{joinedup.ShareName}},
			{Reason: "Lonely", Status: joinedup.ReferralDeclined, Created: t0, Closed: t0.AddDate(0, 0, 2), Note: "Full"},
		} {
			r.PatientID, r.OrganisationID, r.ServiceID = p.ID, svc.OrganisationID, svc.ID
			if _, err := store.AddReferral(ctx, tx, r); err != nil {
				return err
			}
		}
		// Assessments: outside the cohort, then in it, with evidence.
		var conditions []joinedup.Evidence
		for _, c := range facts.Conditions {
			conditions = append(conditions, joinedup.Evidence{Kind: joinedup.FactCondition, FactID: c.ID, Display: c.Codes[0].Display})
		}
		stored, err := store.LoadFacts(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		bmi := joinedup.Evidence{Kind: joinedup.FactObservation, FactID: stored.Observations[0].ID, Display: "Body mass index"}
		for i, a := range []joinedup.Assessment{
			{PolicyVersion: "pv-1", AsOf: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), SuggestedTier: joinedup.TierGreen,
				DataGaps: []joinedup.DataGap{{Rule: "bmi", Description: "no BMI in 2 years"}}},
			{PolicyVersion: "pv-2", AsOf: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Eligible: true, SuggestedTier: joinedup.TierAmber,
				LTCs:        []joinedup.Finding{{ID: "ltc", Name: "A long-term condition", Evidence: conditions}},
				RiskFactors: []joinedup.Finding{{ID: "bmi", Name: "BMI 30 or more", Evidence: []joinedup.Evidence{bmi}}},
				RulesFired: []joinedup.RuleFired{{Name: "amber-ltc", Rationale: "one LTC; a risk factor", Tier: joinedup.TierAmber},
					{Name: "cohort"}}},
		} {
			a.PatientID = p.ID
			if _, err := store.SaveAssessments(ctx, tx, []store.AssessmentInput{{Assessment: a}}, t0.AddDate(0, i, -10)); err != nil {
				return err
			}
		}
		// Referrals to an organisation: one closed, one open.
		for _, r := range []joinedup.Referral{
			{OrganisationID: org, Reason: "Falls assessment", WhatMatters: "Staying at home", CreatedBy: gp, Created: t0, Closed: t0.AddDate(0, 1, 0)},
			{OrganisationID: org, Reason: "Befriending", Created: t0.AddDate(0, 0, 1)},
		} {
			r.PatientID = p.ID
			if _, err := store.AddReferral(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	must(err)
}

// careRows counts the rows of the tables care records are kept in, and
// the directory's service versions.
func careRows(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, q := range []string{"care_plans", "current_care_plans", "care_team_members", "care_team_people", "tier_decisions",
		"current_tiers", "tasks", "consents", "referrals", "assessments", "current_assessments", "directory_services"} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[q] = n
	}
	var versions int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(version), 0) FROM directory_services").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	out["service versions"] = versions
	return out
}

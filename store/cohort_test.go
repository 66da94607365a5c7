package store_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestCohortFollowsRegistration moves an assessed patient between
// practices, by each write path, and expects the patient on the new
// practice's list and off the old one's, at once and without a new
// assessment: the practice held beside the assessment must never keep a
// patient from a GP's list, nor show one to a GP no longer related. The
// same for the name lists are ordered and searched by, and for a death.
func TestCohortFollowsRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		loc, prac := b.Organisations[0], b.Organisations[1]
		other := joinedup.Organisation{ODS: "G85002", Name: "Other Practice", Kind: joinedup.OrgPractice, ParentID: loc.ID,
			Source: joinedup.Source{System: "test", ID: "prac2"}}
		other.ID = store.OrganisationID(other)
		b.Organisations = append(b.Organisations, other)
		write(t, db, b)
		p1 := b.Patients[0]
		storetest.Assess(t, db, t0, map[string]bool{p1.ID: true, b.Patients[1].ID: false})

		list := func(practiceID string) []string {
			t.Helper()
			gp := joinedup.User{ID: "gp-" + practiceID, Username: "gp", Role: joinedup.RoleGP, OrganisationID: practiceID}
			rows, total, err := store.ListCohort(ctx, db, store.CohortFilter{Viewer: gp, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range rows {
				ids = append(ids, r.Patient.ID)
			}
			if total != len(ids) {
				t.Fatalf("total %d for %d rows", total, len(ids))
			}
			return ids
		}
		expect := func(step, at string, want []string) {
			t.Helper()
			if got := list(at); !slices.Equal(got, want) {
				t.Fatalf("%s: list of %s = %v, want %v", step, at, got, want)
			}
		}
		expect("assessed", prac.ID, []string{p1.ID})
		expect("assessed", other.ID, nil)

		move := func(to string, version string) *store.Batch {
			p := p1
			p.PracticeID, p.Source.VersionID = to, version
			return &store.Batch{Patients: []joinedup.Patient{p}}
		}
		write(t, db, move(other.ID, "2"))
		expect("moved row by row", prac.ID, nil)
		expect("moved row by row", other.ID, []string{p1.ID})

		if _, err := db.WriteBatch(ctx, move(prac.ID, "3")); err != nil {
			t.Fatal(err)
		}
		expect("moved back in bulk", prac.ID, []string{p1.ID})
		expect("moved back in bulk", other.ID, nil)

		// Were the copy ever stale, the patient row still decides who
		// is related…
		if _, err := db.ExecContext(ctx, "UPDATE current_assessments SET practice_id = $1 WHERE patient_id = $2", other.ID, p1.ID); err != nil {
			t.Fatal(err)
		}
		expect("stale copy", other.ID, nil)
		// …and saving the same assessment again puts it right.
		storetest.Assess(t, db, t0, map[string]bool{p1.ID: true})
		var got sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT practice_id FROM current_assessments WHERE patient_id = $1", p1.ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got.String != prac.ID {
			t.Fatalf("practice beside the unchanged assessment = %q, want %q", got.String, prac.ID)
		}
		expect("reassessed", prac.ID, []string{p1.ID})

		// The same again through the engine's fastest path.
		if _, err := db.ExecContext(ctx, "UPDATE current_assessments SET practice_id = NULL WHERE patient_id = $1", p1.ID); err != nil {
			t.Fatal(err)
		}
		_, a, err := store.CurrentAssessment(ctx, db, p1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SaveAssessments(ctx, db, []store.AssessmentInput{{Assessment: a, FactsVersion: 1}}, t0); err != nil {
			t.Fatal(err)
		}
		expect("reassessed in bulk", prac.ID, []string{p1.ID})

		// A new name is found by a search at once, by each write path,
		// and a death takes the patient off the list and its count.
		named := func(search string) []string {
			t.Helper()
			gp := joinedup.User{ID: "gp-" + prac.ID, Username: "gp", Role: joinedup.RoleGP, OrganisationID: prac.ID}
			rows, total, err := store.ListCohort(ctx, db, store.CohortFilter{Viewer: gp, Now: t0, Search: search})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Patient.GivenName+" "+r.Patient.FamilyName)
			}
			if total != len(got) {
				t.Fatalf("total %d for %d rows", total, len(got))
			}
			return got
		}
		changed := func(version string, change func(*joinedup.Patient)) *store.Batch {
			p := p1
			p.Source.VersionID = version
			change(&p)
			return &store.Batch{Patients: []joinedup.Patient{p}}
		}
		write(t, db, changed("4", func(p *joinedup.Patient) { p.FamilyName = "Okafor" }))
		if got := named("okaf"); !slices.Equal(got, []string{"Jane Okafor"}) {
			t.Fatalf("renamed row by row: %q", got)
		}
		if _, err := db.WriteBatch(ctx, changed("5", func(p *joinedup.Patient) { p.FamilyName = "Mensah" })); err != nil {
			t.Fatal(err)
		}
		if got, old := named("mens"), named("okaf"); !slices.Equal(got, []string{"Jane Mensah"}) || old != nil {
			t.Fatalf("renamed in bulk: %q, and by the old name %q", got, old)
		}
		died := day("2025-02-01")
		if _, err := db.WriteBatch(ctx, changed("6", func(p *joinedup.Patient) { p.FamilyName, p.Deceased = "Mensah", &died })); err != nil {
			t.Fatal(err)
		}
		expect("died", prac.ID, nil)
		// Were the copy ever stale, the patient row still keeps the
		// dead off the list.
		if _, err := db.ExecContext(ctx, "UPDATE current_assessments SET deceased = FALSE WHERE patient_id = $1", p1.ID); err != nil {
			t.Fatal(err)
		}
		if rows, _, err := store.ListCohort(ctx, db, store.CohortFilter{Viewer: joinedup.User{ID: "gp", Username: "gp", Role: joinedup.RoleGP,
			OrganisationID: prac.ID}, Now: t0}); err != nil || len(rows) != 0 {
			t.Fatalf("stale copy of a death: %d rows, %v", len(rows), err)
		}
	})
}

// TestWorklistTasks checks the worklist's tasks: those assigned to the
// user or the user's organisation, each once, soonest due first (undated
// last), a page at a time, and never about a patient the user is no
// longer related to.
func TestWorklistTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		prac := b.Organisations[1]
		write(t, db, b)
		p1, p2 := b.Patients[0], b.Patients[1] // p2 is registered nowhere
		gp := joinedup.User{ID: "gp1", Username: "gp1", Role: joinedup.RoleGP, OrganisationID: prac.ID}
		day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
		raise := func(key string, patient, org, user string, due time.Time, priority int) {
			t.Helper()
			task := joinedup.Task{PatientID: patient, Kind: "review", Title: key, AssigneeOrg: org, AssigneeUser: user, Due: due,
				Priority: priority, CreatedAt: t0, DedupeKey: key}
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := store.RaiseTask(ctx, tx, &task); return err }); err != nil {
				t.Fatal(err)
			}
		}
		raise("org later", p1.ID, prac.ID, "", day(20), 2)
		raise("org undated", p1.ID, prac.ID, "", time.Time{}, 1)
		raise("user soonest", p1.ID, "", gp.ID, day(2), 3)
		raise("both", p1.ID, prac.ID, gp.ID, day(10), 2)
		raise("org same day, urgent", p1.ID, prac.ID, "", day(20), 1)
		raise("someone else's", p1.ID, "", "gp2", day(1), 1)
		raise("unrelated patient", p2.ID, prac.ID, "", day(1), 1)

		titles := func(offset, limit int) []string {
			t.Helper()
			items, err := store.WorklistTasks(ctx, db, gp, t0, offset, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, w := range items {
				out = append(out, w.Task.Title)
			}
			return out
		}
		want := []string{"user soonest", "both", "org same day, urgent", "org later", "org undated"}
		if got := titles(0, 10); !slices.Equal(got, want) {
			t.Fatalf("worklist = %q, want %q", got, want)
		}
		for _, page := range []struct{ offset, limit int }{{0, 2}, {2, 2}, {4, 2}, {3, 10}, {5, 2}} {
			wantPage := want[min(page.offset, len(want)):min(page.offset+page.limit, len(want))]
			if got := titles(page.offset, page.limit); !slices.Equal(got, wantPage) {
				t.Fatalf("worklist from %d, %d of them = %q, want %q", page.offset, page.limit, got, wantPage)
			}
		}
	})
}

// secondLocality is a locality and a practice in it, besides sample's.
func secondLocality() (locality, practice joinedup.Organisation) {
	locality = joinedup.Organisation{ODS: "LOC02", Name: "South Southwark", Kind: joinedup.OrgLocality, Source: joinedup.Source{System: "test", ID: "loc2"}}
	locality.ID = store.OrganisationID(locality)
	practice = joinedup.Organisation{ODS: "G85009", Name: "Camberwell Practice", Kind: joinedup.OrgPractice, ParentID: locality.ID,
		Source: joinedup.Source{System: "test", ID: "prac9"}}
	practice.ID = store.OrganisationID(practice)
	return locality, practice
}

// TestListCohortByLocality lists the cohort of a care coordinator whose
// team cares for patients in two localities: the locality filter keeps
// each locality's practices' patients, and every row names its practice.
func TestListCohortByLocality(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		loc, prac := b.Organisations[0], b.Organisations[1]
		loc2, prac2 := secondLocality()
		p3 := joinedup.Patient{Source: joinedup.Source{System: "test", ID: "p3"}, GivenName: "Amal", FamilyName: "Abara", PracticeID: prac2.ID}
		p3.ID = joinedup.PatientID(p3)
		b.Organisations = append(b.Organisations, loc2, prac2)
		b.Patients = append(b.Patients, p3)
		write(t, db, b)
		p1 := b.Patients[0]
		storetest.Assess(t, db, t0, map[string]bool{p1.ID: true, p3.ID: true})
		cc := joinedup.User{ID: "cc1", Username: "cc1", Role: joinedup.RoleCareCoordinator, OrganisationID: loc.ID}
		for _, p := range []string{p1.ID, p3.ID} {
			if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p, OrganisationID: loc.ID, Role: "care coordinator", Start: t0}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			locality string
			want     []string // "patient at practice", in list order
		}{
			{"", []string{"Abara at Camberwell Practice", "Smith at Lambeth Walk Group Practice"}},
			{loc.ID, []string{"Smith at " + prac.Name}},
			{loc2.ID, []string{"Abara at Camberwell Practice"}},
			{prac.ID, nil}, // a practice is not a locality
		} {
			rows, total, err := store.ListCohort(ctx, db, store.CohortFilter{Viewer: cc, Now: t0, LocalityID: c.locality})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Patient.FamilyName+" at "+r.PracticeName)
			}
			if !slices.Equal(got, c.want) || total != len(c.want) {
				t.Errorf("locality %q: %q (total %d), want %q", c.locality, got, total, c.want)
			}
		}
	})
}

// TestListCohortFilters lists a GP's cohort through every filter, against
// a population that has one of each case: decided, overridden and
// undecided suggestions at each tier, data gaps, a patient linked by the
// care team rather than registration, one who has died, one not eligible
// and one at another practice.
func TestListCohortFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		loc, prac := b.Organisations[0], b.Organisations[1]
		loc2, prac2 := secondLocality()
		sc := joinedup.Organisation{ODS: "SC1", Name: "Lambeth Adult Social Care", Kind: joinedup.OrgSocialCare, Source: joinedup.Source{System: "test", ID: "sc1"}}
		sc.ID = store.OrganisationID(sc)
		b.Organisations = append(b.Organisations, loc2, prac2, sc)
		died := day("2025-01-01")
		person := func(id, given, family, practice string) joinedup.Patient {
			p := joinedup.Patient{Source: joinedup.Source{System: "test", ID: id}, GivenName: given, FamilyName: family, PracticeID: practice}
			p.ID = joinedup.PatientID(p)
			return p
		}
		smith, ng := b.Patients[0], b.Patients[1] // Jane Smith at prac (NHS 900 000 0009); Zoë Ng registered nowhere
		adams, brown := person("a", "Bob", "Adams", prac.ID), person("b", "Cara", "Brown", prac.ID)
		dead, ian, far := person("d", "Dan", "Dead", prac.ID), person("i", "Ian", "Ineligible", prac.ID), person("f", "Faye", "Far", prac2.ID)
		dead.Deceased = &died
		b.Patients = append(b.Patients, adams, brown, dead, ian, far)
		write(t, db, b)
		v := store.PolicyVersion{ID: "filters", Name: "test", Files: map[string]string{"rules.yaml": "test"}, LoadedBy: "test", LoadedAt: t0}
		if _, err := store.SavePolicyVersion(ctx, db, v); err != nil {
			t.Fatal(err)
		}
		assess := func(p joinedup.Patient, eligible bool, tier joinedup.Tier, gaps int) store.AssessmentInput {
			a := joinedup.Assessment{PatientID: p.ID, PolicyVersion: v.ID, AsOf: t0, Eligible: eligible, SuggestedTier: tier}
			for range gaps {
				a.DataGaps = append(a.DataGaps, joinedup.DataGap{Rule: "bmi", Description: "No BMI"})
			}
			return store.AssessmentInput{Assessment: a, FactsVersion: 1}
		}
		saved, err := store.SaveAssessments(ctx, db, []store.AssessmentInput{assess(adams, true, joinedup.TierRed, 0),
			assess(brown, true, joinedup.TierAmber, 0), assess(smith, true, joinedup.TierAmber, 2), assess(ng, true, joinedup.TierGreen, 0),
			assess(dead, true, joinedup.TierRed, 0), assess(ian, false, joinedup.TierGreen, 0), assess(far, true, joinedup.TierRed, 0)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		gp, err := store.CreateUser(ctx, db, joinedup.User{Username: "gp1", DisplayName: "Dr One", Role: joinedup.RoleGP, OrganisationID: prac.ID}, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range []joinedup.TierDecision{
			{PatientID: adams.ID, SuggestedTier: joinedup.TierRed, Tier: joinedup.TierRed},
			{PatientID: brown.ID, SuggestedTier: joinedup.TierAmber, Tier: joinedup.TierRed, Overridden: true, Reason: "falls"},
		} {
			d.AssessmentID, d.DecidedBy, d.DecidedAt = saved[i].ID, gp.ID, t0
			if err := store.SaveDecision(ctx, db, &d); err != nil {
				t.Fatal(err)
			}
		}
		// Zoë Ng is on the care team of the practice and of social care;
		// she and Jane Smith are on social care's, and only Jane Smith
		// consents to sharing with social care.
		for _, m := range []store.CareTeamMember{{PatientID: ng.ID, OrganisationID: prac.ID, Role: "other"},
			{PatientID: ng.ID, OrganisationID: sc.ID, Role: "social worker"}, {PatientID: smith.ID, OrganisationID: sc.ID, Role: "social worker"}} {
			m.Start = t0
			if _, err := store.AddCareTeamMember(ctx, db, m); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []joinedup.Consent{{PatientID: smith.ID, SocialCare: true}, {PatientID: ng.ID, Voluntary: true}} {
			c.RecordedBy, c.RecordedAt = gp.ID, t0
			if _, err := store.RecordConsent(ctx, db, c); err != nil {
				t.Fatal(err)
			}
		}
		social := joinedup.User{ID: "sw1", Username: "sw1", Role: joinedup.RoleCommunitySocialCare, OrganisationID: sc.ID}
		all := []string{"Adams red confirmed", "Brown red overridden", "Smith amber suggested", "Ng green suggested"}
		for _, c := range []struct {
			name  string
			f     store.CohortFilter
			want  []string
			total int // when not len(want)
		}{
			{"everyone", store.CohortFilter{Viewer: gp}, all, 0},
			{"red", store.CohortFilter{Viewer: gp, Tier: joinedup.TierRed}, all[:2], 0},
			{"amber", store.CohortFilter{Viewer: gp, Tier: joinedup.TierAmber}, all[2:3], 0},
			{"green", store.CohortFilter{Viewer: gp, Tier: joinedup.TierGreen}, all[3:], 0},
			{"suggested", store.CohortFilter{Viewer: gp, Status: store.StatusSuggested}, all[2:], 0},
			{"confirmed", store.CohortFilter{Viewer: gp, Status: store.StatusConfirmed}, all[:1], 0},
			{"overridden", store.CohortFilter{Viewer: gp, Status: store.StatusOverridden}, all[1:2], 0},
			{"data gaps", store.CohortFilter{Viewer: gp, DataGaps: true}, all[2:3], 0},
			{"practice", store.CohortFilter{Viewer: gp, PracticeID: prac.ID}, all[:3], 0},
			{"other practice", store.CohortFilter{Viewer: gp, PracticeID: prac2.ID}, nil, 0},
			{"locality", store.CohortFilter{Viewer: gp, LocalityID: loc.ID}, all[:3], 0},
			{"other locality", store.CohortFilter{Viewer: gp, LocalityID: loc2.ID}, nil, 0},
			{"family name", store.CohortFilter{Viewer: gp, Search: "SMI"}, all[2:3], 0},
			{"given name", store.CohortFilter{Viewer: gp, Search: "zo"}, all[3:], 0},
			{"whole name", store.CohortFilter{Viewer: gp, Search: "jane smith"}, all[2:3], 0},
			{"NHS number", store.CohortFilter{Viewer: gp, Search: "900 000 0009"}, all[2:3], 0},
			{"unrelated name", store.CohortFilter{Viewer: gp, Search: "far"}, nil, 0},
			{"like characters", store.CohortFilter{Viewer: gp, Search: "%"}, nil, 0},
			{"first page", store.CohortFilter{Viewer: gp, Limit: 2}, all[:2], 4},
			{"second page", store.CohortFilter{Viewer: gp, Limit: 2, Offset: 2}, all[2:], 4},
			{"past the end", store.CohortFilter{Viewer: gp, Limit: 2, Offset: 6}, nil, 4},
			{"social care, with consent only", store.CohortFilter{Viewer: social}, all[2:3], 0},
		} {
			c.f.Now = t0
			rows, total, err := store.ListCohort(ctx, db, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%s %s %s", r.Patient.FamilyName, string(r.Tier), r.Status))
			}
			if c.total == 0 {
				c.total = len(c.want)
			}
			if !slices.Equal(got, c.want) || total != c.total {
				t.Errorf("%s: %q (total %d), want %q (total %d)", c.name, got, total, c.want, c.total)
			}
		}
	})
}

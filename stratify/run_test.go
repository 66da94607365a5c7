package stratify_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
)

var (
	ctx = context.Background()
	now = time.Date(2024, 7, 1, 8, 0, 0, 0, time.UTC)
)

// batchOf turns fixture facts into a store batch, linking every fact to its
// patient and the patient to the practice.
func batchOf(practiceID string, fs ...*joinedup.Facts) *store.Batch {
	b := &store.Batch{}
	for _, f := range fs {
		p := f.Patient
		p.Source = joinedup.Source{System: "fixture", ID: p.ID}
		p.PracticeID = practiceID
		b.Patients = append(b.Patients, p)
		for _, c := range f.Conditions {
			c.PatientID = p.ID
			b.Conditions = append(b.Conditions, c)
		}
		for _, o := range f.Observations {
			o.PatientID = p.ID
			b.Observations = append(b.Observations, o)
		}
		for _, m := range f.Medications {
			m.PatientID = p.ID
			b.Medications = append(b.Medications, m)
		}
		for _, e := range f.Encounters {
			e.PatientID = p.ID
			b.Encounters = append(b.Encounters, e)
		}
	}
	return b
}

// seed writes a locality, a practice and the patients.
func seed(t *testing.T, db *store.DB, fs ...*joinedup.Facts) string {
	t.Helper()
	loc := joinedup.Organisation{ODS: "LOC1", Name: "North Lambeth", Kind: joinedup.OrgLocality, Source: joinedup.Source{System: "fixture", ID: "loc"}}
	loc.ID = store.OrganisationID(loc)
	prac := joinedup.Organisation{ODS: "G85001", Name: "Lambeth Walk", Kind: joinedup.OrgPractice, ParentID: loc.ID, Source: joinedup.Source{System: "fixture", ID: "prac"}}
	prac.ID = store.OrganisationID(prac)
	b := batchOf(prac.ID, fs...)
	b.Organisations = []joinedup.Organisation{loc, prac}
	writeBatch(t, db, b)
	return prac.ID
}

func writeBatch(t *testing.T, db *store.DB, b *store.Batch) {
	t.Helper()
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := store.Write(ctx, tx, b); return err }); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, db *store.DB, opt stratify.RunOptions) stratify.RunSummary {
	t.Helper()
	if opt.Policy == nil {
		p, _, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", now)
		if err != nil {
			t.Fatal(err)
		}
		opt.Policy = p
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = asOf
	}
	opt.Now = func() time.Time { return now }
	s, err := stratify.Run(ctx, db, opt)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return s
}

// currentAll returns every patient's current assessment.
func currentAll(t *testing.T, db *store.DB, ids ...string) map[string]joinedup.Assessment {
	t.Helper()
	out := map[string]joinedup.Assessment{}
	for _, id := range ids {
		_, a, err := store.CurrentAssessment(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = a
	}
	return out
}

func openTasks(t *testing.T, db *store.DB, patientID string) []joinedup.Task {
	t.Helper()
	ts, err := store.OpenTasks(ctx, db, patientID)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// reviewTasks are the open tasks stratification itself raises (suggestion
// and tier reviews), leaving aside the pathway tasks a decision raises.
func reviewTasks(t *testing.T, db *store.DB, patientID string) []joinedup.Task {
	t.Helper()
	var out []joinedup.Task
	for _, tk := range openTasks(t, db, patientID) {
		if tk.Kind == joinedup.TaskReviewSuggestedTier || tk.Kind == joinedup.TaskTierReview {
			out = append(out, tk)
		}
	}
	return out
}

func kindsOf(ts []joinedup.Task) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Kind)
	}
	slices.Sort(out)
	return out
}

func TestRunStoresAssessmentsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		practice := seed(t, db, base("p1"), base("p2"), bare("p3"))
		s := run(t, db, stratify.RunOptions{})
		if s.Total.Assessed != 3 || s.Total.Eligible != 2 || s.Written != 3 {
			t.Fatalf("first run: %+v", s)
		}
		if c := s.ByLocality["North Lambeth"]; c == nil || c.Eligible != 2 || c.ByTier[joinedup.TierGreen] != 2 {
			t.Fatalf("by locality: %+v", s.ByLocality)
		}
		// Each newly eligible patient has one review task, for the practice.
		for _, p := range []string{"p1", "p2"} {
			ts := openTasks(t, db, p)
			if len(ts) != 1 || ts[0].Kind != joinedup.TaskReviewSuggestedTier || ts[0].AssigneeOrg != practice {
				t.Fatalf("%s tasks: %+v", p, ts)
			}
		}
		if ts := openTasks(t, db, "p3"); len(ts) != 0 {
			t.Fatalf("ineligible patient got tasks: %+v", ts)
		}
		// The lists plan from statistics of the assessments just written.
		stats := "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'current_assessments'"
		if db.Engine == store.Postgres {
			stats = `SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'current_assessments'
				AND schemaname = current_schema() AND last_analyze IS NOT NULL`
		}
		var analysed int
		if err := db.QueryRowContext(ctx, stats).Scan(&analysed); err != nil || analysed == 0 {
			t.Fatalf("no statistics of the current assessments after a full run (%v)", err)
		}
		again := run(t, db, stratify.RunOptions{})
		if again.Written != 0 || again.TasksRaised != 0 || again.Drift != 0 {
			t.Fatalf("re-run on unchanged facts wrote %+v", again)
		}
		if h, _ := store.AssessmentHistory(ctx, db, "p1"); len(h) != 1 {
			t.Fatalf("history after two identical runs: %d entries", len(h))
		}
	})
}

func TestIncrementalEqualsFull(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ids := []string{"p1", "p2", "p3", "p4"}
			population := func() []*joinedup.Facts { return []*joinedup.Facts{base("p1"), base("p2"), bare("p3"), base("p4")} }
			incr, full := storetest.Open(t, e), storetest.Open(t, e)
			for _, db := range []*store.DB{incr, full} {
				seed(t, db, population()...)
				run(t, db, stratify.RunOptions{})
			}
			// A partial re-import: p3 gains a BMI and a smoking code (and
			// so joins the cohort), p1 gains two emergency admissions.
			p3 := bare("p3")
			p3.Observations = base("p3").Observations
			p1 := base("p1")
			p1.Encounters = append(p1.Encounters, enc("p1-e1", "IMP", day(2024, 3, 1), ""), enc("p1-e2", "IMP", day(2024, 5, 1), ""))
			for i := range p1.Encounters {
				p1.Encounters[i].Emergency = true
			}
			for _, db := range []*store.DB{incr, full} {
				writeBatch(t, db, batchOf(store.OrganisationID(joinedup.Organisation{ODS: "G85001"}), p3, p1))
			}
			si := run(t, incr, stratify.RunOptions{Changed: true})
			if si.Total.Assessed != 2 {
				t.Fatalf("incremental assessed %d patients, want the 2 changed", si.Total.Assessed)
			}
			run(t, full, stratify.RunOptions{})
			got, want := currentAll(t, incr, ids...), currentAll(t, full, ids...)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("incremental differs from full:\n%+v\n%+v", got, want)
			}
			if !got["p3"].Eligible || got["p1"].SuggestedTier != joinedup.TierRed {
				t.Fatalf("changes not seen: p3 eligible %v, p1 tier %s", got["p3"].Eligible, got["p1"].SuggestedTier)
			}
			// Drift: p1 moved up to Red; p3 entered the cohort.
			d1, _ := store.DriftEvents(ctx, incr, "p1")
			d3, _ := store.DriftEvents(ctx, incr, "p3")
			if !hasDrift(d1, joinedup.DriftTierUp) || !hasDrift(d3, joinedup.DriftBecameEligible) {
				t.Fatalf("drift p1 %+v, p3 %+v", d1, d3)
			}
			if again := run(t, incr, stratify.RunOptions{Changed: true}); again.Total.Assessed != 0 {
				t.Fatalf("second incremental run assessed %d", again.Total.Assessed)
			}
		})
	}
}

func hasDrift(es []joinedup.DriftEvent, k joinedup.DriftKind) bool {
	for _, e := range es {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func TestDecisionAndTierReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		practice := seed(t, db, base("p1"))
		run(t, db, stratify.RunOptions{})
		decide := func(tier joinedup.Tier, reason string) error {
			a := coord.System("test", now)
			a.User.ID = "dr-a"
			_, err := coord.New(db, nil).DecideTier(ctx, a, "p1", tier, reason)
			return err
		}
		if err := decide(joinedup.TierAmber, ""); !errors.Is(err, joinedup.ErrInvalid) {
			t.Fatalf("override without a reason: %v", err)
		}
		if err := decide(joinedup.TierGreen, ""); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if ts := reviewTasks(t, db, "p1"); len(ts) != 0 {
			t.Fatalf("the decision did not close the review task: %+v", ts)
		}
		// The Green pathway (policy, not code) raises its task.
		if k := kindsOf(openTasks(t, db, "p1")); !slices.Equal(k, []string{"offer-community-support"}) {
			t.Fatalf("tasks after confirming Green: %v", k)
		}
		d, ok, err := store.CurrentDecision(ctx, db, "p1")
		if err != nil || !ok || d.Tier != joinedup.TierGreen || d.Overridden {
			t.Fatalf("current decision %+v %v %v", d, ok, err)
		}
		// New facts make the suggestion Red: a tier review is raised once, and
		// the confirmed tier does not change by itself.
		p1 := base("p1")
		p1.Encounters = []joinedup.Encounter{enc("e1", "IMP", day(2024, 3, 1), ""), enc("e2", "IMP", day(2024, 5, 1), "")}
		p1.Encounters[0].Emergency, p1.Encounters[1].Emergency = true, true
		writeBatch(t, db, batchOf(practice, p1))
		s := run(t, db, stratify.RunOptions{Changed: true})
		if s.TasksRaised != 1 {
			t.Fatalf("tasks raised %d, want 1 tier review", s.TasksRaised)
		}
		ts := reviewTasks(t, db, "p1")
		if len(ts) != 1 || ts[0].Kind != joinedup.TaskTierReview || ts[0].Priority != 1 || ts[0].AssigneeOrg != practice {
			t.Fatalf("tasks %+v", ts)
		}
		if d, _, _ := store.CurrentDecision(ctx, db, "p1"); d.Tier != joinedup.TierGreen {
			t.Fatalf("the confirmed tier changed without a clinician: %s", d.Tier)
		}
		// The same event seen again raises nothing new.
		p1.Observations = append(p1.Observations, obs("p1-bmi2", loinc, "39156-5", day(2024, 6, 1), 33, "kg/m2"))
		writeBatch(t, db, batchOf(practice, p1))
		if s := run(t, db, stratify.RunOptions{Changed: true}); s.TasksRaised != 0 {
			t.Fatalf("tier review raised again: %+v", s)
		}
		if err := decide(joinedup.TierRed, ""); err != nil {
			t.Fatal(err)
		}
		if ts := reviewTasks(t, db, "p1"); len(ts) != 0 {
			t.Fatalf("confirming Red left tasks open: %+v", ts)
		}
		// Moving to Red closes the Green pathway and raises Red's.
		if k := kindsOf(openTasks(t, db, "p1")); !slices.Equal(k, []string{"assign-lead-specialist", "book-holistic-review"}) {
			t.Fatalf("tasks after confirming Red: %v", k)
		}
		if ds, _ := store.Decisions(ctx, db, "p1"); len(ds) != 2 {
			t.Fatalf("decision history has %d entries, want 2", len(ds))
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db, base("p1"), bare("p2"))
		run(t, db, stratify.RunOptions{})
		before, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		h1, _ := store.AssessmentHistory(ctx, db, "p1")
		// "What if" the cohort needed only one risk factor and three LTCs
		// at an as-of a year on: compare without writing.
		s := run(t, db, stratify.RunOptions{DryRun: true, AsOf: asOf.AddDate(3, 0, 0)})
		var enter, leave int
		for _, c := range s.WhatIf {
			enter += c.Enter
			leave += c.Leave
		}
		// Three years on, p1's BMI and smoking record are stale: p1 leaves.
		if leave != 1 || enter != 0 {
			t.Fatalf("what if: %+v", s.WhatIf)
		}
		if _, ok := s.WhatIf["North Lambeth / Lambeth Walk (G85001)"]; !ok {
			t.Fatalf("what-if keys %v", s.WhatIf)
		}
		after, _ := store.Checksum(ctx, db)
		h2, _ := store.AssessmentHistory(ctx, db, "p1")
		if before != after || len(h1) != len(h2) {
			t.Fatal("a dry run wrote to the database")
		}
	})
}

func TestPolicyVersionsAreStoredWhole(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	p, created, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", now)
	if err != nil || !created {
		t.Fatalf("load: %v %v", created, err)
	}
	if _, again, _ := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", now); again {
		t.Fatal("loading the same policy twice made a second version")
	}
	for _, ref := range []string{"", p.Hash(), p.Hash()[:12]} {
		got, err := stratify.ResolvePolicy(ctx, db, ref, "test", now)
		if err != nil || got.Hash() != p.Hash() {
			t.Fatalf("ResolvePolicy(%q) = %v, %v", ref, got, err)
		}
	}
	if _, err := stratify.ResolvePolicy(ctx, db, "ffffffff", "test", now); !errors.Is(err, joinedup.ErrNotFound) {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: loadDefault(t), AsOf: asOf}); err != nil {
		t.Fatalf("run with a stored policy: %v", err)
	}
}

// TestNewDateDriftOnlyForChanges runs again a day later: every assessment
// is new (history gains a row each), but drift is recorded only for the
// patient whose facts changed, and no one already in the cohort is taken
// for newly eligible.
func TestNewDateDriftOnlyForChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db, base("p1"), base("p2"), bare("p3"))
		run(t, db, stratify.RunOptions{})
		p1 := base("p1")
		p1.Encounters = append(p1.Encounters, enc("p1-e1", "IMP", day(2024, 3, 1), ""), enc("p1-e2", "IMP", day(2024, 5, 1), ""))
		for i := range p1.Encounters {
			p1.Encounters[i].Emergency = true
		}
		writeBatch(t, db, batchOf(store.OrganisationID(joinedup.Organisation{ODS: "G85001"}), p1))
		s := run(t, db, stratify.RunOptions{AsOf: asOf.AddDate(0, 0, 1)})
		if s.Written != 3 || s.TasksRaised != 0 {
			t.Fatalf("run a day later: %+v", s)
		}
		for _, p := range []string{"p1", "p2", "p3"} {
			if h, _ := store.AssessmentHistory(ctx, db, p); len(h) != 2 {
				t.Fatalf("%s history: %d entries, want 2", p, len(h))
			}
		}
		d1, _ := store.DriftEvents(ctx, db, "p1")
		d2, _ := store.DriftEvents(ctx, db, "p2")
		if !hasDrift(d1, joinedup.DriftTierUp) || len(d2) != 0 {
			t.Fatalf("drift p1 %+v, p2 %+v", d1, d2)
		}
		if ts := reviewTasks(t, db, "p2"); len(ts) != 1 {
			t.Fatalf("p2 review tasks after the second run: %+v", ts)
		}
	})
}

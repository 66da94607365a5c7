package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/disclosure"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/policies"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/synth"
)

// synthPopulation stores n synthetic patients over a few practices, as an
// LCN would: generated, imported from FHIR and stratified with the shipped
// policy as of asOf.
func synthPopulation(t testing.TB, db *store.DB, n, practices int, asOf time.Time) {
	t.Helper()
	dir := t.TempDir()
	if _, err := synth.WriteDir(ctx, synth.Config{Patients: n, Seed: 7, Practices: practices, AsOf: asOf}, dir, false); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(ctx, db, []string{dir}, importer.Options{Source: "synth"}); err != nil {
		t.Fatal(err)
	}
	pol, _, err := stratify.LoadPolicyFS(ctx, db, policies.LCNDefault(), "lcn-default", "test", asOf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: pol, AsOf: asOf, Now: func() time.Time { return asOf }}); err != nil {
		t.Fatal(err)
	}
}

// tableCounts counts the rows of the tables a dry run must not touch.
func tableCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range []string{"assessments", "current_assessments", "tasks", "drift_events", "tier_decisions", "current_tiers", "policy_versions", "patients"} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

// TestWhatIf: a dry run of a looser policy writes nothing and shows how
// many would enter the cohort, with the library's own figures; the
// caseload per coordinator follows.
func TestWhatIf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		asOf := f.clock.Now().Truncate(24 * time.Hour)
		synthPopulation(t, db, 400, 3, asOf)
		// A looser cohort rule: two long-term conditions and one risk factor,
		// not three and two.
		files, err := policy.FilesFS(policies.LCNDefault())
		if err != nil {
			t.Fatal(err)
		}
		files["policy.yaml"] = strings.NewReplacer("min_ltcs: 3", "min_ltcs: 2", "min_risk_factors: 2", "min_risk_factors: 1").Replace(files["policy.yaml"])
		files["policy.yaml"] = strings.Replace(files["policy.yaml"], "name: LCN default", "name: Two LTCs", 1)
		loose, err := policy.LoadFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: loose.Hash(), Name: loose.Name, Files: files, LoadedBy: "test", LoadedAt: asOf}); err != nil {
			t.Fatal(err)
		}
		// The library's own dry run, for the expected figures.
		high := 0
		want, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: loose, AsOf: asOf, DryRun: true,
			Assessed: func(_ *joinedup.Facts, a *joinedup.Assessment) {
				if a.Eligible && a.SuggestedTier.Rank() >= joinedup.TierAmber.Rank() {
					high++
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		var enter, leave int
		for _, c := range want.WhatIf {
			enter, leave = enter+c.Enter, leave+c.Leave
		}
		if enter < 5 || leave != 0 {
			t.Fatalf("a looser rule should bring people in and take no one out: enter %d, leave %d", enter, leave)
		}
		tok := f.session(t, joinedup.RoleLCNManager)
		w := f.do("GET", "/policy/what-if", "", tok)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "Two LTCs (version "+loose.Hash()[:12]) {
			t.Fatalf("form: %d %s", w.Code, w.Body)
		}
		before := tableCounts(t, db)
		w = f.do("POST", "/policy/what-if", "version="+loose.Hash(), tok)
		if w.Code != 200 {
			t.Fatalf("run: %d %s", w.Code, w.Body)
		}
		if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a dry run wrote:\n before %v\n after  %v", before, after)
		}
		rows := tableRows(t, w.Body.String(), "what-if-table")
		last := rows[len(rows)-1]
		// None leaving may be withheld beside a small count.
		if last[0] != "total" || last[2] != fmt.Sprint(enter) || (last[3] != "0" && last[3] != disclosure.Withheld) {
			t.Errorf("LCN total %q; want %d entering and none leaving", last, enter)
		}
		practices := 0
		for _, r := range rows {
			if r[0] == "practice" {
				practices++
				c := want.WhatIf[r[1]+" / "+r[2]]
				if c == nil {
					t.Errorf("row %q is not in the dry run", r)
				} else if c.Enter >= 5 && r[3] != fmt.Sprint(c.Enter) && r[3] != disclosure.Withheld {
					t.Errorf("%s: enter %s, want %d", r[2], r[3], c.Enter)
				}
			}
		}
		if practices != 5 { // three synthetic practices and the fixture's two
			t.Errorf("%d practice rows, want 5", practices)
		}
		highNow, err := store.HighTierPractices(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		caseload := tableRows(t, w.Body.String(), "caseload-table")
		total := caseload[len(caseload)-1]
		if total[1] != "All" || total[2] != fmt.Sprint(len(highNow)) || total[3] != fmt.Sprint(high) || total[4] != fmt.Sprintf("%+d", high-len(highNow)) {
			t.Errorf("caseload total %q, want %d now and %d after", total, len(highNow), high)
		}
		for _, r := range caseload[:len(caseload)-1] {
			if !strings.HasPrefix(r[1], "No coordinator yet: ") { // no one has a coordinator yet
				t.Errorf("caseload row %q", r)
			}
		}
		// An unknown version is refused, and nothing runs.
		w = f.do("POST", "/policy/what-if", "version=../../etc", tok)
		if w.Code != 422 || !strings.Contains(w.Body.String(), "Choose a policy to try") {
			t.Errorf("unknown version: %d", w.Code)
		}
	})
}

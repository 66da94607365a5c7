package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestCohortCommand: the extract lists the living cohort with its tiers
// and findings, filtered by tier, status, locality and practice, as a
// table, CSV or JSON (an array of objects).
func TestCohortCommand(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := storetest.URL(t, e)
			db, err := store.OpenAndMigrate(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			storetest.Dashboard(t, db)
			db.Close()
			count := func(args ...string) []cohortEntry {
				t.Helper()
				code, out, errOut := runCLI(t, append([]string{"cohort", "--db", url, "--format", "json"}, args...)...)
				var got []cohortEntry
				if code != exitOK || json.Unmarshal([]byte(out), &got) != nil {
					t.Fatalf("cohort %v: %d %q %q", args, code, out, errOut)
				}
				return got
			}
			// The fixture's cohort: Alpha 19, Beta 9, Gamma 14; Red 15 + 5 + 2.
			all := count()
			if len(all) != 42 {
				t.Fatalf("whole cohort: %d people", len(all))
			}
			for _, x := range all {
				if x.Name == "" || x.Practice == "" || x.SuggestedTier == "" || x.Status == "" || x.LTCs == nil {
					t.Fatalf("entry %+v", x)
				}
			}
			for args, want := range map[string]int{"--tier red": 22, "--practice ALPHA": 19, "--locality NORTH": 28, "--status suggested": 42 - 9,
				"--practice GAMMA --tier green": 6} {
				if got := count(strings.Fields(args)...); len(got) != want {
					t.Errorf("cohort %s: %d people, want %d", args, len(got), want)
				}
			}
			code, out, _ := runCLI(t, "cohort", "--db", url, "--format", "csv", "--practice", "BETA")
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if code != exitOK || err != nil || len(recs) != 10 || recs[0][0] != "NHS number" {
				t.Fatalf("CSV: %d %v %d rows", code, err, len(recs))
			}
			if code, out, _ := runCLI(t, "cohort", "--db", url); code != exitOK || !strings.Contains(out, "42 people in the cohort") {
				t.Fatalf("table: %d %q", code, out)
			}
			if code, _, errOut := runCLI(t, "cohort", "--db", url, "--tier", "purple"); code != exitUsage || !strings.Contains(errOut, "--tier") {
				t.Fatalf("bad tier: %d %q", code, errOut)
			}
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// TestClinicalCases runs the records of testdata/clinical-cases through the
// commands a practice would use — import, stratify, cohort — on both
// engines and checks, for each case, cohort membership, the suggested
// tier, the practice, the data gaps, the tasks raised and whose worklist
// they are on. A later extract then reports a death and a move.
func TestClinicalCases(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join("..", "..", "testdata", "clinical-cases")
	type want struct {
		nhs      string
		inCohort bool
		tier     string // suggested
		practice string // ODS
		gap      string // part of a data gap shown
		why      string
	}
	cases := map[string]want{
		"eligible":         {"9434765005", true, "amber", "G85001", "", "3 LTCs, high BMI and HbA1c; an A&E attendance in the year"},
		"entered-in-error": {"9434766001", false, "", "", "", "the third LTC was entered in error: as if never recorded"},
		"refuted":          {"9434767008", false, "", "", "", "the third LTC was refuted"},
		"unconfirmed":      {"9434768004", true, "green", "G85001", "Asthma recorded as unconfirmed", "3 confirmed LTCs; the unconfirmed one is a data gap, not a fourth"},
		"died-2019":        {"9434769000", false, "", "", "", "died in 2019: never assessed after"},
		"bmi-on-the-day":   {"9434770009", true, "green", "G85001", "", "a BMI at 10:00 on the as-of day counts"},
		"ae-cancelled":     {"9434771005", true, "green", "G85001", "", "a cancelled A&E attendance did not happen"},
		"bmi-in-error":     {"9434772001", false, "", "", "", "the BMI was entered in error: one risk factor"},
		"other-practice":   {"9434773008", true, "green", "G85002", "", "registered with the other practice"},
	}
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := storetest.URL(t, e)
			// run runs "joinedup COMMAND --db URL ARGS...".
			run := func(command string, args ...string) string {
				t.Helper()
				args = append(append(strings.Fields(command), "--db", url), args...)
				code, out, errOut := runCLI(t, args...)
				if code != exitOK {
					t.Fatalf("joinedup %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
				}
				return out
			}
			if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
				t.Fatal(errOut)
			}
			run("policy load", filepath.Join("..", "..", "policies", "lcn-default"))
			run("import", "--source", "practice", filepath.Join(dir, "practice-extract.json"))
			run("stratify", "--as-of", "2024-03-01")
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			practice := map[string]string{}
			for _, ods := range []string{"G85001", "G85002"} {
				if practice[ods], err = store.OrganisationIDByODS(ctx, db, ods); err != nil {
					t.Fatal(err)
				}
			}
			cohort := func() map[string]cohortEntry {
				t.Helper()
				var rows []cohortEntry
				if err := json.Unmarshal([]byte(run("cohort", "--format", "json")), &rows); err != nil {
					t.Fatal(err)
				}
				m := map[string]cohortEntry{}
				for _, r := range rows {
					m[strings.ReplaceAll(r.NHSNumber, " ", "")] = r
				}
				return m
			}
			tasks := func(nhs string) []joinedup.Task {
				t.Helper()
				p, err := store.PatientByNHSNumber(ctx, db, joinedup.NHSNumber(nhs))
				if err != nil {
					t.Fatal(err)
				}
				ts, err := store.OpenTasks(ctx, db, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return ts
			}
			worklistOf := func(ods string) []string {
				t.Helper()
				rows, err := store.WorklistFor(ctx, db, "", practice[ods])
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range rows {
					out = append(out, strings.ReplaceAll(r.NHSNumber, " ", "")+" "+r.Task.Kind)
				}
				slices.Sort(out)
				return out
			}

			got := cohort()
			lists := map[string][]string{}
			for name, w := range cases {
				r, in := got[w.nhs]
				if in != w.inCohort {
					t.Errorf("%s (%s): in the cohort %v, want %v", name, w.why, in, w.inCohort)
					continue
				}
				ts := tasks(w.nhs)
				if !in {
					if len(ts) != 0 {
						t.Errorf("%s (%s): tasks %v, want none", name, w.why, ts)
					}
					continue
				}
				if r.SuggestedTier != w.tier || r.PracticeODS != w.practice {
					t.Errorf("%s (%s): suggested %q at %s, want %q at %s", name, w.why, r.SuggestedTier, r.PracticeODS, w.tier, w.practice)
				}
				if w.gap != "" && !strings.Contains(strings.Join(r.DataGaps, "; "), w.gap) {
					t.Errorf("%s (%s): data gaps %q, want one naming %q", name, w.why, r.DataGaps, w.gap)
				}
				if len(ts) != 1 || ts[0].Kind != "review-suggested-tier" || ts[0].AssigneeOrg != practice[w.practice] {
					t.Errorf("%s (%s): tasks %+v, want one review of the suggested tier for %s", name, w.why, ts, w.practice)
				}
				lists[w.practice] = append(lists[w.practice], w.nhs+" review-suggested-tier")
			}
			for ods, want := range lists {
				slices.Sort(want)
				if got := worklistOf(ods); !slices.Equal(got, want) {
					t.Errorf("%s's worklist:\n got %q\nwant %q", ods, got, want)
				}
			}

			// Later: Ada died on 20 February, Ivy registered with Lambeth
			// Walk and Fay's registration ended.
			out := run("import", "--source", "practice", filepath.Join(dir, "later-extract.ndjson"))
			if !strings.Contains(out, "worklists: 3 patients moved practice or died") {
				t.Errorf("the later import did not follow the death and the move:\n%s", out)
			}
			run("stratify", "--as-of", "2024-03-01")
			got = cohort()
			if _, in := got[cases["eligible"].nhs]; in {
				t.Error("Ada is still in the cohort after her death")
			}
			if r := got[cases["other-practice"].nhs]; r.PracticeODS != "G85001" {
				t.Errorf("Ivy is listed at %q, want G85001 after her move", r.PracticeODS)
			}
			if ts := tasks(cases["eligible"].nhs); len(ts) != 1 || ts[0].Kind != worklist.KindDeathInformCareTeam {
				t.Errorf("Ada's open tasks after her death: %+v, want only the one to tell her care team", ts)
			}
			for _, x := range tasks(cases["other-practice"].nhs) {
				if x.Kind != worklist.KindRegisteredElsewhere && x.AssigneeOrg != practice["G85001"] {
					t.Errorf("Ivy's task %q is held by %s, not her new practice", x.Title, x.AssigneeOrg)
				}
			}
			if got := worklistOf("G85002"); !slices.Equal(got, []string{cases["other-practice"].nhs + " " + worklist.KindRegisteredElsewhere}) {
				t.Errorf("Brixton Hill's worklist after Ivy left: %q, want only the notice", got)
			}
			// Fay is registered nowhere now: someone must find out where.
			var deregistered bool
			for _, x := range tasks(cases["bmi-on-the-day"].nhs) {
				deregistered = deregistered || x.Kind == worklist.KindDeregistered && x.AssigneeOrg == practice["G85001"]
			}
			if !deregistered {
				t.Errorf("Fay, deregistered, has tasks %+v: want one for Lambeth Walk to find where she went", tasks(cases["bmi-on-the-day"].nhs))
			}

			// A second record for Una's NHS number, with a diagnosis that
			// would make a fourth LTC: held back as a merge to resolve.
			code, out, errOut := runCLI(t, "import", "--db", url, "--source", "practice", filepath.Join(dir, "duplicate-record.ndjson"))
			if code != exitRejects || !strings.Contains(out+errOut, "2 record(s) rejected") {
				t.Errorf("the second record of one NHS number: exit %d\n%s%s", code, out, errOut)
			}
			run("stratify", "--as-of", "2024-03-01")
			if r := cohort()[cases["unconfirmed"].nhs]; r.SuggestedTier != "green" || len(r.LTCs) != 3 {
				t.Errorf("Una after a second record of her NHS number: %+v, want her own record unchanged", r)
			}
			if out := run("merges"); !strings.Contains(out, "943 476 8004") || !strings.Contains(out, "practice/unconfirmed-second-record") {
				t.Errorf("merges:\n%s", out)
			}
		})
	}
}

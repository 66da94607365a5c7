package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// TestWorklistSync: the daily run raises a care-plan review once its date
// is reached, and a second run the same day changes nothing.
func TestWorklistSync(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url, db, p := seed(t, e)
			plan := joinedup.CarePlan{PatientID: p.ID, WhatMatters: "my garden", NextReview: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}
			if _, err := store.SaveCarePlan(context.Background(), db, plan, 0, "cc", time.Date(2024, 11, 1, 9, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "worklist", "sync", "--db", url, "--as-of", "2025-04-30")
			if code != exitOK || !strings.Contains(out, "1 patients; 0 tasks raised") {
				t.Fatalf("before the review date: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "worklist", "sync", "--db", url, "--as-of", "2025-05-01")
			if code != exitOK || !strings.Contains(out, "1 tasks raised") {
				t.Fatalf("on the review date: %d %q %q", code, out, errOut)
			}
			ts, err := store.OpenTasks(context.Background(), db, p.ID)
			if err != nil || len(ts) != 1 || ts[0].Kind != worklist.KindCarePlanReview || ts[0].AssigneeOrg != p.PracticeID {
				t.Fatalf("tasks %+v %v", ts, err)
			}
			if code, out, _ = runCLI(t, "worklist", "sync", "--db", url, "--as-of", "2025-05-01"); code != exitOK || !strings.Contains(out, "0 tasks raised, 0 closed") {
				t.Fatalf("second run: %d %q", code, out)
			}
			if code, _, errOut = runCLI(t, "worklist", "sync", "--db", url, "--as-of", "1 May"); code != exitUsage || !strings.Contains(errOut, "not a date") {
				t.Fatalf("bad date: %d %q", code, errOut)
			}
		})
	}
}

package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func carePatient(t *testing.T, db *store.DB) string {
	t.Helper()
	p := joinedup.Patient{ID: "p1", Source: joinedup.Source{System: "t", ID: "p1"}, GivenName: "Pat"}
	if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestSaveCarePlanConcurrent runs two saves from the same version in two
// transactions at once, released together: exactly one becomes the next
// version, the other is kept as a rejected draft naming the winner.
func TestSaveCarePlanConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pid := carePatient(t, db)
		plan := func(s string) joinedup.CarePlan {
			return joinedup.CarePlan{PatientID: pid, WhatMatters: s, NextReview: t0}
		}
		if s, err := store.SaveCarePlan(ctx, db, plan("v1"), 0, "u0", t0); err != nil || s.Conflict || s.Saved.Version != 1 {
			t.Fatalf("first save: %+v %v", s, err)
		}
		for round := range 5 {
			cur, err := store.CurrentCarePlan(ctx, db, pid)
			if err != nil {
				t.Fatal(err)
			}
			results := make([]store.CarePlanSave, 2)
			errs := make([]error, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = db.InTx(ctx, func(tx *store.Tx) error {
						var err error
						results[i], err = store.SaveCarePlan(ctx, tx, plan(fmt.Sprintf("round %d editor %d", round, i)), cur.Version, fmt.Sprint("u", i), t0)
						return err
					})
				}()
			}
			close(start)
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %v %v", round, errs[0], errs[1])
			}
			if results[0].Conflict == results[1].Conflict {
				t.Fatalf("round %d: conflicts %v %v; want exactly one", round, results[0].Conflict, results[1].Conflict)
			}
			win, lose := results[0], results[1]
			if win.Conflict {
				win, lose = lose, win
			}
			if win.Saved.Version != cur.Version+1 || !lose.CurrentOK || lose.Current.Version != cur.Version+1 ||
				lose.Current.Plan.WhatMatters != win.Saved.Plan.WhatMatters || lose.Draft.Status != store.PlanRejected {
				t.Fatalf("round %d: winner %+v loser %+v", round, win, lose)
			}
		}
		hist, err := store.CarePlanHistory(ctx, db, pid)
		if err != nil {
			t.Fatal(err)
		}
		saved, rejected := 0, 0
		for _, e := range hist {
			if e.Status == store.PlanSaved {
				saved++
			} else {
				rejected++
			}
		}
		if saved != 6 || rejected != 5 {
			t.Fatalf("history: %d saved, %d rejected; want 6 and 5", saved, rejected)
		}
	})
}

// TestUpdateTaskVersion: an update from a stale version is refused with
// the current task, and changes nothing.
func TestUpdateTaskVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pid := carePatient(t, db)
		task, err := store.CreateTask(ctx, db, joinedup.Task{PatientID: pid, Kind: joinedup.TaskManual, Title: "ring", Due: t0, AssigneeUser: "u1", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		done, note := joinedup.TaskDone, "rang, no answer"
		if _, err := store.UpdateTask(ctx, db, pid, task.ID, 1, store.TaskUpdate{Note: &note}, "u1", t0); err != nil {
			t.Fatal(err)
		}
		cur, err := store.UpdateTask(ctx, db, pid, task.ID, 1, store.TaskUpdate{Status: &done}, "u2", t0)
		if !errors.Is(err, joinedup.ErrConflict) || cur.Version != 2 || cur.Status != joinedup.TaskOpen || cur.Note != note {
			t.Fatalf("stale update: %+v %v", cur, err)
		}
	})
}

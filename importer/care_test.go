package importer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// writeNDJSON writes resources as one NDJSON file per type into dir.
func writeNDJSON(t *testing.T, dir string, resources ...fhir.Based) {
	t.Helper()
	files := map[string][]byte{}
	for _, r := range resources {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		typ := r.Base().ResourceType
		files[typ] = append(append(files[typ], b...), '\n')
	}
	for typ, b := range files {
		if err := os.WriteFile(filepath.Join(dir, typ+".ndjson"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCareRecordsNotPutOnTheWrongPerson: care records JoinedUp exports are
// imported only onto the patient and the staff they name. A record naming
// someone no user here is, or whom two users share a name with, is
// rejected with the reason; a plan version that does not follow the one
// held, or whose goals are another patient's, is rejected, and the goals
// of a plan not imported are rejected too; a consent
// without its recorder and a task for an organisation not held are
// rejected; a task for an event whose task is already raised here is not
// raised twice; an earlier tier decision imported after a later one does not
// become the current tier.
func TestCareRecordsNotPutOnTheWrongPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
		ada := joinedup.Patient{Source: joinedup.Source{System: "fhir", ID: "ada"}, GivenName: "Ada", FamilyName: "Test"}
		bob := joinedup.Patient{Source: joinedup.Source{System: "fhir", ID: "bob"}, GivenName: "Bob", FamilyName: "Test"}
		ada.ID, bob.ID = joinedup.PatientID(ada), joinedup.PatientID(bob)
		if _, err := db.WriteBatch(ctx, &store.Batch{Patients: []joinedup.Patient{ada, bob}}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []joinedup.User{{Username: "ada-gp", DisplayName: "Dr Ada Jones", Role: joinedup.RoleGP},
			{Username: "sam1", DisplayName: "Sam Lee", Role: joinedup.RoleCareCoordinator},
			{Username: "sam2", DisplayName: "Sam Lee", Role: joinedup.RoleCareCoordinator}} {
			if _, err := store.CreateUser(ctx, db, u, "", t0); err != nil {
				t.Fatal(err)
			}
		}
		// The worklist here has already raised the review an imported
		// task was raised for.
		raised := joinedup.Task{PatientID: ada.ID, Kind: "care-plan-review", Title: "Review the plan", DedupeKey: "care-plan-review:2025-06-01",
			CreatedAt: t0}
		if _, err := store.RaiseTask(ctx, db, &raised); err != nil {
			t.Fatal(err)
		}
		flag := func(id, patient, author string, at time.Time, tier joinedup.Tier) *fhir.Flag {
			return fhir.FromTierDecision(joinedup.TierDecision{ID: id, PatientID: patient, Tier: tier, SuggestedTier: tier, DecidedAt: at}, time.Time{}, author)
		}
		plan := func(id, patient string, version int) joinedup.CarePlan {
			p := joinedup.CarePlan{PatientID: patient, Version: version, SavedAt: t0, WhatMatters: id}
			if id == "bobs" {
				p.Goals = []joinedup.Goal{{Description: "Walk", Status: joinedup.GoalInProgress}}
			}
			return p
		}
		dir := t.TempDir()
		writeNDJSON(t, dir,
			flag("later", ada.ID, "Dr Ada Jones", t0.AddDate(0, 1, 0), joinedup.TierRed),
			flag("nobody", ada.ID, "Dr Nobody", t0, joinedup.TierGreen),
			flag("two-sams", ada.ID, "Sam Lee", t0, joinedup.TierGreen),
			flag("no-patient", "not-held", "Dr Ada Jones", t0, joinedup.TierGreen),
			// Version 2 without version 1.
			fhir.FromCarePlan(fhir.CarePlanRecord{ID: "gap", Plan: plan("gap", ada.ID, 2), Author: "Dr Ada Jones"}),
			// Bob's plan whose goal is one of Ada's.
			fhir.FromCarePlan(fhir.CarePlanRecord{ID: "bobs", Plan: plan("bobs", bob.ID, 1), Author: "Dr Ada Jones"}),
			fhir.FromGoal(fhir.GoalID("bobs", 0), ada.ID, joinedup.Goal{Description: "Walk", Status: joinedup.GoalAchieved}, t0),
			fhir.FromConsent(fhir.ConsentRecord{ID: "consent", PatientID: ada.ID, SocialCare: true, RecordedAt: t0, Current: true}),
			fhir.FromTask(joinedup.Task{ID: "task", PatientID: ada.ID, Kind: "tier-review", Title: "Review", Status: "open",
				AssigneeOrg: "not-held", CreatedAt: t0}, ""),
			fhir.FromTask(joinedup.Task{ID: "same-review", PatientID: ada.ID, Kind: "care-plan-review", Title: "Review the plan",
				Status: "open", DedupeKey: raised.DedupeKey, CreatedAt: t0}, ""),
		)
		sum, rejects := importAll(t, db, importer.Options{}, dir)
		want := map[string]string{
			"nobody":      `author: no user here is named "Dr Nobody"`,
			"two-sams":    `author: 2 users here are named "Sam Lee"`,
			"no-patient":  "subject: unknown resource reference",
			"gap":         "meta.versionId: version 2 does not follow version 0",
			"bobs":        "goal[0]: Goal/bobs-goal-1 is another patient's",
			"bobs-goal-1": "its care plan (CarePlan/bobs) was not imported",
			"consent":     "performer: missing",
			"task":        "owner: organisation Organization/not-held is not held here",
		}
		for _, r := range rejects {
			if w, ok := want[r.ID]; !ok || !strings.Contains(r.Reason, w) {
				t.Errorf("%s/%s rejected: %s; want %q", r.ResourceType, r.ID, r.Reason, w)
			}
			delete(want, r.ID)
		}
		for id, w := range want {
			t.Errorf("%s not rejected (%s)", id, w)
		}
		if c := sum.ByType["Flag"]; c == nil || c.Imported != 1 {
			t.Errorf("Flag: %+v, want 1 imported", c)
		}
		if tasks, err := store.Tasks(ctx, db, ada.ID); err != nil || len(tasks) != 1 || tasks[0].ID != raised.ID {
			t.Errorf("Ada's tasks: %+v %v, want only the review raised here", tasks, err)
		}
		if _, err := store.CurrentCarePlan(ctx, db, bob.ID); err == nil {
			t.Error("Bob has a care plan with Ada's goal")
		}

		// The earlier decision, imported now, is history, not the tier.
		earlier := t.TempDir()
		writeNDJSON(t, earlier, flag("earlier", ada.ID, "Dr Ada Jones", t0, joinedup.TierGreen))
		if sum, rejects := importAll(t, db, importer.Options{}, earlier); len(rejects) > 0 || sum.ByType["Flag"].Imported != 1 {
			t.Fatalf("earlier decision: %+v %v", sum.ByType["Flag"], rejects)
		}
		if d, ok, err := store.CurrentDecision(ctx, db, ada.ID); err != nil || !ok || d.ID != "later" || d.Tier != joinedup.TierRed {
			t.Errorf("current decision %+v %v %v, want the later Red one", d, ok, err)
		}
	})
}

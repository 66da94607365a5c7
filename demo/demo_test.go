package demo_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/demo"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func TestPrepare(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(t, store.SQLite)
	var log bytes.Buffer
	opt := demo.Options{Patients: 3000, Seed: 7, WorkDir: t.TempDir(), Log: &log, Now: func() time.Time { return now }}
	res, err := demo.Prepare(ctx, db, opt)
	if err != nil {
		t.Fatalf("prepare: %v\n%s", err, log.String())
	}
	if !res.Created || res.Patients != 3000 || res.Eligible == 0 {
		t.Fatalf("result %+v", res)
	}
	if len(res.Accounts) != len(joinedup.Roles()) {
		t.Fatalf("%d accounts for %d roles", len(res.Accounts), len(joinedup.Roles()))
	}
	roles := map[joinedup.Role]bool{}
	for _, a := range res.Accounts {
		roles[a.Role] = true
		u, hash, err := store.UserByUsername(ctx, db, a.Username)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := password.Verify(hash, a.Password); !ok || err != nil {
			t.Errorf("%s: the printed password does not sign in (%v)", a.Username, err)
		}
		if u.OrganisationID == "" || a.Organisation == "" {
			t.Errorf("%s has no organisation", a.Username)
		}
	}
	if len(roles) != len(joinedup.Roles()) {
		t.Fatalf("roles covered: %v", roles)
	}
	// The coordinator has a caseload at the demo practice.
	coord, _, _ := store.UserByUsername(ctx, db, "demo-coordinator")
	var caseload int
	if err := db.QueryRow("SELECT COUNT(*) FROM care_team_members WHERE user_id = $1", coord.ID).Scan(&caseload); err != nil || caseload == 0 {
		t.Fatalf("coordinator caseload %d, %v\n%s", caseload, err, log.String())
	}

	// Some practices are in the pilot, so the dashboard compares.
	ps, err := store.PracticeRollouts(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	inPilot := 0
	for _, p := range ps {
		if !p.Rollout.Pilot.IsZero() && p.Rollout.Pilot.Before(now) {
			inPilot++
		}
	}
	if inPilot == 0 || inPilot == len(ps) {
		t.Errorf("%d of %d practices in the pilot", inPilot, len(ps))
	}

	// A restart keeps the population and gives new passwords.
	before, _ := store.Checksum(ctx, db)
	again, err := demo.Prepare(ctx, db, opt)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := store.Checksum(ctx, db)
	if again.Created || again.Patients != 3000 || before != after {
		t.Fatalf("restart regenerated the population: %+v", again)
	}
	if again.Accounts[0].Password == res.Accounts[0].Password {
		t.Fatal("a restart kept the old password")
	}
	_, hash, _ := store.UserByUsername(ctx, db, again.Accounts[0].Username)
	if ok, _ := password.Verify(hash, res.Accounts[0].Password); ok {
		t.Fatal("the previous password still signs in")
	}
}

func TestPrepareLoadsDirectory(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := demo.Prepare(context.Background(), db, demo.Options{Patients: 200, Seed: 3, WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM directory_services").Scan(&n); err != nil || n < 20 {
		t.Fatalf("directory services %d, %v", n, err)
	}
}

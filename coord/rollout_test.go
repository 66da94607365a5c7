package coord_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// rolloutOrgs stores a locality, two practices and a trust, and returns
// their ids by ODS code.
func rolloutOrgs(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	ids := map[string]string{}
	var b store.Batch
	for _, o := range []struct {
		ods  string
		kind joinedup.OrgKind
	}{{"LOC1", joinedup.OrgLocality}, {"P1", joinedup.OrgPractice}, {"P2", joinedup.OrgPractice}, {"RJ1", joinedup.OrgTrust}} {
		org := joinedup.Organisation{ODS: o.ods, Name: "Org " + o.ods, Kind: o.kind, Source: joinedup.Source{System: "test", ID: o.ods}}
		org.ID = store.OrganisationID(org)
		ids[o.ods] = org.ID
		b.Organisations = append(b.Organisations, org)
	}
	if _, err := store.Write(ctx, db, &b); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSetRolloutValidates: each mistake is named against its field and
// nothing is stored; a change to a date already set needs a reason.
func TestSetRolloutValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := rolloutOrgs(t, db)
		cs, admin := coord.New(db, nil), coord.System("test", now)
		if _, err := cs.SetRollout(ctx, admin, "P2", "2025-01-06", "", "", ""); err != nil {
			t.Fatalf("first pilot date of P2: %v", err)
		}
		for _, c := range []struct {
			name                                  string
			practice, pilot, goLive, wave, reason string
			field                                 string
		}{
			{"no practice", "", "2025-01-01", "", "", "", "practice"},
			{"unknown ODS code", "ZZZ99", "2025-01-01", "", "", "", "practice"},
			{"a trust is not a practice", "RJ1", "2025-01-01", "", "", "", "practice"},
			{"a locality is not a practice", ids["LOC1"], "2025-01-01", "", "", "", "practice"},
			{"pilot date not a date", "P1", "2025-02-30", "", "", "", "pilot"},
			{"pilot date in another form", "P1", "01/02/2025", "", "", "", "pilot"},
			{"go-live date not a date", "P1", "2025-01-01", "soon", "", "", "go_live"},
			{"go-live before pilot", "P1", "2025-03-01", "2025-02-28", "", "", "go_live"},
			{"go-live without pilot", "P1", "", "2025-02-28", "", "", "pilot"},
			{"wave too long", "P1", "2025-01-01", "", strings.Repeat("w", 61), "", "wave"},
			{"changing a pilot date needs a reason", "P2", "2025-02-03", "", "", " ", "reason"},
			{"clearing a pilot date needs a reason", "P2", "", "", "", "", "reason"},
			{"nothing to change", "P2", "2025-01-06", "", "", "again", "pilot"},
		} {
			_, err := cs.SetRollout(ctx, admin, c.practice, c.pilot, c.goLive, c.wave, c.reason)
			var fe joinedup.FieldErrors
			if !errors.As(err, &fe) || fe[c.field] == "" {
				t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
			}
		}
		ps, err := store.PracticeRollouts(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			want := map[string]string{"P1": "0001-01-01", "P2": "2025-01-06"}[p.ODS]
			if got := p.Rollout.Pilot.Format(time.DateOnly); got != want || p.Rollout.Version > 1 {
				t.Errorf("%s after refused changes: pilot %s version %d", p.ODS, got, p.Rollout.Version)
			}
		}
	})
}

// TestSetRolloutKeepsHistory: each change is a new version of the
// practice's history, with who, when and why, and the current values are
// where the dashboard reads them; every change has its audit entry.
func TestSetRolloutKeepsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := rolloutOrgs(t, db)
		cs := coord.New(db, nil)
		admin := coord.System("joinedup practice set", now)
		if _, err := cs.SetRollout(ctx, admin, "p1", "2025-01-06", "", "Wave 1", ""); err != nil {
			t.Fatalf("set by lower-case ODS code: %v", err)
		}
		admin.At = now.Add(24 * time.Hour)
		r, err := cs.SetRollout(ctx, admin, ids["P1"], "2025-01-13", "2025-04-01", "Wave 1", "the practice started a week late")
		if err != nil {
			t.Fatalf("change by id: %v", err)
		}
		if r.Version != 2 {
			t.Fatalf("second change is version %d", r.Version)
		}
		h, err := store.RolloutHistory(ctx, db, ids["P1"])
		if err != nil || len(h) != 2 {
			t.Fatalf("history: %+v, %v", h, err)
		}
		if h[0].Version != 2 || h[0].Pilot.Format(time.DateOnly) != "2025-01-13" || h[0].GoLive.Format(time.DateOnly) != "2025-04-01" ||
			h[0].Reason != "the practice started a week late" || h[0].By != "system" || !h[0].At.Equal(now.Add(24*time.Hour)) {
			t.Errorf("newest change: %+v", h[0])
		}
		if h[1].Version != 1 || h[1].Pilot.Format(time.DateOnly) != "2025-01-06" || !h[1].GoLive.IsZero() || h[1].Wave != "Wave 1" || !h[1].At.Equal(now) {
			t.Errorf("first change: %+v", h[1])
		}
		figs, err := store.DashboardPractices(ctx, db, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range figs {
			want := map[string]string{"P1": "2025-01-13", "P2": "0001-01-01"}[f.ODS]
			if got := f.PilotSince.Format(time.DateOnly); got != want {
				t.Errorf("dashboard reads %s's pilot date as %s, want %s", f.ODS, got, want)
			}
		}
		es, err := store.AuditEntries(ctx, db, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var changes []joinedup.AuditEntry
		for _, e := range es {
			if e.Action == joinedup.ActionManageRollout {
				changes = append(changes, e)
			}
		}
		if len(changes) != 2 || changes[1].Outcome != joinedup.OutcomeAllowed ||
			!strings.Contains(changes[1].What, "practice P1 roll-out version 2: pilot 2025-01-13, go-live 2025-04-01") ||
			!strings.Contains(changes[1].Reason, "the practice started a week late") {
			t.Fatalf("audit entries of the changes: %+v", changes)
		}
		// A refused change is audited as not completed, and stores nothing.
		if _, err := cs.SetRollout(ctx, admin, "P1", "2025-05-01", "2025-04-01", "", "typo"); err == nil {
			t.Fatal("go-live before pilot accepted")
		}
		es, _ = store.AuditEntries(ctx, db, store.AuditFilter{AfterSeq: changes[1].Seq})
		if len(es) != 1 || es[0].Outcome != joinedup.OutcomeFailed || es[0].Action != joinedup.ActionManageRollout {
			t.Fatalf("refused change audited as %+v", es)
		}
		if h, _ := store.RolloutHistory(ctx, db, ""); len(h) != 2 {
			t.Fatalf("history after a refused change holds %d rows", len(h))
		}
		// Taking a practice out of the pilot, with a reason, empties its
		// dates and keeps the history.
		if _, err := cs.SetRollout(ctx, admin, "P1", "", "", "", "entered for the wrong practice"); err != nil {
			t.Fatalf("clear: %v", err)
		}
		p, err := store.PracticeRolloutOf(ctx, db, ids["P1"])
		if err != nil || !p.Rollout.Pilot.IsZero() || !p.Rollout.GoLive.IsZero() || p.Rollout.Version != 3 {
			t.Fatalf("after clearing: %+v, %v", p, err)
		}
	})
}

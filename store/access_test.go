package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 123456000, time.UTC)

func appendN(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := range n {
		_, err := db.Audit(ctx, joinedup.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), UserID: "u1", Username: "gp1",
			Role: joinedup.RoleGP, OrganisationID: "org", PatientID: fmt.Sprintf("p%d", i%2), Action: joinedup.ActionReadPatient,
			What: "GET /api/patients/{id}", Reason: "registered", Outcome: joinedup.OutcomeAllowed})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChainIntact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if n, err := store.VerifyAudit(ctx, db); err != nil || n != 0 {
			t.Fatalf("empty chain: %d, %v", n, err)
		}
		appendN(t, db, 5)
		n, err := store.VerifyAudit(ctx, db)
		if err != nil || n != 5 {
			t.Fatalf("VerifyAudit = %d, %v; want 5, nil", n, err)
		}
		es, err := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: "p1"})
		if err != nil || len(es) != 2 || es[0].Seq != 2 || es[1].Seq != 4 || !es[0].At.Equal(t0.Add(time.Second)) {
			t.Fatalf("AuditEntries(p1) = %+v, %v", es, err)
		}
	})
}

// TestAuditTamperDetected alters or deletes single rows with plain SQL, as
// someone with database access could, and expects verification to name the
// entry.
func TestAuditTamperDetected(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		wantSeq int64
	}{
		{"alter what", "UPDATE audit_log SET what = 'nothing' WHERE seq = 3", 3},
		{"alter outcome", "UPDATE audit_log SET outcome = 'denied' WHERE seq = 1", 1},
		{"alter time", "UPDATE audit_log SET at = $1 WHERE seq = 4", 4},
		{"alter user", "UPDATE audit_log SET username = 'someone' WHERE seq = 5", 5},
		{"alter break-glass flag", "UPDATE audit_log SET break_glass = TRUE WHERE seq = 2", 2},
		{"delete middle", "DELETE FROM audit_log WHERE seq = 2", 2},
		{"delete first", "DELETE FROM audit_log WHERE seq = 1", 1},
		{"delete last", "DELETE FROM audit_log WHERE seq = 5", 5},
		{"renumber to hide deletion", "DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3", 3},
		{"insert forged", `INSERT INTO audit_log SELECT 6, at, user_id, username, role, organisation_id, patient_id, action, what,
			reason, outcome, break_glass, hash, hash FROM audit_log WHERE seq = 5`, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				appendN(t, db, 5)
				var args []any
				if tt.name == "alter time" {
					args = append(args, t0.Add(time.Hour))
				}
				for _, stmt := range splitSQL(tt.sql) {
					if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
						t.Fatalf("tamper: %v", err)
					}
				}
				_, err := store.VerifyAudit(ctx, db)
				b, ok := store.IsAuditBreak(err)
				if !ok {
					t.Fatalf("VerifyAudit after %q = %v, want a break", tt.sql, err)
				}
				if b.Seq != tt.wantSeq {
					t.Fatalf("break at %d (%s), want %d", b.Seq, b.Problem, tt.wantSeq)
				}
			})
		})
	}
}

func splitSQL(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TestAuditConcurrentAppendsStayLinear appends from many goroutines at once,
// reads and writes mixed, and expects one unbroken chain in which each
// caller's entry is the one it was told it got.
func TestAuditConcurrentAppendsStayLinear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var wg sync.WaitGroup
		const n = 60
		errs := make(chan error, n)
		got := make([]joinedup.AuditEntry, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := joinedup.AuditEntry{At: t0, Username: fmt.Sprint("u", i), Outcome: joinedup.OutcomeAllowed}
				var err error
				if i%10 == 0 {
					// A write's entry, in the write's transaction.
					err = db.InTx(ctx, func(tx *store.Tx) error {
						got[i], err = store.AppendAudit(ctx, tx, e)
						return err
					})
				} else {
					got[i], err = db.Audit(ctx, e)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if v, err := store.VerifyAudit(ctx, db); err != nil || v != n {
			t.Fatalf("VerifyAudit = %d, %v", v, err)
		}
		stored, err := store.AuditEntries(ctx, db, store.AuditFilter{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		bySeq := map[int64]joinedup.AuditEntry{}
		for _, e := range stored {
			bySeq[e.Seq] = e
		}
		for i, e := range got {
			if s, ok := bySeq[e.Seq]; !ok || s.Username != fmt.Sprint("u", i) || s.Hash != e.Hash {
				t.Errorf("caller %d was given entry %d (%s), stored as %+v", i, e.Seq, e.Hash, s)
			}
		}
	})
}

// TestAuditRolledBackWithWrite shows an entry appended in a write's
// transaction disappears with it, leaving the chain intact.
func TestAuditRolledBackWithWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		appendN(t, db, 2)
		boom := errors.New("write failed")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := store.AppendAudit(ctx, tx, joinedup.AuditEntry{At: t0, Outcome: joinedup.OutcomeAllowed}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		appendN(t, db, 1)
		if n, err := store.VerifyAudit(ctx, db); err != nil || n != 3 {
			t.Fatalf("VerifyAudit = %d, %v", n, err)
		}
	})
}

// seedAccess stores a practice, a voluntary organisation, a patient of the
// practice and users of each.
func seedAccess(t *testing.T, db *store.DB) (patientID string, gp, vol joinedup.User) {
	t.Helper()
	b := sample()
	write(t, db, b)
	volOrg := joinedup.Organisation{ODS: "VOL01", Name: "Age UK Lambeth", Kind: joinedup.OrgVoluntary, Source: joinedup.Source{System: "test", ID: "vol"}}
	volOrg.ID = store.OrganisationID(volOrg)
	write(t, db, &store.Batch{Organisations: []joinedup.Organisation{volOrg}})
	prac, err := store.OrganisationIDByODS(ctx, db, "G85001")
	if err != nil {
		t.Fatal(err)
	}
	gp, err = store.CreateUser(ctx, db, joinedup.User{Username: "gp1", DisplayName: "Dr One", Role: joinedup.RoleGP, OrganisationID: prac}, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	vol, err = store.CreateUser(ctx, db, joinedup.User{Username: "vol1", DisplayName: "Val", Role: joinedup.RoleVoluntaryLinkWorker,
		OrganisationID: volOrg.ID, Email: "Val@Example.org", OIDCSubject: "sub-val"}, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	return b.Patients[0].ID, gp, vol
}

func TestRelationshipFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pid, gp, vol := seedAccess(t, db)
		rel, err := store.RelationshipFor(ctx, db, gp, pid, t0)
		if err != nil || rel != (joinedup.Relationship{Registered: true}) {
			t.Fatalf("gp: %+v, %v", rel, err)
		}
		rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0)
		if rel != (joinedup.Relationship{}) {
			t.Fatalf("vol before referral: %+v", rel)
		}
		if _, err := store.AddReferral(ctx, db, joinedup.Referral{PatientID: pid, OrganisationID: vol.OrganisationID, Reason: "isolation",
			WhatMatters: "getting to the allotment", Created: t0, Closed: t0.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.RecordConsent(ctx, db, joinedup.Consent{PatientID: pid, Voluntary: true, RecordedBy: gp.ID, RecordedAt: t0}); err != nil {
			t.Fatal(err)
		}
		rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(time.Hour))
		if rel != (joinedup.Relationship{Referred: true, ConsentVoluntary: true}) {
			t.Fatalf("vol after referral and consent: %+v", rel)
		}
		rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(72*time.Hour))
		if rel.Referred {
			t.Fatalf("closed referral still counts: %+v", rel)
		}
		// Withdrawing consent: the latest record is in force.
		if _, err := store.RecordConsent(ctx, db, joinedup.Consent{PatientID: pid, SocialCare: true, RecordedBy: gp.ID, RecordedAt: t0.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(time.Hour))
		if rel.ConsentVoluntary || !rel.ConsentSocialCare {
			t.Fatalf("latest consent not in force: %+v", rel)
		}
		// Care team by user, bounded by its period; break-glass bounded by expiry.
		if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: pid, UserID: vol.ID, Role: "link worker",
			Start: t0, End: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(time.Minute)); !rel.CareTeam {
			t.Fatalf("care team member not found: %+v", rel)
		}
		if rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(2*time.Hour)); rel.CareTeam {
			t.Fatalf("ended care team membership still counts: %+v", rel)
		}
		if _, err := store.GrantBreakGlass(ctx, db, pid, vol.ID, "too short", t0); err == nil {
			t.Fatal("short break-glass reason accepted")
		}
		if _, err := store.GrantBreakGlass(ctx, db, pid, vol.ID, "collapsed in clinic, unconscious", t0); err != nil {
			t.Fatal(err)
		}
		if rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(59*time.Minute)); !rel.BreakGlass {
			t.Fatalf("grant not in force: %+v", rel)
		}
		if rel, _ = store.RelationshipFor(ctx, db, vol, pid, t0.Add(joinedup.BreakGlassDuration)); rel.BreakGlass {
			t.Fatalf("expired grant still in force: %+v", rel)
		}
		if rel, _ = store.RelationshipFor(ctx, db, gp, "no-such-patient", t0); rel != (joinedup.Relationship{}) {
			t.Fatalf("unknown patient: %+v", rel)
		}
	})
}

func TestUsersAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, gp, vol := seedAccess(t, db)
		if _, err := store.CreateUser(ctx, db, joinedup.User{Username: "gp1", DisplayName: "x", Role: joinedup.RoleGP}, "", t0); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("duplicate username: %v", err)
		}
		u, err := store.UserByOIDC(ctx, db, "sub-val", "")
		if err != nil || u.ID != vol.ID {
			t.Fatalf("by subject: %+v %v", u, err)
		}
		if u, err = store.UserByOIDC(ctx, db, "other", "val@example.ORG"); err != nil || u.ID != vol.ID {
			t.Fatalf("by email: %+v %v", u, err)
		}
		if _, err = store.UserByOIDC(ctx, db, "other", "nobody@example.org"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		if err := store.CreateSession(ctx, db, "h1", gp.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := store.TouchSession(ctx, db, "h1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		s, err := store.GetSession(ctx, db, "h1")
		if err != nil || !s.Created.Equal(t0.Truncate(time.Microsecond)) || !s.LastSeen.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) || s.UserID != gp.ID {
			t.Fatalf("session: %+v %v", s, err)
		}
		if err := store.DisableUser(ctx, db, "gp1"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetSession(ctx, db, "h1"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("session of a disabled user survives: %v", err)
		}
		if u, _ := store.GetUser(ctx, db, gp.ID); !u.Disabled {
			t.Fatal("not disabled")
		}
		users, err := store.ListUsers(ctx, db)
		if err != nil || len(users) != 2 || users[0].Username != "gp1" {
			t.Fatalf("ListUsers = %+v, %v", users, err)
		}
	})
}

// TestClaimSignInLockout counts attempts against a username's lock-out:
// five in a row lock it for the period after the latest, a locked attempt
// is not counted, a success or a failure older than the period starts the
// count again.
func TestClaimSignInLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const period = 15 * time.Minute
		claim := func(user string, d time.Duration) (bool, time.Time) {
			t.Helper()
			ok, until, err := store.ClaimSignIn(ctx, db, user, t0.Add(d), 5, period)
			if err != nil {
				t.Fatal(err)
			}
			return ok, until
		}
		for i := range 5 {
			if ok, _ := claim("amy", time.Duration(i)*time.Minute); !ok {
				t.Fatalf("attempt %d refused", i+1)
			}
		}
		ok, until := claim("amy", 5*time.Minute)
		if want := t0.Add(4*time.Minute + period).Truncate(time.Microsecond); ok || !until.Equal(want) {
			t.Fatalf("sixth attempt: claimed %v, locked until %v, want until %v", ok, until, want)
		}
		// A refused attempt does not extend the lock.
		if ok, until2 := claim("amy", 18*time.Minute); ok || !until2.Equal(until) {
			t.Fatalf("at 18 minutes: claimed %v, until %v", ok, until2)
		}
		// The period after the latest counted failure ends the lock, and
		// the count starts again.
		for i := range 5 {
			if ok, _ := claim("amy", 19*time.Minute); !ok {
				t.Fatalf("after the lock, attempt %d refused", i+1)
			}
		}
		if ok, _ := claim("amy", 19*time.Minute); ok {
			t.Fatal("five failures after the lock did not lock again")
		}
		// A success sets the count back to nought.
		for range 4 {
			claim("ben", 0)
		}
		if err := store.ResetSignInFailures(ctx, db, "ben"); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if ok, _ := claim("ben", time.Second); !ok {
				t.Fatalf("after a success, attempt %d refused", i+1)
			}
		}
		// Failures more than the period apart are not in a row.
		for i := range 10 {
			if ok, _ := claim("dee", time.Duration(i)*(period+time.Second)); !ok {
				t.Fatalf("spaced attempt %d refused", i+1)
			}
		}
	})
}

// TestClaimSignInAtOnce makes 100 attempts on one username at the same
// moment, each claim in its own transaction as a sign-in makes it: exactly
// the threshold are claimed, on both engines, however they interleave.
func TestClaimSignInAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			claimed int
			errs    []error
		)
		start := make(chan struct{})
		for range 100 {
			wg.Go(func() {
				<-start
				var ok bool
				err := db.InTx(ctx, func(tx *store.Tx) (err error) {
					ok, _, err = store.ClaimSignIn(ctx, tx, "amy", t0, 5, 15*time.Minute)
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				if ok {
					claimed++
				}
			})
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 || claimed != 5 {
			t.Fatalf("%d of 100 attempts claimed (want 5); errors: %v", claimed, errs)
		}
	})
}

func TestPatientCountsByPractice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		write(t, db, sample())
		cs, err := store.PatientCountsByPractice(ctx, db)
		if err != nil || len(cs) != 1 || cs[0].ODS != "G85001" || cs[0].Patients != 1 {
			t.Fatalf("counts = %+v, %v", cs, err)
		}
	})
}

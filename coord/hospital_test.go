package coord_test

import (
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// TestHospitalEvents sends an Amber patient's A&E attendance, an emergency
// admission and its discharge as a hospital would, then the same discharge
// again, a cancellation of the discharge, and messages that cannot be
// matched: each is stored once, the stay's Encounter follows the events,
// the discharge raises the coordinator's contact and its cancellation
// closes it, and nothing is applied to a guessed patient.
func TestHospitalEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := joinedup.Patient{NHSNumber: "9434765919", Source: joinedup.Source{System: "test", ID: "p"}, GivenName: "Ada", FamilyName: "Test",
			BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		if _, err := db.WriteBatch(ctx, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
			t.Fatal(err)
		}
		storetest.Assess(t, db, now.AddDate(0, 0, -7), map[string]bool{p.ID: true})
		// The shipped policy decides which encounters count and when the
		// contact after discharge is due.
		files, err := policy.Files("../policies/lcn-default")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: "lcn-default", Name: "lcn-default", Files: files,
			LoadedBy: "test", LoadedAt: now}); err != nil {
			t.Fatal(err)
		}
		cs, sys := coord.New(db, nil), coord.System("test", now)
		gp, err := cs.CreateUser(ctx, sys, coord.NewUser{Username: "dr-gp", DisplayName: "GP", Role: joinedup.RoleGP})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.DecideTier(ctx, coord.Actor{User: gp, At: now, Door: "test", Scope: joinedup.ScopeFull}, p.ID, joinedup.TierAmber, ""); err != nil {
			t.Fatal(err)
		}
		at := now
		send := func(id string, kind joinedup.HospitalEventKind, nhs string, change func(*joinedup.HospitalEvent)) coord.Received {
			t.Helper()
			at = at.Add(time.Hour)
			ev := joinedup.HospitalEvent{MessageID: "RJ1|" + id, Sender: "RJ1", Kind: kind, NHSNumber: nhs, Visit: "V1",
				Class: joinedup.EncounterInpatient, Emergency: true, At: at, Raw: []byte("MSH|^~\\&|" + id)}
			if change != nil {
				change(&ev)
			}
			r, err := cs.ReceiveHospitalEvent(ctx, coord.System("hl7", at), ev)
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			return r
		}
		contacts := func() int {
			t.Helper()
			open, err := store.OpenTasks(ctx, db, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range open {
				if x.Kind == worklist.KindContactAfterDischarge {
					n++
				}
			}
			return n
		}
		admitted := now.Add(90 * time.Minute)
		r := send("1", joinedup.EventAdmission, "943 476 5919", func(ev *joinedup.HospitalEvent) { ev.Start = admitted })
		if r.Status != joinedup.MessageApplied || r.Encounter.Status != "in-progress" || !r.Encounter.Start.Equal(admitted) || contacts() != 0 {
			t.Fatalf("admission: %+v, %d contacts", r, contacts())
		}
		r = send("2", joinedup.EventDischarge, "9434765919", nil)
		if r.Encounter.Status != "finished" || !r.Encounter.Start.Equal(admitted) || r.Encounter.End.IsZero() || contacts() != 1 {
			t.Fatalf("discharge: %+v, %d contacts", r, contacts())
		}
		before, _ := store.Checksum(ctx, db)
		if r := send("2", joinedup.EventDischarge, "9434765919", nil); !r.Duplicate {
			t.Errorf("the discharge sent again was not recognised: %+v", r)
		}
		if after, _ := store.Checksum(ctx, db); after != before {
			t.Error("the discharge sent again changed the database")
		}
		r = send("3", joinedup.EventCancelDischarge, "9434765919", nil)
		if r.Encounter.Status != "in-progress" || !r.Encounter.End.IsZero() || contacts() != 0 {
			t.Errorf("cancelled discharge: %+v, %d contacts", r, contacts())
		}
		r = send("4", joinedup.EventCancelAdmission, "9434765919", nil)
		if r.Encounter.Status != "cancelled" {
			t.Errorf("cancelled admission: %+v", r)
		}
		encs, _ := store.Encounters(ctx, db, p.ID)
		if len(encs) != 1 {
			t.Errorf("%d encounters for one stay", len(encs))
		}

		for _, c := range []struct{ id, nhs, reason string }{
			{"5", "", "no NHS number"},
			{"6", "9434765918", `parse NHS number "9434765918": NHS number fails the Modulus 11 check`},
			{"7", "9000000009", "NHS number 900 000 0009 is held for nobody here"},
		} {
			if r := send(c.id, joinedup.EventAttendance, c.nhs, nil); r.Status != joinedup.MessageHeld || r.Reason != c.reason || r.PatientID != "" {
				t.Errorf("message %s: %+v, want held: %s", c.id, r, c.reason)
			}
		}
		held, err := store.HospitalMessages(ctx, db, joinedup.MessageHeld)
		if err != nil || len(held) != 3 || held[0].Raw != "MSH|^~\\&|5" {
			t.Errorf("held messages %+v %v", held, err)
		}
		if _, err := cs.ReceiveHospitalEvent(ctx, sys, joinedup.HospitalEvent{Kind: joinedup.EventAdmission}); err == nil {
			t.Error("a message without an id was received")
		}
	})
}

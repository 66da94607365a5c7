package hospitalfeed_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

var now = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// message is an ADT message for Ada (NHS number 943 476 5919) at the
// Royal Hospital: the A&E attendance is visit V100, the admission V200,
// both from 10:30 (BST); discharged, when given, is PV1-45.
func message(event, control, class, admitType, discharged string) []byte {
	pv1 := make([]string, 46)
	pv1[0], pv1[1], pv1[2], pv1[3], pv1[4] = "PV1", "1", class, "WARD1^^^RJ1", admitType
	pv1[19] = "V200"
	if class == "E" {
		pv1[19] = "V100"
	}
	pv1[44], pv1[45] = "20250602103000", discharged
	segs := []string{
		"MSH|^~\\&|PAS|RJ1|JOINEDUP|LCN|20250602110000||ADT^" + event + "^ADT_A01|" + control + "|P|2.4",
		"EVN|" + event + "|20250602110000",
		"PID|1||9434765919^^^NHS^NH~R12345^^^RJ1^MR||Test^Ada||19400101|F",
		strings.Join(pv1, "|"),
	}
	return []byte(strings.Join(segs, "\r") + "\r")
}

// amberPatient holds Ada with a confirmed Amber tier under the shipped
// policy, whose rules raise the contact after discharge.
func amberPatient(t testing.TB, db *store.DB) string {
	t.Helper()
	return amberPatients(t, db, "9434765919")[0]
}

// amberPatients holds a patient for each NHS number, each with a confirmed
// Amber tier under the shipped policy, and returns their ids.
func amberPatients(t testing.TB, db *store.DB, numbers ...joinedup.NHSNumber) []string {
	t.Helper()
	ctx := context.Background()
	var ps []joinedup.Patient
	eligible := map[string]bool{}
	for i, n := range numbers {
		p := joinedup.Patient{NHSNumber: n, Source: joinedup.Source{System: "test", ID: fmt.Sprintf("p%d", i)}, GivenName: "Ada", FamilyName: "Test",
			BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		ps = append(ps, p)
		eligible[p.ID] = true
	}
	if _, err := db.WriteBatch(ctx, &store.Batch{Patients: ps}); err != nil {
		t.Fatal(err)
	}
	storetest.Assess(t, db, now.AddDate(0, 0, -7), eligible)
	files, err := policy.Files("../policies/lcn-default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: "lcn-default", Name: "lcn-default", Files: files, LoadedBy: "test", LoadedAt: now}); err != nil {
		t.Fatal(err)
	}
	cs := coord.New(db, nil)
	gp, err := cs.CreateUser(ctx, coord.System("test", now), coord.NewUser{Username: "dr-gp", DisplayName: "GP", Role: joinedup.RoleGP})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		if _, err := cs.DecideTier(ctx, coord.Actor{User: gp, At: now, Door: "test", Scope: joinedup.ScopeFull}, p.ID, joinedup.TierAmber, ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// TestFeedOverTCP sends, over a real connection, an Amber patient's A&E
// attendance and departure, an emergency admission and its discharge, the
// discharge again, its cancellation and the admission's, and malformed and
// unsupported messages: each ACK comes after the message's effects are
// stored, so the coordinator's tasks (in hospital, then the contact after
// it) are there the moment it arrives; a repeat changes nothing; a
// cancellation undoes what it raised; and what JoinedUp cannot take is
// refused naming the fault.
func TestFeedOverTCP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pid := amberPatient(t, db)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &hospitalfeed.Server{Service: coord.New(db, nil), Now: func() time.Time { return now.Add(2 * time.Hour) }}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln) }()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		send := func(msg []byte) *hl7.Message {
			t.Helper()
			if err := hl7.WriteFrame(conn, msg); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			frame, err := hl7.ReadFrame(br, hospitalfeed.MaxFrame)
			if err != nil {
				t.Fatal(err)
			}
			ack, err := hl7.Parse(frame)
			if err != nil {
				t.Fatalf("ACK %q: %v", frame, err)
			}
			return ack
		}
		contacts := func() []string {
			t.Helper()
			open, err := store.OpenTasks(context.Background(), db, pid)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range open {
				if x.Kind == worklist.KindContactAfterDischarge || x.Kind == worklist.KindInHospital {
					out = append(out, x.Title)
				}
			}
			slices.Sort(out)
			return out
		}
		steps := []struct {
			name, control string
			msg           []byte
			contacts      string
		}{
			{"A&E attendance", "M1", message("A04", "M1", "E", "", ""), "In hospital: A&E"},
			{"left A&E", "M2", message("A03", "M2", "E", "", "20250602120000"), "Contact after A&E attendance"},
			{"emergency admission", "M3", message("A01", "M3", "I", "E", ""), "Contact after A&E attendance; In hospital: an emergency admission"},
			{"discharge", "M4", message("A03", "M4", "I", "E", "20250602150000"), "Contact after A&E attendance; Contact after emergency admission"},
			{"the discharge again", "M4", message("A03", "M4", "I", "E", "20250602150000"), "Contact after A&E attendance; Contact after emergency admission"},
			{"discharge cancelled", "M5", message("A13", "M5", "I", "E", ""), "Contact after A&E attendance; In hospital: an emergency admission"},
			{"admission cancelled", "M6", message("A11", "M6", "I", "E", ""), "Contact after A&E attendance"},
		}
		for _, s := range steps {
			before, _ := store.Checksum(context.Background(), db)
			ack := send(s.msg)
			if ack.Get("MSA-1") != "AA" || ack.Get("MSA-2") != s.control {
				t.Errorf("%s: ACK %s %s, want AA %s", s.name, ack.Get("MSA-1"), ack.Get("MSA-2"), s.control)
			}
			if got := strings.Join(contacts(), "; "); got != s.contacts {
				t.Errorf("%s: contacts %q at the ACK, want %q", s.name, got, s.contacts)
			}
			if after, _ := store.Checksum(context.Background(), db); s.name == "the discharge again" && after != before {
				t.Errorf("%s changed the database", s.name)
			}
		}
		for _, c := range []struct {
			name, msg, ack, err string
		}{
			{"not HL7", "hello", "AR", ""},
			{"no NHS number or other identifier", strings.Replace(string(message("A01", "M5", "I", "E", "")), "9434765919^^^NHS^NH~R12345^^^RJ1^MR", "", 1), "AE", "PID-3 101"},
			{"an event JoinedUp does not read", string(message("A99", "M6", "I", "E", "")), "AR", "MSH-9 201"},
			{"not ADT", strings.Replace(string(message("A01", "M7", "I", "E", "")), "ADT^A01", "ORU^R01", 1), "AR", "MSH-9 200"},
			{"Latin-1 undeclared", strings.Replace(string(message("A01", "M8", "I", "E", "")), "Test^Ada", "Br\xf6nte^Ada", 1), "AR", "MSH-18 102"},
		} {
			ack := send([]byte(c.msg))
			fault := ack.Get("ERR-2.1") + "-" + ack.Get("ERR-2.3") + " " + ack.Get("ERR-3.1")
			if ack.Get("MSA-1") != c.ack || c.err != "" && fault != c.err {
				t.Errorf("%s: ACK %s, fault %q; want %s, %q", c.name, ack.Get("MSA-1"), fault, c.ack, c.err)
			}
		}
		latin1 := strings.Replace(strings.Replace(string(message("A08", "M9", "I", "E", "")), "Test^Ada", "Br\xf6nte^Ada", 1), "|P|2.4", "|P|2.4||||||8859/1", 1)
		if ack := send([]byte(latin1)); ack.Get("MSA-1") != "AA" {
			t.Errorf("a declared ISO 8859-1 message: ACK %s %s", ack.Get("MSA-1"), ack.Get("ERR-8"))
		}
		cancel()
		conn.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		held, _ := store.HospitalMessages(context.Background(), db, joinedup.MessageApplied)
		if len(held) != 7 || !strings.Contains(held[6].Raw, "Brönte") {
			t.Errorf("%d messages stored as applied, want 7 (the repeat once, the Latin-1 one as UTF-8)", len(held))
		}
	})
}

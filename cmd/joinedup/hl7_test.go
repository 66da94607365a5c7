package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestHL7Send replays the sample ADT messages, one file holding two of
// them, to a feed with `joinedup hl7 send`: every message is acknowledged
// AA (stored; those whose patient is unknown here are held for review),
// a replay of the same files is acknowledged again and changes nothing, and
// a listener that is not there is an error.
func TestHL7Send(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.Open(t, store.SQLite)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- (&hospitalfeed.Server{Service: coord.New(db, nil)}).Serve(ctx, ln) }()
	dir := filepath.Join("..", "..", "hl7", "testdata")
	a01, _ := os.ReadFile(filepath.Join(dir, "a01.hl7"))
	a03, _ := os.ReadFile(filepath.Join(dir, "a03.hl7"))
	both := filepath.Join(t.TempDir(), "stay.hl7")
	os.WriteFile(both, append(append(a01, '\n'), a03...), 0o600)
	files := []string{filepath.Join(dir, "a04.hl7"), both}

	code, out, errOut := runCLI(t, append([]string{"hl7", "send", "--addr", ln.Addr().String()}, files...)...)
	if code != exitOK || strings.Count(out, "\tAA\t") != 3 {
		t.Fatalf("send: exit %d\n%s%s", code, out, errOut)
	}
	before, _ := store.Checksum(ctx, db)
	if code, out, _ := runCLI(t, append([]string{"hl7", "send", "--addr", ln.Addr().String()}, files...)...); code != exitOK || strings.Count(out, "\tAA\t") != 3 {
		t.Errorf("replay: exit %d\n%s", code, out)
	}
	if after, _ := store.Checksum(ctx, db); after != before {
		t.Error("a replay changed the database")
	}
	held, _ := store.HospitalMessages(ctx, db, joinedup.MessageHeld)
	if len(held) != 3 || !strings.Contains(held[0].Reason, "is held for nobody here") {
		t.Errorf("held %+v", held)
	}
	cancel()
	<-done
	if code, _, errOut := runCLI(t, "hl7", "send", "--addr", ln.Addr().String(), "--retries", "1", files[0]); code != exitFailure || !strings.Contains(errOut, "no acknowledgement") {
		t.Errorf("no listener: exit %d %s", code, errOut)
	}
}

// TestHL7HeldReview: two messages for a person not yet here are held; the
// review lists them, sets one aside with a note, and once the person's
// record is imported applies the other; a message reviewed already cannot
// be retried.
func TestHL7HeldReview(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "db")
	if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
		t.Fatal(errOut)
	}
	db, err := openDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	feed := &hospitalfeed.Server{Service: coord.New(db, nil)}
	dir := filepath.Join("..", "..", "hl7", "testdata")
	for _, f := range []string{"a04.hl7", "a01.hl7"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if ack := string(feed.Receive(ctx, raw)); !strings.Contains(ack, "|AA|") {
			t.Fatalf("%s: %q", f, ack)
		}
	}
	held, err := store.HospitalMessages(ctx, db, joinedup.MessageHeld)
	if err != nil || len(held) != 2 {
		t.Fatalf("held %+v %v", held, err)
	}
	attendance, admission := held[0], held[1]
	if attendance.Kind != joinedup.EventAttendance {
		attendance, admission = admission, attendance
	}
	if code, out, _ := runCLI(t, "hl7", "held", "--db", url); code != exitOK || strings.Count(out, "is held for nobody here") != 2 {
		t.Fatalf("held: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "hl7", "dismiss", "--db", url, attendance.ID); code != exitUsage || !strings.Contains(errOut, "--note") {
		t.Errorf("dismiss without a note: %d %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "hl7", "dismiss", "--db", url, "--note", "a test message from the trust", attendance.ID); code != exitOK {
		t.Fatalf("dismiss: %d %s%s", code, out, errOut)
	}
	p := joinedup.Patient{NHSNumber: "9434765919", Source: joinedup.Source{System: "GP", ID: "amelia"}, GivenName: "Amelia", FamilyName: "Chapman"}
	p.ID = joinedup.PatientID(p)
	if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "hl7", "retry", "--db", url); code != exitOK || !strings.Contains(out, "1 of 1 message(s) applied") ||
		!strings.Contains(out, admission.ID+"\tapplied to patient "+p.ID) {
		t.Fatalf("retry: %d\n%s%s", code, out, errOut)
	}
	encs, err := store.Encounters(ctx, db, p.ID)
	if err != nil || len(encs) != 1 || encs[0].Class != joinedup.EncounterInpatient {
		t.Fatalf("encounters after the retry: %+v %v", encs, err)
	}
	if code, out, _ := runCLI(t, "hl7", "held", "--db", url); code != exitOK || !strings.Contains(out, "no hospital messages held") {
		t.Errorf("held after review: %s", out)
	}
	if code, _, errOut := runCLI(t, "hl7", "retry", "--db", url, attendance.ID); code != exitRejects || !strings.Contains(errOut, "not held for review") {
		t.Errorf("retry of a dismissed message: %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "audit", "patient", "--db", url, "9434765919"); code != exitOK || !strings.Contains(out, "retried after review") {
		t.Errorf("the retry is not in the patient's audit:\n%s", out)
	}
}

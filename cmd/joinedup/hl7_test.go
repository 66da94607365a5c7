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

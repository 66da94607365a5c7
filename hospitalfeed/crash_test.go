package hospitalfeed_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// The crash test runs this test binary again as the server, which it kills;
// these variables tell the child what to serve.
const (
	childDB   = "JOINEDUP_FEED_CHILD_DB"
	childAddr = "JOINEDUP_FEED_CHILD_ADDR"
)

// received is the clock both runs receive by, so their stores can be
// compared row for row.
var received = now.Add(2 * time.Hour)

func TestMain(m *testing.M) {
	if url := os.Getenv(childDB); url != "" {
		os.Exit(serveChild(url, os.Getenv(childAddr)))
	}
	os.Exit(m.Run())
}

func serveChild(url, addr string) int {
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv := &hospitalfeed.Server{Service: coord.New(db, nil), Now: func() time.Time { return received }}
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// stays are the messages of a busy afternoon: for each patient an A&E
// attendance, an emergency admission and its discharge.
func stays(numbers []joinedup.NHSNumber) [][]byte {
	var out [][]byte
	for i, n := range numbers {
		for j, ev := range []struct{ event, class, discharged string }{{"A04", "E", ""}, {"A01", "I", ""}, {"A03", "I", "20250602150000"}} {
			m := string(message(ev.event, fmt.Sprintf("C%03d-%d", i, j), ev.class, "E", ev.discharged))
			out = append(out, []byte(strings.ReplaceAll(m, "9434765919", string(n))))
		}
	}
	return out
}

// TestKilledFeedLosesNothing kills the server with SIGKILL part-way through
// a stream of messages, starts it again, and lets the sender resend what it
// has no acknowledgement for, as a hospital's interface engine does: the
// store ends exactly as one that received the stream uninterrupted (every
// table but the audit, which also records the resent messages), on both
// engines.
func TestKilledFeedLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	var numbers []joinedup.NHSNumber
	for i := 0; len(numbers) < 20; i++ {
		if n, ok := joinedup.NHSNumberFromDigits(fmt.Sprintf("%09d", 999000100+i)); ok {
			numbers = append(numbers, n)
		}
	}
	msgs := stays(numbers)
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			// The uninterrupted run, in this process.
			clean := storetest.Open(t, engine)
			amberPatients(t, clean, numbers...)
			srv := &hospitalfeed.Server{Service: coord.New(clean, nil), Now: func() time.Time { return received }}
			for _, m := range msgs {
				if ack, _ := hl7.Parse(srv.Receive(ctx, m)); ack.Get("MSA-1") != "AA" {
					t.Fatalf("uninterrupted run: %s", ack.Get("ERR-8"))
				}
			}
			want := storetest.State(t, clean)

			url := storetest.URL(t, engine)
			db, err := store.OpenAndMigrate(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			amberPatients(t, db, numbers...)
			probe, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := probe.Addr().String()
			probe.Close()
			start := func() *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run", "^$")
				cmd.Env = append(os.Environ(), childDB+"="+url, childAddr+"="+addr)
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd
			}
			server := start()
			var acked atomic.Int64
			sent := make(chan error, 1)
			go func() { sent <- resend(addr, msgs, &acked) }()
			for acked.Load() < int64(len(msgs)/3) {
				time.Sleep(time.Millisecond)
			}
			server.Process.Signal(syscall.SIGKILL)
			server.Wait()
			killedAt := acked.Load()
			server = start()
			defer func() { server.Process.Signal(syscall.SIGKILL); server.Wait() }()
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
			if killedAt >= int64(len(msgs)) {
				t.Fatalf("the kill came after the last message (%d acknowledged)", killedAt)
			}
			t.Logf("killed after %d of %d acknowledgements", killedAt, len(msgs))
			if got := storetest.State(t, db); got != want {
				t.Errorf("killed after %d of %d acknowledgements: the store differs from an uninterrupted run", killedAt, len(msgs))
			}
			applied, _ := store.HospitalMessages(ctx, db, joinedup.MessageApplied)
			if len(applied) != len(msgs) {
				t.Errorf("%d messages stored, %d sent", len(applied), len(msgs))
			}
		})
	}
}

// resend sends each message in turn, as a hospital's interface engine
// would, resending through a restart, and counts the acknowledgements.
func resend(addr string, msgs [][]byte, acked *atomic.Int64) error {
	s := &hospitalfeed.Sender{Addr: addr, Retries: 100, Wait: 20 * time.Millisecond}
	defer s.Close()
	for _, m := range msgs {
		ack, err := s.Send(context.Background(), m)
		if err != nil {
			return err
		}
		if a, err := hl7.Parse(ack); err != nil || a.Get("MSA-1") != "AA" {
			return fmt.Errorf("message not accepted: %q", ack)
		}
		acked.Add(1)
	}
	return nil
}

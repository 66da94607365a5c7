package hospitalfeed_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// benchConns is how many connections send at once, as a hospital's
// interface engine and a few departments' systems do.
const benchConns = 8

// benchFeed starts a feed on PostgreSQL with 20 Amber patients and returns
// its address and the messages to send: attendances, admissions and
// discharges with ids and visits of their own, n in all.
func benchFeed(b *testing.B, n int) (string, [][]byte, *store.DB) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("the feed is measured on PostgreSQL")
	}
	var numbers []joinedup.NHSNumber
	for i := 0; len(numbers) < 20; i++ {
		if nhs, ok := joinedup.NHSNumberFromDigits(fmt.Sprintf("%09d", 999000100+i)); ok {
			numbers = append(numbers, nhs)
		}
	}
	db := storetest.Open(b, store.Postgres)
	amberPatients(b, db, numbers...)
	var msgs [][]byte
	for i := 0; len(msgs) < n; i++ {
		for _, m := range stays(numbers) {
			s := strings.Replace(string(m), "|C", fmt.Sprintf("|R%d-C", i), 1)
			s = strings.ReplaceAll(s, "|V100|", fmt.Sprintf("|V100-%d|", i))
			s = strings.ReplaceAll(s, "|V200|", fmt.Sprintf("|V200-%d|", i))
			msgs = append(msgs, []byte(s))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &hospitalfeed.Server{Service: coord.New(db, nil)}
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), msgs[:n], db
}

// send sends msgs on one connection, each after the last one's ACK, and
// returns each message's time from sending to its ACK.
func send(b *testing.B, addr string, msgs [][]byte, pace time.Duration) []time.Duration {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return nil
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	out := make([]time.Duration, 0, len(msgs))
	next := time.Now()
	for _, m := range msgs {
		if pace > 0 {
			time.Sleep(time.Until(next))
			next = next.Add(pace)
		}
		start := time.Now()
		if err := hl7.WriteFrame(conn, m); err != nil {
			b.Error(err)
			return out
		}
		ack, err := hl7.ReadFrame(br, hospitalfeed.MaxFrame)
		if err != nil {
			b.Error(err)
			return out
		}
		out = append(out, time.Since(start))
		if !strings.Contains(string(ack), "|AA|") {
			b.Errorf("not accepted: %q", ack)
			return out
		}
	}
	return out
}

func p99(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	if len(ds) == 0 {
		return 0
	}
	return ds[len(ds)*99/100]
}

// BenchmarkFeed measures ADT messages over MLLP on loopback, PostgreSQL,
// each acknowledged only after its transaction commits: "sustained" sends
// as fast as the acknowledgements come on benchConns connections at once
// and reports messages a second; "200-per-second" paces the same load to
// 200 messages a second and reports the 99th percentile from sending a
// message to its acknowledgement; "bare-inserts" is the baseline: the same
// number of messages inserted raw, one committed INSERT each, on the same
// number of connections.
func BenchmarkFeed(b *testing.B) {
	b.Run("sustained", func(b *testing.B) {
		addr, msgs, _ := benchFeed(b, b.N)
		b.ResetTimer()
		lat := fanOut(b, addr, msgs, 0)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		b.ReportMetric(float64(p99(lat).Microseconds())/1000, "p99-ms")
	})
	b.Run("200-per-second", func(b *testing.B) {
		addr, msgs, _ := benchFeed(b, b.N)
		b.ResetTimer()
		lat := fanOut(b, addr, msgs, benchConns*time.Second/200)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		b.ReportMetric(float64(p99(lat).Microseconds())/1000, "p99-ms")
	})
	b.Run("bare-inserts", func(b *testing.B) {
		_, msgs, db := benchFeed(b, b.N)
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE bare_messages (id TEXT PRIMARY KEY, raw TEXT NOT NULL)"); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		var wg sync.WaitGroup
		for c := range benchConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; i < len(msgs); i += benchConns {
					if _, err := db.ExecContext(ctx, "INSERT INTO bare_messages (id, raw) VALUES ($1, $2)", fmt.Sprint(i), string(msgs[i])); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// fanOut sends msgs over benchConns connections at once, each pacing its
// share at pace (0: as fast as acknowledgements come).
func fanOut(b *testing.B, addr string, msgs [][]byte, pace time.Duration) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for c := range benchConns {
		var mine [][]byte
		for i := c; i < len(msgs); i += benchConns {
			mine = append(mine, msgs[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := send(b, addr, mine, pace)
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all
}

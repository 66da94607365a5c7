package web

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// loadUsers is how many people use the pages at once.
const loadUsers = 50

// BenchmarkPages drives the worklist and patient pages with loadUsers
// concurrent users, on a loopback listener, over a synthetic population of
// JOINEDUP_BENCH_PATIENTS patients (default 2,000), generated, imported
// and stratified as an LCN's would be. JOINEDUP_BENCH_ENGINE=postgres uses
// PostgreSQL (JOINEDUP_TEST_POSTGRES); the default is SQLite. Each
// sub-benchmark sends b.N requests in all and reports the latency
// percentiles and requests per second; GET /healthz under the same load is
// the baseline.
//
//	JOINEDUP_BENCH_PATIENTS=20000 go test -run '^$' -bench BenchmarkPages -benchtime 5000x ./web/
func BenchmarkPages(b *testing.B) {
	n := 2000
	if s := os.Getenv("JOINEDUP_BENCH_PATIENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("JOINEDUP_BENCH_PATIENTS: %v", err)
		}
	}
	engine := store.SQLite
	if os.Getenv("JOINEDUP_BENCH_ENGINE") == "postgres" {
		engine = store.Postgres
	}
	db := storetest.Open(b, engine)
	now := time.Now().UTC()
	start := time.Now()
	synthPopulation(b, db, n, 0, now.Truncate(24*time.Hour))
	b.Logf("%d patients on %s, generated, imported and stratified in %v", n, engine, time.Since(start).Round(time.Second))

	// The GP works at the largest practice; the care coordinator is on
	// the care team of 200 of its cohort.
	var practice string
	if err := db.QueryRowContext(ctx, `SELECT practice_id FROM patients WHERE practice_id IS NOT NULL
		GROUP BY practice_id ORDER BY COUNT(*) DESC, practice_id LIMIT 1`).Scan(&practice); err != nil {
		b.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT p.id FROM patients p JOIN current_assessments ca ON ca.patient_id = p.id
		WHERE p.practice_id = $1 ORDER BY ca.eligible DESC, p.id LIMIT 500`, practice)
	if err != nil {
		b.Fatal(err)
	}
	var patients []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		patients = append(patients, id)
	}
	rows.Close()
	if len(patients) == 0 {
		b.Fatal("no patients at the largest practice")
	}
	tokens := map[joinedup.Role]string{}
	for _, r := range []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator} {
		u, err := store.CreateUser(ctx, db, joinedup.User{Username: "load-" + string(r), DisplayName: "Load " + string(r), Role: r, OrganisationID: practice}, "", now)
		if err != nil {
			b.Fatal(err)
		}
		tok := randomToken()
		if err := store.CreateSession(ctx, db, tokenHash(tok), u.ID, now); err != nil {
			b.Fatal(err)
		}
		tokens[r] = tok
		if r == joinedup.RoleCareCoordinator {
			for _, p := range patients[:min(200, len(patients))] {
				if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p, UserID: u.ID, Role: "care coordinator", Start: now.Add(-time.Hour)}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	srv := httptest.NewServer(New(db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadUsers, MaxConnsPerHost: loadUsers}}
	roles := []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator}
	for _, page := range []struct {
		name string
		path func(r *rand.Rand) string
	}{
		{"healthz", func(*rand.Rand) string { return "/healthz" }},
		{"worklist", func(*rand.Rand) string { return "/worklist" }},
		{"patient", func(r *rand.Rand) string { return "/patients/" + patients[r.IntN(len(patients))] }},
		{"cohort", func(*rand.Rand) string { return "/cohort" }},
	} {
		b.Run(page.name, func(b *testing.B) {
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			began := time.Now()
			for u := range loadUsers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(u), 1))
					tok := tokens[roles[u%len(roles)]]
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						req, _ := http.NewRequest("GET", srv.URL+page.path(rng), nil)
						req.AddCookie(&http.Cookie{Name: SessionCookie, Value: tok})
						t0 := time.Now()
						resp, err := client.Do(req)
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 {
								err = fmt.Errorf("status %d", resp.StatusCode)
							}
						}
						lat[i] = time.Since(t0)
						if err != nil && failed.Add(1) == 1 {
							b.Errorf("GET %s: %v", page.name, err)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(began)
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		})
	}
}

package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// defaultLoadUsers is how many people use the pages at once.
const defaultLoadUsers = 50

// BenchmarkPages drives the worklist and patient pages with 50 concurrent
// users (JOINEDUP_BENCH_USERS sets another number, to find the load the
// pages bear), on a loopback listener. By default it runs over a
// synthetic population of JOINEDUP_BENCH_PATIENTS patients (default 2,000),
// generated, imported and stratified as an LCN's would be;
// JOINEDUP_BENCH_ENGINE=postgres uses PostgreSQL (JOINEDUP_TEST_POSTGRES),
// the default is SQLite. JOINEDUP_BENCH_DB instead names a database already
// imported and stratified (`joinedup import`, `joinedup stratify`), such as
// a million-patient one: it is migrated, and the benchmark's users, sessions
// and care-team places are added to it, once, however often it runs. Each
// sub-benchmark sends b.N requests in all and reports the latency
// percentiles and requests per second; GET /healthz under the same load is
// the baseline. Users ask again as soon as they are answered (a closed
// loop: the heaviest load 50 people could make), unless
// JOINEDUP_BENCH_THINK gives a mean time to read a page before the next
// click (exponentially distributed), as people using the pages do.
//
//	JOINEDUP_BENCH_PATIENTS=20000 go test -run '^$' -bench BenchmarkPages -benchtime 5000x ./web/
//	JOINEDUP_BENCH_DB='postgres://localhost/lcn1m' go test -run '^$' -bench BenchmarkPages -benchtime 5000x ./web/
func BenchmarkPages(b *testing.B) {
	now := time.Now().UTC()
	var db *store.DB
	if u := os.Getenv("JOINEDUP_BENCH_DB"); u != "" {
		var err error
		if db, err = store.OpenAndMigrate(ctx, u); err != nil {
			b.Fatalf("JOINEDUP_BENCH_DB: %v", err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&n); err != nil {
			b.Fatal(err)
		}
		b.Logf("%d patients on %s (JOINEDUP_BENCH_DB)", n, db.Engine)
	} else {
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
		db = storetest.Open(b, engine)
		start := time.Now()
		synthPopulation(b, db, n, 0, now.Truncate(24*time.Hour))
		b.Logf("%d patients on %s, generated, imported and stratified in %v", n, engine, time.Since(start).Round(time.Second))
	}
	loadUsers := defaultLoadUsers
	if s := os.Getenv("JOINEDUP_BENCH_USERS"); s != "" {
		var err error
		if loadUsers, err = strconv.Atoi(s); err != nil || loadUsers < 1 {
			b.Fatalf("JOINEDUP_BENCH_USERS: %q is not a number of users", s)
		}
	}
	var think time.Duration
	if s := os.Getenv("JOINEDUP_BENCH_THINK"); s != "" {
		var err error
		if think, err = time.ParseDuration(s); err != nil {
			b.Fatalf("JOINEDUP_BENCH_THINK: %v", err)
		}
	}
	patients, tokens := loadUsersOf(b, db, now)
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
			appCPU, dbCPU := processCPU(), postgresCPU()
			b.ResetTimer()
			began := time.Now()
			for u := range loadUsers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(u), 1))
					tok := tokens[roles[u%len(roles)]]
					for {
						if think > 0 {
							// A person reading the page before the next
							// click: the modelled load, not a wait.
							<-time.After(time.Duration(rng.ExpFloat64() * float64(think)))
						}
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
			// CPU per request is steadier than latency on a shared machine:
			// this process (server and load generator, and SQLite with
			// them) and, when PostgreSQL runs on this machine, its server
			// processes.
			b.ReportMetric(float64((processCPU()-appCPU).Microseconds())/1000/float64(b.N), "app-cpu-ms/req")
			if dbCPU >= 0 && db.Engine == store.Postgres {
				b.ReportMetric(float64((postgresCPU()-dbCPU).Microseconds())/1000/float64(b.N), "db-cpu-ms/req")
			}
		})
	}
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU is the CPU time used by the PostgreSQL server processes on
// this machine, the exited ones included (Linux), or -1 if there are none
// to be seen.
func postgresCPU() time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	found := false
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		// After the command: state, then fields 4 on; utime, stime,
		// cutime and cstime are fields 14 to 17.
		fields := strings.Fields(s[end+1:])
		if len(fields) < 15 {
			continue
		}
		for _, v := range fields[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks += n
		}
		found = true
	}
	if !found {
		return -1
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// loadUsersOf prepares the benchmark's users on db: a GP at the largest
// practice and a care coordinator there on the care team of 200 of its
// patients, the eligible first. It adds only what is missing, so it can
// run again and again on the same database, and returns up to 500 of the
// practice's patients (the eligible first) and a new session token for
// each user.
func loadUsersOf(b *testing.B, db *store.DB, now time.Time) ([]string, map[joinedup.Role]string) {
	b.Helper()
	var practice string
	if err := db.QueryRowContext(ctx, `SELECT practice_id FROM patients WHERE practice_id IS NOT NULL
		GROUP BY practice_id ORDER BY COUNT(*) DESC, practice_id LIMIT 1`).Scan(&practice); err != nil {
		b.Fatalf("find the largest practice: %v", err)
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
		b.Fatal("no assessed patients at the largest practice: import and stratify first")
	}
	tokens := map[joinedup.Role]string{}
	for _, r := range []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator} {
		name := "load-" + string(r)
		u, _, err := store.UserByUsername(ctx, db, name)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
			u, err = store.CreateUser(ctx, db, joinedup.User{Username: name, DisplayName: "Load " + string(r), Role: r, OrganisationID: practice}, "", now)
		case err == nil && u.OrganisationID != practice:
			b.Fatalf("user %s exists at %s, not at the largest practice %s", name, u.OrganisationID, practice)
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID); err != nil {
			b.Fatal(err)
		}
		tok := coord.NewToken()
		if err := store.CreateSession(ctx, db, coord.TokenHash(tok), u.ID, now); err != nil {
			b.Fatal(err)
		}
		tokens[r] = tok
		if r != joinedup.RoleCareCoordinator {
			continue
		}
		team := map[string]bool{}
		rows, err := db.QueryContext(ctx, "SELECT patient_id FROM care_team_members WHERE user_id = $1 AND period_end IS NULL", u.ID)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			team[id] = true
		}
		rows.Close()
		for _, p := range patients[:min(200, len(patients))] {
			if team[p] {
				continue
			}
			if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p, UserID: u.ID, Role: "care coordinator", Start: now.Add(-time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return patients, tokens
}

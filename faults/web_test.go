package faults_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/web"
)

// answer is what one request of the burst got.
type answer struct {
	kind   string // "GET /worklist", …, "POST /patients/{id}/tier"
	phase  int32  // before the restart (sent and answered), after it (sent after), or during
	status int
	err    error
	page   string
}

const (
	beforeRestart int32 = iota
	duringRestart
	afterRestart
)

var phases = [...]string{"before", "during", "after"}

// lockedBuffer is a log the server writes from many requests at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPagesThroughDatabaseRestart: PostgreSQL restarts while a GP's pages
// are being asked for, several at once, over HTTP: the worklist, the
// cohort, patients' pages and tier decisions. A request caught by the
// restart is answered with the page "Sorry, the service is unavailable",
// status 503; none is dropped (as a panic would drop it) and none is
// answered as though it had worked. Every request sent before the restart,
// and every one sent after the database is back, succeeds, on the same
// server and connection pool. Nothing is half-written: each tier decision
// stored has its audit entry and each entry its decision, and the audit
// chain verifies.
func TestPagesThroughDatabaseRestart(t *testing.T) {
	t.Parallel()
	dir := population(t, patients(t, 150))
	srv := privateDatabase(t)
	db, err := store.Open(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	importPopulation(t, db, dir, 0)
	if _, err := stratifyRun(db); err != nil {
		t.Fatal(err)
	}

	// A GP at the largest practice, signed in.
	var practice string
	if err := db.QueryRowContext(ctx, `SELECT practice_id FROM patients WHERE practice_id IS NOT NULL
		GROUP BY practice_id ORDER BY COUNT(*) DESC, practice_id LIMIT 1`).Scan(&practice); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	gp, err := store.CreateUser(ctx, db, joinedup.User{Username: "gp-fault", DisplayName: "Dr Fault", Role: joinedup.RoleGP, OrganisationID: practice}, "", now)
	if err != nil {
		t.Fatal(err)
	}
	token := coord.NewToken()
	if err := store.CreateSession(ctx, db, coord.TokenHash(token), gp.ID, now); err != nil {
		t.Fatal(err)
	}
	var ids []string
	rows, err := db.QueryContext(ctx, `SELECT p.id FROM patients p JOIN current_assessments ca ON ca.patient_id = p.id
		WHERE p.practice_id = $1 ORDER BY ca.eligible DESC, p.id LIMIT 20`, practice)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("no assessed patients at the largest practice")
	}

	logs := &lockedBuffer{}
	hs := httptest.NewUnstartedServer(web.New(db, web.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	hs.Config.ErrorLog = log.New(logs, "", 0) // where net/http reports a handler's panic
	hs.Start()
	defer hs.Close()
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 8},
	}
	kinds := []string{"GET /worklist", "GET /cohort", "GET /patients/{id}", "POST /patients/{id}/tier"}
	send := func(i int) answer {
		kind := kinds[i%len(kinds)]
		method, path, _ := strings.Cut(kind, " ")
		path = strings.Replace(path, "{id}", ids[i%len(ids)], 1)
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader(url.Values{"tier": {"red"}, "reason": {"Two admissions since the summer; seen at home"}}.Encode())
		}
		req, err := http.NewRequest(method, hs.URL+path, body)
		if err != nil {
			return answer{kind: kind, err: err}
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
		resp, err := client.Do(req)
		if err != nil {
			return answer{kind: kind, err: err}
		}
		defer resp.Body.Close()
		page, err := io.ReadAll(resp.Body)
		a := answer{kind: kind, status: resp.StatusCode, err: err, page: string(page)}
		if ct := resp.Header.Get("Content-Type"); a.status >= 500 && !strings.HasPrefix(ct, "text/html") {
			a.err = fmt.Errorf("a %d answered as %s", a.status, ct)
		}
		return a
	}
	ok := func(a answer) bool {
		return a.err == nil && (a.status == http.StatusOK || a.kind == kinds[3] && a.status == http.StatusSeeOther)
	}

	// The burst: users asking again as soon as they are answered.
	var (
		phase           atomic.Int32
		next            atomic.Int64
		stop            atomic.Bool
		mu              sync.Mutex
		answers         []answer
		succeeded       [3]int
		failedInRestart int
		wg              sync.WaitGroup
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				sent := phase.Load()
				a := send(int(next.Add(1)))
				a.phase = max(sent, duringRestart)
				if got := phase.Load(); sent == got && got != duringRestart {
					a.phase = got
				}
				p := a.phase
				mu.Lock()
				answers = append(answers, a)
				if ok(a) {
					succeeded[p]++
				} else if sent == duringRestart {
					failedInRestart++
				}
				mu.Unlock()
			}
		}()
	}
	counted := func(f func() bool) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return f() }
	}
	waitFor(t, time.Minute, "pages served before the restart", counted(func() bool { return succeeded[beforeRestart] >= 12 }))
	phase.Store(duringRestart)
	ended := srv.restart(time.Minute, counted(func() bool { return failedInRestart >= 12 }))
	phase.Store(afterRestart)
	waitFor(t, time.Minute, "pages served after the restart", counted(func() bool { return succeeded[afterRestart] >= 24 }))
	stop.Store(true)
	wg.Wait()
	hs.Close()

	// Every request answered: before and after, as asked; during, with
	// the error page or, for one that was done before the database went
	// or began after it came back, as asked.
	tally := map[string]int{}
	for _, a := range answers {
		tally[fmt.Sprintf("%s: %s %d", phases[a.phase], a.kind, a.status)]++
		switch {
		case a.err != nil:
			t.Errorf("%s %s the restart: %v", a.kind, phases[a.phase], a.err)
		case a.phase != duringRestart && !ok(a):
			t.Errorf("%s %s the restart: %d\n%s", a.kind, phases[a.phase], a.status, a.page)
		case !ok(a) && (a.status != http.StatusServiceUnavailable || !strings.Contains(a.page, "Sorry, the service is unavailable")):
			t.Errorf("%s during the restart: %d\n%s", a.kind, a.status, a.page)
		}
	}
	t.Logf("%d connections ended; %d requests: %v", ended, len(answers), tally)
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", logs)
	}

	// Nothing half-written.
	var decisions, decided int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tier_decisions").Scan(&decisions); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = $2",
		string(joinedup.ActionDecideTier), string(joinedup.OutcomeAllowed)).Scan(&decided); err != nil {
		t.Fatal(err)
	}
	posted := 0
	for _, a := range answers {
		if a.kind == kinds[3] && ok(a) {
			posted++
		}
	}
	if decisions != decided || decisions < posted {
		t.Errorf("%d tier decisions stored, %d audited as made, %d confirmed to the GP", decisions, decided, posted)
	}
	if _, err := store.VerifyAudit(ctx, db); err != nil {
		t.Errorf("audit chain after the restart: %v", err)
	}
}

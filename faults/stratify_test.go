package faults_test

import (
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup/policies"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/synth"
)

// stratifyRun runs the shipped policy over db's population as of the
// synthetic population's date, with the clock pinned to it.
func stratifyRun(db *store.DB) (stratify.RunSummary, error) {
	asOf := synth.DefaultAsOf
	pol, _, err := stratify.LoadPolicyFS(ctx, db, policies.LCNDefault(), "lcn-default", "test", asOf)
	if err != nil {
		return stratify.RunSummary{}, err
	}
	return stratify.Run(ctx, db, stratify.RunOptions{Policy: pol, AsOf: asOf, Now: func() time.Time { return asOf }})
}

// standings is what a stratification run decides for each patient, by
// patient id: the current assessment, how many are kept, the drift and
// review tasks it raised, and the facts version marked assessed. The ids
// the run makes are left out, as they differ from run to run.
func standings(t testing.TB, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []string{
		`SELECT id, 'assessed version ' || CAST(assessed_version AS TEXT) FROM patients`,
		`SELECT patient_id, 'current ' || policy_version || ' ' || CAST(as_of AS TEXT) || ' ' || CAST(eligible AS TEXT) || ' ' ||
			suggested_tier || ' ' || detail_hash FROM current_assessments`,
		`SELECT patient_id, 'assessments ' || CAST(COUNT(*) AS TEXT) FROM assessments GROUP BY patient_id`,
		`SELECT patient_id, 'drift ' || kind || ' ' || from_tier || ' ' || to_tier || ' ' || item FROM drift_events`,
		`SELECT patient_id, 'task ' || kind || ' ' || status || ' ' || dedupe_key || ' ' || title FROM tasks`,
	} {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var p, line string
			if err := rows.Scan(&p, &line); err != nil {
				t.Fatal(err)
			}
			out[p] += line + "\n"
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestStratifyThroughDatabaseRestart: PostgreSQL restarts while a
// stratification run is writing its assessments. The run stops with the
// database's error, and leaves each patient either as before the run or as
// an uninterrupted run leaves them (a batch of patients is one
// transaction): no assessment without its review tasks, no half of a
// patient's findings. Once the database is back, the same process, on the
// same connection pool, runs it again, and it ends exactly as a run never
// interrupted does.
func TestStratifyThroughDatabaseRestart(t *testing.T) {
	t.Parallel()
	dir := population(t, patients(t, 200))
	srv := privateDatabase(t)
	db, err := store.Open(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	importPopulation(t, db, dir, 0)
	before := standings(t, db)
	db.Close()

	// The same population, stratified without a restart.
	ref := srv.copy(t)
	refDB, err := store.Open(ctx, ref.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer refDB.Close()
	sum, err := stratifyRun(refDB)
	if err != nil {
		t.Fatal(err)
	}
	if sum.TasksRaised == 0 {
		t.Fatal("an uninterrupted run raised no review tasks: the population has too few people in the cohort for this test")
	}
	after, wantState := standings(t, refDB), storetest.State(t, refDB)

	db, err = store.Open(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Hold the run at its first review task, once it has written
	// assessments in its transaction: another session keeps others from
	// writing tasks, as a long transaction of someone else's would.
	hold, err := sql.Open("pgx", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	tx, err := hold.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE tasks IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var (
		runErr   error
		finished atomic.Bool
	)
	go func() {
		_, runErr = stratifyRun(db)
		finished.Store(true)
	}()
	waitFor(t, time.Minute, "the run to write assessments and wait to raise a task", func() bool {
		var n int
		err := srv.admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = $1 AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL`, srv.name).Scan(&n)
		return finished.Load() || err == nil && n > 0
	})
	ended := srv.restart(time.Minute, finished.Load)
	if runErr == nil {
		t.Fatalf("the run finished before the restart (%d connections ended)", ended)
	}
	t.Logf("%d connections ended; the run stopped: %v", ended, runErr)

	got := standings(t, db)
	done := 0
	for p := range after {
		switch got[p] {
		case before[p]:
		case after[p]:
			done++
		default:
			t.Errorf("patient %s after the restart:\n%s\nbefore the run:\n%s\nafter an uninterrupted run:\n%s", p, got[p], before[p], after[p])
		}
	}
	t.Logf("%d of %d patients stratified before the restart", done, len(after))

	// The same pool, again.
	if _, err := stratifyRun(db); err != nil {
		t.Fatalf("the run after the restart: %v", err)
	}
	if got := storetest.State(t, db); got != wantState {
		t.Fatalf("after the restart and a second run, the database differs from an uninterrupted run's:\n%s", diff(wantState, got))
	}
}

// diff lists the lines only one of two states has.
func diff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for l := range w {
		if !g[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for l := range g {
		if !w[l] {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

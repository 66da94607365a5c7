package faults_test

import (
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/synth"
)

// PatientsEnv names the variable that sets the size of the synthetic
// population every fault test imports, larger than the small one CI runs.
const PatientsEnv = "JOINEDUP_FAULT_PATIENTS"

// patients is how many patients a test imports: n, or the number
// JOINEDUP_FAULT_PATIENTS gives.
func patients(t testing.TB, n int) int {
	t.Helper()
	if s := os.Getenv(PatientsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 50 {
			t.Fatalf("%s=%q: want a number of patients, at least 50", PatientsEnv, s)
		}
		return v
	}
	return n
}

// population writes a synthetic population of n patients at four practices
// as Bulk Data NDJSON, and returns its folder.
func population(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := synth.WriteDir(ctx, synth.Config{Patients: n, Seed: 24, Practices: 4}, dir, false); err != nil {
		t.Fatal(err)
	}
	return dir
}

// importPopulation imports dir as the synthetic source, in batches of
// batch records, failing the test on any error or reject.
func importPopulation(t testing.TB, db *store.DB, dir string, batch int) {
	t.Helper()
	sum, err := importer.Import(ctx, db, []string{dir}, importer.Options{Source: "synth", BatchSize: batch})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if n := sum.Rejected(); n != 0 || len(sum.Unread) != 0 {
		t.Fatalf("import rejected %d records and %d files", n, len(sum.Unread))
	}
}

// patientTables are the tables an import writes a patient's records to.
var patientTables = []string{"conditions", "observations", "medications", "encounters", "appointments", "carers"}

// recordsOf counts each patient's records in each table, keyed
// "table patient".
func recordsOf(t testing.TB, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range patientTables {
		rows, err := db.QueryContext(ctx, "SELECT patient_id, COUNT(*) FROM "+tb+" GROUP BY patient_id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p string
			var n int
			if err := rows.Scan(&p, &n); err != nil {
				t.Fatal(err)
			}
			out[tb+" "+p] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func count(t testing.TB, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestImportThroughDatabaseRestart: PostgreSQL restarts while a synthetic
// population is being imported. The import stops with the database's
// error, having written whole batches only: of each patient's records of a
// type, all or none. Once the database is back, the same process, on the
// same connection pool, runs the import again and ends exactly as an
// import never interrupted does.
func TestImportThroughDatabaseRestart(t *testing.T) {
	t.Parallel()
	n := patients(t, 300)
	dir := population(t, n)
	// The checksum is the same on both engines (TestChecksumSameOnBothEngines
	// in store), and SQLite imports the reference quickly.
	clean := storetest.Open(t, store.SQLite)
	importPopulation(t, clean, dir, 0)
	want, err := store.Checksum(ctx, clean)
	if err != nil {
		t.Fatal(err)
	}
	whole := recordsOf(t, clean)

	srv := privateDatabase(t)
	db, err := store.Open(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		importErr error
		finished  atomic.Bool
	)
	go func() {
		// Small batches: the restart lands inside a transaction.
		_, importErr = importer.Import(ctx, db, []string{dir}, importer.Options{Source: "synth", BatchSize: 20})
		finished.Store(true)
	}()
	// Encounters come after patients, conditions and appointments, and
	// before medications and observations: the import is well under way.
	waitFor(t, time.Minute, "the import to write encounters", func() bool {
		var n int
		return finished.Load() || db.QueryRowContext(ctx, "SELECT COUNT(*) FROM encounters").Scan(&n) == nil && n > 0
	})
	ended := srv.restart(time.Minute, finished.Load)
	if importErr == nil {
		t.Fatalf("the import finished before the restart (%d connections ended)", ended)
	}
	t.Logf("%d connections ended; the import stopped: %v", ended, importErr)

	// Whole batches only.
	got := recordsOf(t, db)
	partial := 0
	for k, n := range got {
		if n != whole[k] {
			t.Errorf("%s: %d records after the restart, %d in a whole import", k, n, whole[k])
		}
	}
	for k := range whole {
		if got[k] == 0 {
			partial++
		}
	}
	if partial == 0 {
		t.Fatal("every record was written before the import stopped")
	}
	t.Logf("%d of %d patients' records by type were not yet written", partial, len(whole))

	// The same pool, again.
	importPopulation(t, db, dir, 0)
	if sum, err := store.Checksum(ctx, db); err != nil || sum != want {
		t.Fatalf("after the restart and a second run: checksum %s (%v); an uninterrupted import gives %s", sum, err, want)
	}
	if got := count(t, db, "patients"); got != n {
		t.Fatalf("%d patients after the second run, want %d", got, n)
	}
}

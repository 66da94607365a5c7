package importer_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// The crash test re-runs this test binary as a child that imports and is
// killed part-way; these variables tell the child what to do.
const (
	childDB    = "JOINEDUP_IMPORT_CHILD_DB"
	childInput = "JOINEDUP_IMPORT_CHILD_INPUT"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childDB); url != "" {
		os.Exit(runChild(url, os.Getenv(childInput)))
	}
	os.Exit(m.Run())
}

func runChild(url, input string) int {
	db, err := store.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	// Small batches make many commits, so the kill lands between some and
	// inside others.
	if _, err := importer.Import(ctx, db, []string{input}, importer.Options{Source: "synthea", BatchSize: 50}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// TestKilledImportResumes kills a real import process with SIGKILL part-way
// and shows that running the same import again reaches exactly the state
// of an import that was never interrupted: on the Synthea bundles of the
// fixtures and, when it is beside the repository, on the whole shared set.
func TestKilledImportResumes(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testKilledImportResumes(t, fixtures("synthea-r4-bundles"), 8, 2) })
	t.Run("shared", func(t *testing.T) { testKilledImportResumes(t, fhirschema.SharedSet(t, "synthea-r4-bundles"), 125, 20) })
}

// testKilledImportResumes kills the import of input, which holds total
// patients, once at least killAt of them are committed.
func testKilledImportResumes(t *testing.T, input string, total, killAt int) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			clean := storetest.Open(t, engine)
			importAll(t, clean, importer.Options{Source: "synthea"}, input)
			want, err := store.Checksum(ctx, clean)
			if err != nil {
				t.Fatal(err)
			}

			url := storetest.URL(t, engine)
			db, err := store.OpenAndMigrate(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childDB+"="+url, childInput+"="+input)
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait until the child has committed some patients, then kill it.
			deadline := time.Now().Add(2 * time.Minute)
			for {
				var n int
				_ = db.QueryRow("SELECT COUNT(*) FROM patients").Scan(&n)
				if n >= killAt {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child import committed nothing")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed part-way: %v", err)
			}
			var partial int
			db.QueryRow("SELECT COUNT(*) FROM patients").Scan(&partial)
			if partial >= total {
				t.Fatalf("the child finished (%d patients) before it was killed", partial)
			}

			// Re-open, as a new process would, and run the same import again.
			db.Close()
			db2, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if _, rejects := importAll(t, db2, importer.Options{Source: "synthea"}, input); len(rejects) != 0 {
				t.Fatalf("re-run rejected %d", len(rejects))
			}
			got, err := store.Checksum(ctx, db2)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("after kill (%d of %d patients committed) and re-run, checksum %s; a clean import gives %s", partial, total, got, want)
			}
			t.Logf("killed after %d of %d patients; re-run matches a clean import", partial, total)
		})
	}
}

package faults_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// The file-size test runs this test binary again as a child that imports
// under a limit on the size of the files it writes; these variables tell
// the child what to do.
const (
	childDB    = "JOINEDUP_FAULT_CHILD_DB"
	childInput = "JOINEDUP_FAULT_CHILD_INPUT"
	childLimit = "JOINEDUP_FAULT_CHILD_FSIZE"
)

// runChild imports input into the database at url with no file allowed to
// grow past limit bytes, as on a disk that has filled, and then appends an
// audit entry. It prints what failed and exits 1 if the import failed.
func runChild(url, input, limit string) int {
	n, err := strconv.ParseUint(limit, 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	// A write past the limit fails with EFBIG instead of killing the
	// process with SIGXFSZ.
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, importErr := importer.Import(ctx, db, []string{input}, importer.Options{Source: "synth", BatchSize: 50})
	_, auditErr := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), Username: "fault-test", Action: joinedup.ActionManageUsers,
		What: "after the disk filled", Outcome: joinedup.OutcomeAllowed})
	if auditErr != nil {
		fmt.Println("audit:", auditErr)
	}
	if importErr != nil {
		fmt.Println(importErr)
		return 1
	}
	return 0
}

// TestImportOnFullDisk fills the disk under an import into SQLite, in two
// ways: a limit on the size of the files the importing process may write
// (RLIMIT_FSIZE), which any machine allows, and a small filesystem of its
// own (tmpfs), where the test may mount one. Either way the import stops
// with an error that says there is no room and where; the database still
// opens, passes SQLite's integrity check and holds whole batches only; the
// audit chain verifies; and once there is room, the same import completes
// and ends exactly as one that never ran out of room.
func TestImportOnFullDisk(t *testing.T) {
	t.Parallel()
	dir := population(t, patients(t, 300))
	clean := storetest.Open(t, store.SQLite)
	importPopulation(t, clean, dir, 0)
	want, err := store.Checksum(ctx, clean)
	if err != nil {
		t.Fatal(err)
	}
	whole := recordsOf(t, clean)
	clean.Close()

	t.Run("file-size limit", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "joinedup.db")
		url := "sqlite:" + path
		audited := seedAudit(t, url)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		limit := st.Size() + 1<<20
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childDB+"="+url, childInput+"="+dir, childLimit+"="+strconv.FormatInt(limit, 10))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("the import with files limited to %d bytes: %v\n%s", limit, err, out.String())
		}
		// The child prints the import's error as `joinedup import` does.
		if got := out.String(); !strings.Contains(got, store.ErrNoRoom.Error()) || !strings.Contains(got, "the largest file this process may write (ulimit -f)") {
			t.Fatalf("the import's error does not say there was no room, and why:\n%s", got)
		}
		t.Logf("with files limited to %d bytes: %s", limit, strings.TrimSpace(out.String()))
		checkAfterFull(t, url, audited, whole, want, dir, func() {})
	})

	t.Run("full filesystem", func(t *testing.T) {
		mnt := t.TempDir()
		free, err := mountTmpfs(t, mnt, 16<<20)
		if err != nil {
			t.Skipf("this test may not mount a filesystem (the file-size limit fills the disk instead): %v", err)
		}
		path := filepath.Join(mnt, "joinedup.db")
		url := "sqlite:" + path
		audited := seedAudit(t, url)
		// Leave a megabyte free: room for some batches, not all.
		ballast := filepath.Join(mnt, "ballast")
		fill(t, ballast, free()-1<<20)
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		_, err = importer.Import(ctx, db, []string{dir}, importer.Options{Source: "synth", BatchSize: 50})
		if !errors.Is(err, store.ErrNoRoom) || !strings.Contains(err.Error(), "the disk holding "+path+" is full") {
			t.Fatalf("the import on a full disk: %v", err)
		}
		t.Logf("on a full disk: %v", err)
		// An audit entry that finds no room is refused whole.
		if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), Username: "fault-test", Action: joinedup.ActionManageUsers,
			What: "after the disk filled", Outcome: joinedup.OutcomeAllowed}); err == nil {
			audited++
		}
		db.Close()
		checkAfterFull(t, url, audited, whole, want, dir, func() {
			if err := os.Remove(ballast); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// seedAudit makes a database at url with some audit entries, and returns
// how many.
func seedAudit(t *testing.T, url string) int64 {
	t.Helper()
	db, err := store.OpenAndMigrate(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 5
	for i := range n {
		if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), Username: "fault-test", Action: joinedup.ActionManageUsers,
			What: fmt.Sprint("before the import ", i), Outcome: joinedup.OutcomeAllowed}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// fill writes a file of size bytes.
func fill(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for size > 0 {
		n := min(size, int64(len(block)))
		if _, err := f.Write(block[:n]); err != nil {
			t.Fatal(err)
		}
		size -= n
	}
}

// checkAfterFull opens the database at url after an import ran out of
// room: it must pass SQLite's integrity check, hold whole batches only and
// keep an intact audit chain of audited entries (or one more, made after
// the import stopped). Then room is made, the import runs again and must
// end as a clean import (checksum want) does.
func checkAfterFull(t *testing.T, url string, audited int64, whole map[string]int, want, dir string, makeRoom func()) {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open the database after it filled: %v", err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after the disk filled: %q %v", check, err)
	}
	if n, err := store.VerifyAudit(ctx, db); err != nil || n != audited && n != audited+1 {
		t.Fatalf("audit chain after the disk filled: %d entries, %v; want %d", n, err, audited)
	}
	got := recordsOf(t, db)
	missing := 0
	for k, n := range got {
		if n != whole[k] {
			t.Errorf("%s: %d records after the disk filled, %d in a whole import", k, n, whole[k])
		}
	}
	for k := range whole {
		if got[k] == 0 {
			missing++
		}
	}
	if missing == 0 || len(got) == 0 {
		t.Fatalf("the disk filled with %d of %d patients' records by type written: not part-way", len(got), len(whole))
	}
	t.Logf("%d of %d patients' records by type written before the disk filled", len(got), len(whole))
	makeRoom()
	importPopulation(t, db, dir, 50)
	if sum, err := store.Checksum(ctx, db); err != nil || sum != want {
		t.Fatalf("after the disk filled and a second run: checksum %s (%v); a clean import gives %s", sum, err, want)
	}
}

package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestBackupRestore: a database with records, care and an audit trail,
// backed up and restored into an empty database, has the checksum backup
// printed, on both engines; a database that is not empty is refused unless
// --replace is given.
func TestBackupRestore(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			src := storetest.URL(t, e)
			db, err := store.OpenAndMigrate(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			storetest.Dashboard(t, db)
			for i := range 3 {
				if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Date(2025, 6, 2, 9, i, 0, 0, time.UTC), Username: "dr.jones",
					Role: joinedup.RoleGP, Action: joinedup.ActionReadPatient, What: "GET /patients/{id}", Outcome: joinedup.OutcomeAllowed}); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "joinedup.backup")
			code, out, errOut := runCLI(t, "backup", "--db", src, "--out", file)
			if code != exitOK {
				t.Fatalf("backup: %d %q %q", code, out, errOut)
			}
			sum := checksumIn(t, out)
			if own, err := store.DatabaseChecksum(ctx, db); err != nil || own != sum {
				t.Fatalf("backup printed checksum %s; the database's is %s (%v)", sum, own, err)
			}
			if !strings.Contains(out, "audit chain head at entry 3") {
				t.Errorf("backup output: %q", out)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("backup file: %v %v, want readable by its owner only", fi, err)
			}
			if code, _, errOut := runCLI(t, "backup", "--db", src, "--out", file); code != exitFailure || !strings.Contains(errOut, "already exists") {
				t.Errorf("backup over a file: %d %q", code, errOut)
			}

			dst := emptyDatabase(t, e, src)
			code, out, errOut = runCLI(t, "restore", "--db", dst, "--checksum", sum, file)
			if code != exitOK {
				t.Fatalf("restore: %d %q %q", code, out, errOut)
			}
			if got := checksumIn(t, out); got != sum {
				t.Fatalf("restored checksum %s, backed up %s", got, sum)
			}
			restored, err := store.Open(ctx, dst)
			if err != nil {
				t.Fatalf("open the restored database: %v", err)
			}
			defer restored.Close()
			if storetest.State(t, restored) != storetest.State(t, db) {
				t.Error("the restored database holds other records than the one backed up")
			}
			if n, err := store.VerifyAudit(ctx, restored); err != nil || n != 3 {
				t.Errorf("restored audit chain: %d entries, %v", n, err)
			}

			// Not into a database that holds tables, unless told to.
			code, out, errOut = runCLI(t, "restore", "--db", dst, file)
			if code != exitFailure || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "--replace") {
				t.Fatalf("restore over tables: %d %q %q", code, out, errOut)
			}
			if _, err := restored.ExecContext(ctx, "DELETE FROM care_plans"); err != nil {
				t.Fatal(err)
			}
			if sum2, err := store.DatabaseChecksum(ctx, restored); err != nil || sum2 == sum {
				t.Fatalf("checksum after deleting care plans: %s, %v; want it changed", sum2, err)
			}
			restored.Close()
			code, out, errOut = runCLI(t, "restore", "--db", dst, "--replace", file)
			if code != exitOK || checksumIn(t, out) != sum {
				t.Fatalf("restore --replace: %d %q %q", code, out, errOut)
			}
			// A checksum that is not the backup's fails the restore.
			code, _, errOut = runCLI(t, "restore", "--db", dst, "--replace", "--checksum", strings.Repeat("0", 64), file)
			if code != exitFailure || !strings.Contains(errOut, "is not "+strings.Repeat("0", 64)) {
				t.Fatalf("restore with another checksum: %d %q", code, errOut)
			}
		})
	}
}

var checksumLine = regexp.MustCompile(`(?m)^checksum ([0-9a-f]{64})$`)

func checksumIn(t *testing.T, out string) string {
	t.Helper()
	m := checksumLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no checksum in %q", out)
	}
	return m[1]
}

// emptyDatabase returns the URL of an empty database to restore into: a new
// SQLite file, or a new PostgreSQL database dropped when the test ends,
// reading the schema src reads (a backup restores into the schema it was
// taken from).
func emptyDatabase(t *testing.T, e store.Engine, src string) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "restored", "joinedup.db")
	}
	base := os.Getenv(storetest.PostgresEnv)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "restore_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop the restored database: %v", err)
		}
	})
	su, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("search_path", su.Query().Get("search_path"))
	u.RawQuery = q.Encode()
	return u.String()
}

// Package storetest gives tests a fresh, migrated database on each engine:
// a new SQLite file, or a new schema in the PostgreSQL database named by
// JOINEDUP_TEST_POSTGRES.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// PostgresEnv names the variable holding the PostgreSQL URL tests use.
const PostgresEnv = "JOINEDUP_TEST_POSTGRES"

// Engines lists the engines a test suite runs on.
func Engines() []store.Engine { return []store.Engine{store.SQLite, store.Postgres} }

// URL returns the URL of a fresh, empty database on engine, removed when the
// test ends. Without JOINEDUP_TEST_POSTGRES a PostgreSQL test is skipped,
// except under CI (CI set), where it fails: CI must never pass by skipping.
func URL(t testing.TB, engine store.Engine) string {
	t.Helper()
	switch engine {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "joinedup.db")
	case store.Postgres:
		base := os.Getenv(PostgresEnv)
		if base == "" {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not set: PostgreSQL tests must run in CI", PostgresEnv)
			}
			t.Skipf("%s not set; skipping PostgreSQL (e.g. %s=postgres://root@localhost/test?sslmode=disable)", PostgresEnv, PostgresEnv)
		}
		return freshSchema(t, base)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// freshSchema creates a schema of its own for the test and returns a URL
// whose search_path points at it, so tests never see each other's data.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a fresh, migrated database on engine, closed when the test
// ends.
func Open(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	db, err := store.OpenAndMigrate(context.Background(), URL(t, engine))
	if err != nil {
		t.Fatalf("open %s test database: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs fn as a subtest on every engine, with a fresh database each.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Assess stores a current assessment for each patient, as stratification
// would: eligible or not, suggested tier Amber, under a test policy version
// loaded at asOf. It returns the assessment ids by patient id.
func Assess(t testing.TB, db *store.DB, asOf time.Time, eligible map[string]bool) map[string]string {
	t.Helper()
	ctx := context.Background()
	v := store.PolicyVersion{ID: "test-policy", Name: "test", Files: map[string]string{"rules.yaml": "test"}, LoadedBy: "test", LoadedAt: asOf}
	if _, err := store.SavePolicyVersion(ctx, db, v); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(eligible))
	for id := range eligible {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	in := make([]store.AssessmentInput, len(ids))
	for i, id := range ids {
		in[i] = store.AssessmentInput{FactsVersion: 1, Assessment: joinedup.Assessment{
			PatientID: id, PolicyVersion: v.ID, AsOf: asOf, Eligible: eligible[id], SuggestedTier: joinedup.TierAmber}}
	}
	saved, err := store.SaveAssessments(ctx, db, in, asOf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, s := range saved {
		out[ids[i]] = s.ID
	}
	return out
}

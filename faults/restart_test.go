package faults_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// server is a PostgreSQL database of the test's own on the server
// JOINEDUP_TEST_POSTGRES names, which the test can cut off as a restart of
// the server would, without touching anyone else's: the other tests on the
// server use other databases, and only this database's connections are
// ended.
type server struct {
	t    testing.TB
	name string
	// URL is the database's URL, for the code under test.
	URL string
	// admin is connected to the database JOINEDUP_TEST_POSTGRES names,
	// never to this one, so a restart does not end it.
	admin *sql.DB
}

// migrated is a database migrated once for the whole run, which each
// test's database is copied from: migrating a new database takes seconds,
// copying one a fraction of that.
var migrated struct {
	once sync.Once
	name string
	err  error
}

// databases names the databases the tests made, dropped all at once when
// the tests have run (dropDatabases): dropping a database waits for a
// checkpoint of the server, which on a busy server takes seconds, and drops
// made together overlap their waits.
var databases struct {
	mu    sync.Mutex
	names []string
}

// made records a database the tests made, to be dropped.
func made(name string) {
	databases.mu.Lock()
	databases.names = append(databases.names, name)
	databases.mu.Unlock()
}

// privateDatabase creates a migrated database for the test alone, dropped
// when the tests have run. Without JOINEDUP_TEST_POSTGRES the test is skipped,
// except under CI (CI set), where it fails, as storetest does.
func privateDatabase(t testing.TB) *server {
	t.Helper()
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: PostgreSQL tests must run in CI", storetest.PostgresEnv)
		}
		t.Skipf("%s not set; skipping PostgreSQL", storetest.PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", storetest.PostgresEnv, err)
	}
	admin.SetMaxOpenConns(2)
	t.Cleanup(func() { admin.Close() })
	migrated.once.Do(func() {
		migrated.name = newName()
		// template0 is never connected to, so copying it never waits
		// for someone else's session to end.
		if _, migrated.err = admin.ExecContext(ctx, "CREATE DATABASE "+migrated.name+" TEMPLATE template0 ENCODING 'UTF8'"); migrated.err != nil {
			return
		}
		made(migrated.name)
		var db *store.DB
		if db, migrated.err = store.OpenAndMigrate(ctx, databaseURL(t, base, migrated.name)); migrated.err == nil {
			db.Close()
		}
	})
	if err := migrated.err; err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42501" && os.Getenv("CI") == "" {
			t.Skipf("the user of %s may not create databases: %v", storetest.PostgresEnv, err)
		}
		t.Fatalf("create a migrated database for the tests: %v", err)
	}
	return copyDatabase(t, admin, base, migrated.name)
}

// copyDatabase creates a database for the test, a copy of the one named
// from, which must have no sessions open.
func copyDatabase(t testing.TB, admin *sql.DB, base, from string) *server {
	t.Helper()
	s := &server{t: t, name: newName(), admin: admin}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+s.name+" TEMPLATE "+from); err != nil {
		t.Fatalf("create a database for the test: %v", err)
	}
	made(s.name)
	s.URL = databaseURL(t, base, s.name)
	return s
}

// copy copies the database, which must have no sessions open, into a new
// one of the test's own.
func (s *server) copy(t testing.TB) *server {
	t.Helper()
	return copyDatabase(t, s.admin, os.Getenv(storetest.PostgresEnv), s.name)
}

// dropDatabases drops every database the tests made, at once.
func dropDatabases() {
	if len(databases.names) == 0 {
		return
	}
	admin, err := sql.Open("pgx", os.Getenv(storetest.PostgresEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer admin.Close()
	var wg sync.WaitGroup
	for _, name := range databases.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// WITH (FORCE) ends what is left of the tests' own sessions.
			if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				fmt.Fprintf(os.Stderr, "drop the tests' database %s: %v\n", name, err)
			}
		}()
	}
	wg.Wait()
}

func newName() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "joinedup_fault_" + hex.EncodeToString(b[:])
}

// databaseURL is the URL of the database name on the server of base.
func databaseURL(t testing.TB, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", storetest.PostgresEnv, err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

// restart stands for a restart of the server as the database's clients see
// it: the database refuses new connections, and every connection to it is
// ended (SQLSTATE 57P01, as a fast shutdown ends them), again and again,
// until over reports true; then it lets connections in again. It returns
// how many of the database's server processes it ended. The test fails if
// over is not true within limit.
func (s *server) restart(limit time.Duration, over func() bool) int {
	s.t.Helper()
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+s.name+" ALLOW_CONNECTIONS false"); err != nil {
		s.t.Fatalf("refuse connections to %s: %v", s.name, err)
	}
	defer func() {
		if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+s.name+" ALLOW_CONNECTIONS true"); err != nil {
			s.t.Errorf("allow connections to %s again: %v", s.name, err)
		}
	}()
	deadline := time.Now().Add(limit)
	ended := 0
	for {
		n, err := s.endConnections()
		if err != nil {
			s.t.Fatalf("end connections to %s: %v", s.name, err)
		}
		ended += n
		if over() {
			return ended
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the restart was not over after %v (%d connections ended)", limit, ended)
		}
		// A poll, not a wait for something to happen: what connects is
		// ended at once, without spinning the admin connection.
		time.Sleep(5 * time.Millisecond)
	}
}

// endConnections ends every connection to the database but the admin's.
func (s *server) endConnections() (int, error) {
	rows, err := s.admin.QueryContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, s.name)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var ok bool
		if err := rows.Scan(&ok); err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, rows.Err()
}

// waitFor polls cond until it holds, failing the test after limit: the
// tests wait for what they need to see, never for a fixed time.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: still waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Package store keeps JoinedUp's data in SQLite (the embedded default) or
// PostgreSQL (production) through one implementation over database/sql: the
// same hand-written SQL runs on both engines.
//
// The schema is written in the subset both engines accept: TEXT ids generated
// by the application, TIMESTAMP columns that always hold UTC, DATE, BOOLEAN,
// DOUBLE PRECISION, and coded values as JSON text. Every patient-scoped table
// carries patient_id and is keyed by (patient_id, id) so the schema can be
// distributed by patient.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/groupcommit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Engine names the database engine behind a DB.
type Engine string

// The engines JoinedUp runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrBadURL is returned by ParseURL for a database URL it cannot use.
var ErrBadURL = errors.New("database URL must be sqlite:PATH or postgres://…")

// ErrSchemaOld is returned by Open when the database schema is older than
// this program: run `joinedup migrate` first.
var ErrSchemaOld = errors.New("database schema is older than this program; run `joinedup migrate`")

// ErrSchemaNew is returned by Open when the database was migrated by a newer
// program than this one.
var ErrSchemaNew = errors.New("database schema is newer than this program")

// DB is an open JoinedUp database.
type DB struct {
	*sql.DB
	Engine Engine
	// Applied lists the migrations OpenAndMigrate applied, if any.
	Applied []int64

	audits groupcommit.Queue[joinedup.AuditEntry, joinedup.AuditEntry]
	// path is the SQLite database's file.
	path string
}

// ParseURL splits a database URL into the engine and the driver's data source
// name. "sqlite:PATH" (or "sqlite://PATH") opens a file; "postgres://…" and
// "postgresql://…" go to PostgreSQL unchanged.
func ParseURL(raw string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrBadURL, err)
		}
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("%w: sqlite: needs a file path", ErrBadURL)
		}
		return SQLite, path, nil
	}
	return "", "", fmt.Errorf("%w: got %q", ErrBadURL, raw)
}

// sqliteDSN adds the pragmas JoinedUp relies on: WAL so readers do not block
// the writer, foreign keys enforced, a busy timeout instead of instant
// SQLITE_BUSY errors, and one fixed time format so times compare as text.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_time_format=sqlite&_txlock=immediate"
}

// open connects without checking the schema.
func open(ctx context.Context, raw string) (*DB, error) {
	engine, dsn, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	switch engine {
	case SQLite:
		if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err == nil {
			// One writer at a time is SQLite's model; a small pool lets
			// readers run beside it under WAL: enough for a population
			// walk's streams (DB.EachFacts) and a writer.
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
		}
	case Postgres:
		db, err = openPostgres(dsn)
		if err == nil {
			// More connections than the server has cores to run them
			// only queue inside the server, where backends waiting on
			// each other's locks burn CPU: on two cores, 16 connections
			// under load cost twice the server CPU per page of 8. Eight
			// is also what a population walk needs (DB.EachFacts: one
			// stream per table, and writers beside it).
			// Idle connections are kept, up to the same number: by default
			// database/sql keeps two, so under load the others were closed
			// on release and opened again at once, and every new server
			// backend starts with cold caches (several ms of server CPU).
			n := max(8, 2*runtime.NumCPU())
			db.SetMaxOpenConns(n)
			db.SetMaxIdleConns(n)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", engine, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", engine, err)
	}
	out := &DB{DB: db, Engine: engine}
	if engine == SQLite {
		out.path = dsn
	}
	return out, nil
}

// Open connects to the database at raw and checks that its schema is exactly
// the one this program was built for.
func Open(ctx context.Context, raw string) (*DB, error) {
	db, err := open(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := db.checkSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenAndMigrate connects and brings the schema up to date: what `joinedup
// migrate` does, and what the demo and tests use.
func OpenAndMigrate(ctx context.Context, raw string) (*DB, error) {
	db, err := open(ctx, raw)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Applied = applied
	return db, nil
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.DB, sub, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(db.goMigrations()...))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies the migrations not yet applied and returns their versions;
// on an up-to-date database it does nothing.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s database: %w", db.Engine, err)
	}
	versions := make([]int64, 0, len(results))
	for _, r := range results {
		versions = append(versions, r.Source.Version)
	}
	return versions, nil
}

// SchemaVersion returns the database's schema version and the version this
// program expects.
func (db *DB) SchemaVersion(ctx context.Context) (current, want int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		want = srcs[len(srcs)-1].Version
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		// A database never migrated has no version table yet.
		return 0, want, nil
	}
	return current, want, nil
}

func (db *DB) checkSchema(ctx context.Context) error {
	current, want, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case current < want:
		return fmt.Errorf("%w (database at version %d, program needs %d)", ErrSchemaOld, current, want)
	case current > want:
		return fmt.Errorf("%w (database at version %d, program knows up to %d)", ErrSchemaNew, current, want)
	}
	return nil
}

// Querier reads: the *DB, or a *Tx when the reads belong to a change.
// Both know their engine, so each operation is written once for both
// engines, and code handed only a Querier cannot write.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	engine() Engine
}

// Writer is what every function that writes takes: normally the *Tx of the
// change it belongs to, so the change is stored whole or not at all.
// Storing a change is the coordination layer's work (package coord);
// the web server only reads (a test holds it to that).
type Writer interface {
	Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Tx is a transaction on a DB, knowing its engine.
type Tx struct {
	*sql.Tx
	Engine Engine
}

func (db *DB) engine() Engine { return db.Engine }
func (tx *Tx) engine() Engine { return tx.Engine }

// InTx runs fn in one transaction, committing when fn returns nil and rolling
// back otherwise, so nothing is ever half-applied.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{Tx: stx, Engine: db.Engine}); err != nil {
		_ = stx.Rollback()
		return db.noRoom(err)
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", db.noRoom(err))
	}
	return nil
}

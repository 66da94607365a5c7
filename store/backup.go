package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"modernc.org/sqlite"
)

// Snapshot describes what a backup holds, or what a restore left: the
// numbers an operator compares between the two.
type Snapshot struct {
	Engine        Engine
	Checksum      string // DatabaseChecksum
	SchemaVersion int64  // the last migration applied
	AuditSeq      int64  // the audit chain's head: its newest entry
	AuditHash     string
	Bytes         int64 // the size of the backup file
}

// ErrNotEmpty is returned by Restore when the database to restore into
// already holds tables and replacing them was not asked for.
var ErrNotEmpty = errors.New("the database to restore into is not empty")

// Backup writes a consistent copy of the database at rawURL to the file
// out, which must not exist yet, and describes what it holds. SQLite is
// copied with VACUUM INTO, and the checksum read from the copy itself;
// PostgreSQL with pg_dump --format=custom, in the snapshot the checksum is
// read in. The copy is made under a temporary name beside out and renamed
// when complete, readable by its owner only: it holds everyone's records.
func Backup(ctx context.Context, rawURL, out string) (Snapshot, error) {
	engine, dsn, err := ParseURL(rawURL)
	if err != nil {
		return Snapshot{}, err
	}
	if _, err := os.Stat(out); err == nil {
		return Snapshot{}, fmt.Errorf("%s already exists: a backup never replaces a file", out)
	}
	partial := out + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Snapshot{}, fmt.Errorf("write backup: %w", err)
	}
	f.Close()
	var snap Snapshot
	if engine == SQLite {
		snap, err = backupSQLite(ctx, dsn, partial)
	} else {
		snap, err = backupPostgres(ctx, rawURL, partial)
	}
	if err == nil {
		err = finish(partial, out, &snap)
	}
	if err != nil {
		os.Remove(partial)
		return Snapshot{}, err
	}
	return snap, nil
}

// finish syncs the completed copy and gives it its name, never replacing
// a file that appeared meanwhile.
func finish(partial, out string, snap *Snapshot) error {
	f, err := os.Open(partial)
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	err = f.Sync()
	fi, statErr := f.Stat()
	f.Close()
	if err = errors.Join(err, statErr); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	snap.Bytes = fi.Size()
	if err := os.Link(partial, out); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return os.Remove(partial)
}

func backupSQLite(ctx context.Context, path, out string) (Snapshot, error) {
	if _, err := os.Stat(path); err != nil {
		return Snapshot{}, fmt.Errorf("no database to back up: %w", err)
	}
	db, err := open(ctx, "sqlite:"+path)
	if err != nil {
		return Snapshot{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", out); err != nil {
		return Snapshot{}, fmt.Errorf("back up sqlite database: %w", err)
	}
	// The copy is in rollback-journal mode, so reading it leaves no
	// -wal or -shm file beside it.
	return describeSQLiteFile(ctx, out)
}

// describeSQLiteFile checks a SQLite backup file's integrity and describes
// what it holds, reading it only.
func describeSQLiteFile(ctx context.Context, path string) (Snapshot, error) {
	if _, err := os.Stat(path); err != nil {
		return Snapshot{}, fmt.Errorf("read backup: %w", err)
	}
	sdb, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return Snapshot{}, fmt.Errorf("read backup %s: %w", path, err)
	}
	defer sdb.Close()
	db := &DB{DB: sdb, Engine: SQLite}
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return Snapshot{}, fmt.Errorf("read backup %s: not a SQLite database: %w", path, err)
	}
	if check != "ok" {
		return Snapshot{}, fmt.Errorf("read backup %s: damaged: %s", path, check)
	}
	snap, err := describe(ctx, db)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read backup %s: %w", path, err)
	}
	return snap, nil
}

func backupPostgres(ctx context.Context, rawURL, out string) (Snapshot, error) {
	conninfo, schema, env, err := libpqURL(rawURL)
	if err != nil {
		return Snapshot{}, err
	}
	db, err := open(ctx, rawURL)
	if err != nil {
		return Snapshot{}, err
	}
	defer db.Close()
	// pg_dump reads the snapshot this transaction exports, so the dump
	// holds exactly what the checksum was read from, however many
	// changes are made meanwhile.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Snapshot{}, fmt.Errorf("back up postgres database: %w", err)
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return Snapshot{}, fmt.Errorf("back up postgres database: %w", err)
	}
	snap, err := describe(ctx, &Tx{Tx: tx, Engine: Postgres})
	if err != nil {
		return Snapshot{}, err
	}
	args := []string{"--format=custom", "--snapshot=" + snapshot, "--file=" + out, "--dbname=" + conninfo}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	if err := runPG(ctx, env, "pg_dump", args...); err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// describe reads what q holds: its checksum, schema version and audit head.
func describe(ctx context.Context, q Querier) (Snapshot, error) {
	s := Snapshot{Engine: q.engine()}
	var err error
	if s.Checksum, err = DatabaseChecksum(ctx, q); err != nil {
		return s, err
	}
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&s.SchemaVersion); err != nil {
		return s, fmt.Errorf("read schema version: %w", err)
	}
	if s.AuditSeq, s.AuditHash, err = AuditHead(ctx, q); err != nil {
		return s, err
	}
	return s, nil
}

// Restored is what Restore did: what the database at the URL now holds,
// and, for SQLite, what the backup file held, read before restoring it.
type Restored struct {
	Snapshot
	Backup *Snapshot
}

// Restore restores the backup in file into the database at rawURL and
// describes what the database then holds. A database that already holds
// tables is refused with ErrNotEmpty unless replace is true; then what the
// backup holds replaces it (SQLite: the whole database; PostgreSQL: every
// object the backup holds, dropped and made again).
//
// SQLite is restored with SQLite's online backup, which takes the target's
// locks as any writer does; the backup file is checked first, and the
// restored database must have its checksum. PostgreSQL is restored with
// pg_restore in one transaction, so a restore that fails leaves nothing
// behind; the URL's search_path, if any, must name the schema the backup
// was taken from (its first), since pg_restore puts tables where they were.
func Restore(ctx context.Context, rawURL, file string, replace bool) (Restored, error) {
	engine, dsn, err := ParseURL(rawURL)
	if err != nil {
		return Restored{}, err
	}
	if _, err := os.Stat(file); err != nil {
		return Restored{}, fmt.Errorf("read backup: %w", err)
	}
	if engine == SQLite {
		return restoreSQLite(ctx, dsn, file, replace)
	}
	return restorePostgres(ctx, rawURL, file, replace)
}

func restoreSQLite(ctx context.Context, path, file string, replace bool) (Restored, error) {
	backup, err := describeSQLiteFile(ctx, file)
	if err != nil {
		return Restored{}, err
	}
	if _, err := os.Stat(path); err == nil && !replace {
		sdb, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
		if err != nil {
			return Restored{}, err
		}
		tables, err := TableNames(ctx, &DB{DB: sdb, Engine: SQLite})
		sdb.Close()
		if err != nil {
			return Restored{}, fmt.Errorf("read %s: %w", path, err)
		}
		if len(tables) > 0 {
			return Restored{}, fmt.Errorf("%w: %s holds %d tables", ErrNotEmpty, path, len(tables))
		}
	}
	db, err := open(ctx, "sqlite:"+path)
	if err != nil {
		return Restored{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return Restored{}, fmt.Errorf("restore into %s: %w", path, err)
	}
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("the SQLite driver cannot restore")
		}
		b, err := r.NewRestore("file:" + file + "?mode=ro")
		if err != nil {
			return err
		}
		for {
			more, err := b.Step(-1)
			if err != nil {
				return errors.Join(err, b.Finish())
			}
			if !more {
				return b.Finish()
			}
		}
	})
	conn.Close()
	if err != nil {
		return Restored{}, fmt.Errorf("restore into %s: %w", path, err)
	}
	got, err := describe(ctx, db)
	if err != nil {
		return Restored{}, err
	}
	res := Restored{Snapshot: got, Backup: &backup}
	if got.Checksum != backup.Checksum {
		return res, fmt.Errorf("restore into %s: the restored database's checksum %s is not the backup's %s", path, got.Checksum, backup.Checksum)
	}
	return res, nil
}

// dumpTable matches a table's entry in pg_restore --list: its schema.
var dumpTable = regexp.MustCompile(`(?m)^\d+; \d+ \d+ TABLE (\S+) \S+ \S+$`)

func restorePostgres(ctx context.Context, rawURL, file string, replace bool) (Restored, error) {
	conninfo, schema, env, err := libpqURL(rawURL)
	if err != nil {
		return Restored{}, err
	}
	list, err := exec.CommandContext(ctx, "pg_restore", "--list", file).Output()
	if err != nil {
		return Restored{}, fmt.Errorf("read backup %s: %w", file, pgError(err))
	}
	var schemas []string
	for _, m := range dumpTable.FindAllSubmatch(list, -1) {
		if s := string(m[1]); !slices.Contains(schemas, s) {
			schemas = append(schemas, s)
		}
	}
	if len(schemas) == 0 {
		return Restored{}, fmt.Errorf("read backup %s: it holds no tables", file)
	}
	if schema == "" {
		schema = "public"
	}
	if !slices.Contains(schemas, schema) {
		return Restored{}, fmt.Errorf("the backup's tables are in schema %s, but the database URL reads schema %s (search_path)",
			strings.Join(schemas, ", "), schema)
	}
	db, err := open(ctx, rawURL)
	if err != nil {
		return Restored{}, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND s.nspname = ANY($1)`, schemas).Scan(&n)
	if err != nil {
		return Restored{}, fmt.Errorf("count the tables already there: %w", err)
	}
	if n > 0 && !replace {
		return Restored{}, fmt.Errorf("%w: schema %s holds %d tables", ErrNotEmpty, strings.Join(schemas, ", "), n)
	}
	// The restored objects belong to the user restoring them, who is the
	// one JoinedUp connects as.
	args := []string{"--single-transaction", "--no-owner", "--dbname=" + conninfo}
	if replace {
		args = append(args, "--clean", "--if-exists")
	}
	if err := runPG(ctx, env, "pg_restore", append(args, file)...); err != nil {
		return Restored{}, err
	}
	got, err := describe(ctx, db)
	if err != nil {
		return Restored{}, err
	}
	return Restored{Snapshot: got}, nil
}

// libpqURL turns a database URL into the form pg_dump and pg_restore
// take: without search_path, which libpq does not know (its first schema
// is returned), and without the password, which goes in PGPASSWORD so
// that it never shows in a process listing.
func libpqURL(rawURL string) (conninfo, schema string, env []string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	q := u.Query()
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.Trim(strings.TrimSpace(strings.Split(sp, ",")[0]), `"`)
		q.Del("search_path")
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), schema, env, nil
}

// runPG runs one of PostgreSQL's client programs, failing with what it
// wrote to stderr.
func runPG(ctx context.Context, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return fmt.Errorf("%s: %w", name, pgError(err))
	}
	return nil
}

// pgError adds what a client program wrote to stderr to its error.
func pgError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

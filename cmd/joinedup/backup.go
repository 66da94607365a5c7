package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/joinedup/joinedup/store"
)

// runBackup writes a consistent copy of the database to a file and prints
// what it holds, to be compared after a restore.
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "[--db URL] --out FILE")
	dbURL := dbFlags(fs)
	out := fs.String("out", "", "write the backup to this `file`, which must not exist (SQLite: a database file; PostgreSQL: pg_dump's custom format)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"give --out FILE"}
	}
	if fs.NArg() > 0 {
		return usageError{"backup takes no arguments besides its flags"}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	snap, err := store.Backup(ctx, dbURL(), *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up the %s database to %s (%d bytes)\n", snap.Engine, *out, snap.Bytes)
	printSnapshot(e.stdout, snap)
	return nil
}

// runRestore restores a backup into an empty database (or, told to, over
// one) and prints what the database then holds.
func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "[--db URL] [--replace] [--checksum SUM] FILE")
	dbURL := dbFlags(fs)
	replace := fs.Bool("replace", false, "restore over a database that already holds tables, replacing what the backup holds")
	want := fs.String("checksum", "", "the `checksum` backup printed: fail if the restored database's differs")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give one backup file"}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	res, err := store.Restore(ctx, dbURL(), fs.Arg(0), *replace)
	if errors.Is(err, store.ErrNotEmpty) {
		return exitCodeError{code: exitFailure, err: fmt.Errorf("%w; restore into an empty database, or give --replace to replace it", err)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s into the %s database\n", fs.Arg(0), res.Engine)
	printSnapshot(e.stdout, res.Snapshot)
	if res.Backup != nil {
		fmt.Fprintln(e.stdout, "the checksum is the backup file's, read before restoring it")
	}
	if *want != "" && *want != res.Checksum {
		return exitCodeError{code: exitFailure, err: fmt.Errorf("the restored database's checksum %s is not %s", res.Checksum, *want)}
	}
	db, err := store.Open(ctx, dbURL())
	if errors.Is(err, store.ErrSchemaOld) {
		fmt.Fprintln(e.stdout, "the backup's schema is older than this program's: run joinedup migrate before serving it")
		return nil
	}
	if err != nil {
		return err
	}
	return db.Close()
}

func printSnapshot(w io.Writer, s store.Snapshot) {
	fmt.Fprintf(w, "checksum %s\n", s.Checksum)
	if s.AuditSeq == 0 {
		fmt.Fprintf(w, "schema version %d; audit chain empty\n", s.SchemaVersion)
		return
	}
	fmt.Fprintf(w, "schema version %d; audit chain head at entry %d, hash %s\n", s.SchemaVersion, s.AuditSeq, s.AuditHash)
}

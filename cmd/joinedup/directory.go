package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/store"
)

func runDirectory(ctx context.Context, e *env, args []string) error {
	importer := func(sub string) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error { return runDirectoryImport(ctx, e, sub, args) }
	}
	return runSubcommand(ctx, e, "directory", "import FILE | demo | sync [--accept-within-working-days N] [--quiet-days N] [--db URL]", args, []command{
		{"import", "", importer("import")},
		{"demo", "", importer("demo")},
		{"sync", "", runDirectorySync},
	})
}

// runDirectoryImport loads an Open Referral UK file (or the demo
// directory) in one transaction; an invalid file changes nothing and every
// problem is listed by record and field.
func runDirectoryImport(ctx context.Context, e *env, sub string, args []string) error {
	fs := newFlags(e, "directory "+sub, "[--db URL]"+map[bool]string{true: " FILE"}[sub == "import"])
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if sub == "import" && fs.NArg() != 1 {
		return usageError{"directory import needs one Open Referral UK JSON file"}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	var r io.Reader = bytes.NewReader(directory.DemoJSON())
	if sub == "import" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("directory import: %w", err)
		}
		defer f.Close()
		r = f
	}
	doc, err := coord.New(db, e.log).ImportDirectory(ctx, coord.System("joinedup directory "+sub, time.Now().UTC()), r)
	var inv *directory.InvalidError
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			fmt.Fprintln(e.stderr, p.String())
		}
		return fmt.Errorf("directory import: %d problems; nothing was imported", len(inv.Problems))
	}
	if err != nil {
		return err
	}
	e.log.Info("directory imported", "services", len(doc.Services))
	fmt.Fprintf(e.stdout, "directory: %d services imported (%d organisations, %d taxonomies, %d taxonomy terms read)\n", len(doc.Services),
		doc.Counts[directory.KindOrganization], doc.Counts[directory.KindTaxonomy], doc.Counts[directory.KindTaxonomyTerm])
	return nil
}

// runDirectorySync raises a task for the referrer of every stalled
// referral; run daily. Running it twice changes nothing the second time.
func runDirectorySync(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "directory sync", "[--accept-within-working-days N] [--quiet-days N] [--db URL]")
	dbURL := dbFlags(fs)
	cfg := joinedup.DefaultStallSettings
	fs.IntVar(&cfg.AcceptWithinWorkingDays, "accept-within-working-days", cfg.AcceptWithinWorkingDays,
		"a sent referral not accepted or declined within this many working days has stalled")
	fs.IntVar(&cfg.QuietDays, "quiet-days", cfg.QuietDays, "an accepted or in-progress referral with no update for this many days has stalled")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.AcceptWithinWorkingDays < 1 || cfg.QuietDays < 1 {
		return usageError{"--accept-within-working-days and --quiet-days must be at least 1"}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = directory.SyncStalled(ctx, tx, cfg, time.Now().UTC())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "directory sync: %d stalled referrals raised a task\n", n)
	return nil
}

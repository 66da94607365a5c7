package main

import (
	"context"
	"fmt"
	"time"

	"github.com/joinedup/joinedup/worklist"
)

func runWorklist(ctx context.Context, e *env, args []string) error {
	const usage = "sync [--as-of DATE] [--db URL]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return parse(newFlags(e, "worklist", usage), []string{"--help"})
	}
	if args[0] != "sync" {
		return usageError{fmt.Sprintf("unknown worklist subcommand %q (sync)", args[0])}
	}
	return runWorklistSync(ctx, e, args[1:])
}

// runWorklistSync raises and closes the date-driven tasks (care-plan
// reviews due, holistic reviews overdue, contacts after discharge) for
// everyone the rules can concern; run daily. Running it twice on the same
// date changes nothing the second time.
func runWorklistSync(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "worklist sync", "[--as-of DATE] [--db URL]")
	dbURL := dbFlags(fs)
	asOfFlag := fs.String("as-of", "", "`date` (YYYY-MM-DD) the rules are evaluated at (default today)")
	if err := parse(fs, args); err != nil {
		return err
	}
	now := time.Now().UTC()
	asOf := now
	if *asOfFlag != "" {
		d, err := time.Parse(time.DateOnly, *asOfFlag)
		if err != nil {
			return usageError{fmt.Sprintf("--as-of %q is not a date (want YYYY-MM-DD)", *asOfFlag)}
		}
		// The end of the day, so everything dated that day counts.
		asOf = d.Add(24*time.Hour - time.Second)
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := worklist.LoadConfig(ctx, db)
	if err != nil {
		return err
	}
	start := time.Now()
	b, err := worklist.SyncAll(ctx, db, cfg, asOf, now, 500)
	if err != nil {
		return err
	}
	e.log.Info("worklist synced", "as_of", asOf.Format(time.DateOnly), "patients", b.Patients, "raised", b.Raised, "closed", b.Closed,
		"took", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "worklist sync as of %s: %d patients; %d tasks raised, %d closed, %d handed on\n", asOf.Format(time.DateOnly), b.Patients, b.Raised, b.Closed, b.Assigned)
	return nil
}

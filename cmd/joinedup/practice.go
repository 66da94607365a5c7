package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

func runPractice(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "practice", "set|list [flags]", args, []command{
		{"set", "", runPracticeSet},
		{"list", "", runPracticeList},
	})
}

// runPracticeSet sets all of a practice's roll-out at once: a go-live date
// or wave not given is recorded as none, as the page's form does with an
// empty field.
func runPracticeSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "practice set", "ODS --pilot YYYY-MM-DD [--go-live YYYY-MM-DD] [--wave NAME] [--reason TEXT] [--db URL]")
	dbURL := dbFlags(fs)
	pilot := fs.String("pilot", "", "`date` the practice joined the pilot, YYYY-MM-DD (required)")
	goLive := fs.String("go-live", "", "`date` the practice went live, YYYY-MM-DD; none if not given")
	wave := fs.String("wave", "", "`name` of the roll-out wave; none if not given")
	reason := fs.String("reason", "", "why: required when a date already set changes")
	// The ODS code comes first; flags may follow it.
	var ods string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ods, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if ods == "" && fs.NArg() > 0 {
		ods = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if ods == "" {
		return usageError{"name the practice by its ODS code"}
	}
	if *pilot == "" {
		return usageError{"--pilot is required"}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := coord.New(db, e.log).SetRollout(ctx, coord.System("joinedup practice set", time.Now().UTC()), ods, *pilot, *goLive, *wave, *reason)
	var fe joinedup.FieldErrors
	if errors.As(err, &fe) {
		return usageError{fe.Error()}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: pilot %s, go-live %s, wave %s (change %d)\n", ods, day(r.Pilot), day(r.GoLive), orDash(r.Wave), r.Version)
	return nil
}

func runPracticeList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "practice list", "[--db URL]")
	dbURL := dbFlags(fs)
	db, err := parseAndOpen(ctx, fs, args, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := store.PracticeRollouts(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ODS\tPRACTICE\tLOCALITY\tPILOT\tGO-LIVE\tWAVE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", orDash(p.ODS), p.Name, orDash(p.LocalityName), day(p.Rollout.Pilot), day(p.Rollout.GoLive), orDash(p.Rollout.Wave))
	}
	return tw.Flush()
}

// day is a date as the roll-out commands print it; "-" when not set.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

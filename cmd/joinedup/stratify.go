package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/stratify"
)

// operator names the person running a command, for what it records.
func operator() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// parseAsOf reads --as-of; empty means today (UTC).
func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		y, m, d := time.Now().UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("--as-of %q: want a date YYYY-MM-DD", s)}
	}
	return t, nil
}

func runPolicy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "Usage: joinedup policy check DIR | load [--db URL] DIR | list [--db URL]")
		if len(args) == 0 {
			return usageError{"policy: say check, load or list"}
		}
		return flagErrHelp
	}
	switch args[0] {
	case "check":
		fs := newFlags(e, "policy check", "DIR")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"policy check: name one policy folder"}
		}
		p, err := policy.Load(fs.Arg(0))
		if err != nil {
			var list policy.ErrorList
			if errors.As(err, &list) {
				for _, pe := range list {
					fmt.Fprintln(e.stdout, pe)
				}
				return exitCodeError{code: exitFailure, err: fmt.Errorf("%d error(s) in %s", len(list), fs.Arg(0))}
			}
			return err
		}
		printPolicy(e.stdout, p)
		return nil
	case "load":
		fs := newFlags(e, "policy load", "[--db URL] DIR")
		dbURL := dbFlags(fs)
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"policy load: name one policy folder"}
		}
		db, err := openDB(ctx, dbURL())
		if err != nil {
			return err
		}
		defer db.Close()
		p, created, err := stratify.LoadPolicy(ctx, db, fs.Arg(0), operator(), time.Now())
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(e.stdout, "loaded policy %q as version %s\n", p.Name, p.Hash())
		} else {
			fmt.Fprintf(e.stdout, "policy %q is already loaded as version %s\n", p.Name, p.Hash())
		}
		return nil
	case "list":
		fs := newFlags(e, "policy list", "[--db URL]")
		dbURL := dbFlags(fs)
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := openDB(ctx, dbURL())
		if err != nil {
			return err
		}
		defer db.Close()
		vs, err := store.PolicyVersions(ctx, db)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "version\tname\tloaded\tby")
		for _, v := range vs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID[:12], v.Name, v.LoadedAt.Format(time.DateTime), v.LoadedBy)
		}
		return tw.Flush()
	}
	return usageError{fmt.Sprintf("policy: unknown action %q (check, load or list)", args[0])}
}

func printPolicy(w io.Writer, p *policy.Policy) {
	fmt.Fprintf(w, "policy %q, version %s\n", p.Name, p.Hash())
	fmt.Fprintf(w, "  %d long-term conditions, %d risk factors, %d tier rules, %d data-gap rules, %d code lists\n",
		len(p.LTCs), len(p.RiskFactors), len(p.TierRules), len(p.DataGaps), len(p.CodeLists))
	fmt.Fprintf(w, "  cohort: at least %d LTCs and %d risk factors\n", p.Cohort.MinLTCs, p.Cohort.MinRiskFactors)
	for _, r := range p.TierRules {
		fmt.Fprintf(w, "  tier rule %-28s → %s\n", r.Name, r.Tier)
	}
}

// openDB opens the database, reporting a bad URL as a usage error.
// parseAndOpen parses a command's arguments and opens the database its
// flags name: how most commands begin.
func parseAndOpen(ctx context.Context, fs *flag.FlagSet, args []string, dbURL func() string) (*store.DB, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return openDB(ctx, dbURL())
}

func openDB(ctx context.Context, url string) (*store.DB, error) {
	if err := checkURL(url); err != nil {
		return nil, err
	}
	return store.Open(ctx, url)
}

func runStratify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stratify", "[--db URL] [--policy VERSION|DIR] [--as-of DATE] [--changed] [--dry-run] [--agreement]")
	dbURL := dbFlags(fs)
	ref := fs.String("policy", "", "policy `version` (or a prefix of one) or folder; default the latest loaded")
	asOfFlag := fs.String("as-of", "", "assess as of this `date` (YYYY-MM-DD); default today")
	changed := fs.Bool("changed", false, "assess only patients whose records changed since their last assessment")
	dryRun := fs.Bool("dry-run", false, "compare with the current assessments and write nothing (\"what if\")")
	agreement := fs.Bool("agreement", false, "report how often clinicians confirmed or overrode suggestions, per practice and rule")
	if err := parse(fs, args); err != nil {
		return err
	}
	asOf, err := parseAsOf(*asOfFlag)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if *agreement {
		return printAgreement(ctx, e.stdout, db)
	}
	p, err := stratify.ResolvePolicy(ctx, db, *ref, operator(), time.Now())
	if err != nil {
		return err
	}
	opt := stratify.RunOptions{Policy: p, AsOf: asOf, Changed: *changed, DryRun: *dryRun}
	if isTerminal(e.stderr) {
		opt.Progress = func(done int) { fmt.Fprintf(e.stderr, "\r\033[Kassessed %d patients", done) }
	}
	start := time.Now()
	sum, err := stratify.Run(ctx, db, opt)
	if opt.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "policy %s as of %s: %d patients assessed in %s\n", p.Hash()[:12], asOf.Format(time.DateOnly),
		sum.Total.Assessed, time.Since(start).Round(time.Millisecond))
	printCounts(e.stdout, sum)
	if *dryRun {
		printWhatIf(e.stdout, sum.WhatIf)
		fmt.Fprintln(e.stdout, "dry run: nothing was written")
		return nil
	}
	fmt.Fprintf(e.stdout, "%d assessments stored, %d drift events, %d review tasks raised\n", sum.Written, sum.Drift, sum.TasksRaised)
	return nil
}

var tierOrder = []joinedup.Tier{joinedup.TierRed, joinedup.TierAmber, joinedup.TierGreen}

func printCounts(w io.Writer, sum stratify.RunSummary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "locality\tassessed\tin cohort\tred\tamber\tgreen\t")
	row := func(name string, c *stratify.Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d", name, c.Assessed, c.Eligible)
		for _, t := range tierOrder {
			fmt.Fprintf(tw, "\t%d", c.ByTier[t])
		}
		fmt.Fprintln(tw, "\t")
	}
	var names []string
	for n := range sum.ByLocality {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		row(n, sum.ByLocality[n])
	}
	row("total", &sum.Total)
	tw.Flush()
}

func printWhatIf(w io.Writer, whatIf map[string]*stratify.Change) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "locality / practice\twould enter\twould leave\twould change tier\tunchanged\t")
	var keys []string
	for k := range whatIf {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var total stratify.Change
	for _, k := range keys {
		c := whatIf[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", k, c.Enter, c.Leave, c.TierChange, c.Unchanged)
		total.Enter += c.Enter
		total.Leave += c.Leave
		total.TierChange += c.TierChange
		total.Unchanged += c.Unchanged
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t\n", total.Enter, total.Leave, total.TierChange, total.Unchanged)
	tw.Flush()
}

func printAgreement(ctx context.Context, w io.Writer, db *store.DB) error {
	ds, err := store.DecisionOutcomes(ctx, db)
	if err != nil {
		return err
	}
	orgs, err := store.Organisations(ctx, db)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
		if o.ODS != "" {
			names[o.ID] += " (" + o.ODS + ")"
		}
	}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return "(no practice)"
	}
	fmt.Fprintf(w, "%d tier decisions\n\n", len(ds))
	for _, part := range []struct {
		title string
		a     stratify.Agreement
	}{
		{"by practice", stratify.AgreementByPractice(ds, name)},
		{"by tier rule", stratify.AgreementByRule(ds)},
	} {
		fmt.Fprintln(w, part.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tconfirmed\toverridden\tup\tdown\tagreement\t")
		for _, g := range part.a.Groups() {
			t := part.a.ByGroup[g]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f%%\t\n", g, t.Confirmed, t.Overridden, t.Up, t.Down, 100*t.Rate())
		}
		fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%.0f%%\t\n", part.a.Total.Confirmed, part.a.Total.Overridden, part.a.Total.Up, part.a.Total.Down, 100*part.a.Total.Rate())
		tw.Flush()
		if part.title == "by tier rule" {
			for _, g := range part.a.Groups() {
				for _, r := range part.a.Reasons[g] {
					fmt.Fprintf(w, "  override of %s: %q\n", g, r)
				}
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

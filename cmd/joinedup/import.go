package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// exitRejects is import's status when it finished but rejected some records.
const exitRejects = 3

// importExit is what import's exit status says was applied.
const importExit = `
Exit status:
  0  every record read was imported, or was already held as it is
  3  some records or files were rejected, each named with its file, line and
     reason (--rejects FILE); every other record was imported. Of a file cut
     off or corrupt part-way, the whole patients before the break were
     imported and the records of the patient it broke off in were not
  2  nothing could be read (no file found, or none of a format JoinedUp
     reads), or the command line was wrong: nothing was imported
  1  the import stopped (the database failed): the batches written before
     are kept, each whole; running the same import again completes it
`

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "[--db URL] [--rejects FILE] [--source NAME] PATH...")
	dbURL := dbFlags(fs)
	rejectsPath := fs.String("rejects", "", "write rejected records to this `file`, one JSON line each")
	source := fs.String("source", importer.DefaultSource, "`name` of the sending system for FHIR input; records are matched on re-import by source and id")
	batch := fs.Int("batch", 5000, "NDJSON/CSV records per transaction")
	writers := fs.Int("writers", 0, "NDJSON transactions written at once on PostgreSQL (0: one per CPU, at most 4)")
	enc := fs.String("encoding", "utf-8", "character `encoding` of the files: utf-8, latin1 or windows-1252 (for legacy extracts that declare it)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), importExit)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no files or folders to import"}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return exitCodeError{code: exitUsage, err: err}
	}
	defer db.Close()
	if _, ok := importer.Encodings[strings.ToLower(*enc)]; !ok {
		return usageError{fmt.Sprintf("--encoding %q: not one of utf-8, latin1, windows-1252", *enc)}
	}
	opt := importer.Options{Source: *source, BatchSize: *batch, Writers: *writers, Encoding: *enc}
	var rejects *os.File
	if *rejectsPath != "" {
		rejects, err = os.Create(*rejectsPath)
		if err != nil {
			return exitCodeError{code: exitUsage, err: err}
		}
		defer rejects.Close()
		opt.Rejects = rejects
	}
	if isTerminal(e.stderr) {
		opt.Progress = progressLine(e.stderr)
	}
	before, err := worklist.Standings(ctx, db)
	if err != nil {
		return err
	}
	start := time.Now()
	sum, err := importer.Import(ctx, db, fs.Args(), opt)
	if opt.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	printImportSummary(e.stdout, sum, time.Since(start))
	if ferr := followRecords(ctx, e, db, before); ferr != nil {
		return ferr
	}
	if err != nil {
		return exitCodeError{code: exitFailure, err: err}
	}
	if rejects != nil {
		if err := rejects.Close(); err != nil {
			return exitCodeError{code: exitFailure, err: fmt.Errorf("write rejects: %w", err)}
		}
	}
	where := ""
	if *rejectsPath != "" {
		where = "; see " + *rejectsPath
	}
	n, files := sum.Rejected(), len(sum.Unread)
	switch {
	case sum.Read() == 0 && files > 0:
		return exitCodeError{code: exitUsage, err: fmt.Errorf("nothing could be read: %d file(s) not read%s", files, where)}
	case n > 0 || files > 0:
		return exitCodeError{code: exitRejects, err: fmt.Errorf("%d record(s) rejected, %d file(s) not read or not to the end%s", n, files, where)}
	}
	return nil
}

// followRecords syncs the worklists of the patients the import moved to
// another practice or recorded as dead, whatever else the import did.
func followRecords(ctx context.Context, e *env, db *store.DB, before map[string]worklist.Standing) error {
	r, n, err := coord.New(db, e.log).FollowRecords(ctx, coord.System("joinedup import", time.Now().UTC()), before)
	if err != nil {
		return fmt.Errorf("worklists of patients who moved or died: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(e.stdout, "worklists: %d patients moved practice or died; %d tasks raised, %d closed, %d handed on\n",
			n, r.Raised, r.Closed, r.Assigned)
	}
	return nil
}

func printImportSummary(w io.Writer, sum *importer.Summary, took time.Duration) {
	if sum == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "resource type\tread\timported\tunchanged\trejected\tskipped\t")
	var types []string
	for t := range sum.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	var total importer.Counts
	for _, t := range types {
		c := sum.ByType[t]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", t, c.Read, c.Imported, c.Unchanged, c.Rejected, c.Skipped)
		total.Read += c.Read
		total.Imported += c.Imported
		total.Unchanged += c.Unchanged
		total.Rejected += c.Rejected
		total.Skipped += c.Skipped
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t\n", total.Read, total.Imported, total.Unchanged, total.Rejected, total.Skipped)
	tw.Flush()
	for _, f := range sum.SkippedFiles {
		fmt.Fprintf(w, "skipped %s\n", f)
	}
	for _, u := range sum.Unread {
		at := ""
		if u.Line > 0 {
			at = fmt.Sprintf(" at line %d", u.Line)
		}
		fmt.Fprintf(w, "not read%s: %s: %s\n", at, u.File, u.Reason)
	}
	fmt.Fprintf(w, "%d file(s) in %s; %d patient(s) have changed records awaiting stratification\n", sum.Files, took.Round(time.Millisecond), sum.AwaitingStratification)
}

// isTerminal reports whether w is a terminal, where a progress line helps
// and does not pollute a log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one status line at most a few times a second.
func progressLine(w io.Writer) func(file string, n int) {
	var last time.Time
	return func(file string, n int) {
		if time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r\033[Kimporting %s: %d records", file, n)
	}
}

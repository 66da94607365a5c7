// Command joinedup is the care-coordination system of a Local Care Network:
// one binary whose subcommands migrate the database, generate and import
// records, stratify the population and serve the web application.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/joinedup/joinedup/store"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// commands lists the subcommands in the order --help shows them.
var commands = []command{
	{"demo", "generate a demo population, import and stratify it, and serve it", runDemo},
	{"serve", "serve the web application and API", runServe},
	{"migrate", "create or update the database schema", runMigrate},
	{"backup", "write a consistent copy of the database to a file, with its checksum", runBackup},
	{"restore", "restore a backup into an empty database, with its checksum", runRestore},
	{"synth", "write a synthetic LCN population as FHIR R4 Bulk Data NDJSON", runSynth},
	{"import", "import FHIR R4 Bundles, Bulk NDJSON, FHIR XML and GP CSV extracts", runImport},
	{"policy", "check a policy folder, load it as a version, list versions", runPolicy},
	{"stratify", "assess the population under a policy and suggest tiers", runStratify},
	{"cohort", "list the cohort: NHS number, practice, tiers, status, LTCs, risk factors and data gaps", runCohort},
	{"letters", "write invitation letters for a practice's newly eligible patients", runLetters},
	{"version", "print the program and schema versions", runVersion},
	{"user", "add, list or disable staff accounts", runUser},
	{"audit", "verify the audit chain and its signed checkpoints, list who accessed a patient's record, make a checkpoint key", runAudit},
	{"hl7", "send files of HL7 v2 messages to an MLLP listener, as a hospital would; review the hospital messages held for review", runHL7},
	{"merges", "list and resolve patient records sent with an NHS number held for another record", runMerges},
	{"worklist", "raise and close date-driven worklist tasks (reviews due, contacts after discharge)", runWorklist},
	{"export", "write the records as FHIR R4 Bulk Data NDJSON, one file per type", runExport},
	{"client", "register or list systems that read the FHIR API", runClient},
	{"directory", "import an Open Referral UK service directory; raise tasks for stalled referrals", runDirectory},
	{"practice", "set and list practices' pilot and go-live dates and waves", runPractice},
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake in the command line: it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// env is what every subcommand gets: its output streams and a logger.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil))}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printHelp(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue), errors.Is(err, store.ErrBadURL):
			fmt.Fprintf(stderr, "joinedup %s: %v\n", c.name, err)
			return exitUsage
		}
		var ec exitCodeError
		if errors.As(err, &ec) {
			if ec.err != nil {
				fmt.Fprintf(stderr, "joinedup %s: %v\n", c.name, ec.err)
			}
			return ec.code
		}
		fmt.Fprintf(stderr, "joinedup %s: %v\n", c.name, err)
		return exitFailure
	}
	fmt.Fprintf(stderr, "joinedup: unknown command %q (see joinedup --help)\n", args[0])
	return exitUsage
}

// runSubcommand runs the subcommand of name that args start with, printing
// usage for none or --help and a usage error for one it does not know.
func runSubcommand(ctx context.Context, e *env, name, usage string, args []string, subs []command) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return parse(newFlags(e, name, usage), []string{"--help"})
	}
	var names []string
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
		names = append(names, c.name)
	}
	return usageError{fmt.Sprintf("unknown %s subcommand %q (%s)", name, args[0], strings.Join(names, ", "))}
}

// flagErrHelp ends a command that printed its help.
var flagErrHelp = flag.ErrHelp

// exitCodeError ends a command with a particular status, such as import's 3
// for "finished, with rejects".
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "joinedup — care coordination for a Local Care Network")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: joinedup COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run joinedup COMMAND --help for a command's flags.")
	fmt.Fprintln(w, "The database is --db or $JOINEDUP_DB: sqlite:PATH or postgres://…; by default sqlite in --data.")
}

// newFlags returns a flag set that reports errors instead of exiting, and
// prints its usage to the command's stderr.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("joinedup "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: joinedup %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag mistake into a one-line usage error.
func parse(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		fs.Usage()
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// dbFlags adds --db and --data and returns a function giving the chosen
// database URL.
func dbFlags(fs *flag.FlagSet) func() string {
	db := fs.String("db", os.Getenv("JOINEDUP_DB"), "database `URL`: sqlite:PATH or postgres://… (default $JOINEDUP_DB, else sqlite in --data)")
	data := fs.String("data", "joinedup-data", "data `directory` for the embedded database")
	return func() string {
		if *db != "" {
			return *db
		}
		return "sqlite:" + filepath.Join(*data, "joinedup.db")
	}
}

// checkURL rejects a bad --db before anything else happens.
func checkURL(url string) error {
	_, _, err := store.ParseURL(url)
	return err
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "[--db URL]")
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.OpenAndMigrate(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	cur, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(db.Applied) == 0 {
		fmt.Fprintf(e.stdout, "%s database already at schema version %d; nothing to do\n", db.Engine, cur)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s database migrated to schema version %d (applied %v)\n", db.Engine, cur, db.Applied)
	return nil
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "joinedup %s\n", version)
	return nil
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

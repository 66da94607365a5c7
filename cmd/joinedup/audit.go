package main

import (
	"context"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "audit", "verify|patient NHSNUMBER [flags]", args, []command{
		{"verify", "", runAuditVerify},
		{"patient", "", runAuditPatient},
	})
}

// runAuditVerify checks the whole hash chain: exit 0 with the count and the
// head hash (worth recording elsewhere) when intact, exit 1 naming the first
// bad entry otherwise.
func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", "[--db URL]")
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := store.VerifyAudit(ctx, db)
	if b, ok := store.IsAuditBreak(err); ok {
		return exitCodeError{code: exitFailure, err: fmt.Errorf("audit chain broken at %w", b)}
	}
	if err != nil {
		return err
	}
	_, head, err := store.AuditHead(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d entries; head %s\n", n, head)
	return nil
}

// runAuditPatient lists who accessed one patient's record, for a subject
// access request. The lookup is itself audited.
func runAuditPatient(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit patient", "NHSNUMBER [--db URL]")
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give one NHS number"}
	}
	n, err := joinedup.ParseNHSNumber(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := store.PatientByNHSNumber(ctx, db, n)
	if err != nil {
		return err
	}
	var all []joinedup.AuditEntry
	f := store.AuditFilter{PatientID: p.ID, Limit: 1000}
	for {
		es, err := store.AuditEntries(ctx, db, f)
		if err != nil {
			return err
		}
		all = append(all, es...)
		if len(es) < f.Limit {
			break
		}
		f.AfterSeq = es[len(es)-1].Seq
	}
	operator := "unknown"
	if u, err := user.Current(); err == nil {
		operator = u.Username
	}
	if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), UserID: "cli:" + operator, Username: "cli:" + operator,
		Role: joinedup.RoleIGLead, PatientID: p.ID, Action: joinedup.ActionReadAudit, What: "joinedup audit patient",
		Reason: "subject access request from the command line", Outcome: joinedup.OutcomeAllowed}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Access to the record of NHS number %s (%s):\n", n, p.Name())
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tWHEN (UTC)\tUSER\tROLE\tORGANISATION\tACTION\tOUTCOME\tBREAK-GLASS\tWHAT\tREASON")
	for _, x := range all {
		bg := ""
		if x.BreakGlass {
			bg = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.Seq, x.At.Format("2006-01-02 15:04:05"), x.Username, x.Role,
			x.OrganisationID, x.Action, x.Outcome, bg, x.What, x.Reason)
	}
	return tw.Flush()
}

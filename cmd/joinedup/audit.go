package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/auditanchor"
	"github.com/joinedup/joinedup/store"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "audit", "verify|patient NHSNUMBER|keygen [flags]", args, []command{
		{"verify", "", runAuditVerify},
		{"patient", "", runAuditPatient},
		{"keygen", "", runAuditKeygen},
	})
}

// runAuditVerify checks the whole hash chain: exit 0 with the count and the
// head hash (worth recording elsewhere) when intact, exit 1 naming the first
// bad entry otherwise. With --checkpoints it also checks the chain against
// the signed checkpoints serve wrote, which catches entries deleted from
// the end with the head moved back.
func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", "[--db URL] [--checkpoints FILE [--audit-pub KEY]]")
	dbURL := dbFlags(fs)
	cpFile := fs.String("checkpoints", "", "also check the chain against the signed checkpoints in this `file` (serve --audit-checkpoints)")
	pubFile := fs.String("audit-pub", "", "the public `key` file the checkpoints must be signed by (audit keygen's KEY.pub); "+
		"without it they are checked only against the key they name")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *pubFile != "" && *cpFile == "" {
		return usageError{"--audit-pub needs --checkpoints"}
	}
	var (
		checkpoints []auditanchor.Line
		pub         ed25519.PublicKey
		err         error
	)
	if *cpFile != "" {
		if checkpoints, err = auditanchor.ReadFile(*cpFile); err != nil {
			return exitCodeError{code: exitFailure, err: err}
		}
		if *pubFile != "" {
			if pub, err = auditanchor.ReadPublicKey(*pubFile); err != nil {
				return err
			}
		}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if *cpFile != "" {
		return verifyCheckpoints(ctx, e, db, *cpFile, checkpoints, pub)
	}
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

// verifyCheckpoints is audit verify --checkpoints.
func verifyCheckpoints(ctx context.Context, e *env, db *store.DB, file string, checkpoints []auditanchor.Line, pub ed25519.PublicKey) error {
	res, err := auditanchor.Verify(ctx, db, checkpoints, pub)
	if b, ok := store.IsAuditBreak(err); ok {
		return exitCodeError{code: exitFailure, err: fmt.Errorf("audit chain broken at %w (checkpoints %s)", b, file)}
	}
	var le *auditanchor.LineError
	if errors.As(err, &le) {
		return exitCodeError{code: exitFailure, err: fmt.Errorf("%s: %w", file, le)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d entries; head %s\n", res.Entries, res.Head)
	fmt.Fprintf(e.stdout, "%d checkpoints in %s signed by key %s and borne out by the log; the furthest, made %s, at entry %d\n",
		res.Checkpoints, file, res.Key, res.Latest.At.Format(time.RFC3339), res.Latest.Seq)
	if pub == nil {
		fmt.Fprintln(e.stderr, "joinedup audit verify: the checkpoints were checked against the key they name only; "+
			"give --audit-pub to check that it is yours")
	}
	return nil
}

// runAuditKeygen makes the key serve signs audit checkpoints with.
func runAuditKeygen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit keygen", "--out FILE")
	out := fs.String("out", "", "write the private key to this `file` (mode 0600) and the public key to FILE.pub")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"give --out FILE"}
	}
	pub, err := auditanchor.GenerateKey(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit signing key written to %s: give it to serve --audit-key, and keep it out of the database and its backups\n", *out)
	fmt.Fprintf(e.stdout, "public key written to %s.pub: %s\n", *out, auditanchor.KeyID(pub))
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

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
)

// runHL7 sends files of HL7 v2 messages to an MLLP listener, as a hospital
// would (for testing a feed, and for replaying messages), and reviews the
// hospital messages held because they matched no one.
func runHL7(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "hl7", "send --addr HOST:PORT FILE...\n       joinedup hl7 held [--db URL]\n       joinedup hl7 retry [ID...] [--db URL]\n       joinedup hl7 dismiss ID --note TEXT [--db URL]",
		args, []command{{name: "send", run: runHL7Send}, {name: "held", run: runHL7Held}, {name: "retry", run: runHL7Retry}, {name: "dismiss", run: runHL7Dismiss}})
}

// runHL7Held lists the hospital messages (HL7 v2 or FHIR) held for review.
func runHL7Held(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hl7 held", "[--db URL]")
	dbURL := dbFlags(fs)
	db, err := parseAndOpen(ctx, fs, args, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := store.HospitalMessages(ctx, db, joinedup.MessageHeld)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintln(e.stdout, "no hospital messages held for review")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id	received	sender	event	NHS number	why held")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.ReceivedAt.In(joinedup.London).Format("2 Jan 2006 15:04"), m.Sender, m.Kind,
			m.NHSNumber, m.Reason)
	}
	return tw.Flush()
}

// runHL7Retry matches held messages again (all of them, or those named),
// applying each whose NHS number now matches someone.
func runHL7Retry(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hl7 retry", "[ID...] [--db URL]")
	dbURL := dbFlags(fs)
	db, err := parseAndOpen(ctx, fs, args, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var ms []store.HospitalMessage
	if fs.NArg() == 0 {
		if ms, err = store.HospitalMessages(ctx, db, joinedup.MessageHeld); err != nil {
			return err
		}
	}
	for _, id := range fs.Args() {
		m, err := store.GetHospitalMessage(ctx, db, id)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	cs := coord.New(db, e.log)
	applied := 0
	var failed []string
	for _, m := range ms {
		r, err := hospitalfeed.Retry(ctx, cs, db, coord.System("joinedup hl7 retry", time.Now().UTC()), m.ID)
		if err != nil {
			failed = append(failed, fmt.Sprintf("message %s: %v", m.ID, err))
			continue
		}
		if r.Status == joinedup.MessageApplied {
			applied++
			fmt.Fprintf(e.stdout, "%s\tapplied to patient %s: %s\n", m.ID, r.PatientID, tasksSaid(r))
		} else {
			fmt.Fprintf(e.stdout, "%s\tstill held: %s\n", m.ID, r.Reason)
		}
	}
	fmt.Fprintf(e.stdout, "%d of %d message(s) applied\n", applied, len(ms))
	if len(failed) > 0 {
		return exitCodeError{code: exitRejects, err: errors.New(strings.Join(failed, "\n"))}
	}
	return nil
}

func tasksSaid(r coord.Received) string {
	return fmt.Sprintf("tasks raised %d, closed %d", r.Tasks.Raised, r.Tasks.Closed)
}

// runHL7Dismiss sets a held message aside, saying why.
func runHL7Dismiss(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hl7 dismiss", "ID --note TEXT [--db URL]")
	dbURL := dbFlags(fs)
	note := fs.String("note", "", "why the message is set aside (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give the id of one held message (joinedup hl7 held lists them)"}
	}
	if strings.TrimSpace(*note) == "" {
		return usageError{"--note: say why the message is set aside"}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := coord.New(db, e.log).DismissHeldMessage(ctx, coord.System("joinedup hl7 dismiss", time.Now().UTC()), fs.Arg(0), *note); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s dismissed\n", fs.Arg(0))
	return nil
}

func runHL7Send(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hl7 send", "--addr HOST:PORT FILE...")
	addr := fs.String("addr", "", "the MLLP listener (joinedup serve --hl7-addr)")
	retries := fs.Int("retries", 5, "times to resend a message that got no acknowledgement (the connection failed)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "" || fs.NArg() == 0 {
		return usageError{"give --addr and at least one file of messages"}
	}
	var msgs [][]byte
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			return exitCodeError{code: exitUsage, err: err}
		}
		msgs = append(msgs, splitMessages(b)...)
	}
	s := &hospitalfeed.Sender{Addr: *addr, Retries: *retries}
	defer s.Close()
	refused := 0
	for _, m := range msgs {
		ack, err := s.Send(ctx, m)
		if err != nil {
			return fmt.Errorf("after %d message(s): %w", len(msgs), err)
		}
		am, err := hl7.Parse(ack)
		if err != nil {
			return fmt.Errorf("acknowledgement not HL7: %w", err)
		}
		code := am.Get("MSA-1")
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", am.Get("MSA-2"), code, am.Get("ERR-3.2"))
		if code != "AA" && code != "CA" {
			refused++
		}
	}
	if refused > 0 {
		return exitCodeError{code: exitRejects, err: fmt.Errorf("%d of %d message(s) not accepted", refused, len(msgs))}
	}
	return nil
}

// splitMessages splits a file into messages, each starting "MSH": files of
// messages are written one segment a line, with or without blank lines.
func splitMessages(b []byte) [][]byte {
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\r")), []byte("\n"), []byte("\r"))
	var out [][]byte
	var cur []byte
	for _, seg := range bytes.Split(b, []byte("\r")) {
		seg = bytes.TrimSpace(seg)
		if len(seg) == 0 {
			continue
		}
		if bytes.HasPrefix(seg, []byte("MSH")) && len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
		cur = append(append(cur, seg...), '\r')
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

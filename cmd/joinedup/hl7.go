package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
)

// runHL7 sends files of HL7 v2 messages to an MLLP listener, as a hospital
// would: for testing a feed, and for replaying messages.
func runHL7(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "send" {
		return runSubcommand(ctx, e, "hl7", "send --addr HOST:PORT FILE...", args, []command{{name: "send", run: runHL7Send}})
	}
	return runHL7Send(ctx, e, args[1:])
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

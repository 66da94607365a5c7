package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

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
	s := &sender{addr: *addr}
	defer s.close()
	refused := 0
	for _, m := range msgs {
		ack, err := s.send(ctx, m, *retries)
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

// sender keeps one connection and resends a message whose acknowledgement
// did not arrive: the receiver applies a message once however often it
// comes, so resending is always safe.
type sender struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
}

func (s *sender) close() {
	if s.conn != nil {
		s.conn.Close()
	}
}

func (s *sender) send(ctx context.Context, msg []byte, retries int) ([]byte, error) {
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if s.conn == nil {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", s.addr)
			if err != nil {
				last = err
				continue
			}
			s.conn, s.br = c, bufio.NewReader(c)
		}
		s.conn.SetDeadline(time.Now().Add(30 * time.Second))
		if err := hl7.WriteFrame(s.conn, msg); err != nil {
			last = err
			s.close()
			s.conn = nil
			continue
		}
		ack, err := hl7.ReadFrame(s.br, hospitalfeed.MaxFrame)
		if err != nil {
			last = err
			s.close()
			s.conn = nil
			continue
		}
		return ack, nil
	}
	return nil, errors.Join(errors.New("no acknowledgement"), last)
}

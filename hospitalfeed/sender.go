package hospitalfeed

import (
	"bufio"
	"context"
	"errors"
	"net"
	"time"

	"github.com/joinedup/joinedup/hl7"
)

// Sender sends messages to an MLLP listener as a hospital's interface
// engine does: one at a time on one connection, each waiting for its
// acknowledgement, and a message whose acknowledgement did not arrive (the
// connection failed, the receiver restarted) sent again on a new
// connection. Resending is safe because a receiver applies a message once
// however often it comes.
type Sender struct {
	Addr string
	// Retries is how many times a message is sent again; Wait the pause
	// before the first retry, growing with each (0: 200 ms), up to 2 s.
	Retries int
	Wait    time.Duration

	conn net.Conn
	br   *bufio.Reader
}

// Send sends msg and returns its acknowledgement.
func (s *Sender) Send(ctx context.Context, msg []byte) ([]byte, error) {
	wait := s.Wait
	if wait <= 0 {
		wait = 200 * time.Millisecond
	}
	var last error
	for attempt := 0; attempt <= s.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(min(time.Duration(attempt)*wait, 2*time.Second)):
			}
		}
		ack, err := s.try(ctx, msg)
		if err == nil {
			return ack, nil
		}
		last = err
		s.Close()
	}
	return nil, errors.Join(errors.New("no acknowledgement"), last)
}

func (s *Sender) try(ctx context.Context, msg []byte) ([]byte, error) {
	if s.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", s.Addr)
		if err != nil {
			return nil, err
		}
		s.conn, s.br = c, bufio.NewReader(c)
	}
	s.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := hl7.WriteFrame(s.conn, msg); err != nil {
		return nil, err
	}
	return hl7.ReadFrame(s.br, MaxFrame)
}

// Close closes the connection, if one is open.
func (s *Sender) Close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

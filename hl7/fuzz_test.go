package hl7

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// seeds are the testdata messages and acknowledgements, as written and with
// the carriage returns HL7 separates segments by.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, pattern := range []string{"*.hl7", "*.ack"} {
		files, err := filepath.Glob(filepath.Join("testdata", pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b, bytes.ReplaceAll(b, []byte("\n"), []byte("\r")))
		}
	}
	return append(out,
		[]byte("MSH|#~\\$|PAS#X|RJ1|||20260101||ADT#A08|C\\S\\1|P|2.3\rPID|||9434765919###NHS~A$B\r"),
		[]byte("MSH|^~\\&#|A|B\rNTE|1||\\X0D0A\\ \\.br\\ \\H\\x\\N\\ \\Zx\\ \\E\\\\\r"),
		[]byte("MSH|^|A\rPID|||1^2~3\r"),
		[]byte("MSH|^~\\&\r"),
	)
}

// fuzzPaths are paths Get is tried with on every message.
var fuzzPaths = []string{
	"MSH-1", "MSH-2", "MSH-3", "MSH-9.2", "MSH-10", "MSH(2)-1", "PID-3(2).4.2", "PID-5", "PV1-3.4.1",
	"MRG-1(1).5", "EVN-6", "NTE(3)-3", "ZZZ-999(999).999.999",
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s, "PID-3(2).1")
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		m, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %T %v, want *Error", err, err)
			}
			_ = e.Error()
			ack := ACK(nil, "AR", e, testNow)
			if _, err := Parse(ack); err != nil {
				t.Fatalf("Parse(ACK of an unparsed message) = %v\n%q", err, ack)
			}
			return
		}
		m.Get(path)
		for _, p := range fuzzPaths {
			m.Get(p)
		}
		m.Repeats("PID", 3)
		m.Repeats("MSH", 2)
		m.Segments("PID")
		m.Type()

		a, err := ParseADT(m)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("ParseADT error %T %v, want *Error", err, err)
		}
		if err == nil && a.Event == "" {
			t.Fatal("ParseADT accepted a message without an event")
		}
		code := "AA"
		if e != nil {
			code = "AE"
		}
		b := ACK(m, code, e, testNow)
		ack, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(ACK) = %v\n%q", err, b)
		}
		if got, want := ack.Get("MSA-2"), m.ControlID(); got != want {
			t.Errorf("MSA-2 = %q, want %q", got, want)
		}
		if got := ack.Get("MSA-1"); got != code {
			t.Errorf("MSA-1 = %q, want %q", got, code)
		}
		if e != nil && ack.Get("ERR-8") != e.Reason {
			t.Errorf("ERR-8 = %q, want %q", ack.Get("ERR-8"), e.Reason)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	for _, s := range seeds(f) {
		var buf bytes.Buffer
		if err := WriteFrame(&buf, s); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes(), uint16(1024))
		f.Add(append([]byte("\r\n"), append(buf.Bytes(), buf.Bytes()[:len(buf.Bytes())/2]...)...), uint16(64))
	}
	f.Add([]byte("\x0bab\x0bcd\x1c\x1c\r\x0b"), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		max := int(limit)
		for _, r := range []*bufio.Reader{
			bufio.NewReaderSize(bytes.NewReader(data), 16),
			bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(data)), 16),
		} {
			var frames [][]byte
			for range len(data) + 1 {
				b, err := ReadFrame(r, max)
				if errors.Is(err, ErrFrameTooLong) {
					continue
				}
				if err != nil {
					break
				}
				if max > 0 && len(b) > max {
					t.Fatalf("a frame of %d bytes, over the limit %d", len(b), max)
				}
				if bytes.IndexByte(b, startBlock) >= 0 || bytes.IndexByte(b, endBlock) >= 0 {
					t.Fatalf("a frame holding a block byte: %q", b)
				}
				frames = append(frames, b)
			}
			// what was read writes and reads back the same
			var buf bytes.Buffer
			for _, b := range frames {
				if err := WriteFrame(&buf, b); err != nil {
					t.Fatal(err)
				}
			}
			back := bufio.NewReader(&buf)
			for _, want := range frames {
				got, err := ReadFrame(back, 0)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("read back %q, %v; want %q", got, err, want)
				}
			}
			if strings.Count(string(data), "\x0b") < len(frames) {
				t.Fatalf("%d frames from %d start blocks", len(frames), strings.Count(string(data), "\x0b"))
			}
		}
	})
}

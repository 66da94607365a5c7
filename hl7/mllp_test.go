package hl7

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func frame(s string) string { return "\x0b" + s + "\x1c\r" }

// readAll reads frames until an error and returns them and that error.
func readAll(r io.Reader, max int) ([]string, error) {
	br := bufio.NewReaderSize(r, 16)
	var got []string
	for {
		b, err := ReadFrame(br, max)
		if err != nil {
			return got, err
		}
		got = append(got, string(b))
	}
}

func TestReadFrame(t *testing.T) {
	long := strings.Repeat("PID|||9434765919\r", 20) // longer than the reader's buffer
	tests := []struct {
		name string
		in   string
		max  int
		want []string
		err  error
	}{
		{"none", "", 100, nil, io.EOF},
		{"one", frame("MSH|^~\\&|A\r"), 100, []string{"MSH|^~\\&|A\r"}, io.EOF},
		{"two", frame("a") + frame("b"), 100, []string{"a", "b"}, io.EOF},
		{"newlines between", "\r\n" + frame("a") + "\n\n" + frame("b") + "\r\n", 100, []string{"a", "b"}, io.EOF},
		{"junk between", "junk" + frame("a") + "more junk\x1c\r" + frame("b"), 100, []string{"a", "b"}, io.EOF},
		{"no carriage return", "\x0ba\x1c\x0bb\x1c", 100, []string{"a", "b"}, io.EOF},
		{"empty", frame(""), 100, []string{""}, io.EOF},
		{"longer than the buffer", frame(long), 1000, []string{long}, io.EOF},
		{"exactly max", frame("abcde"), 5, []string{"abcde"}, io.EOF},
		{"too long", frame("abcdef"), 5, nil, ErrFrameTooLong},
		{"too long, longer than the buffer", frame(long), 100, nil, ErrFrameTooLong},
		{"no limit", frame(long), 0, []string{long}, io.EOF},
		{"EOF mid-frame", frame("a") + "\x0bMSH|^~\\&", 100, []string{"a"}, io.ErrUnexpectedEOF},
		{"EOF after start block", "\x0b", 100, nil, io.ErrUnexpectedEOF},
		{"start block inside a frame", "\x0bbroken off\x0bwhole\x1c\r", 100, []string{"whole"}, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, r := range map[string]io.Reader{
				"whole":          strings.NewReader(tt.in),
				"a byte at once": iotest.OneByteReader(strings.NewReader(tt.in)),
			} {
				got, err := readAll(r, tt.max)
				if !errors.Is(err, tt.err) {
					t.Errorf("%s: error %v, want %v", name, err, tt.err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
					t.Errorf("%s: frames %q, want %q", name, got, tt.want)
				}
			}
		})
	}
}

func TestReadFrameAfterTooLong(t *testing.T) {
	br := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(frame("far too long")+frame("ok"))), 16)
	if _, err := ReadFrame(br, 5); !errors.Is(err, ErrFrameTooLong) {
		t.Fatalf("first frame: %v, want ErrFrameTooLong", err)
	}
	b, err := ReadFrame(br, 5)
	if err != nil || string(b) != "ok" {
		t.Errorf("next frame = %q, %v; want \"ok\"", b, err)
	}
}

func TestReadFrameError(t *testing.T) {
	boom := errors.New("connection reset")
	br := bufio.NewReader(io.MultiReader(strings.NewReader("\x0bpart"), iotest.ErrReader(boom)))
	if _, err := ReadFrame(br, 100); !errors.Is(err, boom) {
		t.Errorf("ReadFrame = %v, want %v", err, boom)
	}
}

func TestWriteFrame(t *testing.T) {
	var buf bytes.Buffer
	ack := ACK(nil, "AR", nil, testNow)
	if err := WriteFrame(&buf, ack); err != nil {
		t.Fatal(err)
	}
	if err := WriteFrame(&buf, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), frame(string(ack))+frame("second"); got != want {
		t.Errorf("WriteFrame wrote %q, want %q", got, want)
	}
	br := bufio.NewReader(&buf)
	for _, want := range []string{string(ack), "second"} {
		b, err := ReadFrame(br, 1<<20)
		if err != nil || string(b) != want {
			t.Errorf("ReadFrame = %q, %v; want %q", b, err, want)
		}
	}
	for _, bad := range []string{"a\x0bb", "a\x1cb"} {
		if err := WriteFrame(&buf, []byte(bad)); err == nil {
			t.Errorf("WriteFrame(%q): no error", bad)
		}
	}
	if err := WriteFrame(errWriter{}, []byte("x")); err == nil {
		t.Error("WriteFrame to a failing writer: no error")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

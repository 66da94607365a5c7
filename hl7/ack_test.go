package hl7

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden acknowledgements in testdata")

// golden compares got with testdata/name, which holds it with a newline
// after each segment for reading; -update rewrites the file.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if bytes.ContainsRune(got, '\n') {
		t.Errorf("%s: a newline in the acknowledgement", name)
	}
	readable := bytes.ReplaceAll(got, []byte("\r"), []byte("\n"))
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, readable, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./hl7 -run ACK -update writes it)", err)
	}
	if !bytes.Equal(readable, want) {
		t.Errorf("%s:\n got %q\nwant %q", name, readable, want)
	}
}

func TestACK(t *testing.T) {
	now := time.Date(2026, 7, 20, 23, 15, 48, 0, london)
	a01 := readMessage(t, "a01.hl7")
	a04 := readMessage(t, "a04.hl7")
	a99 := mustParse(t, []byte(strings.Replace(
		string(must(os.ReadFile("testdata/a08.hl7"))), "ADT^A08^ADT_A01", "ADT^A99", 1)))
	custom := mustParse(t, []byte("MSH|#~\\$|PAS#X|RJ1|JOINEDUP|LCN|20260101||ADT#A08|C\\S\\1|T|2.3\rPID|||9434765919###NHS\r"))
	_, a99err := ParseADT(a99)
	_, parseErr := Parse([]byte("PID|||9434765919\r"))

	tests := []struct {
		name string
		m    *Message
		code string
		e    error
	}{
		{"aa.ack", a04, "AA", nil},
		{"ae.ack", a01, "AE", &Error{Segment: "PID", Sequence: 1, Field: 7, Code: CodeDataType, Reason: `invalid timestamp "19641312"`}},
		{"ar.ack", a99, "AR", a99err},
		{"ar-unparsed.ack", nil, "AR", parseErr},
		{"ae-internal.ack", a01, "AE", &Error{Code: CodeInternal, Reason: "the store | is down ^ now"}},
		{"aa-delimiters.ack", custom, "AA", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *Error
			if tt.e != nil {
				e = tt.e.(*Error)
			}
			got := ACK(tt.m, tt.code, e, now)
			golden(t, tt.name, got)
			ack, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(ACK) = %v", err)
			}
			if typ, _ := ack.Type(); typ != "ACK" {
				t.Errorf("ACK type %q", typ)
			}
			if got := ack.Get("MSA-1"); got != tt.code {
				t.Errorf("MSA-1 = %q, want %q", got, tt.code)
			}
			want := ""
			if tt.m != nil {
				want = tt.m.ControlID()
			}
			if got := ack.Get("MSA-2"); got != want {
				t.Errorf("MSA-2 = %q, want %q", got, want)
			}
			if got, want := ack.Segments("ERR"), map[bool]int{true: 1, false: 0}[e != nil]; got != want {
				t.Errorf("%d ERR segments, want %d", got, want)
			}
			if e != nil {
				if got := ack.Get("ERR-3.1"); got != e.Code {
					t.Errorf("ERR-3.1 = %q, want %q", got, e.Code)
				}
				if got := ack.Get("ERR-8"); got != e.Reason {
					t.Errorf("ERR-8 = %q, want %q", got, e.Reason)
				}
			}
			if ack.ControlID() == "" || tt.m != nil && ack.ControlID() == tt.m.ControlID() {
				t.Errorf("MSH-10 = %q, want a new control id", ack.ControlID())
			}
		})
	}
}

func TestACKControlIDsDiffer(t *testing.T) {
	now := time.Date(2026, 7, 20, 23, 15, 48, 0, time.UTC)
	m := readMessage(t, "a01.hl7")
	ids := map[string]bool{}
	for _, b := range [][]byte{
		ACK(m, "AA", nil, now), ACK(m, "AA", nil, now.Add(time.Millisecond)),
		ACK(readMessage(t, "a02.hl7"), "AA", nil, now), ACK(nil, "AR", nil, now),
	} {
		id := mustParse(t, b).ControlID()
		if len(id) != 20 || ids[id] {
			t.Errorf("control id %q: repeated or not 20 characters", id)
		}
		ids[id] = true
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testNow is the time the tests acknowledge at.
var testNow = time.Date(2026, 7, 20, 23, 15, 48, 0, london)

func TestACKIncompleteDelimiters(t *testing.T) {
	// no escape or subcomponent character: the acknowledgement is written
	// with |^~\& and the copied fields escaped for them
	m := mustParse(t, []byte("MSH|^~|SEND&ER|F\\1|RECV|FAC|20260101||ADT^A08|ID&1~2|P|2.3\r"))
	b := ACK(m, "AA", nil, testNow)
	want := "MSH|^~\\&|RECV|FAC|SEND\\T\\ER|F\\E\\1|20260720231548+0100||ACK^A08^ACK|" +
		mustParse(t, b).ControlID() + "|P|2.3\rMSA|AA|ID\\T\\1\r"
	if string(b) != want {
		t.Errorf("ACK =\n%q\nwant\n%q", b, want)
	}
	ack := mustParse(t, b)
	for path, want := range map[string]string{"MSH-5": "SEND&ER", "MSH-6": `F\1`, "MSA-2": "ID&1"} {
		if got := ack.Get(path); got != want {
			t.Errorf("ACK %s = %q, want %q", path, got, want)
		}
	}
}

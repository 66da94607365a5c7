package hl7

import (
	"errors"
	"strings"
	"testing"
)

// lines joins segments with the carriage return HL7 separates them by.
func lines(segs ...string) []byte { return []byte(strings.Join(segs, "\r") + "\r") }

func mustParse(t testing.TB, b []byte) *Message {
	t.Helper()
	m, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestGet(t *testing.T) {
	standardMsg := lines(
		`MSH|^~\&|PAS|RJ1|JOINEDUP|LCN|20260315093000||ADT^A01^ADT_A01|MSG0001|P|2.5|||||GBR`,
		`EVN||20260315092500`,
		`PID|1||9434765919^^^NHS^NH~RJ1123456^^^RJ1^MR~X&Y^^^A&B&C||SMITH^JOHN^^^MR||19700101|M|||1 HIGH STREET^^LONDON^^SE1 7EH`,
		`NTE|1||Fish \T\ chips\F\done\S\a\T\b\R\c\E\d`,
		`NTE|2||line one\.br\line two\X0D\end\H\bold\N\ \Z1\ \X0\ \ab`,
		`PV1|1|I|WARD7^B^4^RJ1||||||||||||||||V123|`,
		`ZXT|a|b|`,
	)
	m := mustParse(t, standardMsg)
	tests := []struct{ path, want string }{
		{"MSH-1", "|"},
		{"MSH-2", `^~\&`},
		{"MSH-2.2", ""},
		{"MSH-3", "PAS"},
		{"MSH-7", "20260315093000"},
		{"MSH-9", "ADT"},
		{"MSH-9.1", "ADT"},
		{"MSH-9.2", "A01"},
		{"MSH-9-3", "ADT_A01"},
		{"MSH-9.4", ""},
		{"MSH-10", "MSG0001"},
		{"MSH-12", "2.5"},
		{"MSH-17", "GBR"},
		{"MSH-18", ""},
		{"MSH(2)-3", ""},
		{"EVN-1", ""},
		{"EVN-2", "20260315092500"},
		{"PID-3", "9434765919"},
		{"PID-3(1).4", "NHS"},
		{"PID-3(1).5", "NH"},
		{"PID-3(2).1", "RJ1123456"},
		{"PID-3(2).4", "RJ1"},
		{"PID-3(3).1", "X"},
		{"PID-3(3).1.2", "Y"},
		{"PID-3(3).1.3", ""},
		{"PID-3(3).4.3", "C"},
		{"PID-3(4).1", ""},
		{"PID-5.1", "SMITH"},
		{"PID-5.2", "JOHN"},
		{"PID-5.5", "MR"},
		{"PID-11.3", "LONDON"},
		{"PID-11.5", "SE1 7EH"},
		{"NTE-3", `Fish & chips|done^a&b~c\d`},
		{"NTE(2)-3", "line one\nline two\rendbold \\Z1\\ \\X0\\ \\ab"},
		{"NTE(3)-3", ""},
		{"PV1-2", "I"},
		{"PV1-3.4", "RJ1"},
		{"PV1-19", "V123"},
		{"PV1-20", ""},
		{"PV1-99", ""},
		{"ZXT-2", "b"},
		{"ZXT-3", ""},
		{"OBX-1", ""},
		// paths Get does not read
		{"", ""}, {"PID", ""}, {"PID-", ""}, {"PID-0", ""}, {"PID-3(0)", ""}, {"PID-3(", ""},
		{"PID-3.0", ""}, {"pid-3", ""}, {"PID-3.1.1.1", ""}, {"PID-3x", ""}, {"PID-99999999999", ""},
	}
	for _, tt := range tests {
		if got := m.Get(tt.path); got != tt.want {
			t.Errorf("Get(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	if got := m.Repeats("PID", 3); got != 3 {
		t.Errorf("Repeats(PID, 3) = %d, want 3", got)
	}
	for _, r := range []struct {
		seg   string
		field int
		want  int
	}{{"PID", 5, 1}, {"PID", 4, 0}, {"PID", 99, 0}, {"MSH", 2, 1}, {"OBX", 5, 0}} {
		if got := m.Repeats(r.seg, r.field); got != r.want {
			t.Errorf("Repeats(%s, %d) = %d, want %d", r.seg, r.field, got, r.want)
		}
	}
	if got := m.Segments("NTE"); got != 2 {
		t.Errorf("Segments(NTE) = %d, want 2", got)
	}
	if got := m.Segments("OBX"); got != 0 {
		t.Errorf("Segments(OBX) = %d, want 0", got)
	}
	if typ, ev := m.Type(); typ != "ADT" || ev != "A01" {
		t.Errorf("Type() = %q, %q", typ, ev)
	}
	if got := m.ControlID(); got != "MSG0001" {
		t.Errorf("ControlID() = %q", got)
	}
}

func TestGetCustomDelimiters(t *testing.T) {
	m := mustParse(t, lines(
		`MSH|#~\$|PAS#X|RJ1|||20260315093000||ADT#A08|C1|P|2.4`,
		`PID|||9434765919###NHS#NH~A$B#x||O'BRIEN#SEÁN||\S\ and \T\ and ^&`,
	))
	tests := []struct{ path, want string }{
		{"MSH-2", `#~\$`},
		{"MSH-3", "PAS"},
		{"MSH-3.2", "X"},
		{"MSH-9.2", "A08"},
		{"PID-3.4", "NHS"},
		{"PID-3(2).1", "A"},
		{"PID-3(2).1.2", "B"},
		{"PID-3(2).2", "x"},
		{"PID-5.2", "SEÁN"},
		{"PID-7", "# and $ and ^&"},
	}
	for _, tt := range tests {
		if got := m.Get(tt.path); got != tt.want {
			t.Errorf("Get(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestParseLineEndings(t *testing.T) {
	for name, sep := range map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n", "blank lines": "\n\n"} {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, []byte("MSH|^~\\&|A|B|C|D|20260101||ADT^A08|1|P|2.5"+sep+"PID|||123^^^NHS"+sep+"PV1||O"+sep))
			if got := m.Segments("PID") + m.Segments("PV1") + m.Segments("MSH"); got != 3 {
				t.Errorf("%d segments, want 3", got)
			}
			if got := m.Get("PV1-2"); got != "O" {
				t.Errorf("PV1-2 = %q", got)
			}
			if got := m.Get("MSH-12"); got != "2.5" {
				t.Errorf("MSH-12 = %q", got)
			}
		})
	}
}

func TestParseEmptyAndTrailing(t *testing.T) {
	m := mustParse(t, []byte("MSH|^~\\&\rPID|||||^^^|||\rPV1\rEVN|"))
	for path, want := range map[string]string{
		"MSH-3": "", "PID-5.1": "", "PID-5.4": "", "PID-8": "", "PID-9": "", "PV1-1": "", "EVN-1": "",
	} {
		if got := m.Get(path); got != want {
			t.Errorf("Get(%q) = %q, want %q", path, got, want)
		}
	}
	if got := m.Repeats("PID", 5); got != 1 {
		t.Errorf("Repeats(PID, 5) = %d", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Error
	}{
		{"empty", "", Error{Segment: "MSH", Sequence: 1, Code: "100", Reason: "message does not start with MSH"}},
		{"not MSH", "PID|||1\r", Error{Segment: "MSH", Sequence: 1, Code: "100", Reason: "message does not start with MSH"}},
		{"field separator", "MSHA^~\\&", Error{Segment: "MSH", Sequence: 1, Field: 1, Code: "102", Reason: `invalid field separator 'A'`}},
		{"no encoding", "MSH||A", Error{Segment: "MSH", Sequence: 1, Field: 2, Code: "102", Reason: `invalid encoding characters ""`}},
		{"repeated encoding", "MSH|^^\\&|A", Error{Segment: "MSH", Sequence: 1, Field: 2, Code: "102", Reason: `invalid encoding characters "^^\\&"`}},
		{"letter encoding", "MSH|^~a&|A", Error{Segment: "MSH", Sequence: 1, Field: 2, Code: "102", Reason: `invalid encoding characters "^~a&"`}},
		{"bad segment", "MSH|^~\\&|A\rpid|1\r", Error{Code: "100", Reason: `line 2: invalid segment id "pid|1"`}},
		{"long segment id", "MSH|^~\\&|A\rPIDX|1\r", Error{Code: "100", Reason: `line 2: invalid segment id "PIDX|1"`}},
		{"second MSH", "MSH|^~\\&|A\rMSH|^~\\&|B\r", Error{Segment: "MSH", Sequence: 2, Code: "100", Reason: "line 2: a second MSH segment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, %v; want *Error", m, err)
			}
			if *e != tt.want {
				t.Errorf("Parse error = %#v, want %#v", *e, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{Segment: "PID", Sequence: 1, Field: 3, Code: "101", Reason: "required field missing"}, "PID-3: required field missing"},
		{Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: "201", Reason: "unsupported event code A99"}, "MSH-9.2: unsupported event code A99"},
		{Error{Segment: "OBX", Sequence: 2, Field: 5, Code: "102"}, "OBX(2)-5: Data type error"},
		{Error{Code: "207", Reason: "database down"}, "hl7: database down"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, d := range []delimiters{standard, {'|', '#', '~', '\\', '$'}, {'!', '@', '*', '/', '%'}} {
		for _, s := range []string{"", "plain", `a|b^c~d\e&f#g$h`, "line\r\nnext", "\\F\\ literal", "x\x00y"} {
			if got := unescape(escape(s, d), d); got != s {
				t.Errorf("delimiters %q: unescape(escape(%q)) = %q", d.encoding(), s, got)
			}
		}
	}
}

package hl7

import (
	"fmt"
	"strings"
)

// delimiters are a message's encoding characters. A zero byte is a
// delimiter the message does not declare.
type delimiters struct {
	field, component, repetition, escape, subcomponent byte
}

// standard are the delimiters HL7 recommends: |^~\&.
var standard = delimiters{'|', '^', '~', '\\', '&'}

// complete reports whether every delimiter is declared.
func (d delimiters) complete() bool {
	return d.field != 0 && d.component != 0 && d.repetition != 0 && d.escape != 0 && d.subcomponent != 0
}

// encoding is MSH-2 for these delimiters.
func (d delimiters) encoding() string {
	var b []byte
	for _, c := range []byte{d.component, d.repetition, d.escape, d.subcomponent} {
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// segment is one segment as sent. fields[0] is the segment id and fields[i]
// is field i, escaped; for MSH, fields[1] is the field separator and
// fields[2] the encoding characters, as HL7 numbers them.
type segment struct {
	fields []string
}

func (s segment) name() string { return s.fields[0] }

// field is field n of the segment, or "" when the segment has fewer fields.
func (s segment) field(n int) string {
	if n < 0 || n >= len(s.fields) {
		return ""
	}
	return s.fields[n]
}

// Message is an HL7 v2 message: its segments in the order sent and the
// delimiters MSH-1 and MSH-2 declare. Values are held escaped, as sent;
// Get undoes the escapes.
type Message struct {
	segments []segment
	delims   delimiters
}

// Parse reads an HL7 v2 message. Segments are separated by carriage return
// (\r), as HL7 requires; \n and \r\n are accepted too, and empty lines are
// skipped. The message must start with MSH, whose first field and second
// field declare the delimiters. A failure is returned as *Error.
func Parse(b []byte) (*Message, error) {
	s := string(b)
	if len(s) < 4 || !strings.HasPrefix(s, "MSH") {
		return nil, &Error{Segment: "MSH", Sequence: 1, Code: CodeSegmentSequence, Reason: "message does not start with MSH"}
	}
	d, err := readDelimiters(s)
	if err != nil {
		return nil, err
	}
	m := &Message{delims: d}
	line := 0
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		var text string
		if i < 0 {
			text, s = s, ""
		} else {
			text, s = s[:i], s[i+1:]
		}
		line++
		if text == "" {
			continue
		}
		seg, err := readSegment(text, d, len(m.segments) == 0)
		if err != nil {
			err.Reason = fmt.Sprintf("line %d: %s", line, err.Reason)
			return nil, err
		}
		m.segments = append(m.segments, seg)
	}
	return m, nil
}

// readDelimiters reads MSH-1 and MSH-2 from the start of a message.
func readDelimiters(s string) (delimiters, *Error) {
	bad := func(field int, reason string) (delimiters, *Error) {
		return delimiters{}, &Error{Segment: "MSH", Sequence: 1, Field: field, Code: CodeDataType, Reason: reason}
	}
	d := delimiters{field: s[3]}
	if !delimiterByte(d.field) {
		return bad(1, fmt.Sprintf("invalid field separator %q", d.field))
	}
	enc := s[4:]
	if i := strings.IndexAny(enc, string(d.field)+"\r\n"); i >= 0 {
		enc = enc[:i]
	}
	if len(enc) == 0 || len(enc) > 5 {
		return bad(2, fmt.Sprintf("invalid encoding characters %q", enc))
	}
	seen := map[byte]bool{d.field: true}
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !delimiterByte(c) || seen[c] {
			return bad(2, fmt.Sprintf("invalid encoding characters %q", enc))
		}
		seen[c] = true
	}
	// The fifth character, the truncation character of v2.7, is allowed
	// but not used.
	d.component = enc[0]
	if len(enc) > 1 {
		d.repetition = enc[1]
	}
	if len(enc) > 2 {
		d.escape = enc[2]
	}
	if len(enc) > 3 {
		d.subcomponent = enc[3]
	}
	return d, nil
}

// delimiterByte reports whether c may be a delimiter: printable ASCII
// punctuation, not a letter, digit or space.
func delimiterByte(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z')
}

// readSegment splits one segment into its fields.
func readSegment(text string, d delimiters, first bool) (segment, *Error) {
	name := text
	if len(name) > 3 {
		name = name[:3]
	}
	if !segmentID(name) || len(text) > 3 && text[3] != d.field {
		return segment{}, &Error{Code: CodeSegmentSequence, Reason: fmt.Sprintf("invalid segment id %q", clip(text, 8))}
	}
	if first != (name == "MSH") {
		if first {
			return segment{}, &Error{Segment: "MSH", Sequence: 1, Code: CodeSegmentSequence, Reason: "message does not start with MSH"}
		}
		return segment{}, &Error{Segment: "MSH", Sequence: 2, Code: CodeSegmentSequence, Reason: "a second MSH segment"}
	}
	if name != "MSH" {
		return segment{fields: strings.Split(text, string(d.field))}, nil
	}
	enc := d.encoding()
	if len(text) > 4+len(enc) && text[4+len(enc)] != d.field {
		// a fifth encoding character: keep it in MSH-2
		enc = text[4 : 4+len(enc)+1]
	}
	fields := []string{"MSH", string(d.field), enc}
	if rest := text[4+len(enc):]; rest != "" {
		fields = append(fields, strings.Split(rest[1:], string(d.field))...)
	}
	return segment{fields: fields}, nil
}

// segmentID reports whether s is a segment id: an upper-case letter then two
// upper-case letters or digits.
func segmentID(s string) bool {
	if len(s) != 3 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < 3; i++ {
		if !('A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
			return false
		}
	}
	return true
}

// clip shortens s to at most n bytes for an error message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Segments is how many segments with the id name the message holds.
func (m *Message) Segments(name string) int {
	n := 0
	for _, s := range m.segments {
		if s.name() == name {
			n++
		}
	}
	return n
}

// segment is the n-th (1-based) occurrence of the segment name.
func (m *Message) segment(name string, n int) (segment, bool) {
	for _, s := range m.segments {
		if s.name() == name {
			n--
			if n == 0 {
				return s, true
			}
		}
	}
	return segment{}, false
}

// Type is the message type and trigger event, MSH-9.1 and MSH-9.2, e.g.
// "ADT", "A01".
func (m *Message) Type() (msgType, event string) {
	return m.Get("MSH-9.1"), m.Get("MSH-9.2")
}

// ControlID is MSH-10, the message control id an acknowledgement refers to.
func (m *Message) ControlID() string { return m.Get("MSH-10") }

// Repeats is how many repetitions field holds in the first segment seg:
// 0 when the field is empty or absent.
func (m *Message) Repeats(seg string, field int) int {
	s, ok := m.segment(seg, 1)
	if !ok {
		return 0
	}
	v := s.field(field)
	if v == "" {
		return 0
	}
	if seg == "MSH" && field <= 2 || m.delims.repetition == 0 {
		return 1
	}
	return strings.Count(v, string(m.delims.repetition)) + 1
}

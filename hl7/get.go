package hl7

import (
	"encoding/hex"
	"strings"
)

// Get reads one value by a terser-like path and returns it with the escape
// sequences undone, or "" when the message does not hold it (or the path is
// not one Get reads).
//
// A path is a segment id, optionally its occurrence, a field number,
// optionally its repetition, then optionally a component and a
// subcomponent, all numbered from 1:
//
//	MSH-10       field 10 of the MSH segment
//	MSH-9.1      component 1 of field 9
//	PID-3(2).1   component 1 of the second repetition of field 3
//	PID-3(2).4.2 subcomponent 2 of it
//	OBX(2)-5     field 5 of the second OBX segment
//
// Components and subcomponents may be separated by "-" as well as ".". As in
// a terser, a path naming no component reads the first component's first
// subcomponent: "MSH-9" is "ADT" of "ADT^A01^ADT_A01". MSH-1 is the field
// separator and MSH-2 the encoding characters. HL7's explicit null `""` is
// returned as it is.
//
// The escapes undone are \F\ \S\ \T\ \R\ \E\ (the delimiters), \Xhh…\
// (bytes in hexadecimal, e.g. \X0D\), and \.br\ and \.sp\ (a newline);
// highlighting (\H\ \N\) and other formatting commands are dropped.
func (m *Message) Get(path string) string {
	p, ok := parsePath(path)
	if !ok {
		return ""
	}
	s, ok := m.segment(p.segment, p.occurrence)
	if !ok {
		return ""
	}
	v := s.field(p.field)
	if p.segment == "MSH" && p.field <= 2 {
		if p.repetition == 1 && p.component == 1 && p.subcomponent == 1 {
			return v
		}
		return ""
	}
	d := m.delims
	v = piece(v, d.repetition, p.repetition)
	v = piece(v, d.component, p.component)
	v = piece(v, d.subcomponent, p.subcomponent)
	return unescape(v, d)
}

// path is a parsed Get path; every number is 1-based.
type path struct {
	segment                                                string
	occurrence, field, repetition, component, subcomponent int
}

// maxIndex bounds every number of a path.
const maxIndex = 1 << 20

func parsePath(s string) (path, bool) {
	p := path{occurrence: 1, repetition: 1, component: 1, subcomponent: 1}
	if len(s) < 5 || !segmentID(s[:3]) {
		return p, false
	}
	p.segment, s = s[:3], s[3:]
	var ok bool
	if p.occurrence, s, ok = bracketed(s, 1); !ok {
		return p, false
	}
	if s == "" || s[0] != '-' {
		return p, false
	}
	if p.field, s, ok = number(s[1:]); !ok {
		return p, false
	}
	if p.repetition, s, ok = bracketed(s, 1); !ok {
		return p, false
	}
	for _, n := range []*int{&p.component, &p.subcomponent} {
		if s == "" {
			break
		}
		if s[0] != '.' && s[0] != '-' {
			return p, false
		}
		if *n, s, ok = number(s[1:]); !ok {
			return p, false
		}
	}
	return p, s == ""
}

// bracketed reads an optional "(n)", giving def when there is none.
func bracketed(s string, def int) (int, string, bool) {
	if s == "" || s[0] != '(' {
		return def, s, true
	}
	n, rest, ok := number(s[1:])
	if !ok || rest == "" || rest[0] != ')' {
		return 0, s, false
	}
	return n, rest[1:], true
}

// number reads a positive decimal number from the start of s.
func number(s string) (int, string, bool) {
	n, i := 0, 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > maxIndex {
			return 0, s, false
		}
	}
	return n, s[i:], i > 0 && n > 0
}

// piece is the n-th (1-based) piece of s split at sep; s itself when sep is
// not declared and n is 1.
func piece(s string, sep byte, n int) string {
	if sep == 0 {
		if n == 1 {
			return s
		}
		return ""
	}
	for ; n > 1; n-- {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, sep); i >= 0 {
		s = s[:i]
	}
	return s
}

// unescape undoes the escape sequences of a value. A sequence without its
// closing escape character, or one not known, is kept as it is.
func unescape(s string, d delimiters) string {
	if d.escape == 0 || strings.IndexByte(s, d.escape) < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, d.escape)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i+1:], d.escape)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		seq := s[i+1 : i+1+j]
		if out, ok := escapeSequence(seq, d); ok {
			b.WriteString(out)
			s = s[i+j+2:]
			continue
		}
		// Not a sequence: keep the escape character and look again from
		// the next one, which may open a sequence.
		b.WriteByte(d.escape)
		s = s[i+1:]
	}
}

// escapeSequence is what one escape sequence (without its escape
// characters) stands for.
func escapeSequence(seq string, d delimiters) (string, bool) {
	one := func(c byte) (string, bool) { return string([]byte{c}), c != 0 }
	switch seq {
	case "F":
		return one(d.field)
	case "S":
		return one(d.component)
	case "T":
		return one(d.subcomponent)
	case "R":
		return one(d.repetition)
	case "E":
		return one(d.escape)
	case "H", "N":
		return "", true
	case ".br":
		return "\n", true
	}
	switch {
	case strings.HasPrefix(seq, ".sp"):
		return "\n", true
	case strings.HasPrefix(seq, ".") && len(seq) > 1:
		return "", true // other formatting: .fi .nf .in .ti .sk .ce
	case len(seq) > 1 && seq[0] == 'X' && len(seq)%2 == 1:
		b, err := hex.DecodeString(seq[1:])
		return string(b), err == nil
	}
	return "", false
}

// escape writes a value for a message with the delimiters d: each delimiter
// as its escape sequence, carriage return and line feed as \X0D\ and \X0A\.
// d must have an escape character.
func escape(s string, d delimiters) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		var seq string
		switch c {
		case 0:
			seq = "X00"
		case d.field:
			seq = "F"
		case d.component:
			seq = "S"
		case d.subcomponent:
			seq = "T"
		case d.repetition:
			seq = "R"
		case d.escape:
			seq = "E"
		case '\r':
			seq = "X0D"
		case '\n':
			seq = "X0A"
		default:
			b.WriteByte(c)
			continue
		}
		b.WriteByte(d.escape)
		b.WriteString(seq)
		b.WriteByte(d.escape)
	}
	return b.String()
}

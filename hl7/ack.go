package hl7

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// ACK writes the acknowledgement of m: code is MSA-1, AA (accepted), AE
// (error) or AR (rejected), and e, when not nil, is reported in an ERR
// segment. now is MSH-7 and makes MSH-10, the acknowledgement's own control
// id.
//
// The MSH swaps the sending and receiving application and facility of m,
// is of the type ACK^<event>^ACK, and copies MSH-11 (processing id, P when
// m has none) and MSH-12 (version, 2.4 when m has none). MSA-2 is m's
// control id. ERR (v2.5 layout) has the error location in ERR-2
// (segment^sequence^field, and ^repetition^component when the error names a
// component), the code from HL7 table 0357 in ERR-3 (code^text^HL70357),
// severity E in ERR-4 and the reason in ERR-8.
//
// m may be nil — a message that could not be parsed at all — and the
// acknowledgement is still a valid message, with MSA-2 and the applications
// empty. It is written with m's delimiters when m declares all five, else
// with |^~\&. Segments end with a carriage return.
func ACK(m *Message, code string, e *Error, now time.Time) []byte {
	d := standard
	if m != nil && m.delims.complete() {
		d = m.delims
	}
	// msh is field n of m's MSH for the acknowledgement's MSH.
	msh := func(n int) string {
		if m == nil {
			return ""
		}
		s, ok := m.segment("MSH", 1)
		if !ok {
			return ""
		}
		return reencode(s.field(n), m.delims, d)
	}
	get := func(path string) string {
		if m == nil {
			return ""
		}
		return escape(m.Get(path), d)
	}
	if code == "" {
		code = "AA"
		if e != nil {
			code = "AE"
		}
	}
	processing, version := msh(11), msh(12)
	if processing == "" {
		processing = "P"
	}
	if version == "" {
		version = "2.4"
	}
	original := get("MSH-10")
	c := string(d.component)
	segs := [][]string{
		{"MSH", d.encoding(), msh(5), msh(6), msh(3), msh(4), FormatTime(now), "",
			"ACK" + c + get("MSH-9.2") + c + "ACK", controlID(now, original, code), processing, version},
		{"MSA", escape(code, d), original},
	}
	if e != nil {
		reason := e.Reason
		if reason == "" {
			reason = codeText[e.Code]
		}
		segs = append(segs, []string{"ERR", "", errorLocation(e, d),
			escape(e.Code, d) + c + escape(codeText[e.Code], d) + c + "HL70357", "E", "", "", "", escape(reason, d)})
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(strings.Join(s, string(d.field)))
		b.WriteByte('\r')
	}
	return []byte(b.String())
}

// errorLocation is ERR-2, an HL7 ERL: segment^sequence^field, with
// ^1^component when e names a component.
func errorLocation(e *Error, d delimiters) string {
	if e.Segment == "" || !segmentID(e.Segment) {
		return ""
	}
	seq := max(e.Sequence, 1)
	loc := []string{e.Segment, strconv.Itoa(seq)}
	if e.Field > 0 {
		loc = append(loc, strconv.Itoa(e.Field))
		if e.Component > 0 {
			loc = append(loc, "1", strconv.Itoa(e.Component))
		}
	}
	return strings.Join(loc, string(d.component))
}

// controlID is a new message control id, 20 characters: now in UTC to the
// second, then six hexadecimal digits drawn from now to the nanosecond, the
// control id acknowledged and the code.
func controlID(now time.Time, original, code string) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d|%s|%s", now.UnixNano(), original, code)
	return now.UTC().Format("20060102150405") + fmt.Sprintf("%06x", h.Sum32()&0xffffff)
}

// reencode rewrites a field, escaped with the delimiters from, for a
// message with the delimiters to.
func reencode(field string, from, to delimiters) string {
	if from == to {
		return field
	}
	split := func(s string, sep byte) []string {
		if sep == 0 {
			return []string{s}
		}
		return strings.Split(s, string(sep))
	}
	reps := split(field, from.repetition)
	for i, rep := range reps {
		comps := split(rep, from.component)
		for j, comp := range comps {
			subs := split(comp, from.subcomponent)
			for k, sub := range subs {
				subs[k] = escape(unescape(sub, from), to)
			}
			comps[j] = strings.Join(subs, string(to.subcomponent))
		}
		reps[i] = strings.Join(comps, string(to.component))
	}
	return strings.Join(reps, string(to.repetition))
}

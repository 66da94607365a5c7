package fhir

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// encodingHint is what a reject of text that is not UTF-8 advises.
const encodingHint = "if the file is in a legacy encoding, import it with --encoding latin1 or windows-1252"

// NotUTF8 describes text that is not valid UTF-8: where the first bad
// byte is and what to do about it.
func NotUTF8(s string) error {
	i := firstInvalid([]byte(s))
	return fmt.Errorf("not valid UTF-8 (byte 0x%02x at position %d); %s", s[i], i+1, encodingHint)
}

// CheckUTF8 returns nil when a resource's raw JSON is valid UTF-8, and
// otherwise an error naming the JSON member the first bad byte is in, so
// the sender can find it. JSON decoding would quietly turn such bytes into
// U+FFFD, storing a name or a note that is not what was sent.
func CheckUTF8(raw []byte) error {
	if utf8.Valid(raw) {
		return nil
	}
	i := firstInvalid(raw)
	return fmt.Errorf("%s: not valid UTF-8 (byte 0x%02x at position %d); %s", memberAt(raw, i), raw[i], i+1, encodingHint)
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// memberAt names the JSON member whose value holds position i: the last
// `"name":` before it. It reads the text, not the structure, which is
// enough to point at the field.
func memberAt(raw []byte, i int) string {
	head := raw[:i]
	for {
		colon := bytes.LastIndex(head, []byte(`":`))
		if colon < 0 {
			return "text"
		}
		open := bytes.LastIndexByte(head[:colon], '"')
		if open >= 0 {
			name := head[open+1 : colon]
			if utf8.Valid(name) && len(name) > 0 && !bytes.ContainsAny(name, "{}[],:") {
				return string(name)
			}
		}
		head = head[:colon]
	}
}

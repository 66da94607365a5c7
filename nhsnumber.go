package joinedup

import (
	"errors"
	"fmt"
	"strings"
)

// NHSNumberSystem is the FHIR identifier system of the NHS number.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// NHSNumber is a 10-digit NHS number that has passed the Modulus 11 check.
// The zero value means "not known".
type NHSNumber string

// Errors returned by ParseNHSNumber, so callers can tell them apart.
var (
	ErrNHSNumberLength    = errors.New("an NHS number has 10 digits")
	ErrNHSNumberChar      = errors.New("an NHS number has only digits, spaces and dashes")
	ErrNHSNumberChecksum  = errors.New("NHS number fails the Modulus 11 check")
	ErrNHSNumberNotIssued = errors.New("NHS number is never issued: it passes the Modulus 11 check but is a placeholder (ten equal digits, or starting 00)")
)

// ParseNHSNumber accepts an NHS number written with or without spaces or
// dashes ("943 476 5919", "943-476-5919", "9434765919") and returns it as
// ten digits once the Modulus 11 check digit is right.
func ParseNHSNumber(s string) (NHSNumber, error) {
	var digits [10]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(digits) {
				return "", fmt.Errorf("parse NHS number %q: %w", s, ErrNHSNumberLength)
			}
			digits[n] = c
			n++
		case c == ' ' || c == '-':
		default:
			return "", fmt.Errorf("parse NHS number %q: %w", s, ErrNHSNumberChar)
		}
	}
	if n != len(digits) {
		return "", fmt.Errorf("parse NHS number %q: %w", s, ErrNHSNumberLength)
	}
	if c, ok := nhsCheckDigit(digits[:9]); !ok || c != digits[9]-'0' {
		return "", fmt.Errorf("parse NHS number %q: %w", s, ErrNHSNumberChecksum)
	}
	if !issuable(digits) {
		return "", fmt.Errorf("parse NHS number %q: %w", s, ErrNHSNumberNotIssued)
	}
	return NHSNumber(digits[:]), nil
}

// issuable reports whether a number that passes the check could be a
// person's. Every ten-equal-digit number passes Modulus 11 (54 ≡ -1 mod 11),
// so 0000000000 and 9999999999 are typed as "unknown" in practice systems;
// no range starts 00 (England and Wales issue 400–499 and 600–799 million,
// Scotland's CHI starts with a day of the month, 01–31, Northern Ireland
// 320–399, tests 999).
func issuable(d [10]byte) bool {
	if d[0] == '0' && d[1] == '0' {
		return false
	}
	for _, c := range d[1:] {
		if c != d[0] {
			return true
		}
	}
	return false
}

// nhsCheckDigit computes the Modulus 11 check digit of the first nine digits.
// ok is false when the remainder gives 10, which no valid number can have.
func nhsCheckDigit(first9 []byte) (digit byte, ok bool) {
	sum := 0
	for i, c := range first9 {
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 0, false
	}
	return byte(check), true
}

// NHSNumberFromDigits completes nine digits with their check digit. It
// reports false when those nine digits have no valid check digit, so a
// generator can skip them.
func NHSNumberFromDigits(first9 string) (NHSNumber, bool) {
	if len(first9) != 9 {
		return "", false
	}
	b := []byte(first9)
	for _, c := range b {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	d, ok := nhsCheckDigit(b)
	if !ok {
		return "", false
	}
	return NHSNumber(first9 + string('0'+d)), true
}

// String formats the number in the 3-3-4 grouping people read and write,
// e.g. "943 476 5919".
func (n NHSNumber) String() string {
	if len(n) != 10 {
		return string(n)
	}
	var b strings.Builder
	b.Grow(12)
	b.WriteString(string(n[:3]))
	b.WriteByte(' ')
	b.WriteString(string(n[3:6]))
	b.WriteByte(' ')
	b.WriteString(string(n[6:]))
	return b.String()
}

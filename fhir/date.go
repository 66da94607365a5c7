package fhir

import (
	"errors"
	"fmt"
	"time"
)

// Precision is how much of a FHIR date or dateTime was given.
type Precision uint8

// Values of Precision, coarsest first.
const (
	PrecisionYear   Precision = iota + 1 // "2019"
	PrecisionMonth                       // "2019-05"
	PrecisionDay                         // "2019-05-03"
	PrecisionSecond                      // "2019-05-03T10:20:30+01:00", possibly with a fraction
)

// Date is a parsed FHIR date, dateTime or instant. Time is the start of the
// period the value names: a partial date is midnight UTC on its first day,
// and a full dateTime keeps the offset it was written with.
type Date struct {
	Time      time.Time
	Precision Precision
}

// String writes d back in FHIR form at its own precision.
func (d Date) String() string {
	switch d.Precision {
	case PrecisionYear:
		return d.Time.Format("2006")
	case PrecisionMonth:
		return d.Time.Format("2006-01")
	case PrecisionDay:
		return d.Time.Format("2006-01-02")
	case PrecisionSecond:
		return d.Time.Format(time.RFC3339Nano)
	}
	return ""
}

// Reasons a date fails to parse; wrapped by ParseDate with the input.
var (
	errDateSyntax = errors.New("not a FHIR date: want YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)")
	errYear       = errors.New("year out of range")
	errMonth      = errors.New("month out of range")
	errDay        = errors.New("day out of range")
	errClock      = errors.New("time of day out of range")
	errZone       = errors.New("time zone missing or out of range")
)

// ParseDate parses a FHIR R4 date, dateTime or instant: "2019", "2019-05",
// "2019-05-03" or "2019-05-03T10:20:30.123+01:00". A time of day needs
// seconds and a zone, as R4 requires. It is written by hand rather than
// with time.Parse so that one pass handles every precision, and so that
// errors say which part is wrong: parsing "2020-13-01": month out of range.
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s)
	if err != nil {
		return Date{}, fmt.Errorf("parsing %q: %w", s, err)
	}
	return d, nil
}

func parseDate(s string) (Date, error) {
	n := len(s)
	if n < 4 {
		return Date{}, errDateSyntax
	}
	year, ok := digits(s, 0, 4)
	if !ok {
		return Date{}, errDateSyntax
	}
	if year == 0 {
		return Date{}, errYear
	}
	if n == 4 {
		return Date{time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), PrecisionYear}, nil
	}
	if n < 7 || s[4] != '-' {
		return Date{}, errDateSyntax
	}
	month, ok := digits(s, 5, 2)
	if !ok {
		return Date{}, errDateSyntax
	}
	if month < 1 || month > 12 {
		return Date{}, errMonth
	}
	if n == 7 {
		return Date{time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC), PrecisionMonth}, nil
	}
	if n < 10 || s[7] != '-' {
		return Date{}, errDateSyntax
	}
	day, ok := digits(s, 8, 2)
	if !ok {
		return Date{}, errDateSyntax
	}
	if day < 1 || day > daysIn(year, month) {
		return Date{}, errDay
	}
	if n == 10 {
		return Date{time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), PrecisionDay}, nil
	}
	// Time of day: Thh:mm:ss
	if n < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return Date{}, errDateSyntax
	}
	hh, ok1 := digits(s, 11, 2)
	mm, ok2 := digits(s, 14, 2)
	ss, ok3 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 {
		return Date{}, errDateSyntax
	}
	if hh > 23 || mm > 59 || ss > 60 {
		return Date{}, errClock
	}
	i := 19
	nsec := 0
	if i < n && s[i] == '.' {
		i++
		start := i
		scale := 100000000
		for i < n && s[i] >= '0' && s[i] <= '9' {
			nsec += int(s[i]-'0') * scale // digits beyond nanoseconds add zero
			scale /= 10
			i++
		}
		if i == start {
			return Date{}, errDateSyntax
		}
	}
	if i >= n {
		return Date{}, errZone
	}
	loc := time.UTC
	switch s[i] {
	case 'Z':
		if i+1 != n {
			return Date{}, errDateSyntax
		}
	case '+', '-':
		if n-i != 6 || s[i+3] != ':' {
			return Date{}, errZone
		}
		zh, ok1 := digits(s, i+1, 2)
		zm, ok2 := digits(s, i+4, 2)
		if !ok1 || !ok2 || zh > 14 || zm > 59 || (zh == 14 && zm != 0) {
			return Date{}, errZone
		}
		off := zh*3600 + zm*60
		if s[i] == '-' {
			off = -off
		}
		if off != 0 {
			loc = time.FixedZone("", off)
		}
	default:
		return Date{}, errZone
	}
	if ss == 60 {
		// A leap second: time.Date would roll it into the next minute, and
		// at the end of 9999 into a year FHIR cannot write, so hold it at
		// the last instant of its minute.
		ss, nsec = 59, 999999999
	}
	return Date{time.Date(year, time.Month(month), day, hh, mm, ss, nsec, loc), PrecisionSecond}, nil
}

// digits reads n ASCII digits of s from i.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// FormatDate writes t as a FHIR date (YYYY-MM-DD), or "" for the zero time.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// FormatDateTime writes t as a FHIR dateTime. A time at midnight UTC is
// written as a date alone, since that is how ParseDate reads a date, so a
// date-only value survives a round trip unchanged.
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

// FormatInstant writes t as a FHIR instant (always with time and zone), or
// "" for the zero time.
func FormatInstant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

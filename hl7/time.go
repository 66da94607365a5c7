package hl7

import (
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs
)

// london is where a time without an offset is read.
var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("hl7: no Europe/London time zone: " + err.Error()) // embedded above, so never
	}
	return l
}()

// parseTime reads an HL7 DTM (TS in versions before 2.6):
// YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. Without an offset the time
// is in Europe/London. Parts left out are the start of the period: "202603"
// is 1 March 2026 at midnight.
func parseTime(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("invalid timestamp %q", clip(s, 40)) }
	v := s
	loc := london
	if i := indexAnyByte(v, "+-"); i >= 0 {
		z := v[i+1:]
		if len(z) != 4 || !digits(z) {
			return bad()
		}
		h, _ := strconv.Atoi(z[:2])
		mi, _ := strconv.Atoi(z[2:])
		if h > 14 || mi > 59 {
			return bad()
		}
		off := (h*60 + mi) * 60
		if v[i] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
		v = v[:i]
	}
	frac := ""
	if i := indexAnyByte(v, "."); i >= 0 {
		frac, v = v[i+1:], v[:i]
		if len(v) != 14 || frac == "" || len(frac) > 9 || !digits(frac) {
			return bad()
		}
	}
	if !digits(v) || len(v) < 4 || len(v) > 14 || len(v)%2 != 0 {
		return bad()
	}
	part := func(i, def int) int {
		if len(v) < i+2 {
			return def
		}
		n, _ := strconv.Atoi(v[i : i+2])
		return n
	}
	year, _ := strconv.Atoi(v[:4])
	month, day, hour, minute, sec := part(4, 1), part(6, 1), part(8, 0), part(10, 0), part(12, 0)
	ns := 0
	if frac != "" {
		ns, _ = strconv.Atoi((frac + "000000000")[:9])
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ns, loc)
	if t.Day() != day { // 30 February
		return bad()
	}
	return t, nil
}

func indexAnyByte(s, chars string) int {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return -1
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatTime writes t as an HL7 DTM to the second with its offset,
// e.g. "20260701143000+0100"; a fraction of a second is written to four
// places when t has one.
func FormatTime(t time.Time) string {
	s := t.Format("20060102150405")
	if ns := t.Nanosecond(); ns >= 100000 {
		s += fmt.Sprintf(".%04d", ns/100000)
	}
	return s + t.Format("-0700")
}

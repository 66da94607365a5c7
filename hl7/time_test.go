package hl7

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026", utc(2026, 1, 1, 0, 0, 0, 0)},                             // GMT
		{"202603", utc(2026, 3, 1, 0, 0, 0, 0)},                           // GMT
		{"20260315", utc(2026, 3, 15, 0, 0, 0, 0)},                        // GMT
		{"2026070114", utc(2026, 7, 1, 13, 0, 0, 0)},                      // BST
		{"202607011430", utc(2026, 7, 1, 13, 30, 0, 0)},                   // BST
		{"20260701143015", utc(2026, 7, 1, 13, 30, 15, 0)},                // BST
		{"20260701143015.1234", utc(2026, 7, 1, 13, 30, 15, 123400000)},   // BST
		{"20260701143015+0000", utc(2026, 7, 1, 14, 30, 15, 0)},           // offset given
		{"20260701143015-0500", utc(2026, 7, 1, 19, 30, 15, 0)},           // offset given
		{"20260701143015.5+0100", utc(2026, 7, 1, 13, 30, 15, 500000000)}, // offset given
		{"20261025013000+0000", utc(2026, 10, 25, 1, 30, 0, 0)},           // the hour repeated at the end of BST
		{"202601011200+0530", utc(2026, 1, 1, 6, 30, 0, 0)},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if got, _ := parseTime("20260701143015"); got.Location() != london {
		t.Errorf("no offset: location %v, want Europe/London", got.Location())
	}
	for _, in := range []string{
		"", "26", "20261", "20261301", "20260230", "20260015", "2026010124", "202601011260", "20260101120060",
		"2026010112.5", "20260101120000.", "20260101120000.12a", "20260101120000+01", "20260101120000+1500",
		"20260101120000+0160", "2026-01-01", "20260101T1200", "+0100", "20260101120000+0100+0100",
	} {
		if got, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 7, 1, 14, 30, 0, 0, london), "20260701143000+0100"},
		{time.Date(2026, 1, 15, 9, 5, 7, 0, london), "20260115090507+0000"},
		{time.Date(2026, 1, 15, 9, 5, 7, 123456789, time.UTC), "20260115090507.1234+0000"},
		{time.Date(2026, 1, 15, 9, 5, 7, 0, time.FixedZone("", -5*3600)), "20260115090507-0500"},
	}
	for _, tt := range tests {
		got := FormatTime(tt.in)
		if got != tt.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := parseTime(got)
		if err != nil || !back.Equal(tt.in.Truncate(100*time.Microsecond)) {
			t.Errorf("parseTime(FormatTime(%v)) = %v, %v", tt.in, back, err)
		}
	}
}

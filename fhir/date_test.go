package fhir

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	plus1 := time.FixedZone("", 3600)
	minus5 := time.FixedZone("", -5*3600)
	tests := []struct {
		in   string
		want time.Time
		prec Precision
		err  string
	}{
		{in: "2019", want: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), prec: PrecisionYear},
		{in: "2019-05", want: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC), prec: PrecisionMonth},
		{in: "2019-05-03", want: time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC), prec: PrecisionDay},
		{in: "2020-02-29", want: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), prec: PrecisionDay},
		{in: "2019-05-03T10:20:30Z", want: time.Date(2019, 5, 3, 10, 20, 30, 0, time.UTC), prec: PrecisionSecond},
		{in: "2019-05-03T10:20:30+01:00", want: time.Date(2019, 5, 3, 10, 20, 30, 0, plus1), prec: PrecisionSecond},
		{in: "1989-10-04T02:25:16-05:00", want: time.Date(1989, 10, 4, 2, 25, 16, 0, minus5), prec: PrecisionSecond},
		{in: "2011-11-30T01:23:28.317+00:00", want: time.Date(2011, 11, 30, 1, 23, 28, 317000000, time.UTC), prec: PrecisionSecond},
		{in: "2011-11-30T01:23:28.1234567891Z", want: time.Date(2011, 11, 30, 1, 23, 28, 123456789, time.UTC), prec: PrecisionSecond},
		{in: "2020-13-01", err: `parsing "2020-13-01": month out of range`},
		{in: "2020-00", err: `parsing "2020-00": month out of range`},
		{in: "2019-02-29", err: `parsing "2019-02-29": day out of range`},
		{in: "2019-04-31", err: `parsing "2019-04-31": day out of range`},
		{in: "0000", err: `parsing "0000": year out of range`},
		{in: "", err: `parsing "": ` + errDateSyntax.Error()},
		{in: "19", err: `parsing "19": ` + errDateSyntax.Error()},
		{in: "2019-5-3", err: `parsing "2019-5-3": ` + errDateSyntax.Error()},
		{in: "2019/05/03", err: `parsing "2019/05/03": ` + errDateSyntax.Error()},
		{in: "2019-05-03T10:20", err: `parsing "2019-05-03T10:20": ` + errDateSyntax.Error()},
		{in: "2019-05-03T10:20:30", err: `parsing "2019-05-03T10:20:30": time zone missing or out of range`},
		{in: "2019-05-03T24:00:00Z", err: `parsing "2019-05-03T24:00:00Z": time of day out of range`},
		{in: "2019-05-03T10:20:30+15:00", err: `parsing "2019-05-03T10:20:30+15:00": time zone missing or out of range`},
		{in: "2019-05-03T10:20:30.Z", err: `parsing "2019-05-03T10:20:30.Z": ` + errDateSyntax.Error()},
		{in: "2019-05-03T10:20:30Zjunk", err: `parsing "2019-05-03T10:20:30Zjunk": ` + errDateSyntax.Error()},
		{in: "2019-05-03 ", err: `parsing "2019-05-03 ": ` + errDateSyntax.Error()},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseDate(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tt.in, err)
			continue
		}
		if !got.Time.Equal(tt.want) || got.Precision != tt.prec {
			t.Errorf("ParseDate(%q) = %v (%d), want %v (%d)", tt.in, got.Time, got.Precision, tt.want, tt.prec)
		}
		_, gotOff := got.Time.Zone()
		_, wantOff := tt.want.Zone()
		if gotOff != wantOff {
			t.Errorf("ParseDate(%q) offset = %d, want %d", tt.in, gotOff, wantOff)
		}
	}
}

func TestDateStringRoundTrip(t *testing.T) {
	for _, s := range []string{"2019", "2019-05", "2019-05-03", "2019-05-03T10:20:30+01:00", "2019-05-03T10:20:30.5Z", "1989-10-04T02:25:16-04:00"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != s {
			t.Errorf("ParseDate(%q).String() = %q", s, got)
		}
	}
}

func TestFormatDateTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC), "2019-05-03"},
		{time.Date(2019, 5, 3, 10, 0, 0, 0, time.UTC), "2019-05-03T10:00:00Z"},
		{time.Date(2019, 5, 3, 0, 0, 0, 0, time.FixedZone("", 3600)), "2019-05-03T00:00:00+01:00"},
	}
	for _, tt := range tests {
		if got := FormatDateTime(tt.in); got != tt.want {
			t.Errorf("FormatDateTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := FormatInstant(time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC)); got != "2019-05-03T00:00:00Z" {
		t.Errorf("FormatInstant = %q", got)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2019", "2019-05", "2019-05-03", "2019-05-03T10:20:30.123+01:00", "2020-13-01", "2019-05-03T10:20:30Z", "9999-12-31T23:59:60-14:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		// Whatever parses must re-parse from its own formatting to the
		// same instant and precision.
		d2, err := ParseDate(d.String())
		if err != nil {
			t.Fatalf("ParseDate(%q) ok but its String %q fails: %v", s, d.String(), err)
		}
		if !d2.Time.Equal(d.Time) || d2.Precision != d.Precision {
			t.Fatalf("round trip of %q: %v/%d != %v/%d", s, d2.Time, d2.Precision, d.Time, d.Precision)
		}
	})
}

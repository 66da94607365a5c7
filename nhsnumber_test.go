package joinedup_test

import (
	"errors"
	"testing"

	"github.com/joinedup/joinedup"
)

func TestParseNHSNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    joinedup.NHSNumber
		wantErr error
	}{
		// Published test numbers: the PDS sandbox mocks
		// (NHSDigital/personal-demographics-service-api) and UK Core examples.
		{in: "9000000009", want: "9000000009"},
		{in: "9000000017", want: "9000000017"},
		{in: "9000000025", want: "9000000025"},
		{in: "9000000033", want: "9000000033"},
		{in: "9912003888", want: "9912003888"},
		{in: "9449307539", want: "9449307539"},
		{in: "943 476 5919", want: "9434765919"},
		{in: "943-476-5919", want: "9434765919"},
		{in: " 9434765919 ", want: "9434765919"},
		{in: "9000000015", wantErr: joinedup.ErrNHSNumberChecksum},
		{in: "9912003890", wantErr: joinedup.ErrNHSNumberChecksum},
		{in: "8449303649", wantErr: joinedup.ErrNHSNumberChecksum},
		{in: "", wantErr: joinedup.ErrNHSNumberLength},
		{in: "943476591", wantErr: joinedup.ErrNHSNumberLength},
		{in: "94347659190", wantErr: joinedup.ErrNHSNumberLength},
		{in: "943476591X", wantErr: joinedup.ErrNHSNumberChar},
		{in: "943.476.5919", wantErr: joinedup.ErrNHSNumberChar},
		// 100000001x: weighted sum 12 gives check digit 10, which no number can have.
		{in: "1000000010", wantErr: joinedup.ErrNHSNumberChecksum},
		// Pass the check, but are placeholders no one is given.
		{in: "0000000000", wantErr: joinedup.ErrNHSNumberNotIssued},
		{in: "1111111111", wantErr: joinedup.ErrNHSNumberNotIssued},
		{in: "999 999 9999", wantErr: joinedup.ErrNHSNumberNotIssued},
		{in: "0012345679", wantErr: joinedup.ErrNHSNumberNotIssued},
		// A Scottish CHI number (day 01) is issued.
		{in: "0101011237", want: "0101011237"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := joinedup.ParseNHSNumber(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseNHSNumber(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNHSNumber(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseNHSNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNHSNumberString(t *testing.T) {
	if got := joinedup.NHSNumber("9434765919").String(); got != "943 476 5919" {
		t.Fatalf("String() = %q", got)
	}
}

func TestNHSNumberFromDigits(t *testing.T) {
	n, ok := joinedup.NHSNumberFromDigits("943476591")
	if !ok || n != "9434765919" {
		t.Fatalf("NHSNumberFromDigits = %q, %v", n, ok)
	}
	valid := 0
	for i := 0; i < 1000; i++ {
		first9 := []byte("999000000")
		first9[6] = byte('0' + i/100)
		first9[7] = byte('0' + i/10%10)
		first9[8] = byte('0' + i%10)
		n, ok := joinedup.NHSNumberFromDigits(string(first9))
		if !ok {
			continue
		}
		valid++
		if _, err := joinedup.ParseNHSNumber(string(n)); err != nil {
			t.Fatalf("generated %q does not parse: %v", n, err)
		}
	}
	// About 1 in 11 prefixes has no valid check digit.
	if valid < 880 || valid > 940 {
		t.Fatalf("valid prefixes = %d of 1000, want about 909", valid)
	}
}

func FuzzParseNHSNumber(f *testing.F) {
	for _, s := range []string{"9000000009", "943 476 5919", "9000000015", "", "x", "99-90-00-00-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := joinedup.ParseNHSNumber(s)
		if err != nil {
			return
		}
		if len(n) != 10 {
			t.Fatalf("accepted %q as %q", s, n)
		}
		again, err := joinedup.ParseNHSNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("formatted %q does not parse back: %q %v", n.String(), again, err)
		}
	})
}

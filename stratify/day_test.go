package stratify_test

import (
	"testing"
	"time"

	"github.com/joinedup/joinedup/stratify"
)

// TestAsOfIsALondonDay: the as-of date is a calendar day in London. A BMI
// recorded at any time that day counts, in summer time or not; one
// recorded after midnight in London does not, though it is still the
// as-of date in UTC; and a window's first day starts at midnight in
// London.
func TestAsOfIsALondonDay(t *testing.T) {
	p := loadDefault(t)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		asOf     time.Time
		bmiAt    time.Time
		eligible bool
	}{
		{"winter: 10:00 on the day", day(2024, 3, 1), utc("2024-03-01T10:00:00Z"), true},
		{"winter: 23:59 on the day", day(2024, 3, 1), utc("2024-03-01T23:59:00Z"), true},
		{"winter: the next day", day(2024, 3, 1), utc("2024-03-02T00:00:00Z"), false},
		{"summer: 23:30 in London", day(2024, 7, 1), utc("2024-07-01T22:30:00Z"), true},
		{"summer: 00:30 the next day in London", day(2024, 7, 1), utc("2024-07-01T23:30:00Z"), false},
		{"the day the clocks go forward", day(2024, 3, 31), utc("2024-03-31T22:59:00Z"), true},
		{"the day the clocks go back", day(2024, 10, 27), utc("2024-10-27T23:59:00Z"), true},
		// The BMI window is two years: its first day starts at midnight in
		// London, an hour before midnight in UTC in summer.
		{"summer: the first hour of the window", day(2024, 7, 1), utc("2022-06-30T23:30:00Z"), true},
		{"summer: the hour before the window", day(2024, 7, 1), utc("2022-06-30T22:30:00Z"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base("p")
			f.Observations[0].Effective = tc.bmiAt
			a := stratify.Assess(p, f, tc.asOf)
			if a.Eligible != tc.eligible {
				t.Errorf("eligible = %v, want %v (BMI at %s, as of %s)", a.Eligible, tc.eligible, tc.bmiAt, tc.asOf.Format(time.DateOnly))
			}
			if !a.AsOf.Equal(tc.asOf) {
				t.Errorf("assessment as of %s, want %s", a.AsOf, tc.asOf)
			}
		})
	}
}

// TestDeceasedNotAssessed: from the day of death a person is in no cohort,
// has no data gaps and is suggested nothing to act on; before it, they are
// assessed as anyone.
func TestDeceasedNotAssessed(t *testing.T) {
	p := loadDefault(t)
	f := base("p")
	died := time.Date(2024, 5, 3, 14, 0, 0, 0, time.UTC)
	f.Patient.Deceased = &died
	f.Observations = nil // would be data gaps for the living
	if a := stratify.Assess(p, f, asOf); a.Eligible || len(a.DataGaps) > 0 || a.RulesFired[0].Name != "deceased" {
		t.Errorf("assessed after death: eligible %v, gaps %v, rules %v", a.Eligible, a.DataGaps, a.RulesFired)
	}
	g := base("q")
	g.Patient.Deceased = &died
	if a := stratify.Assess(p, g, day(2024, 5, 2)); !a.Eligible {
		t.Errorf("not assessed the day before death: %v", a.RulesFired)
	}
	if a := stratify.Assess(p, g, day(2024, 5, 3)); a.Eligible {
		t.Error("assessed on the day of death")
	}
}

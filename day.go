package joinedup

import (
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs
)

// London is the time zone of the NHS in England: a clinical day is a
// calendar day there.
var London = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("joinedup: no Europe/London time zone: " + err.Error()) // embedded above, so never
	}
	return l
}()

// DayEnd is the last instant of the calendar day of t in London, where t
// names a day by its UTC date (as an as-of date parsed from "2024-03-01"
// does): a fact recorded at any time that day, in summer time or not,
// falls on or before it.
func DayEnd(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, London).Add(-time.Nanosecond)
}

// DiedBy reports whether the patient had died by the end of t's day.
func (p Patient) DiedBy(t time.Time) bool {
	return p.Deceased != nil && !p.Deceased.After(DayEnd(t))
}

package joinedup_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

func TestProposeOneDay(t *testing.T) {
	// today is Monday 2 June 2025.
	at := func(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, joinedup.London) }
	appt := func(id, site string, start time.Time) joinedup.Appointment {
		return joinedup.Appointment{ID: id, Site: site, Start: start, Status: "booked", Service: "clinic " + id}
	}
	tests := []struct {
		name  string
		appts []joinedup.Appointment
		want  string // each proposal: site day [ids, * for those that move]
	}{
		{"nothing upcoming", nil, ""},
		{"one appointment", []joinedup.Appointment{appt("a", "St Thomas'", at(6, 10, 9))}, ""},
		{"two on the same day already", []joinedup.Appointment{appt("a", "St Thomas'", at(6, 10, 9)), appt("b", "St Thomas'", at(6, 10, 14))}, ""},
		{"two days at one site: the earlier, as the shift ties", []joinedup.Appointment{
			appt("b", "St Thomas'", at(6, 20, 9)), appt("a", "St Thomas'", at(6, 10, 9))},
			"St Thomas' 2025-06-10 [a b*]"},
		{"the day most are booked on", []joinedup.Appointment{
			appt("a", "King's", at(6, 10, 9)), appt("b", "King's", at(6, 24, 9)), appt("c", "King's", at(6, 24, 15))},
			"King's 2025-06-24 [a* b c]"},
		{"the day with the least shift", []joinedup.Appointment{
			appt("a", "King's", at(6, 10, 9)), appt("b", "King's", at(6, 12, 9)), appt("c", "King's", at(7, 1, 9))},
			"King's 2025-06-12 [a* b c*]"},
		{"different sites are not combined", []joinedup.Appointment{
			appt("a", "King's", at(6, 10, 9)), appt("b", "St Thomas'", at(6, 12, 9))}, ""},
		{"site names compared without case or spaces", []joinedup.Appointment{
			appt("a", "King's ", at(6, 10, 9)), appt("b", "king's", at(6, 12, 9))},
			"King's 2025-06-10 [a b*]"},
		{"no site: never guessed", []joinedup.Appointment{appt("a", "", at(6, 10, 9)), appt("b", "", at(6, 12, 9))}, ""},
		{"beyond the window: separate groups", []joinedup.Appointment{
			appt("a", "King's", at(6, 10, 9)), appt("b", "King's", at(6, 17, 9)),
			appt("c", "King's", at(9, 1, 9)), appt("d", "King's", at(9, 3, 9))},
			"King's 2025-06-10 [a b*]; King's 2025-09-01 [c d*]"},
		{"past, cancelled, no-show and fulfilled left out", []joinedup.Appointment{
			appt("past", "King's", at(5, 30, 9)),
			{ID: "x", Site: "King's", Start: at(6, 11, 9), Status: "cancelled"},
			{ID: "y", Site: "King's", Start: at(6, 12, 9), Status: "noshow"},
			{ID: "z", Site: "King's", Start: at(6, 13, 9), Status: "entered-in-error"},
			appt("a", "King's", at(6, 10, 9))}, ""},
		{"a late-evening appointment counts on its London day", []joinedup.Appointment{
			// 23:30 BST on 10 June is 22:30 UTC the same day; 00:30 BST on
			// 11 June is 23:30 UTC on 10 June: a different London day.
			appt("a", "King's", at(6, 10, 23)), appt("b", "King's", time.Date(2025, 6, 10, 23, 30, 0, 0, time.UTC))},
			"King's 2025-06-10 [a b*]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range joinedup.ProposeOneDay(tt.appts, today, 0) {
				var ids []string
				for _, m := range p.Moves {
					ids = append(ids, m.Appointment.ID+map[bool]string{true: "*"}[m.Moves])
				}
				if p.Day.Location() != joinedup.London || p.Day.Hour() != 0 {
					t.Errorf("day %v is not a London midnight", p.Day)
				}
				if p.Moving() != strings.Count(strings.Join(ids, ""), "*") || p.Key == "" {
					t.Errorf("moving %d or key %q wrong for %v", p.Moving(), p.Key, ids)
				}
				got = append(got, fmt.Sprintf("%s %s %v", p.Site, p.Day.Format(time.DateOnly), ids))
			}
			if s := strings.Join(got, "; "); s != tt.want {
				t.Fatalf("got %q, want %q", s, tt.want)
			}
		})
	}
}

// A proposal's key changes when a booking does, so an acceptance of what
// the coordinator saw cannot apply to bookings they did not see.
func TestOneDayKey(t *testing.T) {
	a := joinedup.Appointment{ID: "a", Site: "King's", Start: time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)}
	b := joinedup.Appointment{ID: "b", Site: "King's", Start: time.Date(2025, 6, 12, 9, 0, 0, 0, time.UTC)}
	key := func(as ...joinedup.Appointment) string {
		ps := joinedup.ProposeOneDay(as, today, 0)
		if len(ps) != 1 {
			t.Fatalf("%d proposals", len(ps))
		}
		return ps[0].Key
	}
	k := key(a, b)
	if key(b, a) != k {
		t.Fatal("the key depends on the order the appointments were read in")
	}
	moved := b
	moved.Start = moved.Start.Add(time.Hour)
	if key(a, moved) == k {
		t.Fatal("a booking moved and the key stayed")
	}
	c := joinedup.Appointment{ID: "c", Site: "King's", Start: time.Date(2025, 6, 13, 9, 0, 0, 0, time.UTC)}
	if key(a, b, c) == k {
		t.Fatal("an appointment added and the key stayed")
	}
}

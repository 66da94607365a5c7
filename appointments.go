package joinedup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// UpcomingAppointment is one appointment on a streamlined list, with what
// makes it a candidate for consolidation.
type UpcomingAppointment struct {
	Appointment Appointment
	Specialty   string // the specialty as shown: its term, else code, else the service
	Week        string // ISO week, e.g. "2025-W23"
	// SameWeek: another upcoming appointment falls in the same week.
	SameWeek bool
	// DuplicateSpecialty: another upcoming appointment is with the same
	// specialty.
	DuplicateSpecialty bool
}

// Cluster counts upcoming appointments sharing a week or a specialty.
type Cluster struct {
	Key   string // the ISO week or the specialty
	Count int
}

// Streamlined is a patient's upcoming hospital appointments across
// specialties on one list, with the weeks holding several and the
// specialties seen more than once, so the lead specialist can consolidate
// them.
type Streamlined struct {
	Appointments []UpcomingAppointment
	BusyWeeks    []Cluster
	Duplicated   []Cluster
}

// notUpcoming are the statuses of appointments that will not happen.
var notUpcoming = []string{"cancelled", "noshow", "fulfilled", "entered-in-error", "checked-in", "arrived"}

// specialtyKey identifies an appointment's specialty for comparison.
func specialtyKey(a Appointment) (key, label string) {
	if c := a.Specialty.Primary(); c.Code != "" {
		return c.System + "|" + c.Code, a.Specialty.Text()
	}
	s := strings.TrimSpace(a.Service)
	return "service|" + strings.ToLower(s), s
}

// isoWeek names t's ISO 8601 week.
func isoWeek(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Streamline lists the appointments starting at or after from that are
// still to happen, soonest first, and flags several in the same ISO week and
// duplicated specialties.
func Streamline(appts []Appointment, from time.Time) Streamlined {
	var up []UpcomingAppointment
	weeks, specs := map[string]int{}, map[string]int{}
	labels := map[string]string{}
	for _, a := range appts {
		if a.Start.IsZero() || a.Start.Before(from) || slices.Contains(notUpcoming, strings.ToLower(a.Status)) {
			continue
		}
		key, label := specialtyKey(a)
		u := UpcomingAppointment{Appointment: a, Specialty: label, Week: isoWeek(a.Start)}
		weeks[u.Week]++
		if key != "service|" {
			specs[key]++
			labels[key] = label
		}
		up = append(up, u)
	}
	slices.SortStableFunc(up, func(a, b UpcomingAppointment) int {
		if c := a.Appointment.Start.Compare(b.Appointment.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Appointment.ID, b.Appointment.ID)
	})
	out := Streamlined{Appointments: up}
	for i := range up {
		key, _ := specialtyKey(up[i].Appointment)
		up[i].SameWeek = weeks[up[i].Week] > 1
		up[i].DuplicateSpecialty = key != "service|" && specs[key] > 1
	}
	for w, n := range weeks {
		if n > 1 {
			out.BusyWeeks = append(out.BusyWeeks, Cluster{Key: w, Count: n})
		}
	}
	for k, n := range specs {
		if n > 1 {
			out.Duplicated = append(out.Duplicated, Cluster{Key: labels[k], Count: n})
		}
	}
	byKey := func(a, b Cluster) int { return strings.Compare(a.Key, b.Key) }
	slices.SortFunc(out.BusyWeeks, byKey)
	slices.SortFunc(out.Duplicated, byKey)
	return out
}

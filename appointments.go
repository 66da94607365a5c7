package joinedup

import (
	"crypto/sha256"
	"encoding/hex"
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

// DefaultOneDayWindow is how far apart appointments at one site may be and
// still be proposed for one day: moving an appointment by more than this
// would delay care more than a journey saved is worth.
const DefaultOneDayWindow = 42 * 24 * time.Hour

// OneDayMove is one appointment of a one-day proposal: when it is booked,
// and whether it must move to the proposed day.
type OneDayMove struct {
	Appointment Appointment
	Specialty   string // as shown: the term, else code, else the service
	Moves       bool   // false when it is already booked on the day
}

// OneDayProposal puts a person's upcoming appointments at one site on one
// day, so that someone with several long-term conditions makes one journey
// to hospital instead of several.
type OneDayProposal struct {
	Site string
	// Day is the proposed date, midnight in London: one of the days
	// already booked, so no clinic is asked for a day it does not run.
	Day   time.Time
	Moves []OneDayMove // soonest first
	// Key names the proposal's appointments and their booked times: an
	// acceptance names it, and is refused if the bookings have changed
	// since the proposal was shown.
	Key string
}

// Moving counts the appointments that must move.
func (p OneDayProposal) Moving() int {
	n := 0
	for _, m := range p.Moves {
		if m.Moves {
			n++
		}
	}
	return n
}

// londonDay is t's calendar date in London, as midnight there.
func londonDay(t time.Time) time.Time {
	y, m, d := t.In(London).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, London)
}

// ProposeOneDay proposes, for each site, a day that puts several of the
// upcoming appointments (starting after from, still to happen) on one day.
// Appointments without a site are left alone: one site cannot be assumed.
// At a site, appointments are taken soonest first into groups spanning no
// more than window; a group booked on two or more days gives a proposal.
// The day proposed is the group's booked day that leaves the fewest
// appointments to move, then the least shift in all, then the earliest, so
// a proposal asks as little of the clinics as it can and delays no one
// more than it must.
func ProposeOneDay(appts []Appointment, from time.Time, window time.Duration) []OneDayProposal {
	if window <= 0 {
		window = DefaultOneDayWindow
	}
	bySite := map[string][]Appointment{}
	var sites []string
	names := map[string]string{}
	for _, a := range appts {
		site := strings.TrimSpace(a.Site)
		if site == "" || a.Start.IsZero() || !a.Start.After(from) || slices.Contains(notUpcoming, strings.ToLower(a.Status)) {
			continue
		}
		key := strings.ToLower(site)
		if _, ok := bySite[key]; !ok {
			sites = append(sites, key)
			names[key] = site
		}
		bySite[key] = append(bySite[key], a)
	}
	slices.Sort(sites)
	var out []OneDayProposal
	for _, key := range sites {
		as := bySite[key]
		slices.SortStableFunc(as, func(a, b Appointment) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for i := 0; i < len(as); {
			j := i + 1
			for j < len(as) && as[j].Start.Sub(as[i].Start) <= window {
				j++
			}
			if p, ok := proposeDay(names[key], as[i:j]); ok {
				out = append(out, p)
			}
			i = j
		}
	}
	return out
}

// proposeDay chooses the day for one group of appointments at a site; ok
// is false when they are all booked on one day already.
func proposeDay(site string, group []Appointment) (OneDayProposal, bool) {
	var days []time.Time
	for _, a := range group {
		if d := londonDay(a.Start); !slices.ContainsFunc(days, d.Equal) {
			days = append(days, d)
		}
	}
	if len(days) < 2 {
		return OneDayProposal{}, false
	}
	best, bestMoves, bestShift := time.Time{}, 0, time.Duration(0)
	for _, d := range days {
		moves, shift := 0, time.Duration(0)
		for _, a := range group {
			if s := londonDay(a.Start).Sub(d); s != 0 {
				moves++
				shift += s.Abs()
			}
		}
		if best.IsZero() || moves < bestMoves || (moves == bestMoves && shift < bestShift) {
			best, bestMoves, bestShift = d, moves, shift // days are soonest first: a tie keeps the earlier
		}
	}
	p := OneDayProposal{Site: site, Day: best}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s", strings.ToLower(site), best.Format(time.DateOnly))
	for _, a := range group {
		_, label := specialtyKey(a)
		p.Moves = append(p.Moves, OneDayMove{Appointment: a, Specialty: label, Moves: !londonDay(a.Start).Equal(best)})
		fmt.Fprintf(h, "|%s@%s", a.ID, a.Start.UTC().Format(time.RFC3339))
	}
	p.Key = hex.EncodeToString(h.Sum(nil))[:16]
	return p, true
}

// OneDaySchedule is a one-day proposal the coordinator accepted: each
// clinic asked to book its appointment on the day, and the letter that
// told the patient.
type OneDaySchedule struct {
	ID          string
	PatientID   string
	Site        string
	Day         time.Time // midnight in London
	Requests    []ClinicRequest
	RequestedBy string // the user's id
	RequestedAt time.Time
	LetterID    string
	Phone       string // the number the patient's letter tells them to ring
}

// ClinicRequest asks one clinic to book its appointment on a schedule's
// day. An appointment already on the day is listed too, so the clinic and
// the letter see the whole day.
type ClinicRequest struct {
	AppointmentID string
	Clinic        string // the service or clinic, as booked
	Specialty     string
	BookedStart   time.Time
	Moves         bool // false: already booked on the day
}

// Schedule is the proposal accepted by userID at at.
func (p OneDayProposal) Schedule(patientID, userID string, at time.Time) OneDaySchedule {
	s := OneDaySchedule{PatientID: patientID, Site: p.Site, Day: p.Day, RequestedBy: userID, RequestedAt: at}
	for _, m := range p.Moves {
		s.Requests = append(s.Requests, ClinicRequest{AppointmentID: m.Appointment.ID, Clinic: m.Appointment.Service,
			Specialty: m.Specialty, BookedStart: m.Appointment.Start, Moves: m.Moves})
	}
	return s
}

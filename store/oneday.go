package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// RecordOneDaySchedule stores an accepted schedule, a row for each clinic
// asked, giving it an id when it has none. An appointment already asked
// for that day is a conflict: the schedule was accepted before.
func RecordOneDaySchedule(ctx context.Context, q Writer, s *joinedup.OneDaySchedule) error {
	if s.ID == "" {
		s.ID = NewID()
	}
	day := s.Day.Format(time.DateOnly)
	for _, r := range s.Requests {
		res, err := q.ExecContext(ctx, `INSERT INTO one_day_requests (schedule_id, patient_id, site, day, appointment_id, clinic, specialty,
			booked_start, moves, requested_by, requested_at, letter_id, phone)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (patient_id, appointment_id, day) DO NOTHING`,
			s.ID, s.PatientID, s.Site, day, r.AppointmentID, r.Clinic, r.Specialty, dbTime(r.BookedStart), r.Moves,
			s.RequestedBy, dbTime(s.RequestedAt), s.LetterID, s.Phone)
		if err != nil {
			return fmt.Errorf("record one-day schedule for %s: appointment %s: %w", s.PatientID, r.AppointmentID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return joinedup.Conflict("appointment %s of %s has been asked for %s already", r.AppointmentID, s.PatientID, day)
		}
	}
	return nil
}

// OneDaySchedules returns the schedules accepted for a patient, newest
// first, each with its requests in booked order.
func OneDaySchedules(ctx context.Context, q Querier, patientID string) ([]joinedup.OneDaySchedule, error) {
	rows, err := q.QueryContext(ctx, `SELECT schedule_id, site, day, appointment_id, clinic, specialty, booked_start, moves,
		requested_by, requested_at, letter_id, phone
		FROM one_day_requests WHERE patient_id = $1 ORDER BY requested_at DESC, schedule_id, booked_start, appointment_id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read one-day schedules of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.OneDaySchedule
	for rows.Next() {
		var (
			s           joinedup.OneDaySchedule
			r           joinedup.ClinicRequest
			day, bk, at nt
		)
		if err := rows.Scan(&s.ID, &s.Site, &day, &r.AppointmentID, &r.Clinic, &r.Specialty, &bk, &r.Moves,
			&s.RequestedBy, &at, &s.LetterID, &s.Phone); err != nil {
			return nil, fmt.Errorf("read one-day schedules of %s: %w", patientID, err)
		}
		r.BookedStart = bk.t()
		if n := len(out); n > 0 && out[n-1].ID == s.ID {
			out[n-1].Requests = append(out[n-1].Requests, r)
			continue
		}
		y, m, d := day.t().Date()
		s.PatientID, s.Day, s.RequestedAt = patientID, time.Date(y, m, d, 0, 0, 0, 0, joinedup.London), at.t()
		s.Requests = []joinedup.ClinicRequest{r}
		out = append(out, s)
	}
	return out, rows.Err()
}

// OneDayUse compares, for everyone with a one-day schedule, their hospital
// appointments in the year before their first schedule was accepted with
// those in the year from it: how many, and on how many days (journeys).
// Appointments cancelled or entered in error are not counted.
type OneDayUse struct {
	People                                int
	AppointmentsBefore, AppointmentsAfter int
	DaysBefore, DaysAfter                 int
}

// OneDayFigures counts OneDayUse over every schedule accepted.
func OneDayFigures(ctx context.Context, q Querier) (OneDayUse, error) {
	var u OneDayUse
	first := map[string]time.Time{}
	err := eachRow(ctx, q, "one-day schedules", func(rows *sql.Rows) error {
		var id string
		var at nt
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		if f, ok := first[id]; !ok || at.t().Before(f) {
			first[id] = at.t()
		}
		return nil
	}, `SELECT patient_id, requested_at FROM one_day_requests`)
	if err != nil {
		return u, err
	}
	u.People = len(first)
	days := map[string]bool{}
	err = eachRow(ctx, q, "appointments around one-day schedules", func(rows *sql.Rows) error {
		var id string
		var start nt
		if err := rows.Scan(&id, &start); err != nil {
			return err
		}
		f, s := first[id], start.t()
		day := id + s.In(joinedup.London).Format(time.DateOnly)
		switch {
		case !s.Before(f.AddDate(-1, 0, 0)) && s.Before(f):
			u.AppointmentsBefore++
			if !days["b"+day] {
				days["b"+day] = true
				u.DaysBefore++
			}
		case !s.Before(f) && s.Before(f.AddDate(1, 0, 0)):
			u.AppointmentsAfter++
			if !days["a"+day] {
				days["a"+day] = true
				u.DaysAfter++
			}
		}
		return nil
	}, `SELECT patient_id, start_time FROM appointments
		WHERE patient_id IN (SELECT patient_id FROM one_day_requests) AND start_time IS NOT NULL
		AND status NOT IN ('cancelled', 'entered-in-error')`)
	return u, err
}

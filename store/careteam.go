package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/joinedup/joinedup"
)

// CareTeamMember is one place on a patient's care team (see
// joinedup.CareTeamMember).
type CareTeamMember = joinedup.CareTeamMember

// AddCareTeamMember adds a place on a patient's care team. Staff places go
// to care_team_members, which the access rules read; carers and family go
// to care_team_people, which never grants access.
func AddCareTeamMember(ctx context.Context, q Writer, m CareTeamMember) (CareTeamMember, error) {
	if m.ID == "" {
		m.ID = NewID()
	}
	m.Start, m.End = dbTime(m.Start), dbTime(m.End)
	var err error
	if m.Role.Person() {
		_, err = q.ExecContext(ctx, `INSERT INTO care_team_people (patient_id, id, role, name, relationship, contact, period_start, period_end, added_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, m.PatientID, m.ID, string(m.Role), m.Name, m.Relationship, m.Contact,
			m.Start, nullTime(m.End), nullString(m.AddedBy))
	} else {
		_, err = q.ExecContext(ctx, `INSERT INTO care_team_members (patient_id, id, user_id, organisation_id, role, period_start, period_end,
			display_name, contact, added_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, m.PatientID, m.ID, nullString(m.UserID), nullString(m.OrganisationID),
			string(m.Role), m.Start, nullTime(m.End), m.Name, m.Contact, nullString(m.AddedBy))
	}
	if err != nil {
		return m, fmt.Errorf("add care team member for patient %s: %w", m.PatientID, err)
	}
	return m, nil
}

// CareTeam returns every place on the patient's care team, current and
// past: staff first in role order, then carers and family, each oldest
// first.
func CareTeam(ctx context.Context, q Querier, patientID string) ([]CareTeamMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, role, COALESCE(user_id, ''), COALESCE(organisation_id, ''), display_name, '', contact,
		period_start, period_end, COALESCE(added_by, ''), COALESCE(ended_by, ''), 0
		FROM care_team_members WHERE patient_id = $1
		UNION ALL
		SELECT id, role, '', '', name, relationship, contact, period_start, period_end, COALESCE(added_by, ''), COALESCE(ended_by, ''), 1
		FROM care_team_people WHERE patient_id = $1`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read care team of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []CareTeamMember
	for rows.Next() {
		m := CareTeamMember{PatientID: patientID}
		var role string
		var start, end nt
		var person int
		if err := rows.Scan(&m.ID, &role, &m.UserID, &m.OrganisationID, &m.Name, &m.Relationship, &m.Contact, &start, &end,
			&m.AddedBy, &m.EndedBy, &person); err != nil {
			return nil, fmt.Errorf("read care team of %s: %w", patientID, err)
		}
		m.Role, m.Start, m.End = joinedup.CareTeamRole(role), start.t(), end.t()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read care team of %s: %w", patientID, err)
	}
	order := map[joinedup.CareTeamRole]int{}
	for i, r := range joinedup.CareTeamRoles() {
		order[r] = i + 1
	}
	sortBy(out, func(a, b CareTeamMember) bool {
		oa, ob := order[a.Role], order[b.Role]
		if oa == 0 {
			oa = len(order) + 1
		}
		if ob == 0 {
			ob = len(order) + 1
		}
		if oa != ob {
			return oa < ob
		}
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.ID < b.ID
	})
	return out, nil
}

// CurrentCareTeam returns the places held at t.
func CurrentCareTeam(ctx context.Context, q Querier, patientID string, t time.Time) ([]CareTeamMember, error) {
	all, err := CareTeam(ctx, q, patientID)
	if err != nil {
		return nil, err
	}
	var out []CareTeamMember
	for _, m := range all {
		if m.CurrentAt(t) {
			out = append(out, m)
		}
	}
	return out, nil
}

// EndCareTeamMember ends a place on the care team at end: the member stays
// in the team's history. It returns joinedup.ErrNotFound for an unknown place and
// joinedup.ErrConflict for one already ended.
func EndCareTeamMember(ctx context.Context, q Writer, patientID, id string, end time.Time, by string) (CareTeamMember, error) {
	end = dbTime(end)
	for _, tbl := range []string{"care_team_members", "care_team_people"} {
		var start nt
		var ended sql.NullTime
		err := q.QueryRowContext(ctx, "SELECT period_start, period_end FROM "+tbl+" WHERE patient_id = $1 AND id = $2", patientID, id).Scan(&start, &ended)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return CareTeamMember{}, fmt.Errorf("end care team member %s of %s: %w", id, patientID, err)
		}
		if ended.Valid {
			return CareTeamMember{}, fmt.Errorf("care team member %s of %s has already ended: %w", id, patientID, joinedup.ErrConflict)
		}
		if !end.After(start.t()) {
			return CareTeamMember{}, joinedup.FieldErrors{"end": "must be after the start (" + start.t().Format(time.DateOnly) + ")"}
		}
		// The period_end IS NULL condition makes a concurrent end a no-op
		// for the loser rather than a silent overwrite.
		res, err := q.ExecContext(ctx, "UPDATE "+tbl+" SET period_end = $3, ended_by = $4 WHERE patient_id = $1 AND id = $2 AND period_end IS NULL",
			patientID, id, end, nullString(by))
		if err != nil {
			return CareTeamMember{}, fmt.Errorf("end care team member %s of %s: %w", id, patientID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return CareTeamMember{}, fmt.Errorf("care team member %s of %s has already ended: %w", id, patientID, joinedup.ErrConflict)
		}
		team, err := CareTeam(ctx, q, patientID)
		if err != nil {
			return CareTeamMember{}, err
		}
		for _, m := range team {
			if m.ID == id {
				return m, nil
			}
		}
	}
	return CareTeamMember{}, fmt.Errorf("care team member %s of %s: %w", id, patientID, joinedup.ErrNotFound)
}

// sortBy sorts xs by less, stably.
func sortBy[T any](xs []T, less func(a, b T) bool) {
	slices.SortStableFunc(xs, func(a, b T) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}

// Encounters returns one patient's encounters, without the rest of their
// facts.
func Encounters(ctx context.Context, q Querier, patientID string) ([]joinedup.Encounter, error) {
	f := &joinedup.Facts{}
	err := loadTable(ctx, q, encounterFacts, "patient_id = $1", []any{patientID}, map[string]*joinedup.Facts{patientID: f})
	return f.Encounters, err
}

// EncounterBySource returns the patient's encounter a source system sent
// under id, if held: what a hospital's next message about the same stay
// changes.
func EncounterBySource(ctx context.Context, q Querier, patientID, system, id string) (joinedup.Encounter, bool, error) {
	f := &joinedup.Facts{}
	err := loadTable(ctx, q, encounterFacts, "patient_id = $1 AND source_system = $2 AND source_id = $3", []any{patientID, system, id},
		map[string]*joinedup.Facts{patientID: f})
	if err != nil || len(f.Encounters) == 0 {
		return joinedup.Encounter{}, false, err
	}
	return f.Encounters[0], true, nil
}

// Appointments returns one patient's appointments, without the rest of
// their facts.
func Appointments(ctx context.Context, q Querier, patientID string) ([]joinedup.Appointment, error) {
	f := &joinedup.Facts{}
	err := loadTable(ctx, q, appointmentFacts, "patient_id = $1", []any{patientID}, map[string]*joinedup.Facts{patientID: f})
	return f.Appointments, err
}

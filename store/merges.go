package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// HeldPatient is what identifies a patient record already held.
type HeldPatient struct {
	PatientID string
	Source    joinedup.Source
}

// PatientsByNHSNumber returns the patients held with these NHS numbers.
func PatientsByNHSNumber(ctx context.Context, q Querier, numbers []string) (map[joinedup.NHSNumber]HeldPatient, error) {
	out := map[joinedup.NHSNumber]HeldPatient{}
	err := inChunks(q.engine(), numbers, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, "SELECT nhs_number, id, source_system, source_id FROM patients WHERE nhs_number "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			var h HeldPatient
			if err := rows.Scan(&n, &h.PatientID, &h.Source.System, &h.Source.ID); err != nil {
				return err
			}
			out[joinedup.NHSNumber(n)] = h
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("patients by NHS number: %w", err)
	}
	return out, nil
}

// MergeID is the id of the merge a second record of one NHS number makes:
// one per record, however often it is sent.
func MergeID(other joinedup.Source) string {
	return joinedup.StableID("PatientMerge", other.System, other.ID)
}

// RecordMerge stores a merge to resolve, unless the record that arrived
// second is already waiting or was resolved.
func RecordMerge(ctx context.Context, q Writer, m joinedup.PatientMerge) error {
	_, err := q.ExecContext(ctx, `INSERT INTO patient_merges (id, nhs_number, patient_id, source_system, source_id, other_name,
		other_birth_date, file, found_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_system, source_id) DO NOTHING`,
		MergeID(m.Other), string(m.NHSNumber), m.PatientID, m.Other.System, m.Other.ID, m.OtherName, dateArg(m.OtherBirthDate),
		m.File, dbTime(m.FoundAt))
	if err != nil {
		return fmt.Errorf("record merge of NHS number %s: %w", m.NHSNumber, err)
	}
	return nil
}

const mergeCols = `id, nhs_number, patient_id, source_system, source_id, other_name, other_birth_date, file, found_at,
	resolution, resolved_by, resolved_at, note`

func scanMerge(sc interface{ Scan(...any) error }) (joinedup.PatientMerge, error) {
	var m joinedup.PatientMerge
	var nhs, res string
	var birth, found, resolved nt
	if err := sc.Scan(&m.ID, &nhs, &m.PatientID, &m.Other.System, &m.Other.ID, &m.OtherName, &birth, &m.File, &found,
		&res, &m.ResolvedBy, &resolved, &m.Note); err != nil {
		return m, err
	}
	m.NHSNumber, m.Resolution = joinedup.NHSNumber(nhs), joinedup.MergeResolution(res)
	m.OtherBirthDate, m.FoundAt, m.ResolvedAt = birth.t(), found.t(), resolved.t()
	return m, nil
}

// Merges returns the merges, open ones only or all, oldest first.
func Merges(ctx context.Context, q Querier, openOnly bool) ([]joinedup.PatientMerge, error) {
	cond := ""
	if openOnly {
		cond = " WHERE resolution = ''"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+mergeCols+" FROM patient_merges"+cond+" ORDER BY found_at, id")
	if err != nil {
		return nil, fmt.Errorf("list merges: %w", err)
	}
	defer rows.Close()
	var out []joinedup.PatientMerge
	for rows.Next() {
		m, err := scanMerge(rows)
		if err != nil {
			return nil, fmt.Errorf("list merges: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MergesBySource returns the merges of the records of one source system
// with these ids, by source id.
func MergesBySource(ctx context.Context, q Querier, system string, ids []string) (map[string]joinedup.PatientMerge, error) {
	out := map[string]joinedup.PatientMerge{}
	err := inChunks(q.engine(), ids, func(in string, args []any) error {
		// The source ids' placeholders come first; the system is the last.
		args = append(args, system)
		rows, err := q.QueryContext(ctx, "SELECT "+mergeCols+" FROM patient_merges WHERE source_id "+in+
			fmt.Sprintf(" AND source_system = $%d", len(args)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMerge(rows)
			if err != nil {
				return err
			}
			out[m.Other.ID] = m
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("merges by source: %w", err)
	}
	return out, nil
}

// GetMerge returns one merge.
func GetMerge(ctx context.Context, q Querier, id string) (joinedup.PatientMerge, error) {
	m, err := scanMerge(q.QueryRowContext(ctx, "SELECT "+mergeCols+" FROM patient_merges WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, joinedup.NotFound("merge %s", id)
	}
	if err != nil {
		return m, fmt.Errorf("read merge %s: %w", id, err)
	}
	return m, nil
}

// ResolveMerge records how an open merge was resolved; a merge already
// resolved is a conflict.
func ResolveMerge(ctx context.Context, q Writer, id string, res joinedup.MergeResolution, by, note string, at time.Time) error {
	r, err := q.ExecContext(ctx, `UPDATE patient_merges SET resolution = $2, resolved_by = $3, resolved_at = $4, note = $5
		WHERE id = $1 AND resolution = ''`, id, string(res), by, dbTime(at), note)
	if err != nil {
		return fmt.Errorf("resolve merge %s: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		if _, err := GetMerge(ctx, q, id); err != nil {
			return err
		}
		return joinedup.Conflict("merge %s is already resolved", id)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// LetterRecord records one letter generated for a patient.
type LetterRecord struct {
	PatientID   string
	ID          string
	Kind        string // invitation, careplan, referral
	Language    string // the language the letter was written in
	Format      string // pdf or html
	LargePrint  bool
	GeneratedAt time.Time
	GeneratedBy string
	ContentHash string // SHA-256 of the file, hex
}

// RecordLetter records a letter on the patient; an empty ID is given a new
// one.
func RecordLetter(ctx context.Context, q Writer, r *LetterRecord) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.GeneratedAt = dbTime(r.GeneratedAt)
	_, err := q.ExecContext(ctx, `INSERT INTO letters (patient_id, id, kind, language, format, large_print, generated_at, generated_by, content_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.PatientID, r.ID, r.Kind, r.Language, r.Format, r.LargePrint, r.GeneratedAt, r.GeneratedBy, r.ContentHash)
	if err != nil {
		return fmt.Errorf("record %s letter for %s: %w", r.Kind, r.PatientID, err)
	}
	return nil
}

// PatientLetters returns the letters recorded on a patient, oldest first.
func PatientLetters(ctx context.Context, q Querier, patientID string) ([]LetterRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, language, format, large_print, generated_at, generated_by, content_hash
		FROM letters WHERE patient_id = $1 ORDER BY generated_at, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read letters of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []LetterRecord
	for rows.Next() {
		r := LetterRecord{PatientID: patientID}
		var at nt
		if err := rows.Scan(&r.ID, &r.Kind, &r.Language, &r.Format, &r.LargePrint, &at, &r.GeneratedBy, &r.ContentHash); err != nil {
			return nil, fmt.Errorf("read letters of %s: %w", patientID, err)
		}
		r.GeneratedAt = at.t()
		out = append(out, r)
	}
	return out, rows.Err()
}

// NewlyEligible returns the practice's living patients who are eligible in
// their current assessment and await a clinician: an open
// review-suggested-tier task, or no tier decision yet. Patients already sent
// a letter of kind (when kind is not empty) are left out, so running a batch
// again does not send a second copy. Patients come in id order.
func NewlyEligible(ctx context.Context, q Querier, practiceID, kind string) ([]joinedup.Patient, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("p.", patientCols)+`
		FROM patients p JOIN current_assessments ca ON ca.patient_id = p.id
		WHERE p.practice_id = $1 AND ca.eligible AND p.deceased IS NULL
		  AND (EXISTS (SELECT 1 FROM tasks t WHERE t.patient_id = p.id AND t.kind = $2 AND t.status = 'open')
		       OR NOT EXISTS (SELECT 1 FROM current_tiers ct WHERE ct.patient_id = p.id))
		  AND ($3 = '' OR NOT EXISTS (SELECT 1 FROM letters l WHERE l.patient_id = p.id AND l.kind = $3))
		ORDER BY p.id`, practiceID, joinedup.TaskReviewSuggestedTier, kind)
	if err != nil {
		return nil, fmt.Errorf("find newly eligible patients of %s: %w", practiceID, err)
	}
	defer rows.Close()
	var out []joinedup.Patient
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return nil, fmt.Errorf("find newly eligible patients of %s: %w", practiceID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list with a table
// alias, for queries that join.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

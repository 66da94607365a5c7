package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup"
)

// ExtractFilter narrows a cohort extract: every filter empty is the whole
// cohort.
type ExtractFilter struct {
	Tier       joinedup.Tier // the current tier: decision, else suggestion
	Status     CohortStatus
	LocalityID string
	PracticeID string
}

// ExtractRow is one living person in the cohort, with what their current
// assessment found.
type ExtractRow struct {
	Patient       joinedup.Patient
	PracticeODS   string
	PracticeName  string
	SuggestedTier joinedup.Tier
	DecidedTier   joinedup.Tier // empty when no clinician has decided
	Status        CohortStatus
	Assessment    joinedup.Assessment
}

// CohortExtract calls fn with every living person in the cohort the filter
// selects, by practice and name: the operator's extract of the whole
// population, not a user's list (ListCohort decides what a user sees).
func CohortExtract(ctx context.Context, q Querier, f ExtractFilter, fn func(ExtractRow) error) error {
	var b strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	b.WriteString(`SELECT ` + prefixed("p.", patientCols) + `, COALESCE(o.ods, ''), COALESCE(o.name, ''), ca.suggested_tier,
		COALESCE(ct.tier, ''), ct.overridden, a.detail
		FROM current_assessments ca JOIN patients p ON p.id = ca.patient_id
		JOIN assessments a ON a.patient_id = ca.patient_id AND a.id = ca.assessment_id
		LEFT JOIN current_tiers ct ON ct.patient_id = ca.patient_id
		LEFT JOIN organisations o ON o.id = p.practice_id
		WHERE ca.eligible = TRUE AND p.deceased IS NULL`)
	if f.Tier != "" {
		b.WriteString(" AND COALESCE(ct.tier, ca.suggested_tier) = " + arg(string(f.Tier)))
	}
	switch f.Status {
	case StatusSuggested:
		b.WriteString(" AND ct.patient_id IS NULL")
	case StatusConfirmed:
		b.WriteString(" AND ct.overridden = FALSE")
	case StatusOverridden:
		b.WriteString(" AND ct.overridden = TRUE")
	}
	if f.PracticeID != "" {
		b.WriteString(" AND p.practice_id = " + arg(f.PracticeID))
	}
	if f.LocalityID != "" {
		b.WriteString(" AND o.parent_id = " + arg(f.LocalityID))
	}
	b.WriteString(" ORDER BY COALESCE(o.name, ''), p.family_name, p.given_name, p.id")
	rows, err := q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("cohort extract: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r          ExtractRow
			suggested  string
			decided    string
			overridden *bool
			detail     []byte
		)
		p, err := scanPatient(scanPlusAll{rows, []any{&r.PracticeODS, &r.PracticeName, &suggested, &decided, &overridden, &detail}})
		if err != nil {
			return fmt.Errorf("cohort extract: %w", err)
		}
		r.Patient, r.SuggestedTier, r.DecidedTier = p, joinedup.Tier(suggested), joinedup.Tier(decided)
		switch {
		case overridden == nil:
			r.Status = StatusSuggested
		case *overridden:
			r.Status = StatusOverridden
		default:
			r.Status = StatusConfirmed
		}
		if err := json.Unmarshal(detail, &r.Assessment); err != nil {
			return fmt.Errorf("cohort extract: assessment of %s: %w", p.ID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanPlusAll scans a row into a patient's columns and then extra ones.
type scanPlusAll struct {
	rows  interface{ Scan(...any) error }
	extra []any
}

func (s scanPlusAll) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// SaveDecision stores a tier decision and makes it the patient's current
// tier, unless a later decision is current (as when an import brings an
// earlier decision after a later one).
func SaveDecision(ctx context.Context, q Writer, d *joinedup.TierDecision) error {
	if d.ID == "" {
		d.ID = NewID()
	}
	_, err := q.ExecContext(ctx, `INSERT INTO tier_decisions (patient_id, id, assessment_id, suggested_tier, tier, overridden, reason, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.PatientID, d.ID, d.AssessmentID, string(d.SuggestedTier), string(d.Tier),
		d.Overridden, d.Reason, d.DecidedBy, d.DecidedAt.UTC())
	if err != nil {
		return fmt.Errorf("save tier decision for %s: %w", d.PatientID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO current_tiers (patient_id, decision_id, tier, overridden, decided_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (patient_id) DO UPDATE SET decision_id = excluded.decision_id, tier = excluded.tier,
		overridden = excluded.overridden, decided_at = excluded.decided_at
		WHERE current_tiers.decided_at <= excluded.decided_at`, d.PatientID, d.ID, string(d.Tier), d.Overridden, d.DecidedAt.UTC())
	if err != nil {
		return fmt.Errorf("set current tier for %s: %w", d.PatientID, err)
	}
	return nil
}

const decisionCols = "id, patient_id, assessment_id, suggested_tier, tier, overridden, reason, decided_by, decided_at"

func scanDecision(sc interface{ Scan(...any) error }) (joinedup.TierDecision, error) {
	var d joinedup.TierDecision
	var suggested, tier string
	var at nt
	err := sc.Scan(&d.ID, &d.PatientID, &d.AssessmentID, &suggested, &tier, &d.Overridden, &d.Reason, &d.DecidedBy, &at)
	d.SuggestedTier, d.Tier, d.DecidedAt = joinedup.Tier(suggested), joinedup.Tier(tier), at.t()
	return d, err
}

// Decisions returns the patient's tier decisions, newest first.
func Decisions(ctx context.Context, q Querier, patientID string) ([]joinedup.TierDecision, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+decisionCols+" FROM tier_decisions WHERE patient_id = $1 ORDER BY decided_at DESC, id DESC", patientID)
	if err != nil {
		return nil, fmt.Errorf("read tier decisions of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.TierDecision
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, fmt.Errorf("read tier decisions of %s: %w", patientID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CurrentDecision returns the patient's latest tier decision; ok is false
// when no clinician has decided yet.
func CurrentDecision(ctx context.Context, q Querier, patientID string) (d joinedup.TierDecision, ok bool, err error) {
	d, err = scanDecision(q.QueryRowContext(ctx, "SELECT "+decisionCols+` FROM tier_decisions
		WHERE patient_id = $1 AND id = (SELECT decision_id FROM current_tiers WHERE patient_id = $1)`, patientID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read current tier of %s: %w", patientID, err)
	}
	return d, true, nil
}

// CurrentDecisions returns the current decision of each of the patients
// that have one.
func CurrentDecisions(ctx context.Context, q Querier, patientIDs []string) (map[string]joinedup.Tier, error) {
	out := map[string]joinedup.Tier{}
	for start := 0; start < len(patientIDs); start += 1000 {
		chunk := patientIDs[start:min(start+1000, len(patientIDs))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT patient_id, tier FROM current_tiers WHERE patient_id IN ("+placeholders(1, len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read current tiers: %w", err)
		}
		for rows.Next() {
			var p, t string
			if err := rows.Scan(&p, &t); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read current tiers: %w", err)
			}
			out[p] = joinedup.Tier(t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read current tiers: %w", err)
		}
	}
	return out, nil
}

// SaveDriftEvents stores drift events.
func SaveDriftEvents(ctx context.Context, q Writer, events []joinedup.DriftEvent, now time.Time) error {
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{e.PatientID, NewID(), string(e.Kind), e.AsOf.UTC().Format(time.DateOnly), string(e.FromTier), string(e.ToTier), e.Item, e.Cause, now.UTC()}
	}
	return insertMany(ctx, q, "drift_events", []string{"patient_id", "id", "kind", "as_of", "from_tier", "to_tier", "item", "cause", "created_at"}, rows, "")
}

// DriftEvents returns the patient's drift events, newest first.
func DriftEvents(ctx context.Context, q Querier, patientID string) ([]joinedup.DriftEvent, error) {
	rows, err := q.QueryContext(ctx, "SELECT kind, as_of, from_tier, to_tier, item, cause FROM drift_events WHERE patient_id = $1 ORDER BY as_of DESC, created_at DESC, id", patientID)
	if err != nil {
		return nil, fmt.Errorf("read drift events of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.DriftEvent
	for rows.Next() {
		e := joinedup.DriftEvent{PatientID: patientID}
		var kind, from, to string
		var asOf nt
		if err := rows.Scan(&kind, &asOf, &from, &to, &e.Item, &e.Cause); err != nil {
			return nil, fmt.Errorf("read drift events of %s: %w", patientID, err)
		}
		e.Kind, e.AsOf, e.FromTier, e.ToTier = joinedup.DriftKind(kind), asOf.t(), joinedup.Tier(from), joinedup.Tier(to)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DecisionOutcome is one clinician decision with what it decided on: the
// suggestion, the rules behind it and the patient's practice. Agreement
// reports are built from these.
type DecisionOutcome struct {
	PatientID  string
	PracticeID string
	Suggested  joinedup.Tier
	Tier       joinedup.Tier
	Overridden bool
	Reason     string
	RulesFired []joinedup.RuleFired
}

// DecisionOutcomes returns every tier decision with its assessment's rules
// and the patient's practice.
func DecisionOutcomes(ctx context.Context, q Querier) ([]DecisionOutcome, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.patient_id, COALESCE(p.practice_id, ''), d.suggested_tier, d.tier, d.overridden, d.reason, COALESCE(a.detail, '{}')
		FROM tier_decisions d
		JOIN patients p ON p.id = d.patient_id
		LEFT JOIN assessments a ON a.patient_id = d.patient_id AND a.id = d.assessment_id
		ORDER BY d.decided_at, d.id`)
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	defer rows.Close()
	var out []DecisionOutcome
	for rows.Next() {
		var d DecisionOutcome
		var suggested, tier, detail string
		if err := rows.Scan(&d.PatientID, &d.PracticeID, &suggested, &tier, &d.Overridden, &d.Reason, &detail); err != nil {
			return nil, fmt.Errorf("read decisions: %w", err)
		}
		d.Suggested, d.Tier = joinedup.Tier(suggested), joinedup.Tier(tier)
		var a struct {
			RulesFired []joinedup.RuleFired `json:"rules_fired"`
		}
		if err := json.Unmarshal([]byte(detail), &a); err != nil {
			return nil, fmt.Errorf("decode assessment of decision for %s: %w", d.PatientID, err)
		}
		d.RulesFired = a.RulesFired
		out = append(out, d)
	}
	return out, rows.Err()
}

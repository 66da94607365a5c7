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

// Care plan entry statuses.
const (
	PlanSaved    = "saved"    // a version of the plan
	PlanRejected = "rejected" // a save from a stale version, kept so its text is not lost
)

// CarePlanEntry is one row of a care plan's history: a saved version, or a
// rejected draft that lost to a concurrent save.
type CarePlanEntry struct {
	ID          string
	Status      string // PlanSaved or PlanRejected
	Version     int    // 1, 2, … for saved versions; 0 for a rejected draft
	BaseVersion int    // the version the editor started from (0: a new plan)
	Plan        joinedup.CarePlan
	SavedBy     string
	SavedAt     time.Time
}

// CarePlanSave is what SaveCarePlan did.
type CarePlanSave struct {
	// Saved is the new version, unless Conflict.
	Saved CarePlanEntry
	// Conflict: the plan moved on since BaseVersion. Nothing was
	// overwritten; the text is kept as Draft, and Current (ok when
	// CurrentOK) is the version the save lost to.
	Conflict  bool
	Draft     CarePlanEntry
	Current   CarePlanEntry
	CurrentOK bool
}

// SaveCarePlan saves plan as the version after baseVersion (0 for the first
// plan). If the current version is not baseVersion — someone saved in
// between — nothing is overwritten: the text is stored as a rejected draft
// and the result reports the conflict with the newer version. The caller
// commits either way, so the draft is kept. The version check is one
// conditional write, so of two concurrent saves from one version exactly one
// wins on both engines.
func SaveCarePlan(ctx context.Context, q Writer, plan joinedup.CarePlan, baseVersion int, by string, at time.Time) (CarePlanSave, error) {
	return SaveCarePlanVersion(ctx, q, NewID(), plan, baseVersion, by, at)
}

// SaveCarePlanVersion is SaveCarePlan with the id of the new version
// given: an import keeps the id a version was made with, so the plan is
// the same resource wherever it is held.
func SaveCarePlanVersion(ctx context.Context, q Writer, id string, plan joinedup.CarePlan, baseVersion int, by string, at time.Time) (CarePlanSave, error) {
	at = dbTime(at)
	content, err := json.Marshal(plan)
	if err != nil {
		return CarePlanSave{}, fmt.Errorf("encode care plan of %s: %w", plan.PatientID, err)
	}
	var review any
	if !plan.NextReview.IsZero() {
		review = plan.NextReview.UTC().Format(time.DateOnly)
	}
	var res sql.Result
	if baseVersion == 0 {
		res, err = q.ExecContext(ctx, `INSERT INTO current_care_plans (patient_id, plan_id, version, next_review, saved_at)
			VALUES ($1, $2, 1, $3, $4) ON CONFLICT (patient_id) DO NOTHING`, plan.PatientID, id, review, at)
	} else {
		res, err = q.ExecContext(ctx, `UPDATE current_care_plans SET plan_id = $2, version = version + 1, next_review = $3, saved_at = $4
			WHERE patient_id = $1 AND version = $5`, plan.PatientID, id, review, at, baseVersion)
	}
	if err != nil {
		return CarePlanSave{}, fmt.Errorf("save care plan of %s: %w", plan.PatientID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return CarePlanSave{}, fmt.Errorf("save care plan of %s: %w", plan.PatientID, err)
	}
	e := CarePlanEntry{ID: id, Status: PlanSaved, Version: baseVersion + 1, BaseVersion: baseVersion, Plan: plan, SavedBy: by, SavedAt: at}
	if n != 1 {
		e.Status, e.Version = PlanRejected, 0
	}
	var version any
	if e.Version > 0 {
		version = e.Version
	}
	_, err = q.ExecContext(ctx, `INSERT INTO care_plans (patient_id, id, status, version, base_version, next_review, content, saved_by, saved_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, plan.PatientID, id, e.Status, version, baseVersion, review, string(content), by, at)
	if err != nil {
		return CarePlanSave{}, fmt.Errorf("store care plan of %s: %w", plan.PatientID, err)
	}
	e.Plan = withMeta(e)
	if e.Status == PlanSaved {
		return CarePlanSave{Saved: e}, nil
	}
	out := CarePlanSave{Conflict: true, Draft: e}
	out.Current, err = CurrentCarePlan(ctx, q, plan.PatientID)
	switch {
	case err == nil:
		out.CurrentOK = true
	case !errors.Is(err, joinedup.ErrNotFound):
		return out, err
	}
	return out, nil
}

// withMeta fills the plan's version and who saved it from its entry.
func withMeta(e CarePlanEntry) joinedup.CarePlan {
	p := e.Plan
	p.Version, p.SavedBy, p.SavedAt = e.Version, e.SavedBy, e.SavedAt
	return p
}

const planCols = "p.patient_id, p.id, p.status, COALESCE(p.version, 0), p.base_version, p.content, p.saved_by, p.saved_at"

func scanPlan(sc interface{ Scan(...any) error }) (CarePlanEntry, error) {
	var e CarePlanEntry
	var pid, content string
	var at nt
	if err := sc.Scan(&pid, &e.ID, &e.Status, &e.Version, &e.BaseVersion, &content, &e.SavedBy, &at); err != nil {
		return e, err
	}
	e.SavedAt = at.t()
	if err := json.Unmarshal([]byte(content), &e.Plan); err != nil {
		return e, fmt.Errorf("decode care plan %s: %w", e.ID, err)
	}
	e.Plan.PatientID = pid
	e.Plan = withMeta(e)
	return e, nil
}

// CurrentCarePlan returns the patient's current plan, or joinedup.ErrNotFound when
// none has been saved.
func CurrentCarePlan(ctx context.Context, q Querier, patientID string) (CarePlanEntry, error) {
	e, err := scanPlan(q.QueryRowContext(ctx, "SELECT "+planCols+` FROM current_care_plans c
		JOIN care_plans p ON p.patient_id = c.patient_id AND p.id = c.plan_id WHERE c.patient_id = $1`, patientID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("care plan of %s: %w", patientID, joinedup.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read care plan of %s: %w", patientID, err)
	}
	return e, nil
}

// CarePlanVersion returns one saved version of the patient's plan.
func CarePlanVersion(ctx context.Context, q Querier, patientID string, version int) (CarePlanEntry, error) {
	e, err := scanPlan(q.QueryRowContext(ctx, "SELECT "+planCols+" FROM care_plans p WHERE p.patient_id = $1 AND p.version = $2", patientID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("care plan of %s version %d: %w", patientID, version, joinedup.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read care plan of %s version %d: %w", patientID, version, err)
	}
	return e, nil
}

// CarePlanHistory returns every save of the patient's plan, newest first:
// the versions and the rejected drafts between them.
func CarePlanHistory(ctx context.Context, q Querier, patientID string) ([]CarePlanEntry, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+planCols+" FROM care_plans p WHERE p.patient_id = $1 ORDER BY p.saved_at DESC, p.id DESC", patientID)
	if err != nil {
		return nil, fmt.Errorf("read care plan history of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []CarePlanEntry
	for rows.Next() {
		e, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("read care plan history of %s: %w", patientID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordReview stores a review or contact held with the patient.
func RecordReview(ctx context.Context, q Writer, r joinedup.Review) (joinedup.Review, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.RecordedAt = dbTime(r.RecordedAt)
	_, err := q.ExecContext(ctx, `INSERT INTO care_reviews (patient_id, id, kind, held_on, note, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.PatientID, r.ID, string(r.Kind), r.HeldOn.UTC().Format(time.DateOnly), r.Note,
		r.RecordedBy, r.RecordedAt)
	if err != nil {
		return r, fmt.Errorf("record %s for %s: %w", r.Kind, r.PatientID, err)
	}
	return r, nil
}

// Reviews returns the patient's reviews and contacts, most recently held
// first.
func Reviews(ctx context.Context, q Querier, patientID string) ([]joinedup.Review, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, held_on, note, recorded_by, recorded_at FROM care_reviews
		WHERE patient_id = $1 ORDER BY held_on DESC, recorded_at DESC, id DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read reviews of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Review
	for rows.Next() {
		r := joinedup.Review{PatientID: patientID}
		var kind string
		var held, at nt
		if err := rows.Scan(&r.ID, &kind, &held, &r.Note, &r.RecordedBy, &at); err != nil {
			return nil, fmt.Errorf("read reviews of %s: %w", patientID, err)
		}
		r.Kind, r.HeldOn, r.RecordedAt = joinedup.ReviewKind(kind), held.t(), at.t()
		out = append(out, r)
	}
	return out, rows.Err()
}

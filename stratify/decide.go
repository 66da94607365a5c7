package stratify

import (
	"context"
	"database/sql"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// RecordDecision records a clinician's confirmation or override of the
// patient's current suggestion, in tx, closes the review tasks the decision
// answers, and brings the worklist in step with the confirmed tier (its
// pathway's tasks raised, another tier's closed).
func RecordDecision(ctx context.Context, tx *sql.Tx, patientID string, tier joinedup.Tier, reason, by string, at time.Time) (joinedup.TierDecision, error) {
	id, a, err := store.CurrentAssessment(ctx, tx, patientID)
	if err != nil {
		return joinedup.TierDecision{}, err
	}
	d, err := joinedup.Decide(id, a, tier, reason, by, at)
	if err != nil {
		return d, err
	}
	if err := store.SaveDecision(ctx, tx, &d); err != nil {
		return d, err
	}
	for _, kind := range []string{joinedup.TaskReviewSuggestedTier, joinedup.TaskTierReview} {
		if _, err := store.CloseTasks(ctx, tx, patientID, kind, at); err != nil {
			return d, err
		}
	}
	cfg, err := worklist.LoadConfig(ctx, tx)
	if err != nil {
		return d, err
	}
	if _, err := worklist.Sync(ctx, tx, cfg, patientID, at, at); err != nil {
		return d, err
	}
	return d, nil
}

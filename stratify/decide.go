package stratify

import (
	"context"
	"database/sql"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// RecordDecision records a clinician's confirmation or override of the
// patient's current suggestion, in tx, and closes the review tasks the
// decision answers.
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
	return d, nil
}

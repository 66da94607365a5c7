package store

import (
	"context"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// WithdrawAfterDeath ends what waits on a patient who died on died: every
// open task but those of kind keep is cancelled with the reason "died"; MDT
// cases still to be discussed are withdrawn; open referrals are cancelled,
// so services stop waiting for them. It returns how many tasks it closed.
// A second call changes nothing.
func WithdrawAfterDeath(ctx context.Context, q Writer, patientID, keep string, died, at time.Time) (int, error) {
	at = dbTime(at)
	res, err := q.ExecContext(ctx, `UPDATE tasks SET status = 'cancelled', closed_at = $3, updated_at = $3, close_reason = 'died',
		version = version + 1, dedupe_key = dedupe_key || '#' || id
		WHERE patient_id = $1 AND kind <> $2 AND status IN ('open', 'in-progress')`, patientID, keep, at)
	if err != nil {
		return 0, fmt.Errorf("close the tasks of %s, who died: %w", patientID, err)
	}
	closed, _ := res.RowsAffected()
	when := "Died on " + died.Format("2 January 2006")
	if _, err := q.ExecContext(ctx, `UPDATE mdt_cases SET status = $2, outcome = $3, version = version + 1, recorded_at = $4
		WHERE patient_id = $1 AND status = $5`, patientID, string(joinedup.MDTWithdrawn), when, at, string(joinedup.MDTPending)); err != nil {
		return 0, fmt.Errorf("withdraw the MDT cases of %s, who died: %w", patientID, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE referrals SET status = $2, note = $3, version = version + 1, updated_at = $4, closed_at = $4
		WHERE patient_id = $1 AND closed_at IS NULL`, patientID, string(joinedup.ReferralCancelled), "Withdrawn: the patient died ("+when+")", at); err != nil {
		return 0, fmt.Errorf("withdraw the referrals of %s, who died: %w", patientID, err)
	}
	return int(closed), nil
}

package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// SyncStalled raises a task for the referrer of every open referral that
// has stalled under cfg (not accepted in time, or quiet too long). It is
// idempotent: a referral raises one task per stall, keyed by its version,
// so running it again raises nothing new, while a referral that moves on
// and stalls again raises a fresh task.
func SyncStalled(ctx context.Context, q store.Writer, cfg joinedup.StallSettings, now time.Time) (raised int, err error) {
	rs, err := store.OpenServiceReferrals(ctx, q)
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	for _, r := range rs {
		updated := r.Updated
		if updated.IsZero() {
			updated = r.Created
		}
		stalled, why, _ := joinedup.Stalled(r.Status, r.Created, updated, now, cfg)
		if !stalled {
			continue
		}
		name, ok := names[r.ServiceID]
		if !ok {
			if s, err := store.GetService(ctx, q, r.ServiceID); err == nil {
				name = s.Name
			}
			names[r.ServiceID] = name
		}
		t := joinedup.Task{PatientID: r.PatientID, Kind: joinedup.TaskReferralStalled, Title: "Chase referral to " + name,
			Reason: fmt.Sprintf("Referral %s: %s", r.Status, why), AssigneeUser: r.CreatedBy, Due: now, Priority: 2,
			DedupeKey: fmt.Sprintf("%s:%s:v%d", joinedup.TaskReferralStalled, r.ID, r.Version), CreatedAt: now}
		// The pathway role too, so the task follows the patient's
		// coordinator if the referrer has moved on.
		t.AssigneeRole = string(joinedup.CareCoordinator)
		ok, err := store.RaiseTask(ctx, q, &t)
		if err != nil {
			return raised, fmt.Errorf("stalled referral %s: %w", r.ID, err)
		}
		if ok {
			raised++
		}
	}
	return raised, nil
}

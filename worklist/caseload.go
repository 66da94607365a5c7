package worklist

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// DueSoon is how far ahead a task counts as due soon on a caseload.
const DueSoon = 7 * 24 * time.Hour

// SortCaseload orders a caseload by what needs doing first: patients with
// overdue tasks, then with tasks due soon, then the rest; within each, Red
// before Amber before Green (no tier last), then the earliest due task,
// then name.
func SortCaseload(rows []store.CaseloadRow) {
	bucket := func(r store.CaseloadRow) int {
		switch {
		case r.Overdue > 0:
			return 0
		case r.DueSoon > 0:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b store.CaseloadRow) int {
		if c := bucket(a) - bucket(b); c != 0 {
			return c
		}
		if c := b.Tier.Rank() - a.Tier.Rank(); c != 0 {
			return c
		}
		switch {
		case a.NextDue.IsZero() && !b.NextDue.IsZero():
			return 1
		case !a.NextDue.IsZero() && b.NextDue.IsZero():
			return -1
		}
		if c := a.NextDue.Compare(b.NextDue); c != 0 {
			return c
		}
		if c := strings.Compare(a.PatientName, b.PatientName); c != 0 {
			return c
		}
		return strings.Compare(a.PatientID, b.PatientID)
	})
}

// Caseload returns the patients for whom the user holds role on the care
// team at asOf, in the order SortCaseload gives.
func Caseload(ctx context.Context, q store.Querier, userID string, role joinedup.CareTeamRole, asOf time.Time) ([]store.CaseloadRow, error) {
	rows, err := store.Caseload(ctx, q, userID, role, asOf, DueSoon)
	if err != nil {
		return nil, err
	}
	SortCaseload(rows)
	return rows, nil
}

// Batch is what SyncAll did.
type Batch struct {
	Patients int
	Result
}

// concerned selects the ids of the patients the rules can concern: those
// with a confirmed tier, a care plan, an open task, a care team, an MDT
// case or an open referral.
const concerned = `SELECT patient_id FROM current_tiers
	UNION SELECT patient_id FROM current_care_plans
	UNION SELECT patient_id FROM tasks WHERE status IN ('open', 'in-progress')
	UNION SELECT patient_id FROM care_team_members
	UNION SELECT patient_id FROM mdt_cases
	UNION SELECT patient_id FROM referrals WHERE closed_at IS NULL`

// Standing is what, changed by a record from outside (an import), calls
// for a patient's worklist to be synced: the practice they are registered
// with and whether they have died.
type Standing struct {
	PracticeID string
	Died       bool
}

// Standings returns the standing of every patient the rules can concern.
// Taken before and after an import, Changed names whom to sync.
func Standings(ctx context.Context, q store.Querier) (map[string]Standing, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, COALESCE(p.practice_id, ''), p.deceased IS NOT NULL FROM patients p
		WHERE p.id IN (`+concerned+`)`)
	if err != nil {
		return nil, fmt.Errorf("read where patients are registered: %w", err)
	}
	defer rows.Close()
	out := map[string]Standing{}
	for rows.Next() {
		var id string
		var s Standing
		if err := rows.Scan(&id, &s.PracticeID, &s.Died); err != nil {
			return nil, fmt.Errorf("read where patients are registered: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// Changed returns, sorted, the patients whose standing differs between
// before and after.
func Changed(before, after map[string]Standing) []string {
	var ids []string
	for id, b := range before {
		if a, ok := after[id]; ok && a != b {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// SyncAll runs Sync for every patient the rules can concern (see
// concerned) at asOf, committing every batchSize patients, for the
// date-driven events (reviews due, reviews overdue, contacts after
// discharge) and registrations changed since the last run.
func SyncAll(ctx context.Context, db *store.DB, cfg Config, asOf, now time.Time, batchSize int) (Batch, error) {
	var ids []string
	rows, err := db.QueryContext(ctx, concerned+` ORDER BY 1`)
	if err != nil {
		return Batch{}, fmt.Errorf("list patients to sync: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Batch{}, fmt.Errorf("list patients to sync: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Batch{}, fmt.Errorf("list patients to sync: %w", err)
	}
	if batchSize <= 0 {
		batchSize = 500
	}
	var out Batch
	for start := 0; start < len(ids); start += batchSize {
		chunk := ids[start:min(start+batchSize, len(ids))]
		var got Result
		err := db.InTx(ctx, func(tx *store.Tx) error {
			got = Result{}
			for _, id := range chunk {
				r, err := Sync(ctx, tx, cfg, id, asOf, now)
				if err != nil {
					return err
				}
				got.Raised += r.Raised
				got.Closed += r.Closed
				got.Assigned += r.Assigned
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out.Patients += len(chunk)
		out.Raised += got.Raised
		out.Closed += got.Closed
		out.Assigned += got.Assigned
	}
	return out, nil
}

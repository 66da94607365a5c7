package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// Rollout is one practice's roll-out as set at one time: when it joined the
// pilot, when it went live (zero: not yet, or not known), its wave, and who
// set them, when and why.
type Rollout struct {
	PracticeID string
	Version    int // 1 for the first values set, then one more each change
	Pilot      time.Time
	GoLive     time.Time
	Wave       string
	By         string // user id
	ByName     string // the user's display name when read back
	At         time.Time
	Reason     string
}

// Same reports whether r and o set the same dates and wave.
func (r Rollout) Same(o Rollout) bool {
	return r.Pilot.Equal(o.Pilot) && r.GoLive.Equal(o.GoLive) && r.Wave == o.Wave
}

// PracticeRollout is a practice with its current roll-out.
type PracticeRollout struct {
	PracticeID, Name, ODS string
	LocalityName          string
	Rollout               Rollout // current values; Version 0 if never set here
}

// SetRollout stores a practice's new roll-out: its current values on the
// practice, which the dashboard reads, and a new row of its history. The
// version is the history's next; it comes back in the result.
func SetRollout(ctx context.Context, q Writer, r Rollout) (Rollout, error) {
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM practice_rollouts WHERE practice_id = $1`, r.PracticeID).Scan(&last); err != nil {
		return r, fmt.Errorf("set roll-out of %s: %w", r.PracticeID, err)
	}
	r.Version = int(last.Int64) + 1
	r.At = dbTime(r.At)
	res, err := q.ExecContext(ctx, `UPDATE organisations SET pilot_since = $1, go_live = $2, rollout_wave = $3 WHERE id = $4 AND kind = $5`,
		dateArg(r.Pilot), dateArg(r.GoLive), r.Wave, r.PracticeID, string(joinedup.OrgPractice))
	if err != nil {
		return r, fmt.Errorf("set roll-out of %s: %w", r.PracticeID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return r, fmt.Errorf("set roll-out of %s: no such practice: %w", r.PracticeID, joinedup.ErrNotFound)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO practice_rollouts (practice_id, version, pilot_since, go_live, wave, changed_by, changed_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.PracticeID, r.Version, dateArg(r.Pilot), dateArg(r.GoLive), r.Wave, r.By, r.At, r.Reason); err != nil {
		return r, fmt.Errorf("keep roll-out history of %s: %w", r.PracticeID, err)
	}
	return r, nil
}

// PracticeRollouts returns every practice with its current roll-out, by
// locality and name.
func PracticeRollouts(ctx context.Context, q Querier) ([]PracticeRollout, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, COALESCE(o.ods, ''), COALESCE(l.name, ''), o.pilot_since, o.go_live, o.rollout_wave,
		COALESCE((SELECT MAX(version) FROM practice_rollouts h WHERE h.practice_id = o.id), 0)
		FROM organisations o LEFT JOIN organisations l ON l.id = o.parent_id
		WHERE o.kind = $1 ORDER BY COALESCE(l.name, ''), o.name, o.id`, string(joinedup.OrgPractice))
	if err != nil {
		return nil, fmt.Errorf("list practices' roll-out: %w", err)
	}
	defer rows.Close()
	var out []PracticeRollout
	for rows.Next() {
		var p PracticeRollout
		var pilot, live nt
		if err := rows.Scan(&p.PracticeID, &p.Name, &p.ODS, &p.LocalityName, &pilot, &live, &p.Rollout.Wave, &p.Rollout.Version); err != nil {
			return nil, fmt.Errorf("list practices' roll-out: %w", err)
		}
		p.Rollout.PracticeID, p.Rollout.Pilot, p.Rollout.GoLive = p.PracticeID, pilot.t(), live.t()
		out = append(out, p)
	}
	return out, rows.Err()
}

// PracticeRolloutOf returns one practice with its current roll-out; a
// practice id that names no practice is joinedup.ErrNotFound.
func PracticeRolloutOf(ctx context.Context, q Querier, practiceID string) (PracticeRollout, error) {
	var p PracticeRollout
	var pilot, live nt
	err := q.QueryRowContext(ctx, `SELECT o.id, o.name, COALESCE(o.ods, ''), COALESCE(l.name, ''), o.pilot_since, o.go_live, o.rollout_wave,
		COALESCE((SELECT MAX(version) FROM practice_rollouts h WHERE h.practice_id = o.id), 0)
		FROM organisations o LEFT JOIN organisations l ON l.id = o.parent_id
		WHERE o.id = $1 AND o.kind = $2`, practiceID, string(joinedup.OrgPractice)).Scan(
		&p.PracticeID, &p.Name, &p.ODS, &p.LocalityName, &pilot, &live, &p.Rollout.Wave, &p.Rollout.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("practice %s: %w", practiceID, joinedup.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read practice %s: %w", practiceID, err)
	}
	p.Rollout.PracticeID, p.Rollout.Pilot, p.Rollout.GoLive = p.PracticeID, pilot.t(), live.t()
	return p, nil
}

// RolloutHistory returns the changes to a practice's roll-out, newest
// first; practiceID "" returns every practice's.
func RolloutHistory(ctx context.Context, q Querier, practiceID string) ([]Rollout, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.practice_id, h.version, h.pilot_since, h.go_live, h.wave, h.changed_by,
		COALESCE(u.display_name, h.changed_by), h.changed_at, h.reason
		FROM practice_rollouts h LEFT JOIN users u ON u.id = h.changed_by
		WHERE $1 = '' OR h.practice_id = $1 ORDER BY h.practice_id, h.version DESC`, practiceID)
	if err != nil {
		return nil, fmt.Errorf("read roll-out history: %w", err)
	}
	defer rows.Close()
	var out []Rollout
	for rows.Next() {
		var r Rollout
		var pilot, live, at nt
		if err := rows.Scan(&r.PracticeID, &r.Version, &pilot, &live, &r.Wave, &r.By, &r.ByName, &at, &r.Reason); err != nil {
			return nil, fmt.Errorf("read roll-out history: %w", err)
		}
		r.Pilot, r.GoLive, r.At = pilot.t(), live.t(), at.t()
		out = append(out, r)
	}
	return out, rows.Err()
}

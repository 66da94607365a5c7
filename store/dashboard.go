package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// The LCN dashboard's figures. Every function here returns exact counts;
// whoever shows them must protect small numbers (joinedup.Suppress and the
// web package's disclosure control).

// PracticeFigures is one practice's row of the LCN dashboard.
type PracticeFigures struct {
	LocalityID, LocalityName      string
	PracticeID, PracticeName, ODS string
	// PilotSince is when the practice joined the pilot; zero if not yet.
	PilotSince time.Time
	// Cohort counts the eligible living patients registered at the
	// practice; Red, Amber and Green split it by current tier (the latest
	// decision, else the suggestion).
	Cohort, Red, Amber, Green int
	// Decided counts those whose tier a clinician confirmed or overrode.
	Decided int
	// HighTier counts the Amber and Red; WithPlan those of them with a
	// current care plan.
	HighTier, WithPlan int
	// OverdueReviews counts cohort patients whose care plan's next review
	// date has passed.
	OverdueReviews int
	// OverdueTasks counts open tasks about the practice's living patients
	// that were due before today.
	OverdueTasks int
}

// InPilot reports whether the practice is in the pilot at t.
func (p PracticeFigures) InPilot(t time.Time) bool {
	return !p.PilotSince.IsZero() && !p.PilotSince.After(t)
}

// DashboardPractices returns the dashboard's figures for every practice,
// by locality and practice name; a practice with no one in the cohort has a
// row of zeros. today is the first day not yet overdue.
func DashboardPractices(ctx context.Context, q Querier, today time.Time) ([]PracticeFigures, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, COALESCE(o.ods, ''), o.pilot_since, COALESCE(l.id, ''), COALESCE(l.name, '')
		FROM organisations o LEFT JOIN organisations l ON l.id = o.parent_id
		WHERE o.kind = $1 ORDER BY COALESCE(l.name, ''), o.name, o.id`, string(joinedup.OrgPractice))
	if err != nil {
		return nil, fmt.Errorf("dashboard practices: %w", err)
	}
	var out []PracticeFigures
	idx := map[string]int{}
	for rows.Next() {
		var p PracticeFigures
		var since nt
		if err := rows.Scan(&p.PracticeID, &p.PracticeName, &p.ODS, &since, &p.LocalityID, &p.LocalityName); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dashboard practices: %w", err)
		}
		p.PilotSince = since.t()
		idx[p.PracticeID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard practices: %w", err)
	}
	day := dateArg(today)
	rows, err = q.QueryContext(ctx, `SELECT p.practice_id, COUNT(*),
		SUM(CASE WHEN COALESCE(ct.tier, ca.suggested_tier) = 'red' THEN 1 ELSE 0 END),
		SUM(CASE WHEN COALESCE(ct.tier, ca.suggested_tier) = 'amber' THEN 1 ELSE 0 END),
		SUM(CASE WHEN COALESCE(ct.tier, ca.suggested_tier) = 'green' THEN 1 ELSE 0 END),
		SUM(CASE WHEN ct.patient_id IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN COALESCE(ct.tier, ca.suggested_tier) IN ('red', 'amber') AND cp.patient_id IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN cp.next_review < $1 THEN 1 ELSE 0 END)
		FROM current_assessments ca JOIN patients p ON p.id = ca.patient_id
		LEFT JOIN current_tiers ct ON ct.patient_id = ca.patient_id
		LEFT JOIN current_care_plans cp ON cp.patient_id = ca.patient_id
		WHERE ca.eligible = TRUE AND p.deceased IS NULL AND p.practice_id IS NOT NULL
		GROUP BY p.practice_id`, day)
	if err != nil {
		return nil, fmt.Errorf("dashboard cohort: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c PracticeFigures
		if err := rows.Scan(&id, &c.Cohort, &c.Red, &c.Amber, &c.Green, &c.Decided, &c.WithPlan, &c.OverdueReviews); err != nil {
			return nil, fmt.Errorf("dashboard cohort: %w", err)
		}
		i, ok := idx[id]
		if !ok {
			continue // registered at an organisation that is not a practice
		}
		p := &out[i]
		p.Cohort, p.Red, p.Amber, p.Green, p.Decided, p.WithPlan, p.OverdueReviews = c.Cohort, c.Red, c.Amber, c.Green, c.Decided, c.WithPlan, c.OverdueReviews
		p.HighTier = c.Red + c.Amber
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard cohort: %w", err)
	}
	overdue, err := OverdueCounts(ctx, q, today)
	if err != nil {
		return nil, err
	}
	for _, n := range overdue {
		if i, ok := idx[n.PracticeID]; ok {
			out[i].OverdueTasks += n.Tasks
		}
	}
	return out, nil
}

// MonthlyUse is one month's unplanned hospital use by a group of the
// current cohort.
type MonthlyUse struct {
	Month     time.Time // first day of the month, UTC
	AE        int       // A&E attendances
	Emergency int       // emergency admissions
}

// UseSeries is a group's monthly unplanned hospital use, and the size of
// the group now: the denominator of its rates.
type UseSeries struct {
	CohortSize int
	Months     []MonthlyUse
}

// CohortUse is the monthly unplanned hospital use of the cohort, in all and
// split by whether the patient's practice is in the pilot.
type CohortUse struct {
	All, Pilot, NotYet UseSeries
}

// CohortMonthlyUse counts, for each month from the month of from to the
// month of to, the A&E attendances and emergency admissions of the patients
// in the cohort at now, split by whether their practice was in the pilot
// at now. The denominator is today's cohort throughout: the question is
// how the people now in the cohort used hospital care, not how the cohort
// changed.
func CohortMonthlyUse(ctx context.Context, q Querier, from, to, now time.Time) (CohortUse, error) {
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	pilot := `COALESCE(o.pilot_since IS NOT NULL AND o.pilot_since <= $1, FALSE)`
	var u CohortUse
	groups := func(inPilot bool) []*UseSeries {
		if inPilot {
			return []*UseSeries{&u.All, &u.Pilot}
		}
		return []*UseSeries{&u.All, &u.NotYet}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+pilot+`, COUNT(*) FROM current_assessments ca JOIN patients p ON p.id = ca.patient_id
		LEFT JOIN organisations o ON o.id = p.practice_id
		WHERE ca.eligible = TRUE AND p.deceased IS NULL GROUP BY 1`, dateArg(now))
	if err != nil {
		return u, fmt.Errorf("count cohort by pilot: %w", err)
	}
	for rows.Next() {
		var in bool
		var n int
		if err := rows.Scan(&in, &n); err != nil {
			rows.Close()
			return u, fmt.Errorf("count cohort by pilot: %w", err)
		}
		for _, g := range groups(in) {
			g.CohortSize += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return u, fmt.Errorf("count cohort by pilot: %w", err)
	}
	idx := map[string]int{}
	for m := first; m.Before(end); m = m.AddDate(0, 1, 0) {
		idx[m.Format("2006-01")] = len(u.All.Months)
		for _, s := range []*UseSeries{&u.All, &u.Pilot, &u.NotYet} {
			s.Months = append(s.Months, MonthlyUse{Month: m})
		}
	}
	// Bucketed here rather than in SQL: month arithmetic differs between
	// the engines, and the rows are few (unplanned use of the cohort only).
	rows, err = q.QueryContext(ctx, `SELECT e.class, e.emergency, e.start_time, `+pilot+` FROM encounters e
		JOIN current_assessments ca ON ca.patient_id = e.patient_id AND ca.eligible = TRUE
		JOIN patients p ON p.id = e.patient_id AND p.deceased IS NULL
		LEFT JOIN organisations o ON o.id = p.practice_id
		WHERE (e.class = $2 OR (e.class = $3 AND e.emergency = TRUE)) AND e.start_time >= $4 AND e.start_time < $5
			AND `+encounterHappened("e"),
		dateArg(now), joinedup.EncounterEmergency, joinedup.EncounterInpatient, dbTime(first), dbTime(end))
	if err != nil {
		return u, fmt.Errorf("cohort hospital use: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			class         string
			emergency, in bool
			start         nt
		)
		if err := rows.Scan(&class, &emergency, &start, &in); err != nil {
			return u, fmt.Errorf("cohort hospital use: %w", err)
		}
		i, ok := idx[start.t().Format("2006-01")]
		if !ok {
			continue
		}
		for _, g := range groups(in) {
			if class == joinedup.EncounterEmergency {
				g.Months[i].AE++
			} else {
				g.Months[i].Emergency++
			}
		}
	}
	return u, rows.Err()
}

// TierMoves counts, for one month, the tier decisions that moved a patient
// from the tier of their previous decision: Up towards Red, Down towards
// Green. A first decision moves no one.
type TierMoves struct {
	Month    time.Time // first day of the month, UTC
	Up, Down int
}

// TierMovement counts tier moves by month of decision, from the month of
// from to the month of to.
func TierMovement(ctx context.Context, q Querier, from, to time.Time) ([]TierMoves, error) {
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	var out []TierMoves
	idx := map[string]int{}
	for m := first; m.Before(end); m = m.AddDate(0, 1, 0) {
		idx[m.Format("2006-01")] = len(out)
		out = append(out, TierMoves{Month: m})
	}
	// Every decision before the end is read, not only those in the window:
	// a move is against the patient's previous decision, however old.
	// Decisions are made one by one by clinicians, so they stay few.
	rows, err := q.QueryContext(ctx, `SELECT patient_id, tier, decided_at FROM tier_decisions
		WHERE decided_at < $1 ORDER BY patient_id, decided_at, id`, dbTime(end))
	if err != nil {
		return nil, fmt.Errorf("tier movement: %w", err)
	}
	defer rows.Close()
	var prevPatient string
	var prev joinedup.Tier
	for rows.Next() {
		var patient, tier string
		var at nt
		if err := rows.Scan(&patient, &tier, &at); err != nil {
			return nil, fmt.Errorf("tier movement: %w", err)
		}
		t := joinedup.Tier(tier)
		if patient == prevPatient && t != prev {
			if i, ok := idx[at.t().Format("2006-01")]; ok {
				if t.Rank() > prev.Rank() {
					out[i].Up++
				} else {
					out[i].Down++
				}
			}
		}
		prevPatient, prev = patient, t
	}
	return out, rows.Err()
}

// HighTierPractices maps each eligible living patient whose current
// assessment suggests Amber or Red to their practice id: the caseload the
// current policy makes, for comparison with a dry run of another.
func HighTierPractices(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT ca.patient_id, p.practice_id FROM current_assessments ca JOIN patients p ON p.id = ca.patient_id
		WHERE ca.eligible = TRUE AND ca.suggested_tier IN ('red', 'amber') AND p.deceased IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("amber and red patients: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id string
		var practice sql.NullString
		if err := rows.Scan(&id, &practice); err != nil {
			return nil, fmt.Errorf("amber and red patients: %w", err)
		}
		out[id] = practice.String
	}
	return out, rows.Err()
}

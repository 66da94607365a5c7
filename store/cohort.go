package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// CohortStatus is where a patient in the cohort stands with the clinician:
// the suggestion not yet decided, confirmed, or overridden.
type CohortStatus string

// Values of CohortStatus.
const (
	StatusSuggested  CohortStatus = "suggested"  // eligible, no tier decision yet
	StatusConfirmed  CohortStatus = "confirmed"  // a clinician confirmed the suggested tier
	StatusOverridden CohortStatus = "overridden" // a clinician chose another tier, with a reason
)

// CohortPageSize is the default number of rows of a cohort page.
const CohortPageSize = 50

// CohortFilter says which patients a cohort list holds. Rows are only ever
// patients the Viewer has a relationship with, worked out with the same
// rules as RelationshipFor: registration at the viewer's organisation, a
// current place on the care team (the viewer or the organisation), an open
// referral to the organisation; for social care, also the patient's consent
// to share with social care. Break-glass grants never put a patient on a
// list: they are for one emergency, not for browsing.
type CohortFilter struct {
	Viewer joinedup.User
	Now    time.Time

	LocalityID string // Organisation.ID of a locality; its practices' patients
	PracticeID string // Organisation.ID of a practice
	// Tier is the current tier: the latest decision, else the suggestion.
	Tier     joinedup.Tier
	Status   CohortStatus
	DataGaps bool // only patients whose assessment found data gaps
	// Search is an NHS number (spaces allowed) or the start of a family or
	// given name.
	Search string
	// Caseload limits the list to patients the viewer personally is on the
	// care team of, eligible or not.
	Caseload bool

	Offset, Limit int // Limit 0 means CohortPageSize
}

// CohortRow is one patient in a cohort list.
type CohortRow struct {
	Patient       joinedup.Patient
	PracticeName  string
	Eligible      bool
	SuggestedTier joinedup.Tier // empty when never assessed
	Tier          joinedup.Tier // the current tier: decision, else suggestion
	Status        CohortStatus
	DataGaps      int
}

// linkedCTE selects the ids of the patients user u is linked with at now
// other than by registration: a current place on the care team (the user
// or the organisation) or an open referral to the organisation. With
// registration at the organisation (patients.practice_id) these are the
// relationships RelationshipFor decides one patient by. A patient linked in
// more than one way appears more than once, so use it as a set (IN). Its
// arguments are $1 organisation, $2 user id, $3 now.
const linkedCTE = `linked AS (
	SELECT patient_id FROM care_team_members WHERE (user_id = $2 OR organisation_id = $1)
		AND period_start <= $3 AND (period_end IS NULL OR period_end > $3)
	UNION ALL SELECT patient_id FROM referrals WHERE organisation_id = $1
		AND created_at <= $3 AND (closed_at IS NULL OR closed_at > $3))`

// relatedRow is true when the patient row p is registered at the
// organisation or linked (linkedCTE): the relationship, checked on the
// patient row itself, which is the authority on registration.
const relatedRow = `(p.practice_id = $1 OR p.id IN (SELECT patient_id FROM linked))`

// relatedPatient is relatedRow without the linked set: true when the user
// has a relationship with p, by the same rules and with the same arguments.
// Where the candidates are few (a worklist's tasks), testing each is
// cheaper than listing everyone related.
const relatedPatient = `(p.practice_id = $1
	OR EXISTS (SELECT 1 FROM care_team_members rm WHERE rm.patient_id = p.id AND (rm.user_id = $2 OR rm.organisation_id = $1)
		AND rm.period_start <= $3 AND (rm.period_end IS NULL OR rm.period_end > $3))
	OR EXISTS (SELECT 1 FROM referrals rr WHERE rr.patient_id = p.id AND rr.organisation_id = $1
		AND rr.created_at <= $3 AND (rr.closed_at IS NULL OR rr.closed_at > $3)))`

// socialCareConsent keeps only patients (the column id) whose latest
// consent shares with social care, as joinedup.Authorize requires for that
// role.
func socialCareConsent(id string) string {
	return ` AND COALESCE((SELECT c.social_care FROM consents c WHERE c.patient_id = ` + id + `
	ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), FALSE) = TRUE`
}

// tierRank orders red before amber before green.
const tierRank = `CASE COALESCE(ct.tier, k.suggested_tier) WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END`

// cohortWhere builds the FROM and WHERE of a cohort query and its
// arguments, after the three of linkedCTE. Its rows are k, with the
// columns patient_id, practice_id, family_name, given_name, eligible,
// suggested_tier and data_gap_count, and ct, the current tier if any.
//
// The cohort of an organisation is read from eligibleCTE, with the
// practice, name and death held beside each assessment (migrations 13 and
// 16): a list counts, filters and orders it without reading the patient
// rows, and reads those of the rows it shows alone (ListCohort rechecks
// them). A caseload, which holds patients never assessed, is read from the
// patient rows.
func cohortWhere(f CohortFilter) (string, []any) {
	args := relatedArgs(f.Viewer, f.Now)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var b strings.Builder
	if f.Caseload {
		// A current place of the viewer's own on the care team is itself
		// a relationship, so the related set need not be worked out.
		b.WriteString(` FROM (SELECT p.id AS patient_id, p.practice_id, p.family_name, p.given_name, COALESCE(ca.eligible, FALSE) AS eligible,
			COALESCE(ca.suggested_tier, '') AS suggested_tier, COALESCE(ca.data_gap_count, 0) AS data_gap_count
		FROM patients p LEFT JOIN current_assessments ca ON ca.patient_id = p.id
		WHERE p.deceased IS NULL AND p.id IN (SELECT m.patient_id FROM care_team_members m WHERE m.user_id = $2
			AND m.period_start <= $3 AND (m.period_end IS NULL OR m.period_end > $3))) k
	LEFT JOIN current_tiers ct ON ct.patient_id = k.patient_id
	WHERE TRUE`)
	} else {
		b.WriteString(` FROM eligible k
	LEFT JOIN current_tiers ct ON ct.patient_id = k.patient_id
	WHERE TRUE`)
	}
	if f.Viewer.Role == joinedup.RoleCommunitySocialCare {
		b.WriteString(socialCareConsent("k.patient_id"))
	}
	if f.PracticeID != "" {
		b.WriteString(" AND k.practice_id = " + arg(f.PracticeID))
	}
	if f.LocalityID != "" {
		b.WriteString(" AND k.practice_id IN (SELECT l.id FROM organisations l WHERE l.parent_id = " + arg(f.LocalityID) + ")")
	}
	if f.Tier != "" {
		b.WriteString(" AND COALESCE(ct.tier, k.suggested_tier) = " + arg(string(f.Tier)))
	}
	switch f.Status {
	case StatusSuggested:
		b.WriteString(" AND ct.patient_id IS NULL")
	case StatusConfirmed:
		b.WriteString(" AND ct.overridden = FALSE")
	case StatusOverridden:
		b.WriteString(" AND ct.overridden = TRUE")
	}
	if f.DataGaps {
		b.WriteString(" AND k.data_gap_count > 0")
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		if n, err := joinedup.ParseNHSNumber(s); err == nil {
			b.WriteString(" AND k.patient_id IN (SELECT s.id FROM patients s WHERE s.nhs_number = " + arg(string(n)) + ")")
		} else {
			// A prefix of either name, case-insensitively; the related set
			// is at most a practice's cohort, so no name index is needed.
			a := arg(strings.ToLower(escapeLike(s)) + "%")
			b.WriteString(" AND (LOWER(k.family_name) LIKE " + a + " ESCAPE '\\' OR LOWER(k.given_name) LIKE " + a +
				" ESCAPE '\\' OR LOWER(k.given_name || ' ' || k.family_name) LIKE " + a + " ESCAPE '\\')")
		}
	}
	return b.String(), args
}

// eligibleCTE selects the current assessments in the cohort of the living
// patients the user may be related to: those the assessment places at the
// organisation, and those linked to it. A practice list is tens of
// thousands of patients and the cohort a few hundred of them; both halves
// are read from the small indexes of eligible assessments alone, with no
// patient row. Materialised, so no planner is tempted to start from the
// patients.
const eligibleCTE = `eligible AS MATERIALIZED (
	SELECT ` + eligibleCols + ` FROM current_assessments
	WHERE eligible = TRUE AND deceased = FALSE AND practice_id = $1
	UNION
	SELECT ` + eligibleCols + ` FROM current_assessments
	WHERE eligible = TRUE AND deceased = FALSE AND patient_id IN (SELECT patient_id FROM linked))`

// eligibleCols are what eligibleCTE reads of each assessment, all of them
// in its indexes.
const eligibleCols = "patient_id, practice_id, family_name, given_name, eligible, suggested_tier, data_gap_count"

// relatedArgs are the arguments of linkedCTE and relatedPatient.
func relatedArgs(u joinedup.User, now time.Time) []any {
	org := u.OrganisationID
	if org == "" {
		org = "\x00no organisation" // matches no practice, team or referral
	}
	return []any{org, u.ID, dbTime(now)}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListCohort returns one page of the patients f selects, red first, then
// by name, and how many there are in all.
func ListCohort(ctx context.Context, q Querier, f CohortFilter) (_ []CohortRow, total int, _ error) {
	if f.Limit <= 0 {
		f.Limit = CohortPageSize
	}
	from, args := cohortWhere(f)
	// The page is chosen, and the total counted with it (a window count),
	// from what cohortWhere reads; then the page's own patient rows are
	// read, with their practices' names, and each is checked again on the
	// row itself: deceased, or no longer related, it is not shown.
	rows, err := q.QueryContext(ctx, "WITH "+linkedCTE+", "+eligibleCTE+` SELECT p.id, p.nhs_number, p.given_name, p.family_name, p.birth_date, p.sex,
		p.language, p.interpreter_required, p.practice_id, COALESCE(o.name, ''), r.eligible, r.suggested_tier, r.tier, r.overridden, r.data_gap_count, r.total
		FROM (SELECT k.patient_id, k.family_name, k.given_name, k.eligible, k.suggested_tier,
			ct.tier, ct.overridden, k.data_gap_count, COUNT(*) OVER () AS total, `+tierRank+` AS rank`+from+
		fmt.Sprintf(" ORDER BY rank, k.family_name, k.given_name, k.patient_id LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))+`) r
		JOIN patients p ON p.id = r.patient_id
		LEFT JOIN organisations o ON o.id = p.practice_id
		WHERE p.deceased IS NULL AND `+relatedRow+`
		ORDER BY r.rank, r.family_name, r.given_name, r.patient_id`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list cohort for %s: %w", f.Viewer.Username, err)
	}
	defer rows.Close()
	var out []CohortRow
	for rows.Next() {
		var (
			r              CohortRow
			nhs, practice  sql.NullString
			birth          nt
			sex, suggested string
			decided        sql.NullString
			overridden     sql.NullBool
		)
		if err := rows.Scan(&r.Patient.ID, &nhs, &r.Patient.GivenName, &r.Patient.FamilyName, &birth, &sex, &r.Patient.Language,
			&r.Patient.InterpreterRequired, &practice, &r.PracticeName, &r.Eligible, &suggested, &decided, &overridden, &r.DataGaps, &total); err != nil {
			return nil, 0, fmt.Errorf("list cohort for %s: %w", f.Viewer.Username, err)
		}
		r.Patient.NHSNumber, r.Patient.BirthDate, r.Patient.Sex, r.Patient.PracticeID = joinedup.NHSNumber(nhs.String), birth.t(), joinedup.Sex(sex), practice.String
		r.SuggestedTier, r.Tier = joinedup.Tier(suggested), joinedup.Tier(suggested)
		switch {
		case decided.Valid:
			r.Tier, r.Status = joinedup.Tier(decided.String), StatusConfirmed
			if overridden.Bool {
				r.Status = StatusOverridden
			}
		case r.Eligible:
			r.Status = StatusSuggested
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list cohort for %s: %w", f.Viewer.Username, err)
	}
	if len(out) == 0 && f.Offset > 0 {
		// A page past the end has no row to carry the total.
		if err := q.QueryRowContext(ctx, "WITH "+linkedCTE+", "+eligibleCTE+" SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count cohort for %s: %w", f.Viewer.Username, err)
		}
	}
	return out, total, nil
}

// CohortCount is the number of eligible patients at one practice with one
// current tier and status.
type CohortCount struct {
	LocalityID, LocalityName string
	PracticeID, PracticeName string
	ODS                      string
	Tier                     joinedup.Tier
	Status                   CohortStatus
	Patients                 int
}

// CohortCounts counts the whole cohort (every eligible patient) by
// locality, practice, current tier and status. The counts are not
// suppressed: whoever shows them must (joinedup.Suppress).
func CohortCounts(ctx context.Context, q Querier) ([]CohortCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(l.id, ''), COALESCE(l.name, ''), COALESCE(o.id, ''), COALESCE(o.name, ''), COALESCE(o.ods, ''),
		COALESCE(ct.tier, ca.suggested_tier), CASE WHEN ct.patient_id IS NULL THEN 'suggested' WHEN ct.overridden THEN 'overridden' ELSE 'confirmed' END,
		COUNT(*)
		FROM current_assessments ca JOIN patients p ON p.id = ca.patient_id
		LEFT JOIN current_tiers ct ON ct.patient_id = ca.patient_id
		LEFT JOIN organisations o ON o.id = p.practice_id
		LEFT JOIN organisations l ON l.id = o.parent_id
		WHERE ca.eligible = TRUE AND p.deceased IS NULL
		GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 2, 4, 6, 7`)
	if err != nil {
		return nil, fmt.Errorf("count cohort: %w", err)
	}
	defer rows.Close()
	var out []CohortCount
	for rows.Next() {
		var c CohortCount
		var tier, status string
		if err := rows.Scan(&c.LocalityID, &c.LocalityName, &c.PracticeID, &c.PracticeName, &c.ODS, &tier, &status, &c.Patients); err != nil {
			return nil, fmt.Errorf("count cohort: %w", err)
		}
		c.Tier, c.Status = joinedup.Tier(tier), CohortStatus(status)
		out = append(out, c)
	}
	return out, rows.Err()
}

// WorkItem is an open task on a worklist, with who it is about.
type WorkItem struct {
	Task    joinedup.Task
	Patient joinedup.Patient // id, NHS number and name
}

// WorklistTasks returns the open tasks assigned to the viewer or the
// viewer's organisation, soonest due first, about patients the viewer has a
// relationship with (as CohortFilter explains): at most limit of them,
// after the first offset.
func WorklistTasks(ctx context.Context, q Querier, viewer joinedup.User, now time.Time, offset, limit int) ([]WorkItem, error) {
	consent := ""
	if viewer.Role == joinedup.RoleCommunitySocialCare {
		consent = socialCareConsent("p.id")
	}
	// The tasks assigned to the organisation, then those assigned to the
	// user alone, are each walked in the order shown, stopping at the
	// limit: a practice may have hundreds of open tasks, and the patient
	// of each one passed over would otherwise be read.
	offset = max(offset, 0)
	lim := max(limit, 1) + offset
	branch := func(assignee string) string {
		return `SELECT * FROM (SELECT t.id, t.patient_id, t.kind, t.title, t.reason, t.due, t.priority, t.status, t.version, t.created_at,
		p.nhs_number, p.given_name, p.family_name
		FROM tasks t JOIN patients p ON p.id = t.patient_id
		WHERE t.status = 'open' AND ` + assignee + ` AND ` + relatedPatient + consent +
			fmt.Sprintf(" ORDER BY t.due NULLS LAST, t.priority, t.created_at, t.id LIMIT %d) w", lim)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, patient_id, kind, title, reason, due, priority, status, version, nhs_number, given_name, family_name
		FROM (`+branch("t.assignee_org = $1")+` UNION ALL `+branch("t.assignee_user = $2 AND (t.assignee_org IS NULL OR t.assignee_org <> $1)")+`) u`+
		fmt.Sprintf(" ORDER BY due NULLS LAST, priority, created_at, id LIMIT %d OFFSET %d", max(limit, 1), offset), relatedArgs(viewer, now)...)
	if err != nil {
		return nil, fmt.Errorf("worklist of %s: %w", viewer.Username, err)
	}
	defer rows.Close()
	var out []WorkItem
	for rows.Next() {
		var (
			w   WorkItem
			due nt
			nhs sql.NullString
		)
		if err := rows.Scan(&w.Task.ID, &w.Task.PatientID, &w.Task.Kind, &w.Task.Title, &w.Task.Reason, &due, &w.Task.Priority, &w.Task.Status,
			&w.Task.Version, &nhs, &w.Patient.GivenName, &w.Patient.FamilyName); err != nil {
			return nil, fmt.Errorf("worklist of %s: %w", viewer.Username, err)
		}
		w.Task.Due, w.Patient.ID, w.Patient.NHSNumber = due.t(), w.Task.PatientID, joinedup.NHSNumber(nhs.String)
		out = append(out, w)
	}
	return out, rows.Err()
}

// CoordinatorOf maps each patient with a care coordinator on the care team
// at now to that coordinator's display name (the earliest, when several).
func CoordinatorOf(ctx context.Context, q Querier, now time.Time) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.patient_id, u.display_name FROM care_team_members m JOIN users u ON u.id = m.user_id
		WHERE u.role = $1 AND m.period_start <= $2 AND (m.period_end IS NULL OR m.period_end > $2)
		ORDER BY m.patient_id, m.period_start DESC, m.id DESC`, string(joinedup.RoleCareCoordinator), dbTime(now))
	if err != nil {
		return nil, fmt.Errorf("care coordinators: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, name string
		if err := rows.Scan(&p, &name); err != nil {
			return nil, fmt.Errorf("care coordinators: %w", err)
		}
		out[p] = name // the last row per patient is the earliest place
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

const taskCols = `t.patient_id, t.id, t.kind, t.title, t.reason, COALESCE(t.assignee_org, ''), COALESCE(t.assignee_user, ''), t.assignee_role,
	t.due, t.priority, t.status, t.dedupe_key, t.source, t.note, t.close_reason, COALESCE(t.created_by, ''), t.created_at,
	COALESCE(t.updated_by, ''), t.updated_at, t.closed_at, t.version`

func scanTask(sc interface{ Scan(...any) error }, extra ...any) (joinedup.Task, error) {
	var t joinedup.Task
	var due, created, updated, closed nt
	err := sc.Scan(append([]any{&t.PatientID, &t.ID, &t.Kind, &t.Title, &t.Reason, &t.AssigneeOrg, &t.AssigneeUser, &t.AssigneeRole,
		&due, &t.Priority, &t.Status, &t.DedupeKey, &t.Source, &t.Note, &t.CloseReason, &t.CreatedBy, &created,
		&t.UpdatedBy, &updated, &closed, &t.Version}, extra...)...)
	t.Due, t.CreatedAt, t.UpdatedAt, t.ClosedAt = due.t(), created.t(), updated.t(), closed.t()
	return t, err
}

func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

// RaiseTask creates the task unless a task with the same dedupe key exists
// for the patient (open, or closed by hand): an event raises its task once,
// however often it is seen. raised reports whether a task was created. A
// task already closed (as an import brings one) keeps its ClosedAt.
func RaiseTask(ctx context.Context, q Writer, t *joinedup.Task) (raised bool, err error) {
	if t.ID == "" {
		t.ID = NewID()
	}
	if t.Status == "" {
		t.Status = joinedup.TaskOpen
	}
	if t.Priority == 0 {
		t.Priority = 2
	}
	if t.Source == "" {
		t.Source = "event"
	}
	if t.Version == 0 {
		t.Version = 1
	}
	t.CreatedAt = dbTime(t.CreatedAt)
	res, err := q.ExecContext(ctx, `INSERT INTO tasks (patient_id, id, kind, title, reason, assignee_org, assignee_user, assignee_role, due,
		priority, status, dedupe_key, source, note, created_by, created_at, version, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (patient_id, dedupe_key) DO NOTHING`,
		t.PatientID, t.ID, t.Kind, t.Title, t.Reason, nullString(t.AssigneeOrg), nullString(t.AssigneeUser), t.AssigneeRole, dateArg(t.Due),
		t.Priority, t.Status, t.DedupeKey, t.Source, t.Note, nullString(t.CreatedBy), t.CreatedAt, t.Version, nullTime(dbTime(t.ClosedAt)))
	if err != nil {
		return false, fmt.Errorf("raise %s task for %s: %w", t.Kind, t.PatientID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CreateTask stores a task raised by hand. Its dedupe key is its own id, so
// it never collides with an event's task.
func CreateTask(ctx context.Context, q Writer, t joinedup.Task) (joinedup.Task, error) {
	t.ID = NewID()
	t.Source = "manual"
	t.DedupeKey = "manual:" + t.ID
	t.Status, t.Version = joinedup.TaskOpen, 1
	if _, err := RaiseTask(ctx, q, &t); err != nil {
		return t, err
	}
	return t, nil
}

// CloseTasks closes the patient's open tasks of a kind, because the
// condition that raised them is met; it returns how many it closed.
func CloseTasks(ctx context.Context, q Writer, patientID, kind string, at time.Time) (int, error) {
	return CloseTasksBecause(ctx, q, patientID, kind, "", at)
}

// CloseTasksBecause is CloseTasks saying why. The dedupe key is released
// (suffixed with the task id) so the same event can raise a new task later.
func CloseTasksBecause(ctx context.Context, q Writer, patientID, kind, reason string, at time.Time) (int, error) {
	res, err := q.ExecContext(ctx, `UPDATE tasks SET status = 'done', closed_at = $3, updated_at = $3, close_reason = $4, version = version + 1,
		dedupe_key = dedupe_key || '#' || id
		WHERE patient_id = $1 AND kind = $2 AND status IN ('open', 'in-progress')`, patientID, kind, dbTime(at), reason)
	if err != nil {
		return 0, fmt.Errorf("close %s tasks of %s: %w", kind, patientID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// EndEventTask closes the open task raised for one event (by its dedupe
// key) with status done or cancelled, saying why: done when what it was
// for is over, cancelled when the event itself is withdrawn. The key is
// released so the event, if it happens again, raises a task again.
func EndEventTask(ctx context.Context, q Writer, patientID, dedupeKey, status, reason string, at time.Time) (int, error) {
	if status != "done" && status != "cancelled" {
		return 0, fmt.Errorf("end task %s of %s: status %q: %w", dedupeKey, patientID, status, joinedup.ErrInvalid)
	}
	res, err := q.ExecContext(ctx, `UPDATE tasks SET status = $5, closed_at = $3, updated_at = $3, close_reason = $4, version = version + 1,
		dedupe_key = dedupe_key || '#' || id
		WHERE patient_id = $1 AND dedupe_key = $2 AND status IN ('open', 'in-progress')`, patientID, dedupeKey, dbTime(at), reason, status)
	if err != nil {
		return 0, fmt.Errorf("end task %s of %s: %w", dedupeKey, patientID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// OpenTasks returns the patient's open and in-progress tasks, soonest due
// first.
func OpenTasks(ctx context.Context, q Querier, patientID string) ([]joinedup.Task, error) {
	return patientTasks(ctx, q, patientID, "AND t.status IN ('open', 'in-progress')")
}

// PatientTasks returns all the patient's tasks, open ones first (soonest due
// first), then closed ones, most recently closed first.
func PatientTasks(ctx context.Context, q Querier, patientID string) ([]joinedup.Task, error) {
	return patientTasks(ctx, q, patientID, "")
}

func patientTasks(ctx context.Context, q Querier, patientID, cond string) ([]joinedup.Task, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+" FROM tasks t WHERE t.patient_id = $1 "+cond+`
		ORDER BY CASE WHEN t.status IN ('open', 'in-progress') THEN 0 ELSE 1 END, t.due, t.priority, t.closed_at DESC, t.created_at, t.id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read tasks of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("read tasks of %s: %w", patientID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetTask returns one of the patient's tasks.
func GetTask(ctx context.Context, q Querier, patientID, id string) (joinedup.Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, "SELECT "+taskCols+" FROM tasks t WHERE t.patient_id = $1 AND t.id = $2", patientID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("task %s of %s: %w", id, patientID, joinedup.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read task %s of %s: %w", id, patientID, err)
	}
	return t, nil
}

// TaskUpdate is a change to a task by hand. Nil fields are left as they
// are.
type TaskUpdate struct {
	Status       *string
	Note         *string
	AssigneeUser *string
	AssigneeOrg  *string
}

// UpdateTask applies u to the task if it is still at version; otherwise it
// returns joinedup.ErrConflict with the current task, so the caller can show what
// changed. A task closed by hand keeps its dedupe key, so the event that
// raised it does not raise it again.
func UpdateTask(ctx context.Context, q Writer, patientID, id string, version int, u TaskUpdate, by string, at time.Time) (joinedup.Task, error) {
	cur, err := GetTask(ctx, q, patientID, id)
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, fmt.Errorf("task %s of %s is at version %d, not %d: %w", id, patientID, cur.Version, version, joinedup.ErrConflict)
	}
	next := cur
	if u.Status != nil {
		next.Status = *u.Status
	}
	if u.Note != nil {
		next.Note = *u.Note
	}
	if u.AssigneeUser != nil {
		next.AssigneeUser = *u.AssigneeUser
	}
	if u.AssigneeOrg != nil {
		next.AssigneeOrg = *u.AssigneeOrg
	}
	at = dbTime(at)
	switch {
	case next.Open():
		next.ClosedAt = time.Time{}
	case cur.Open():
		next.ClosedAt = at
	}
	res, err := q.ExecContext(ctx, `UPDATE tasks SET status = $4, note = $5, assignee_user = $6, assignee_org = $7, closed_at = $8,
		updated_by = $9, updated_at = $10, version = version + 1
		WHERE patient_id = $1 AND id = $2 AND version = $3`, patientID, id, version, next.Status, next.Note,
		nullString(next.AssigneeUser), nullString(next.AssigneeOrg), nullTime(next.ClosedAt), nullString(by), at)
	if err != nil {
		return cur, fmt.Errorf("update task %s of %s: %w", id, patientID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		cur, err := GetTask(ctx, q, patientID, id)
		if err != nil {
			return cur, err
		}
		return cur, fmt.Errorf("task %s of %s changed while being updated: %w", id, patientID, joinedup.ErrConflict)
	}
	return GetTask(ctx, q, patientID, id)
}

// TaskRow is a task on a list across patients, with what identifies the
// patient and where they are registered.
type TaskRow struct {
	Task         joinedup.Task
	PatientName  string
	NHSNumber    string
	PracticeID   string
	PracticeName string
	LocalityID   string
	LocalityName string
}

const taskRowFrom = `FROM tasks t JOIN patients p ON p.id = t.patient_id
	LEFT JOIN organisations pr ON pr.id = p.practice_id
	LEFT JOIN organisations l ON l.id = pr.parent_id AND l.kind = 'locality'`

const taskRowCols = `, p.given_name, p.family_name, COALESCE(p.nhs_number, ''), COALESCE(p.practice_id, ''), COALESCE(pr.name, ''),
	COALESCE(l.id, ''), COALESCE(l.name, '')`

func taskRows(ctx context.Context, q Querier, what, where string, args ...any) ([]TaskRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+taskRowCols+" "+taskRowFrom+" WHERE "+where+
		" ORDER BY t.due, t.priority, t.created_at, t.id", args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []TaskRow
	for rows.Next() {
		var r TaskRow
		var given, family string
		if r.Task, err = scanTask(rows, &given, &family, &r.NHSNumber, &r.PracticeID, &r.PracticeName, &r.LocalityID, &r.LocalityName); err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		r.PatientName = joinedup.Patient{GivenName: given, FamilyName: family}.Name()
		out = append(out, r)
	}
	return out, rows.Err()
}

// WorklistFor returns the open tasks assigned to the user, and those
// assigned to the user's organisation as a team (no one person named),
// soonest due first.
func WorklistFor(ctx context.Context, q Querier, userID, organisationID string) ([]TaskRow, error) {
	return taskRows(ctx, q, "worklist", `t.status IN ('open', 'in-progress')
		AND (t.assignee_user = $1 OR (t.assignee_user IS NULL AND t.assignee_org = $2))`, userID, organisationID)
}

// OverdueFilter narrows the overdue list to one practice or locality
// (organisation ids); empty fields do not narrow.
type OverdueFilter struct {
	PracticeID string
	LocalityID string
}

// OverdueTasks returns the open tasks due before asOf's date, oldest due
// first, with the patient's practice and locality.
func OverdueTasks(ctx context.Context, q Querier, f OverdueFilter, asOf time.Time) ([]TaskRow, error) {
	where := []string{"t.status IN ('open', 'in-progress')", "t.due < $1"}
	args := []any{asOf.UTC().Format(time.DateOnly)}
	if f.PracticeID != "" {
		args = append(args, f.PracticeID)
		where = append(where, fmt.Sprintf("p.practice_id = $%d", len(args)))
	}
	if f.LocalityID != "" {
		args = append(args, f.LocalityID)
		where = append(where, fmt.Sprintf("l.id = $%d", len(args)))
	}
	return taskRows(ctx, q, "overdue tasks", strings.Join(where, " AND "), args...)
}

// OverdueCount is the number of overdue open tasks of one kind at one
// practice.
type OverdueCount struct {
	LocalityID   string
	LocalityName string
	PracticeID   string
	PracticeODS  string
	PracticeName string
	Kind         string
	Tasks        int
}

// OverdueCounts counts the open and in-progress tasks about living
// patients due before asOf's date, by locality, practice and kind: work
// that has slipped. Every view of overdue work counts it this way.
func OverdueCounts(ctx context.Context, q Querier, asOf time.Time) ([]OverdueCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(l.id, ''), COALESCE(l.name, ''), COALESCE(p.practice_id, ''), COALESCE(pr.ods, ''),
		COALESCE(pr.name, ''), t.kind, COUNT(*) `+taskRowFrom+`
		WHERE t.status IN ('open', 'in-progress') AND t.due < $1 AND p.deceased IS NULL AND p.practice_id IS NOT NULL
		GROUP BY l.id, l.name, p.practice_id, pr.ods, pr.name, t.kind
		ORDER BY 2, 5, 6`, asOf.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("count overdue tasks: %w", err)
	}
	defer rows.Close()
	var out []OverdueCount
	for rows.Next() {
		var c OverdueCount
		if err := rows.Scan(&c.LocalityID, &c.LocalityName, &c.PracticeID, &c.PracticeODS, &c.PracticeName, &c.Kind, &c.Tasks); err != nil {
			return nil, fmt.Errorf("count overdue tasks: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseloadRow is one patient on a user's caseload with what needs doing.
type CaseloadRow struct {
	PatientID   string
	PatientName string
	NHSNumber   string
	PracticeID  string
	Tier        joinedup.Tier // "" when no tier has been confirmed
	Role        joinedup.CareTeamRole
	OpenTasks   int
	Overdue     int       // open tasks due before asOf
	DueSoon     int       // open tasks due from asOf to asOf + soon
	NextDue     time.Time // the earliest due date of the open tasks
}

// Caseload returns the patients for whom the user currently holds a
// care-team place in role, with their tier and task counts at asOf
// (unsorted: see worklist.SortCaseload).
func Caseload(ctx context.Context, q Querier, userID string, role joinedup.CareTeamRole, asOf time.Time, soon time.Duration) ([]CaseloadRow, error) {
	today := asOf.UTC().Format(time.DateOnly)
	horizon := asOf.Add(soon).UTC().Format(time.DateOnly)
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.given_name, p.family_name, COALESCE(p.nhs_number, ''), COALESCE(p.practice_id, ''),
		COALESCE(ct.tier, ''), c.role,
		(SELECT COUNT(*) FROM tasks t WHERE t.patient_id = p.id AND t.status IN ('open', 'in-progress')),
		(SELECT COUNT(*) FROM tasks t WHERE t.patient_id = p.id AND t.status IN ('open', 'in-progress') AND t.due < $3),
		(SELECT COUNT(*) FROM tasks t WHERE t.patient_id = p.id AND t.status IN ('open', 'in-progress') AND t.due >= $3 AND t.due <= $4),
		(SELECT MIN(t.due) FROM tasks t WHERE t.patient_id = p.id AND t.status IN ('open', 'in-progress'))
		FROM care_team_members c JOIN patients p ON p.id = c.patient_id
		LEFT JOIN current_tiers ct ON ct.patient_id = p.id
		WHERE c.user_id = $1 AND c.role = $2 AND c.period_start <= $5 AND (c.period_end IS NULL OR c.period_end > $5)`,
		userID, string(role), today, horizon, dbTime(asOf))
	if err != nil {
		return nil, fmt.Errorf("read caseload of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []CaseloadRow
	seen := map[string]bool{}
	for rows.Next() {
		var r CaseloadRow
		var given, family, tier, crole string
		var next any
		if err := rows.Scan(&r.PatientID, &given, &family, &r.NHSNumber, &r.PracticeID, &tier, &crole, &r.OpenTasks, &r.Overdue,
			&r.DueSoon, &next); err != nil {
			return nil, fmt.Errorf("read caseload of %s: %w", userID, err)
		}
		if seen[r.PatientID] {
			continue // two places in the same role count once
		}
		seen[r.PatientID] = true
		r.PatientName = joinedup.Patient{GivenName: given, FamilyName: family}.Name()
		r.Tier, r.Role, r.NextDue = joinedup.Tier(tier), joinedup.CareTeamRole(crole), anyDate(next)
		out = append(out, r)
	}
	return out, rows.Err()
}

// anyDate reads a date an aggregate returned: SQLite gives the stored text,
// PostgreSQL a time.
func anyDate(v any) time.Time {
	switch d := v.(type) {
	case time.Time:
		return d.UTC()
	case string:
		if t, err := time.Parse(time.DateOnly, d[:min(len(d), 10)]); err == nil {
			return t
		}
	case []byte:
		return anyDate(string(d))
	}
	return time.Time{}
}

// AssignTeamTask gives the open task raised by dedupeKey to a user, if it is
// still with a team (no user named): a task raised before anyone held its
// role follows the person who takes the role on. It reports whether it did.
func AssignTeamTask(ctx context.Context, q Writer, patientID, dedupeKey, userID, organisationID string, at time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE tasks SET assignee_user = $3, assignee_org = $4, updated_at = $5, version = version + 1
		WHERE patient_id = $1 AND dedupe_key = $2 AND assignee_user IS NULL AND status IN ('open', 'in-progress')`,
		patientID, dedupeKey, userID, nullString(organisationID), dbTime(at))
	if err != nil {
		return false, fmt.Errorf("assign task %s of %s: %w", dedupeKey, patientID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Holding is the work a practice holds for a patient: open tasks held by
// its team or its people, and current care-team places held by it or its
// people.
type Holding struct {
	PracticeID   string
	PracticeName string
	Tasks        []string
	Places       []string
}

// Holdings returns the work held for the patient at at by practices other
// than practiceID (the one they are registered with, "" for none), by
// practice. Tasks of the kinds in notices are the practice's own to read
// and are left out.
func Holdings(ctx context.Context, q Querier, patientID, practiceID string, at time.Time, notices ...string) ([]Holding, error) {
	at = dbTime(at)
	kinds, args := inList(notices, 5)
	notice := ""
	if kinds != "" {
		notice = " AND t.kind NOT IN (" + kinds + ")"
	}
	rows, err := q.QueryContext(ctx, `WITH held AS (
		SELECT COALESCE(u.organisation_id, t.assignee_org) AS org, 't' AS what, t.id FROM tasks t LEFT JOIN users u ON u.id = t.assignee_user
		WHERE t.patient_id = $1 AND t.status IN ('open', 'in-progress')`+notice+`
		UNION ALL
		SELECT COALESCE(u.organisation_id, c.organisation_id), 'p', c.id FROM care_team_members c LEFT JOIN users u ON u.id = c.user_id
		WHERE c.patient_id = $1 AND c.period_start <= $3 AND (c.period_end IS NULL OR c.period_end > $3))
		SELECT o.id, o.name, h.what, h.id FROM held h JOIN organisations o ON o.id = h.org
		WHERE o.kind = $4 AND o.id <> $2 ORDER BY o.id, h.what, h.id`,
		append([]any{patientID, practiceID, at, string(joinedup.OrgPractice)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("work held for %s by other practices: %w", patientID, err)
	}
	defer rows.Close()
	var out []Holding
	for rows.Next() {
		var org, name, what, id string
		if err := rows.Scan(&org, &name, &what, &id); err != nil {
			return nil, fmt.Errorf("work held for %s by other practices: %w", patientID, err)
		}
		if len(out) == 0 || out[len(out)-1].PracticeID != org {
			out = append(out, Holding{PracticeID: org, PracticeName: name})
		}
		h := &out[len(out)-1]
		if what == "t" {
			h.Tasks = append(h.Tasks, id)
		} else {
			h.Places = append(h.Places, id)
		}
	}
	return out, rows.Err()
}

// inList returns "$n, $n+1, ..." for vs and the values as arguments.
func inList(vs []string, n int) (string, []any) {
	ps := make([]string, len(vs))
	args := make([]any, len(vs))
	for i, v := range vs {
		ps[i], args[i] = fmt.Sprintf("$%d", n+i), v
	}
	return strings.Join(ps, ", "), args
}

// HandOver gives the practice the patient is registered with (practiceID)
// the work h holds: each task goes to that practice's team, saying so, and
// each care-team place ends at at. It returns how many tasks moved.
func HandOver(ctx context.Context, q Writer, patientID, practiceID string, h Holding, at time.Time) (int, error) {
	at = dbTime(at)
	note := fmt.Sprintf("(Moved from %s to the practice the patient registered with, on %s.)", h.PracticeName, at.UTC().Format(time.DateOnly))
	moved := 0
	for _, id := range h.Tasks {
		res, err := q.ExecContext(ctx, `UPDATE tasks SET assignee_org = $3, assignee_user = NULL, updated_at = $4, version = version + 1,
			note = CASE WHEN note = '' THEN $5 ELSE note || ' ' || $5 END
			WHERE patient_id = $1 AND id = $2 AND status IN ('open', 'in-progress')`, patientID, id, practiceID, at, note)
		if err != nil {
			return moved, fmt.Errorf("hand task %s of %s to their practice: %w", id, patientID, err)
		}
		n, _ := res.RowsAffected()
		moved += int(n)
	}
	for _, id := range h.Places {
		if _, err := q.ExecContext(ctx, `UPDATE care_team_members SET period_end = $3 WHERE patient_id = $1 AND id = $2
			AND (period_end IS NULL OR period_end > $3)`, patientID, id, at); err != nil {
			return moved, fmt.Errorf("end care-team place %s of %s: %w", id, patientID, err)
		}
	}
	return moved, nil
}

// CloseDueTasks closes the patient's open tasks of a kind due before
// before, saying why, and returns how many it closed.
func CloseDueTasks(ctx context.Context, q Writer, patientID, kind, reason string, before, at time.Time) (int, error) {
	res, err := q.ExecContext(ctx, `UPDATE tasks SET status = 'done', closed_at = $4, updated_at = $4, close_reason = $5, version = version + 1,
		dedupe_key = dedupe_key || '#' || id
		WHERE patient_id = $1 AND kind = $2 AND status IN ('open', 'in-progress') AND due < $3`,
		patientID, kind, dateArg(before), dbTime(at), reason)
	if err != nil {
		return 0, fmt.Errorf("close %s tasks of %s: %w", kind, patientID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// TaskKey is what the worklist rules need to know of a task to decide
// whether a closure or a raise would change anything.
type TaskKey struct {
	Kind, DedupeKey string
	Due             time.Time
	Open            bool // open or in progress
	Unassigned      bool // no one person holds it
}

// TaskKeys returns the keys of all the patient's tasks, open and closed:
// one read that spares a sync the statements that would change nothing.
func TaskKeys(ctx context.Context, q Querier, patientID string) ([]TaskKey, error) {
	var out []TaskKey
	err := eachRow(ctx, q, "task keys of "+patientID, func(rows *sql.Rows) error {
		var k TaskKey
		var due nt
		if err := rows.Scan(&k.Kind, &k.DedupeKey, &due, &k.Open, &k.Unassigned); err != nil {
			return err
		}
		k.Due = due.t()
		out = append(out, k)
		return nil
	}, `SELECT kind, dedupe_key, due, status IN ('open', 'in-progress'), assignee_user IS NULL FROM tasks WHERE patient_id = $1`, patientID)
	return out, err
}

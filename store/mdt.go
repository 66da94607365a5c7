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

const meetingCols = `m.id, m.organisation_id, m.title, m.starts_at, m.location, m.chair_id, m.repeat_weeks, m.attendees,
	COALESCE(m.next_id, ''), m.created_by, m.created_at`

func scanMeeting(sc interface{ Scan(...any) error }, extra ...any) (joinedup.MDTMeeting, string, error) {
	var m joinedup.MDTMeeting
	var start, created nt
	var attendees, next string
	err := sc.Scan(append([]any{&m.ID, &m.OrganisationID, &m.Title, &start, &m.Location, &m.ChairID, &m.RepeatWeeks, &attendees,
		&next, &m.CreatedBy, &created}, extra...)...)
	if err != nil {
		return m, "", err
	}
	m.Start, m.CreatedAt = start.t(), created.t()
	if err := json.Unmarshal([]byte(attendees), &m.Attendees); err != nil {
		return m, "", fmt.Errorf("decode attendees of meeting %s: %w", m.ID, err)
	}
	return m, next, nil
}

// CreateMDTMeeting stores a meeting, which must pass Validate.
func CreateMDTMeeting(ctx context.Context, q Writer, m joinedup.MDTMeeting) (joinedup.MDTMeeting, error) {
	if err := m.Validate(); err != nil {
		return m, err
	}
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.Attendees == nil {
		m.Attendees = []joinedup.MDTAttendee{}
	}
	m.Start, m.CreatedAt = dbTime(m.Start), dbTime(m.CreatedAt)
	_, err := q.ExecContext(ctx, `INSERT INTO mdt_meetings (id, organisation_id, title, starts_at, location, chair_id, repeat_weeks, attendees,
		created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, m.ID, m.OrganisationID, m.Title, m.Start, m.Location,
		m.ChairID, m.RepeatWeeks, jsonText(m.Attendees), m.CreatedBy, m.CreatedAt)
	if err != nil {
		return m, fmt.Errorf("create MDT meeting %q: %w", m.Title, err)
	}
	return m, nil
}

// GetMDTMeeting returns a meeting, and the id of the meeting made from its
// schedule ("" when none has been).
func GetMDTMeeting(ctx context.Context, q Querier, id string) (joinedup.MDTMeeting, string, error) {
	m, next, err := scanMeeting(q.QueryRowContext(ctx, "SELECT "+meetingCols+" FROM mdt_meetings m WHERE m.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, "", fmt.Errorf("MDT meeting %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return m, "", fmt.Errorf("read MDT meeting %s: %w", id, err)
	}
	return m, next, nil
}

// CreateNextMDTMeeting makes the meeting after prev on its schedule, once:
// a second call (or two at once) gets joinedup.ErrConflict, naming the meeting made.
func CreateNextMDTMeeting(ctx context.Context, q Writer, prev joinedup.MDTMeeting, by string, at time.Time) (joinedup.MDTMeeting, error) {
	n, err := prev.Next()
	if err != nil {
		return n, err
	}
	n.ID, n.CreatedBy, n.CreatedAt = NewID(), by, at
	res, err := q.ExecContext(ctx, `UPDATE mdt_meetings SET next_id = $2 WHERE id = $1 AND next_id IS NULL`, prev.ID, n.ID)
	if err != nil {
		return n, fmt.Errorf("schedule the meeting after %s: %w", prev.ID, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return n, fmt.Errorf("the meeting after %s was already made from its schedule: %w", prev.ID, joinedup.ErrConflict)
	}
	return CreateMDTMeeting(ctx, q, n)
}

// MDTMeetingRow is a meeting on a list, with its organisation, chair and
// how many cases it has and has discussed.
type MDTMeetingRow struct {
	Meeting          joinedup.MDTMeeting
	OrganisationName string
	ChairName        string
	Cases            int
	Discussed        int
}

// MDTMeetings returns the meetings starting in [from, to), soonest first.
func MDTMeetings(ctx context.Context, q Querier, from, to time.Time) ([]MDTMeetingRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+meetingCols+`, COALESCE(o.name, ''), COALESCE(u.display_name, ''),
		(SELECT COUNT(*) FROM mdt_cases c WHERE c.meeting_id = m.id),
		(SELECT COUNT(*) FROM mdt_cases c WHERE c.meeting_id = m.id AND c.status = 'discussed')
		FROM mdt_meetings m LEFT JOIN organisations o ON o.id = m.organisation_id LEFT JOIN users u ON u.id = m.chair_id
		WHERE m.starts_at >= $1 AND m.starts_at < $2 ORDER BY m.starts_at, m.id`, dbTime(from), dbTime(to))
	if err != nil {
		return nil, fmt.Errorf("read MDT meetings: %w", err)
	}
	defer rows.Close()
	var out []MDTMeetingRow
	for rows.Next() {
		var r MDTMeetingRow
		if r.Meeting, _, err = scanMeeting(rows, &r.OrganisationName, &r.ChairName, &r.Cases, &r.Discussed); err != nil {
			return nil, fmt.Errorf("read MDT meetings: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PreviousMDTMeeting returns the organisation's latest meeting starting
// before before; ok is false when there is none.
func PreviousMDTMeeting(ctx context.Context, q Querier, organisationID string, before time.Time) (joinedup.MDTMeeting, bool, error) {
	m, _, err := scanMeeting(q.QueryRowContext(ctx, "SELECT "+meetingCols+` FROM mdt_meetings m
		WHERE m.organisation_id = $1 AND m.starts_at < $2 ORDER BY m.starts_at DESC, m.id DESC LIMIT 1`, organisationID, dbTime(before)))
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read the MDT meeting before %s: %w", before.Format(time.DateOnly), err)
	}
	return m, true, nil
}

const caseCols = `c.patient_id, c.id, c.meeting_id, c.position, c.reasons, c.status, c.outcome, c.decisions, COALESCE(c.recorded_by, ''),
	c.recorded_at, c.version`

func scanCase(sc interface{ Scan(...any) error }, extra ...any) (joinedup.MDTCase, error) {
	var k joinedup.MDTCase
	var reasons, status string
	var at nt
	if err := sc.Scan(append([]any{&k.PatientID, &k.ID, &k.MeetingID, &k.Position, &reasons, &status, &k.Outcome, &k.Decisions,
		&k.RecordedBy, &at, &k.Version}, extra...)...); err != nil {
		return k, err
	}
	k.Status, k.RecordedAt = joinedup.MDTCaseStatus(status), at.t()
	if err := json.Unmarshal([]byte(reasons), &k.Reasons); err != nil {
		return k, fmt.Errorf("decode reasons of MDT case %s: %w", k.ID, err)
	}
	return k, nil
}

// MDTCaseRow is a case on a meeting's list with who the patient is.
type MDTCaseRow struct {
	Case        joinedup.MDTCase
	PatientName string
	NHSNumber   joinedup.NHSNumber
	Tier        joinedup.Tier // the confirmed tier now; "" when none
}

// MDTCases returns a meeting's case list in its order.
func MDTCases(ctx context.Context, q Querier, meetingID string) ([]MDTCaseRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+caseCols+`, p.given_name, p.family_name, COALESCE(p.nhs_number, ''), COALESCE(ct.tier, '')
		FROM mdt_cases c JOIN patients p ON p.id = c.patient_id LEFT JOIN current_tiers ct ON ct.patient_id = c.patient_id
		WHERE c.meeting_id = $1 ORDER BY c.position, c.patient_id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("read the case list of meeting %s: %w", meetingID, err)
	}
	defer rows.Close()
	var out []MDTCaseRow
	for rows.Next() {
		var r MDTCaseRow
		var given, family, nhs, tier string
		if r.Case, err = scanCase(rows, &given, &family, &nhs, &tier); err != nil {
			return nil, fmt.Errorf("read the case list of meeting %s: %w", meetingID, err)
		}
		r.PatientName = joinedup.Patient{GivenName: given, FamilyName: family}.Name()
		r.NHSNumber, r.Tier = joinedup.NHSNumber(nhs), joinedup.Tier(tier)
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetMDTCase returns the patient's case at a meeting.
func GetMDTCase(ctx context.Context, q Querier, meetingID, patientID string) (joinedup.MDTCase, error) {
	k, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseCols+" FROM mdt_cases c WHERE c.patient_id = $1 AND c.meeting_id = $2",
		patientID, meetingID))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("patient %s on meeting %s: %w", patientID, meetingID, joinedup.ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("read the case of %s at meeting %s: %w", patientID, meetingID, err)
	}
	return k, nil
}

// SaveMDTCaseList makes the meeting's list cases: a patient already on it
// keeps their case (its reasons and place are updated while it is still
// pending); a new patient gets a case; a pending case no longer selected is
// removed. Recorded cases are never changed.
func SaveMDTCaseList(ctx context.Context, q Writer, meetingID string, cases []joinedup.MDTCase) error {
	keep := map[string]bool{}
	for i, k := range cases {
		keep[k.PatientID] = true
		_, err := q.ExecContext(ctx, `INSERT INTO mdt_cases (patient_id, id, meeting_id, position, reasons, status, version)
			VALUES ($1, $2, $3, $4, $5, 'pending', 1)
			ON CONFLICT (patient_id, meeting_id) DO UPDATE SET position = EXCLUDED.position, reasons = EXCLUDED.reasons,
				version = mdt_cases.version + 1
			WHERE mdt_cases.status = 'pending'`, k.PatientID, NewID(), meetingID, i+1, jsonText(k.Reasons))
		if err != nil {
			return fmt.Errorf("put patient %s on meeting %s: %w", k.PatientID, meetingID, err)
		}
	}
	cur, err := MDTCases(ctx, q, meetingID)
	if err != nil {
		return err
	}
	for _, r := range cur {
		if !keep[r.Case.PatientID] && r.Case.Status == joinedup.MDTPending {
			if _, err := q.ExecContext(ctx, `DELETE FROM mdt_cases WHERE patient_id = $1 AND id = $2 AND status = 'pending'`,
				r.Case.PatientID, r.Case.ID); err != nil {
				return fmt.Errorf("take patient %s off meeting %s: %w", r.Case.PatientID, meetingID, err)
			}
		}
	}
	return nil
}

// RecordMDTCase records whether the case was discussed, with its outcome,
// if it is still at version; a stale version gets joinedup.ErrConflict, a case already
// recorded as discussed joinedup.ErrConflict (with the case as it is).
func RecordMDTCase(ctx context.Context, q Writer, k joinedup.MDTCase, version int, by string, at time.Time) (joinedup.MDTCase, error) {
	cur, err := GetMDTCase(ctx, q, k.MeetingID, k.PatientID)
	if err != nil {
		return cur, err
	}
	if cur.Status == joinedup.MDTDiscussed {
		return cur, fmt.Errorf("case of %s at meeting %s is already recorded as discussed: %w", k.PatientID, k.MeetingID, joinedup.ErrConflict)
	}
	if cur.Version != version {
		return cur, fmt.Errorf("case of %s at meeting %s is at version %d, not %d: %w", k.PatientID, k.MeetingID, cur.Version, version, joinedup.ErrConflict)
	}
	res, err := q.ExecContext(ctx, `UPDATE mdt_cases SET status = $4, outcome = $5, decisions = $6, recorded_by = $7, recorded_at = $8,
		version = version + 1 WHERE patient_id = $1 AND id = $2 AND version = $3`, cur.PatientID, cur.ID, version, string(k.Status),
		k.Outcome, k.Decisions, by, dbTime(at))
	if err != nil {
		return cur, fmt.Errorf("record the case of %s at meeting %s: %w", k.PatientID, k.MeetingID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return cur, fmt.Errorf("case of %s at meeting %s changed while being recorded: %w", k.PatientID, k.MeetingID, joinedup.ErrConflict)
	}
	return GetMDTCase(ctx, q, k.MeetingID, k.PatientID)
}

// Kinds of MDT request.
const (
	MDTRequestDiscuss = "request" // a care-team member asks; open until the patient is discussed
	MDTRequestAdded   = "added"   // added by hand to one meeting's list
)

// MDTRequest is a request to discuss a patient, or a hand addition to one
// meeting's list.
type MDTRequest struct {
	ID          string
	PatientID   string
	Kind        string // MDTRequestDiscuss or MDTRequestAdded
	MeetingID   string // the meeting a hand addition is for
	Reason      string
	RequestedBy string // User.ID
	ByName      string // the requester's display name, when read
	RequestedAt time.Time
	AnsweredBy  string // the case that discussed the patient
}

// AddMDTRequest stores a request or hand addition.
func AddMDTRequest(ctx context.Context, q Writer, r MDTRequest) (MDTRequest, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.RequestedAt = dbTime(r.RequestedAt)
	_, err := q.ExecContext(ctx, `INSERT INTO mdt_requests (patient_id, id, kind, meeting_id, reason, requested_by, requested_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.PatientID, r.ID, r.Kind, nullString(r.MeetingID), r.Reason, r.RequestedBy, r.RequestedAt)
	if err != nil {
		return r, fmt.Errorf("store MDT %s for %s: %w", r.Kind, r.PatientID, err)
	}
	return r, nil
}

// AnswerMDTRequests marks the patient's open requests answered by the case
// that discussed them.
func AnswerMDTRequests(ctx context.Context, q Writer, patientID, caseID string) error {
	_, err := q.ExecContext(ctx, `UPDATE mdt_requests SET answered_case_id = $2
		WHERE patient_id = $1 AND kind = 'request' AND answered_case_id IS NULL`, patientID, caseID)
	if err != nil {
		return fmt.Errorf("answer MDT requests of %s: %w", patientID, err)
	}
	return nil
}

// MDTPatientState is what case-list selection needs of one patient.
type MDTPatientState struct {
	PatientID     string
	Tier          joinedup.Tier
	LastDiscussed time.Time
	Unplanned     []joinedup.Encounter // A&E attendances and emergency admissions (start, class)
	Requests      []MDTRequest         // open requests, and hand additions to this meeting
}

// scopeWhere limits patients (p, practice pr) to those registered at the
// organisation $1 or at a practice within it (a locality).
const scopeWhere = `(p.practice_id = $1 OR pr.parent_id = $1) AND p.deceased IS NULL`

// MDTState gathers, for a meeting of organisationID (meetingID) starting at
// start, the state of the patients it may discuss: those registered at the
// organisation or its practices with a confirmed tier (with when each was
// last discussed, and their A&E attendances and emergency admissions from
// since), those with an open request, and those added by hand.
func MDTState(ctx context.Context, q Querier, organisationID, meetingID string, start, since time.Time) ([]MDTPatientState, error) {
	byID := map[string]*MDTPatientState{}
	var order []string
	get := func(id string) *MDTPatientState {
		s := byID[id]
		if s == nil {
			s = &MDTPatientState{PatientID: id}
			byID[id] = s
			order = append(order, id)
		}
		return s
	}
	const from = ` FROM patients p LEFT JOIN organisations pr ON pr.id = p.practice_id `
	err := eachRow(ctx, q, "MDT tiers", func(rows *sql.Rows) error {
		var id, tier string
		if err := rows.Scan(&id, &tier); err != nil {
			return err
		}
		get(id).Tier = joinedup.Tier(tier)
		return nil
	}, "SELECT p.id, ct.tier"+from+"JOIN current_tiers ct ON ct.patient_id = p.id WHERE "+scopeWhere+" ORDER BY p.id", organisationID)
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, q, "MDT discussions", func(rows *sql.Rows) error {
		var id string
		var at nt
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		if s := byID[id]; s != nil && at.t().After(s.LastDiscussed) {
			s.LastDiscussed = at.t()
		}
		return nil
	}, `SELECT c.patient_id, m.starts_at FROM mdt_cases c JOIN mdt_meetings m ON m.id = c.meeting_id
		JOIN patients p ON p.id = c.patient_id LEFT JOIN organisations pr ON pr.id = p.practice_id
		WHERE `+scopeWhere+` AND c.status = 'discussed' AND m.starts_at < $2`, organisationID, dbTime(start))
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, q, "MDT unplanned care", func(rows *sql.Rows) error {
		var e joinedup.Encounter
		var at nt
		if err := rows.Scan(&e.PatientID, &at, &e.Class, &e.Emergency); err != nil {
			return err
		}
		e.Start = at.t()
		if s := byID[e.PatientID]; s != nil {
			s.Unplanned = append(s.Unplanned, e)
		}
		return nil
	}, `SELECT e.patient_id, e.start_time, e.class, e.emergency FROM encounters e JOIN patients p ON p.id = e.patient_id
		LEFT JOIN organisations pr ON pr.id = p.practice_id
		WHERE `+scopeWhere+` AND e.start_time >= $2 AND e.start_time < $3 AND (e.class = $4 OR (e.class = $5 AND e.emergency))
		AND `+encounterHappened("e")+`
		ORDER BY e.patient_id, e.start_time`, organisationID, dbTime(since), dbTime(start), joinedup.EncounterEmergency, joinedup.EncounterInpatient)
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, q, "MDT requests", func(rows *sql.Rows) error {
		var r MDTRequest
		var at nt
		if err := rows.Scan(&r.PatientID, &r.ID, &r.Kind, &r.MeetingID, &r.Reason, &r.RequestedBy, &r.ByName, &at); err != nil {
			return err
		}
		r.RequestedAt = at.t()
		s := get(r.PatientID)
		s.Requests = append(s.Requests, r)
		return nil
	}, `SELECT r.patient_id, r.id, r.kind, COALESCE(r.meeting_id, ''), r.reason, r.requested_by, COALESCE(u.display_name, r.requested_by),
		r.requested_at FROM mdt_requests r JOIN patients p ON p.id = r.patient_id LEFT JOIN organisations pr ON pr.id = p.practice_id
		LEFT JOIN users u ON u.id = r.requested_by
		WHERE (r.kind = 'request' AND r.answered_case_id IS NULL AND r.requested_at < $3 AND `+scopeWhere+`)
			OR (r.kind = 'added' AND r.meeting_id = $2 AND p.deceased IS NULL)
		ORDER BY r.requested_at, r.id`, organisationID, meetingID, dbTime(start))
	if err != nil {
		return nil, err
	}
	// Requests may name patients without a tier; their tier is read too.
	for _, id := range order {
		s := byID[id]
		if s.Tier == "" {
			var tier string
			err := q.QueryRowContext(ctx, `SELECT tier FROM current_tiers WHERE patient_id = $1`, id).Scan(&tier)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("read the tier of %s: %w", id, err)
			}
			s.Tier = joinedup.Tier(tier)
		}
	}
	out := make([]MDTPatientState, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

// eachRow runs a query and calls fn for each row.
func eachRow(ctx context.Context, q Querier, what string, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// PatientMDTCase is one of a patient's MDT cases with its meeting.
type PatientMDTCase struct {
	Case             joinedup.MDTCase
	MeetingTitle     string
	MeetingStart     time.Time
	OrganisationName string
}

// PatientMDTHistory returns the patient's MDT cases, latest meeting first.
func PatientMDTHistory(ctx context.Context, q Querier, patientID string) ([]PatientMDTCase, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+caseCols+`, m.title, m.starts_at, COALESCE(o.name, '')
		FROM mdt_cases c JOIN mdt_meetings m ON m.id = c.meeting_id LEFT JOIN organisations o ON o.id = m.organisation_id
		WHERE c.patient_id = $1 ORDER BY m.starts_at DESC, m.id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read MDT history of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []PatientMDTCase
	for rows.Next() {
		var r PatientMDTCase
		var at nt
		if r.Case, err = scanCase(rows, &r.MeetingTitle, &at, &r.OrganisationName); err != nil {
			return nil, fmt.Errorf("read MDT history of %s: %w", patientID, err)
		}
		r.MeetingStart = at.t()
		out = append(out, r)
	}
	return out, rows.Err()
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/mdt"
	"github.com/joinedup/joinedup/store"
)

// mdtRoutes are MDT meetings: planning them, their case lists, recording
// each case's outcome, and the patient's MDT history. Access to a case is
// decided per patient with joinedup.ActionReadMDTCase: the patient's care
// team and the meeting's organisation see it, others a count.
func (s *Server) mdtRoutes() []Route {
	const m = "/mdt/meetings/{meeting}"
	return []Route{
		{Method: "GET", Pattern: "/api/mdt/meetings", Action: joinedup.ActionReadMDT, Handle: s.mdtMeetingsAPI},
		{Method: "POST", Pattern: "/api/mdt/meetings", Action: joinedup.ActionManageMDT, Write: true, Handle: s.createMDTMeeting},
		{Method: "GET", Pattern: "/api" + m, Action: joinedup.ActionReadMDT, Handle: s.mdtMeetingAPI},
		{Method: "POST", Pattern: "/api" + m + "/case-list", Action: joinedup.ActionManageMDT, Write: true, Handle: s.buildMDTCaseList},
		{Method: "POST", Pattern: "/api" + m + "/next", Action: joinedup.ActionManageMDT, Write: true, Handle: s.nextMDTMeeting},
		{Method: "POST", Pattern: "/api" + m + "/patients/{id}", Action: joinedup.ActionWritePatient, Patient: true, Write: true, Handle: s.addMDTCase},
		{Method: "POST", Pattern: "/api" + m + "/patients/{id}/outcome", Action: joinedup.ActionRecordMDT, Patient: true, Write: true,
			Handle: s.recordMDTOutcomeAPI},
		{Method: "POST", Pattern: "/api/patients/{id}/mdt-requests", Action: joinedup.ActionRequestMDT, Patient: true, Write: true, Handle: s.requestMDT},
		{Method: "GET", Pattern: "/api/patients/{id}/mdt", Action: joinedup.ActionReadClinical, Patient: true, Handle: s.patientMDTAPI},
		{Method: "GET", Pattern: "/mdt", Action: joinedup.ActionReadMDT, Page: true, Handle: s.mdtMeetingsPage},
		{Method: "GET", Pattern: m, Action: joinedup.ActionReadMDT, Page: true, Handle: s.mdtMeetingPage("mdt-meeting.html")},
		{Method: "POST", Pattern: m + "/case-list", Action: joinedup.ActionManageMDT, Write: true, Page: true, Handle: s.buildMDTCaseListPage},
		{Method: "GET", Pattern: m + "/print", Action: joinedup.ActionReadMDT, Page: true, Handle: s.mdtMeetingPage("mdt-print.html")},
		{Method: "GET", Pattern: m + "/summary", Action: joinedup.ActionReadMDT, Page: true, Handle: s.mdtMeetingPage("mdt-summary.html")},
		{Method: "GET", Pattern: m + "/patients/{id}", Action: joinedup.ActionReadMDTCase, Patient: true, Page: true, Handle: s.mdtCasePage},
		{Method: "POST", Pattern: m + "/patients/{id}", Action: joinedup.ActionRecordMDT, Patient: true, Write: true, Page: true,
			Handle: s.recordMDTOutcomePage},
	}
}

func init() {
	routeGroups = append(routeGroups, (*Server).mdtRoutes)
	patientSections = append(patientSections, mdtHistorySection)
}

// ---- reading meetings ----

// meeting reads the meeting the path names.
func meeting(c *Call) (joinedup.MDTMeeting, string, error) {
	m, next, err := store.GetMDTMeeting(c.R.Context(), c.Q, c.R.PathValue("meeting"))
	if errors.Is(err, joinedup.ErrNotFound) {
		return m, "", joinedup.NotFound("no such MDT meeting")
	}
	return m, next, err
}

// caseView is a case as the user may see it.
type caseView struct {
	store.MDTCaseRow
	// Share: the user sees only the name (a link worker's referral-share
	// scope), not the NHS number, reasons or outcome.
	Share bool
}

// meetingView is a meeting with the cases the user may see and how many
// others there are.
type meetingView struct {
	Meeting          joinedup.MDTMeeting
	OrganisationName string
	ChairName        string
	Attendees        []string
	Next             string
	Cases            []caseView
	Hidden           int
	Total            int
	Discussed        int
	NotDiscussed     int
	Aggregate        bool // counts only (LCN manager)
	CanManage        bool
	Print            []printCase
}

// shownCases decides case by case which of a meeting's cases the user may
// see (joinedup.ActionReadMDTCase; break-glass grants never list a case).
func shownCases(c *Call, rows []store.MDTCaseRow) (map[string]joinedup.Decision, error) {
	out := map[string]joinedup.Decision{}
	for _, r := range rows {
		rel, err := store.RelationshipFor(c.R.Context(), c.Q, c.User, r.Case.PatientID, c.Now)
		if err != nil {
			return nil, err
		}
		rel.BreakGlass = false
		if d := joinedup.Authorize(c.User, joinedup.ActionReadMDTCase, rel); d.Allowed {
			out[r.Case.PatientID] = d
		}
	}
	return out, nil
}

// loadMeeting gathers a meeting and the cases the user may see, auditing
// each patient shown.
func (s *Server) loadMeeting(c *Call) (*meetingView, error) {
	ctx := c.R.Context()
	m, next, err := meeting(c)
	if err != nil {
		return nil, err
	}
	v := &meetingView{Meeting: m, Next: next, Aggregate: c.Decision.Scope == joinedup.ScopeAggregate,
		CanManage: joinedup.Authorize(c.User, joinedup.ActionManageMDT, joinedup.Relationship{}).Allowed}
	if v.OrganisationName, err = orgName(c, m.OrganisationID); err != nil {
		return nil, err
	}
	v.ChairName = userName(c, m.ChairID)
	for _, a := range m.Attendees {
		if a.UserID != "" {
			v.Attendees = append(v.Attendees, userName(c, a.UserID))
		} else {
			v.Attendees = append(v.Attendees, a.Name+" ("+a.Organisation+")")
		}
	}
	rows, err := store.MDTCases(ctx, c.Q, m.ID)
	if err != nil {
		return nil, err
	}
	v.Total = len(rows)
	for _, r := range rows {
		switch r.Case.Status {
		case joinedup.MDTDiscussed:
			v.Discussed++
		case joinedup.MDTNotDiscussed:
			v.NotDiscussed++
		}
	}
	c.Audit.What += fmt.Sprintf(" (meeting %s, %d cases)", m.ID, len(rows))
	if v.Aggregate {
		return v, nil
	}
	shown, err := shownCases(c, rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		d, ok := shown[r.Case.PatientID]
		if !ok {
			v.Hidden++
			continue
		}
		cv := caseView{MDTCaseRow: r, Share: d.Scope != joinedup.ScopeFull}
		if cv.Share {
			cv.NHSNumber, cv.Case.Reasons, cv.Case.Outcome, cv.Case.Decisions, cv.Tier = "", nil, "", "", ""
		}
		v.Cases = append(v.Cases, cv)
	}
	return v, s.auditCases(c, shown)
}

// auditCases writes one audit entry per patient whose case was shown, as
// auditListed does.
func (s *Server) auditCases(c *Call, shown map[string]joinedup.Decision) error {
	return s.auditShown(c, shown, joinedup.ActionReadMDTCase)
}

func orgName(c *Call, id string) (string, error) {
	orgs, err := store.Organisations(c.R.Context(), c.Q)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if o.ID == id {
			return o.Name, nil
		}
	}
	return "", nil
}

func userName(c *Call, id string) string {
	if u, err := store.GetUser(c.R.Context(), c.Q, id); err == nil {
		return u.DisplayName
	}
	return id
}

// ---- JSON API ----

// meetingJSON is a meeting on the API.
type meetingJSON struct {
	ID               string                 `json:"id"`
	OrganisationID   string                 `json:"organisation_id"`
	OrganisationName string                 `json:"organisation_name,omitempty"`
	Title            string                 `json:"title"`
	StartsAt         time.Time              `json:"starts_at"`
	Location         string                 `json:"location,omitempty"`
	ChairID          string                 `json:"chair_id"`
	ChairName        string                 `json:"chair_name,omitempty"`
	RepeatWeeks      int                    `json:"repeat_weeks"`
	Attendees        []joinedup.MDTAttendee `json:"attendees"`
	NextID           string                 `json:"next_id,omitempty"`
	Cases            string                 `json:"cases"`
	Discussed        string                 `json:"discussed"`
}

func toMeetingJSON(m joinedup.MDTMeeting, orgName, chair string, cases, discussed int, aggregate bool) meetingJSON {
	count := strconv.Itoa
	if aggregate {
		count = joinedup.Suppress
	}
	return meetingJSON{ID: m.ID, OrganisationID: m.OrganisationID, OrganisationName: orgName, Title: m.Title, StartsAt: m.Start,
		Location: m.Location, ChairID: m.ChairID, ChairName: chair, RepeatWeeks: m.RepeatWeeks, Attendees: m.Attendees,
		Cases: count(cases), Discussed: count(discussed)}
}

// meetingRange reads ?from=DATE&to=DATE: by default from four weeks ago to
// a year ahead, so recent meetings can still be written up.
func meetingRange(c *Call) (time.Time, time.Time, error) {
	fe := joinedup.FieldErrors{}
	from := dateField(fe, "from", c.R.URL.Query().Get("from"))
	to := dateField(fe, "to", c.R.URL.Query().Get("to"))
	if len(fe) > 0 {
		return from, to, fe
	}
	if from.IsZero() {
		from = day(c.Now).AddDate(0, 0, -28)
	}
	if to.IsZero() {
		to = from.AddDate(1, 1, 0)
	}
	return from, to, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (s *Server) mdtMeetingsAPI(c *Call) error {
	from, to, err := meetingRange(c)
	if err != nil {
		return err
	}
	rows, err := store.MDTMeetings(c.R.Context(), c.Q, from, to)
	if err != nil {
		return err
	}
	out := []meetingJSON{}
	for _, r := range rows {
		out = append(out, toMeetingJSON(r.Meeting, r.OrganisationName, r.ChairName, r.Cases, r.Discussed, c.Decision.Scope == joinedup.ScopeAggregate))
	}
	return c.JSON(http.StatusOK, map[string]any{"meetings": out})
}

// meetingRequest is a new meeting.
type meetingRequest struct {
	OrganisationODS string    `json:"organisation_ods"`
	Title           string    `json:"title"`
	StartsAt        time.Time `json:"starts_at"`
	Location        string    `json:"location"`
	ChairUsername   string    `json:"chair_username"`
	RepeatWeeks     int       `json:"repeat_weeks"`
	Attendees       []struct {
		Username     string `json:"username"`
		Name         string `json:"name"`
		Organisation string `json:"organisation"`
	} `json:"attendees"`
}

func (s *Server) createMDTMeeting(c *Call) error {
	var req meetingRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	in := coord.MeetingPlan{OrganisationODS: req.OrganisationODS, Title: req.Title, Start: req.StartsAt, Location: req.Location,
		ChairUsername: req.ChairUsername, RepeatWeeks: req.RepeatWeeks}
	for _, a := range req.Attendees {
		in.Attendees = append(in.Attendees, coord.Attendee{Username: a.Username, Name: a.Name, Organisation: a.Organisation})
	}
	m, err := s.coord.CreateMeeting(c.R.Context(), c.Actor(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMeetingJSON(m, "", "", 0, 0, false))
}

// caseJSON is a case on the API.
type caseJSON struct {
	ID          string               `json:"id"`
	PatientID   string               `json:"patient_id"`
	PatientName string               `json:"patient_name"`
	NHSNumber   string               `json:"nhs_number,omitempty"`
	Tier        string               `json:"tier,omitempty"`
	Reasons     []joinedup.MDTReason `json:"reasons,omitempty"`
	Status      string               `json:"status"`
	Outcome     string               `json:"outcome,omitempty"`
	Decisions   string               `json:"decisions,omitempty"`
	Version     int                  `json:"version"`
}

func toCaseJSON(v caseView) caseJSON {
	return caseJSON{ID: v.Case.ID, PatientID: v.Case.PatientID, PatientName: v.PatientName, NHSNumber: string(v.NHSNumber), Tier: string(v.Tier),
		Reasons: v.Case.Reasons, Status: string(v.Case.Status), Outcome: v.Case.Outcome, Decisions: v.Case.Decisions, Version: v.Case.Version}
}

func (s *Server) meetingAnswer(c *Call, status int) error {
	v, err := s.loadMeeting(c)
	if err != nil {
		return err
	}
	out := map[string]any{"meeting": toMeetingJSON(v.Meeting, v.OrganisationName, v.ChairName, v.Total, v.Discussed, v.Aggregate)}
	if !v.Aggregate {
		cases := []caseJSON{}
		for _, k := range v.Cases {
			cases = append(cases, toCaseJSON(k))
		}
		out["cases"], out["not_shown"] = cases, v.Hidden
	}
	return c.JSON(status, out)
}

func (s *Server) mdtMeetingAPI(c *Call) error { return s.meetingAnswer(c, http.StatusOK) }

// buildCaseList selects and stores the meeting's case list.
func (s *Server) buildCaseList(c *Call) error {
	_, err := s.coord.BuildCaseList(c.R.Context(), c.Actor(), c.R.PathValue("meeting"))
	return err
}

func (s *Server) buildMDTCaseList(c *Call) error {
	if err := s.buildCaseList(c); err != nil {
		return err
	}
	return s.meetingAnswer(c, http.StatusOK)
}

func (s *Server) buildMDTCaseListPage(c *Call) error {
	if err := s.buildCaseList(c); err != nil {
		return err
	}
	return c.Redirect("/mdt/meetings/" + c.R.PathValue("meeting") + "?built=1")
}

func (s *Server) nextMDTMeeting(c *Call) error {
	n, err := s.coord.NextMeeting(c.R.Context(), c.Actor(), c.R.PathValue("meeting"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMeetingJSON(n, "", "", 0, 0, false))
}

// addMDTCase adds the patient to the meeting's list by hand, with a reason.
func (s *Server) addMDTCase(c *Call) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	k, err := s.coord.AddCase(c.R.Context(), c.Actor(), c.R.PathValue("meeting"), c.Patient.ID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, caseJSON{ID: k.ID, PatientID: k.PatientID, PatientName: c.Patient.Name(), Reasons: k.Reasons,
		Status: string(k.Status), Version: k.Version})
}

// requestMDT records a care-team member's request to discuss the patient.
func (s *Server) requestMDT(c *Call) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	r, err := s.coord.RequestDiscussion(c.R.Context(), c.Actor(), c.Patient.ID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": r.ID, "patient_id": r.PatientID, "reason": r.Reason, "requested_at": r.RequestedAt})
}

// outcomeRequest is a case's outcome on the API.
type outcomeRequest struct {
	Version   *int   `json:"version"`
	Discussed bool   `json:"discussed"`
	Outcome   string `json:"outcome"`
	Decisions string `json:"decisions"`
	Actions   []struct {
		Description     string `json:"description"`
		AssigneeUser    string `json:"assignee_username"`
		AssigneeOrgODS  string `json:"assignee_organisation_ods"`
		Due             string `json:"due"`
		Priority        int    `json:"priority"`
		AddToPlan       bool   `json:"add_to_plan"`
		PlanOwnerInText string `json:"plan_owner"`
	} `json:"actions"`
	Plan *struct {
		BaseVersion *int   `json:"base_version"`
		WhatMatters string `json:"what_matters"`
		NextReview  string `json:"next_review"`
	} `json:"plan"`
}

// outcome reads an outcome request as the coordination layer takes it,
// noting unreadable dates in fe.
func (req outcomeRequest) outcome(fe joinedup.FieldErrors) coord.Outcome {
	o := coord.Outcome{Version: req.Version, Discussed: req.Discussed, Outcome: req.Outcome, Decisions: req.Decisions, Unread: fe}
	if req.Plan != nil {
		o.Plan = &coord.PlanPart{BaseVersion: req.Plan.BaseVersion, WhatMatters: req.Plan.WhatMatters,
			NextReview: dateField(fe, "plan.next_review", req.Plan.NextReview)}
	}
	for i, a := range req.Actions {
		o.Actions = append(o.Actions, coord.OutcomeAction{Description: a.Description, AssigneeUsername: a.AssigneeUser,
			AssigneeOrgODS: a.AssigneeOrgODS, Due: dateField(fe, fmt.Sprintf("actions[%d].due", i), a.Due), Priority: a.Priority,
			AddToPlan: a.AddToPlan, PlanOwner: a.PlanOwnerInText})
	}
	return o
}

func planVersion(r mdt.Recorded) int {
	if r.Plan == nil {
		return 0
	}
	return r.Plan.Version
}

func (s *Server) recordMDTOutcomeAPI(c *Call) error {
	var req outcomeRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	rec, err := s.coord.RecordOutcome(c.R.Context(), c.Actor(), c.R.PathValue("meeting"), c.Patient.ID, req.outcome(joinedup.FieldErrors{}))
	if err != nil {
		return err
	}
	tasks := []taskJSON{}
	for _, t := range rec.Tasks {
		tasks = append(tasks, toTaskJSON(t, c.Now))
	}
	return c.JSON(http.StatusOK, map[string]any{"case": caseJSON{ID: rec.Case.ID, PatientID: rec.Case.PatientID, PatientName: c.Patient.Name(),
		Reasons: rec.Case.Reasons, Status: string(rec.Case.Status), Outcome: rec.Case.Outcome, Decisions: rec.Case.Decisions,
		Version: rec.Case.Version}, "tasks": tasks, "plan_version": planVersion(rec)})
}

func (s *Server) patientMDTAPI(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	hist, err := store.PatientMDTHistory(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	type entry struct {
		MeetingID    string               `json:"meeting_id"`
		MeetingTitle string               `json:"meeting_title"`
		StartsAt     time.Time            `json:"starts_at"`
		Organisation string               `json:"organisation_name"`
		Reasons      []joinedup.MDTReason `json:"reasons"`
		Status       string               `json:"status"`
		Outcome      string               `json:"outcome,omitempty"`
		Decisions    string               `json:"decisions,omitempty"`
	}
	out := []entry{}
	for _, h := range hist {
		out = append(out, entry{h.Case.MeetingID, h.MeetingTitle, h.MeetingStart, h.OrganisationName, h.Case.Reasons, string(h.Case.Status),
			h.Case.Outcome, h.Case.Decisions})
	}
	return c.JSON(http.StatusOK, map[string]any{"cases": out})
}

// ---- pages ----

func (s *Server) mdtMeetingsPage(c *Call) error {
	from, to, err := meetingRange(c)
	if err != nil {
		return err
	}
	rows, err := store.MDTMeetings(c.R.Context(), c.Q, from, to)
	if err != nil {
		return err
	}
	var upcoming, recent []store.MDTMeetingRow
	for _, r := range rows {
		if r.Meeting.Start.Before(day(c.Now)) {
			recent = append(recent, r)
		} else {
			upcoming = append(upcoming, r)
		}
	}
	slices.Reverse(recent)
	return c.Page(http.StatusOK, "mdt-meetings.html", "MDT meetings", map[string]any{"Upcoming": upcoming, "Recent": recent,
		"Aggregate": c.Decision.Scope == joinedup.ScopeAggregate})
}

// printCase is one patient's page of a printed case list.
type printCase struct {
	caseView
	Assessed   bool
	Assessment joinedup.Assessment
	Plan       *store.CarePlanEntry
	Tasks      []joinedup.Task
}

func (s *Server) mdtMeetingPage(name string) func(c *Call) error {
	return func(c *Call) error {
		v, err := s.loadMeeting(c)
		if err != nil {
			return err
		}
		if name == "mdt-print.html" {
			for _, k := range v.Cases {
				if k.Share {
					continue
				}
				p := printCase{caseView: k}
				if p.Plan, p.Tasks, err = planAndTasks(c, k.Case.PatientID); err != nil {
					return err
				}
				switch _, a, err := store.CurrentAssessment(c.R.Context(), c.Q, k.Case.PatientID); {
				case err == nil:
					p.Assessed, p.Assessment = true, a
				case !errors.Is(err, joinedup.ErrNotFound):
					return err
				}
				v.Print = append(v.Print, p)
			}
		}
		title := map[string]string{"mdt-meeting.html": "Case list", "mdt-print.html": "Case list to print",
			"mdt-summary.html": "Outcome summary"}[name]
		return c.Page(http.StatusOK, name, title+": "+v.Meeting.Title, map[string]any{"M": v, "Built": c.R.URL.Query().Get("built") == "1"})
	}
}

func planAndTasks(c *Call, patientID string) (*store.CarePlanEntry, []joinedup.Task, error) {
	var plan *store.CarePlanEntry
	switch e, err := store.CurrentCarePlan(c.R.Context(), c.Q, patientID); {
	case err == nil:
		plan = &e
	case !errors.Is(err, joinedup.ErrNotFound):
		return nil, nil, err
	}
	tasks, err := store.OpenTasks(c.R.Context(), c.Q, patientID)
	return plan, tasks, err
}

// ownerChoice is someone an action can be given to.
type ownerChoice struct{ Value, Label string }

// casePage is the chair's view of one case.
type casePage struct {
	Meeting    joinedup.MDTMeeting
	Patient    joinedup.Patient
	Case       joinedup.MDTCase
	Tier       joinedup.Tier
	Share      bool
	Plan       *store.CarePlanEntry
	Tasks      []joinedup.Task
	Owners     []ownerChoice
	NextCase   string
	CanRecord  bool
	Form       map[string]string
	ActionDue  string
	Discussion bool
}

func (s *Server) loadCasePage(c *Call) (*casePage, error) {
	ctx := c.R.Context()
	m, _, err := meeting(c)
	if err != nil {
		return nil, err
	}
	k, err := store.GetMDTCase(ctx, c.Q, m.ID, c.Patient.ID)
	if errors.Is(err, joinedup.ErrNotFound) {
		return nil, joinedup.NotFound("the patient is not on this meeting's case list")
	}
	if err != nil {
		return nil, err
	}
	p := &casePage{Meeting: m, Patient: c.Patient, Case: k, Share: c.Decision.Scope != joinedup.ScopeFull,
		ActionDue: c.Now.AddDate(0, 0, 14).Format(time.DateOnly), Form: map[string]string{}}
	rel, err := store.RelationshipFor(ctx, c.Q, c.User, c.Patient.ID, c.Now)
	if err != nil {
		return nil, err
	}
	rel.BreakGlass = false
	p.CanRecord = joinedup.Authorize(c.User, joinedup.ActionRecordMDT, rel).Allowed
	if p.Share {
		p.Case.Reasons, p.Case.Outcome, p.Case.Decisions = nil, "", ""
		return p, nil
	}
	if cur, ok, err := store.CurrentDecision(ctx, c.Q, c.Patient.ID); err != nil {
		return nil, err
	} else if ok {
		p.Tier = cur.Tier
	}
	if p.Plan, p.Tasks, err = planAndTasks(c, c.Patient.ID); err != nil {
		return nil, err
	}
	// Owners: the chair and attendees, the care team, and the meeting's
	// organisation as a team.
	seen := map[string]bool{}
	addUser := func(id string) {
		if id != "" && !seen["user:"+id] {
			seen["user:"+id] = true
			p.Owners = append(p.Owners, ownerChoice{"user:" + id, userName(c, id)})
		}
	}
	addUser(m.ChairID)
	for _, a := range m.Attendees {
		addUser(a.UserID)
	}
	team, err := store.CurrentCareTeam(ctx, c.Q, c.Patient.ID, c.Now)
	if err != nil {
		return nil, err
	}
	orgs := []string{m.OrganisationID}
	for _, t := range team {
		addUser(t.UserID)
		if t.OrganisationID != "" {
			orgs = append(orgs, t.OrganisationID)
		}
	}
	for _, o := range orgs {
		if !seen["org:"+o] {
			seen["org:"+o] = true
			name, err := orgName(c, o)
			if err != nil {
				return nil, err
			}
			p.Owners = append(p.Owners, ownerChoice{"org:" + o, name + " (team)"})
		}
	}
	// The next case still to record, for the chair to move on to.
	rows, err := store.MDTCases(ctx, c.Q, m.ID)
	if err != nil {
		return nil, err
	}
	shown, err := shownCases(c, rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := shown[r.Case.PatientID]; ok && r.Case.Position > k.Position && r.Case.Status == joinedup.MDTPending {
			p.NextCase = r.Case.PatientID
			break
		}
	}
	c.Audit.What += " (MDT case: reasons, tier, care plan, open tasks)"
	return p, nil
}

func (s *Server) mdtCasePage(c *Call) error {
	p, err := s.loadCasePage(c)
	if err != nil {
		return err
	}
	return c.Page(http.StatusOK, "mdt-case.html", c.Patient.Name()+": MDT case", p)
}

// recordMDTOutcomePage records the chair's form: discussed or not, the
// outcome, decisions, and one action (optionally added to the care plan).
// Problems redisplay the form with what was typed; nothing is recorded.
func (s *Server) recordMDTOutcomePage(c *Call) error {
	f := func(k string) string { return strings.TrimSpace(c.R.PostFormValue(k)) }
	form := map[string]string{}
	for _, k := range []string{"version", "discussed", "outcome", "decisions", "action", "owner", "due", "add_to_plan", "plan_version"} {
		form[k] = f(k)
	}
	version, err := strconv.Atoi(form["version"])
	if err != nil {
		return badRequest("version: want the case version read")
	}
	fe := joinedup.FieldErrors{}
	o := coord.Outcome{Version: &version, Discussed: form["discussed"] == "yes", Outcome: form["outcome"], Decisions: form["decisions"], Unread: fe}
	if form["discussed"] == "" {
		fe["discussed"] = "select whether the case was discussed"
	}
	if form["action"] != "" || form["owner"] != "" {
		a := coord.OutcomeAction{Description: form["action"], Due: dateField(fe, "actions[0].due", form["due"])}
		kind, id, _ := strings.Cut(form["owner"], ":")
		switch kind {
		case "user":
			a.AssigneeUser = id
		case "org":
			a.AssigneeOrg = id
		}
		if form["add_to_plan"] == "yes" {
			base, _ := strconv.Atoi(form["plan_version"])
			a.AddToPlan, o.Plan = true, &coord.PlanPart{BaseVersion: &base}
		}
		o.Actions = append(o.Actions, a)
	}
	_, err = s.coord.RecordOutcome(c.R.Context(), c.Actor(), c.R.PathValue("meeting"), c.Patient.ID, o)
	var errs []fieldError
	switch {
	case errors.As(err, &fe):
	case errors.Is(err, joinedup.ErrConflict):
		p, _ := problemOf(err)
		errs = append(errs, fieldError{"outcome", "Someone else recorded this case or changed the care plan first: " + p.message})
	case err != nil:
		return err
	default:
		next := "/mdt/meetings/" + c.R.PathValue("meeting") + "/summary"
		if p := c.R.PostFormValue("next"); p != "" {
			next = "/mdt/meetings/" + c.R.PathValue("meeting") + "/patients/" + p
		}
		return c.Redirect(next + "?recorded=" + c.Patient.ID)
	}
	for field, msg := range fe {
		id := map[string]string{"discussed": "discussed-yes", "outcome": "outcome", "actions[0].description": "action",
			"actions[0].owner": "owner", "actions[0].due": "due", "actions": "action"}[field]
		if id == "" {
			id = "outcome"
		}
		errs = append(errs, fieldError{id, formMessage(field, msg)})
	}
	slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
	p, err := s.loadCasePage(c)
	if err != nil {
		return err
	}
	p.Form = form
	return c.PageErrors(http.StatusUnprocessableEntity, "mdt-case.html", c.Patient.Name()+": MDT case", p, errs)
}

// formMessage words a field problem for the error summary.
func formMessage(field, msg string) string {
	if field == "discussed" {
		return "Select whether the case was discussed"
	}
	label := map[string]string{"outcome": "Outcome", "actions[0].description": "Action", "actions[0].owner": "Action owner",
		"actions[0].due": "Action due date", "actions": "Actions"}[field]
	if label == "" {
		label = field
	}
	return label + " " + msg
}

// ---- the patient page's MDT history ----

// mdtHistorySection is the patient page's list of the patient's MDT cases.
func mdtHistorySection(c *Call) (*patientSection, error) {
	hist, err := store.PatientMDTHistory(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return nil, err
	}
	sec := &patientSection{ID: "mdt-history", Title: "MDT discussions", Empty: "Not on any MDT meeting's case list.",
		Head: []string{"Meeting", "Date", "Why", "Outcome"}}
	for _, h := range hist {
		var why []string
		for _, r := range h.Case.Reasons {
			why = append(why, r.Kind.Label())
		}
		outcome := map[joinedup.MDTCaseStatus]string{joinedup.MDTPending: "To be discussed", joinedup.MDTNotDiscussed: "Not discussed"}[h.Case.Status]
		if h.Case.Status == joinedup.MDTDiscussed {
			outcome = h.Case.Outcome
		}
		sec.Rows = append(sec.Rows, []string{h.MeetingTitle, h.MeetingStart.Format("2 Jan 2006"), strings.Join(why, ", "), outcome})
	}
	c.Audit.What += ", MDT discussions"
	return sec, nil
}

package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/mdt"
	"github.com/joinedup/joinedup/store"
)

// ---- reading meetings ----

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
	// Cases and Discussed count the case list and the cases recorded as
	// discussed. For an aggregate viewer (the LCN manager) a count below
	// joinedup.SuppressBelow is withheld: null, with Suppressed set.
	Cases      *int `json:"cases"`
	Discussed  *int `json:"discussed"`
	Suppressed bool `json:"suppressed"`
}

func toMeetingJSON(m joinedup.MDTMeeting, orgName, chair string, cases, discussed int, aggregate bool) meetingJSON {
	out := meetingJSON{ID: m.ID, OrganisationID: m.OrganisationID, OrganisationName: orgName, Title: m.Title, StartsAt: m.Start,
		Location: m.Location, ChairID: m.ChairID, ChairName: chair, RepeatWeeks: m.RepeatWeeks, Attendees: nonNil(m.Attendees)}
	count := func(n int) *int {
		if aggregate && n < joinedup.SuppressBelow {
			out.Suppressed = true
			return nil
		}
		return &n
	}
	out.Cases, out.Discussed = count(cases), count(discussed)
	return out
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
		out = append(out, entry{h.Case.MeetingID, h.MeetingTitle, h.MeetingStart, h.OrganisationName, nonNil(h.Case.Reasons), string(h.Case.Status),
			h.Case.Outcome, h.Case.Decisions})
	}
	return c.JSON(http.StatusOK, map[string]any{"cases": out})
}

// ---- pages ----

// ---- the patient page's MDT history ----

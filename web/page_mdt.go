package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

func (s *Server) buildMDTCaseListPage(c *Call) error {
	if err := s.buildCaseList(c); err != nil {
		return err
	}
	return c.Redirect("/mdt/meetings/" + c.R.PathValue("meeting") + "?built=1")
}

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

package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// fullScope refuses a handler's work unless the decision shows the whole
// record: the care team, plan history and tasks are not part of what a
// referral shares.
func fullScope(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return joinedup.Forbidden("%s", "not shown at scope "+string(c.Decision.Scope))
	}
	return nil
}

// dateField parses a YYYY-MM-DD field, noting a bad one in fe; an empty
// value gives the zero time.
func dateField(fe joinedup.FieldErrors, field, v string) time.Time {
	if strings.TrimSpace(v) == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		if _, ok := fe[field]; !ok {
			fe[field] = fmt.Sprintf("%q is not a date (want YYYY-MM-DD)", v)
		}
	}
	return t
}

func fieldsErr(fe joinedup.FieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// ---- care team ----

// careTeamMemberJSON is one place on the care team.
type careTeamMemberJSON struct {
	ID             string `json:"id"`
	Role           string `json:"role"`
	UserID         string `json:"user_id,omitempty"`
	OrganisationID string `json:"organisation_id,omitempty"`
	Name           string `json:"name,omitempty"`
	Relationship   string `json:"relationship,omitempty"`
	Contact        string `json:"contact,omitempty"`
	Start          string `json:"start"`
	End            string `json:"end,omitempty"`
	Current        bool   `json:"current"`
	AddedBy        string `json:"added_by,omitempty"`
	EndedBy        string `json:"ended_by,omitempty"`
}

func toMemberJSON(m joinedup.CareTeamMember, now time.Time) careTeamMemberJSON {
	return careTeamMemberJSON{ID: m.ID, Role: string(m.Role), UserID: m.UserID, OrganisationID: m.OrganisationID, Name: m.Name,
		Relationship: m.Relationship, Contact: m.Contact, Start: dateOrEmpty(m.Start), End: dateOrEmpty(m.End),
		Current: m.CurrentAt(now), AddedBy: m.AddedBy, EndedBy: m.EndedBy}
}

func (s *Server) careTeam(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	team, err := store.CareTeam(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	out := make([]careTeamMemberJSON, 0, len(team))
	for _, m := range team {
		out = append(out, toMemberJSON(m, c.Now))
	}
	c.Audit.What += " (care team)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "members": out})
}

// addMemberRequest is the body of POST …/care-team. A staff place names a
// user or an organisation (by ODS code); a carer or family member is a
// name, relationship and contact. start defaults to today.
type addMemberRequest struct {
	Role            string `json:"role"`
	UserID          string `json:"user_id"`
	OrganisationODS string `json:"organisation_ods"`
	Name            string `json:"name"`
	Relationship    string `json:"relationship"`
	Contact         string `json:"contact"`
	Start           string `json:"start"`
}

func (s *Server) addCareTeamMember(c *Call) error {
	var req addMemberRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	m, err := s.coord.AddCareTeamMember(c.R.Context(), c.Actor(), coord.TeamPlace{PatientID: c.Patient.ID, Role: joinedup.CareTeamRole(req.Role),
		UserID: req.UserID, OrganisationODS: req.OrganisationODS, Name: req.Name, Relationship: req.Relationship, Contact: req.Contact,
		Start: dateField(fe, "start", req.Start), Unread: fe})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMemberJSON(m, c.Now))
}

func (s *Server) endCareTeamMember(c *Call) error {
	var req struct {
		End string `json:"end"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	m, err := s.coord.EndCareTeamMember(c.R.Context(), c.Actor(), c.Patient.ID, c.R.PathValue("member"), dateField(fe, "end", req.End), fe)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m, c.Now))
}

// ---- care plan ----

type errorDetailJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ---- tasks ----

// taskJSON is a task as the API shows it.
type taskJSON struct {
	ID           string     `json:"id"`
	PatientID    string     `json:"patient_id"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	Reason       string     `json:"reason,omitempty"`
	AssigneeUser string     `json:"assignee_user_id,omitempty"`
	AssigneeOrg  string     `json:"assignee_organisation_id,omitempty"`
	AssigneeRole string     `json:"assignee_role,omitempty"`
	Due          string     `json:"due,omitempty"`
	Overdue      bool       `json:"overdue"`
	Priority     int        `json:"priority"`
	Status       string     `json:"status"`
	Source       string     `json:"source"`
	Note         string     `json:"note,omitempty"`
	CloseReason  string     `json:"close_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Version      int        `json:"version"`
}

func toTaskJSON(t joinedup.Task, now time.Time) taskJSON {
	out := taskJSON{ID: t.ID, PatientID: t.PatientID, Kind: t.Kind, Title: t.Title, Reason: t.Reason, AssigneeUser: t.AssigneeUser,
		AssigneeOrg: t.AssigneeOrg, AssigneeRole: t.AssigneeRole, Due: dateOrEmpty(t.Due), Priority: t.Priority, Status: t.Status,
		Source: t.Source, Note: t.Note, CloseReason: t.CloseReason, CreatedAt: t.CreatedAt, Version: t.Version}
	out.Overdue = t.Open() && !t.Due.IsZero() && t.Due.Format(time.DateOnly) < now.UTC().Format(time.DateOnly)
	if !t.ClosedAt.IsZero() {
		at := t.ClosedAt
		out.ClosedAt = &at
	}
	return out
}

func (s *Server) patientTasks(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	var ts []joinedup.Task
	var err error
	switch st := c.R.URL.Query().Get("status"); st {
	case "", "open":
		ts, err = store.OpenTasks(c.R.Context(), c.Q, c.Patient.ID)
	case "all":
		ts, err = store.PatientTasks(c.R.Context(), c.Q, c.Patient.ID)
	default:
		return joinedup.FieldErrors{"status": fmt.Sprintf("want open or all, not %q", st)}
	}
	if err != nil {
		return err
	}
	out := make([]taskJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, toTaskJSON(t, c.Now))
	}
	c.Audit.What += " (tasks)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "tasks": out})
}

// createTaskRequest is the body of POST …/tasks: a task raised by hand for
// a user or a team (organisation by ODS code).
type createTaskRequest struct {
	Kind           string `json:"kind"`
	Title          string `json:"title"`
	Reason         string `json:"reason"`
	Note           string `json:"note"`
	AssigneeUserID string `json:"assignee_user_id"`
	AssigneeOrgODS string `json:"assignee_organisation_ods"`
	Due            string `json:"due"`
	Priority       int    `json:"priority"`
}

func (s *Server) createTask(c *Call) error {
	var req createTaskRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	t, err := s.coord.CreateTask(c.R.Context(), c.Actor(), coord.NewTask{Task: joinedup.Task{PatientID: c.Patient.ID, Kind: req.Kind,
		Title: req.Title, Reason: req.Reason, Note: req.Note, AssigneeUser: req.AssigneeUserID, Due: dateField(fe, "due", req.Due),
		Priority: req.Priority}, AssigneeOrgODS: req.AssigneeOrgODS, Unread: fe})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toTaskJSON(t, c.Now))
}

// updateTaskRequest is the body of PATCH …/tasks/{task}: the version the
// change was made from, and what changes.
type updateTaskRequest struct {
	Version        *int    `json:"version"`
	Status         *string `json:"status"`
	Note           *string `json:"note"`
	AssigneeUserID *string `json:"assignee_user_id"`
}

func (s *Server) updateTask(c *Call) error {
	var req updateTaskRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	t, err := s.coord.UpdateTask(c.R.Context(), c.Actor(), c.Patient.ID, c.R.PathValue("task"),
		coord.TaskChange{Version: req.Version, Status: req.Status, Note: req.Note, AssigneeUser: req.AssigneeUserID})
	if errors.Is(err, joinedup.ErrConflict) && t.ID != "" {
		// Nothing is written; the caller gets the task as it now is.
		p, _ := problemOf(err)
		return c.JSON(http.StatusConflict, map[string]any{
			"error":   errorDetailJSON{Code: "conflict", Message: p.message},
			"current": toTaskJSON(t, c.Now)})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTaskJSON(t, c.Now))
}

// ---- reviews ----

type reviewJSON struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	HeldOn     string    `json:"held_on"`
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

func toReviewJSON(r joinedup.Review) reviewJSON {
	return reviewJSON{ID: r.ID, Kind: string(r.Kind), HeldOn: dateOrEmpty(r.HeldOn), Note: r.Note, RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt}
}

func (s *Server) listReviews(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	rs, err := store.Reviews(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	out := make([]reviewJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, toReviewJSON(r))
	}
	c.Audit.What += " (reviews)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "reviews": out})
}

func (s *Server) recordReview(c *Call) error {
	var req struct {
		Kind   string `json:"kind"`
		HeldOn string `json:"held_on"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	r, err := s.coord.RecordReview(c.R.Context(), c.Actor(), joinedup.Review{PatientID: c.Patient.ID, Kind: joinedup.ReviewKind(req.Kind),
		HeldOn: dateField(fe, "held_on", req.HeldOn), Note: req.Note}, fe)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"review": toReviewJSON(r.Review), "tasks_closed": r.TasksClosed})
}

// ---- streamlined appointments ----

func (s *Server) streamlined(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	from := dateField(fe, "from", c.R.URL.Query().Get("from"))
	if err := fieldsErr(fe); err != nil {
		return err
	}
	if from.IsZero() {
		from = c.Now
	}
	appts, err := store.Appointments(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	st := joinedup.Streamline(appts, from)
	type apptJSON struct {
		ID                 string    `json:"id"`
		Start              time.Time `json:"start"`
		End                time.Time `json:"end,omitzero"`
		Status             string    `json:"status"`
		Specialty          string    `json:"specialty"`
		Service            string    `json:"service,omitempty"`
		Week               string    `json:"week"`
		SameWeek           bool      `json:"same_week"`
		DuplicateSpecialty bool      `json:"duplicate_specialty"`
	}
	type clusterJSON struct {
		Key   string `json:"key"`
		Count int    `json:"count"`
	}
	out := struct {
		PatientID    string        `json:"patient_id"`
		From         string        `json:"from"`
		Appointments []apptJSON    `json:"appointments"`
		BusyWeeks    []clusterJSON `json:"busy_weeks"`
		Duplicated   []clusterJSON `json:"duplicated_specialties"`
	}{PatientID: c.Patient.ID, From: dateOrEmpty(from), Appointments: []apptJSON{}, BusyWeeks: []clusterJSON{}, Duplicated: []clusterJSON{}}
	for _, u := range st.Appointments {
		a := u.Appointment
		out.Appointments = append(out.Appointments, apptJSON{ID: a.ID, Start: a.Start, End: a.End, Status: a.Status, Specialty: u.Specialty,
			Service: a.Service, Week: u.Week, SameWeek: u.SameWeek, DuplicateSpecialty: u.DuplicateSpecialty})
	}
	for _, w := range st.BusyWeeks {
		out.BusyWeeks = append(out.BusyWeeks, clusterJSON(w))
	}
	for _, d := range st.Duplicated {
		out.Duplicated = append(out.Duplicated, clusterJSON(d))
	}
	c.Audit.What += fmt.Sprintf(" (%d upcoming appointments)", len(out.Appointments))
	return c.JSON(http.StatusOK, out)
}

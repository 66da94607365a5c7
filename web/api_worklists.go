package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// shownPatients decides, one by one, which of the patients on a list the
// user may see: ActionReadWorklist allows the list, and each patient still
// needs a relationship, exactly as opening the record would. Break-glass
// grants do not put patients on lists: they are for one emergency.
func shownPatients(c *Call, ids []string) (map[string]joinedup.Decision, error) {
	out := map[string]joinedup.Decision{}
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		rel, err := store.RelationshipFor(c.R.Context(), c.Q, c.User, id, c.Now)
		if err != nil {
			return nil, err
		}
		rel.BreakGlass = false
		if d := joinedup.Authorize(c.User, joinedup.ActionReadPatient, rel); d.Allowed {
			out[id] = d
		}
	}
	return out, nil
}

// auditListed writes one audit entry per patient a list showed, so a
// subject access request finds every list a person appeared on.
func (s *Server) auditListed(c *Call, shown map[string]joinedup.Decision) error {
	return s.auditShown(c, shown, joinedup.ActionReadPatient)
}

// auditShown appends one entry per patient shown, as a read of their
// record by action, in one transaction.
func (s *Server) auditShown(c *Call, shown map[string]joinedup.Decision, action joinedup.Action) error {
	ids := slices.Sorted(maps.Keys(shown))
	es := make([]joinedup.AuditEntry, len(ids))
	for i, id := range ids {
		e := *c.Audit
		e.PatientID, e.Action, e.Reason, e.Outcome = id, action, shown[id].Reason, joinedup.OutcomeAllowed
		e.What = c.Audit.What + " (listed)"
		es[i] = e
	}
	return s.coord.AuditAll(c.R.Context(), es)
}

// taskRowJSON is a task on a list across patients.
type taskRowJSON struct {
	taskJSON
	PatientName  string `json:"patient_name"`
	NHSNumber    string `json:"nhs_number,omitempty"`
	PracticeID   string `json:"practice_id,omitempty"`
	PracticeName string `json:"practice_name,omitempty"`
	LocalityName string `json:"locality_name,omitempty"`
}

// taskList filters rows to the patients the user may see, audits each, and
// shapes them; a referral share shows the name and task, not the NHS
// number or reason.
func (s *Server) taskList(c *Call, rows []store.TaskRow) ([]taskRowJSON, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Task.PatientID
	}
	shown, err := shownPatients(c, ids)
	if err != nil {
		return nil, err
	}
	out := []taskRowJSON{}
	for _, r := range rows {
		d, ok := shown[r.Task.PatientID]
		if !ok {
			continue
		}
		j := taskRowJSON{taskJSON: toTaskJSON(r.Task, c.Now), PatientName: r.PatientName, NHSNumber: r.NHSNumber,
			PracticeID: r.PracticeID, PracticeName: r.PracticeName, LocalityName: r.LocalityName}
		if d.Scope != joinedup.ScopeFull {
			j.NHSNumber, j.Reason, j.Note = "", "", ""
		}
		out = append(out, j)
	}
	return out, s.auditListed(c, shown)
}

// myWorklist lists the open tasks assigned to the user and to the user's
// organisation as a team, soonest due first.
func (s *Server) myWorklist(c *Call) error {
	rows, err := store.WorklistFor(c.R.Context(), c.Q, c.User.ID, c.User.OrganisationID)
	if err != nil {
		return err
	}
	out, err := s.taskList(c, rows)
	if err != nil {
		return err
	}
	c.Audit.What += fmt.Sprintf(" (%d tasks)", len(out))
	return c.JSON(http.StatusOK, map[string]any{"tasks": out})
}

// caseloadJSON is one patient on a caseload.
type caseloadJSON struct {
	PatientID   string `json:"patient_id"`
	PatientName string `json:"patient_name"`
	NHSNumber   string `json:"nhs_number,omitempty"`
	Tier        string `json:"tier,omitempty"`
	Role        string `json:"role"`
	OpenTasks   int    `json:"open_tasks"`
	Overdue     int    `json:"overdue"`
	DueSoon     int    `json:"due_soon"`
	NextDue     string `json:"next_due,omitempty"`
}

// caseload lists the patients for whom the user holds a care-team role
// (?role=, default care-coordinator), what needs doing first at the top.
func (s *Server) caseload(c *Call) error {
	role := joinedup.CareTeamRole(c.R.URL.Query().Get("role"))
	if role == "" {
		role = joinedup.CareCoordinator
	}
	if !role.Valid() || role.Person() {
		return joinedup.FieldErrors{"role": fmt.Sprintf("unknown staff care-team role %q", role)}
	}
	rows, err := worklist.Caseload(c.R.Context(), c.Q, c.User.ID, role, c.Now)
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.PatientID
	}
	shown, err := shownPatients(c, ids)
	if err != nil {
		return err
	}
	out := []caseloadJSON{}
	for _, r := range rows {
		d, ok := shown[r.PatientID]
		if !ok {
			continue
		}
		j := caseloadJSON{PatientID: r.PatientID, PatientName: r.PatientName, NHSNumber: r.NHSNumber, Tier: string(r.Tier), Role: string(r.Role),
			OpenTasks: r.OpenTasks, Overdue: r.Overdue, DueSoon: r.DueSoon, NextDue: dateOrEmpty(r.NextDue)}
		if d.Scope != joinedup.ScopeFull {
			j.NHSNumber = ""
		}
		out = append(out, j)
	}
	if err := s.auditListed(c, shown); err != nil {
		return err
	}
	c.Audit.What += fmt.Sprintf(" (%s, %d patients)", role, len(out))
	return c.JSON(http.StatusOK, map[string]any{"role": role, "as_of": dateOrEmpty(c.Now), "patients": out})
}

// overdueFilter reads ?practice=ODS&locality=ODS; with neither, it narrows
// to the user's own practice or locality.
func overdueFilter(c *Call) (store.OverdueFilter, error) {
	q := c.R.URL.Query()
	fe := joinedup.FieldErrors{}
	var f store.OverdueFilter
	var err error
	if f.PracticeID, err = orgField(c.R.Context(), c.Q, fe, "practice", q.Get("practice")); err != nil {
		return f, err
	}
	if f.LocalityID, err = orgField(c.R.Context(), c.Q, fe, "locality", q.Get("locality")); err != nil {
		return f, err
	}
	if len(fe) > 0 {
		return f, fe
	}
	if q.Get("practice") == "" && q.Get("locality") == "" && c.User.OrganisationID != "" {
		orgs, err := store.Organisations(c.R.Context(), c.Q)
		if err != nil {
			return f, err
		}
		for _, o := range orgs {
			if o.ID != c.User.OrganisationID {
				continue
			}
			switch o.Kind {
			case joinedup.OrgPractice:
				f.PracticeID = o.ID
			case joinedup.OrgLocality:
				f.LocalityID = o.ID
			}
		}
	}
	return f, nil
}

// overdueList lists open tasks past their due date (the pathway's
// timescale) at a practice or locality, oldest due first.
func (s *Server) overdueList(c *Call) error {
	f, err := overdueFilter(c)
	if err != nil {
		return err
	}
	rows, err := store.OverdueTasks(c.R.Context(), c.Q, f, c.Now)
	if err != nil {
		return err
	}
	out, err := s.taskList(c, rows)
	if err != nil {
		return err
	}
	c.Audit.What += fmt.Sprintf(" (%d overdue tasks)", len(out))
	return c.JSON(http.StatusOK, map[string]any{"as_of": dateOrEmpty(c.Now), "tasks": out})
}

// overdueAggregates counts overdue tasks per locality and practice (and
// per kind within a locality), suppressing small numbers.
func (s *Server) overdueAggregates(c *Call) error {
	f, err := loadManagerFigures(c)
	if err != nil {
		return err
	}
	type practiceJSON struct {
		ODS     string `json:"ods"`
		Name    string `json:"name"`
		Overdue string `json:"overdue"`
	}
	type localityJSON struct {
		Name      string            `json:"name"`
		Overdue   string            `json:"overdue"`
		ByKind    map[string]string `json:"by_kind"`
		Practices []practiceJSON    `json:"practices"`
	}
	// The dashboard's figures, protected with them: a locality's total,
	// its overdue work by kind, and its practices'.
	out := []localityJSON{}
	var practices []practiceJSON
	for _, r := range f.rows {
		if r.Kind == "practice" {
			practices = append(practices, practiceJSON{ODS: r.ODS, Name: r.Practice, Overdue: r.Cells[colOverdueTasks]})
			continue
		}
		l := localityJSON{Name: strings.TrimSuffix(r.Locality, " (all practices)"), Overdue: r.Cells[colOverdueTasks],
			ByKind: map[string]string{}, Practices: practices}
		for k, i := range f.kinds[r] {
			l.ByKind[k] = f.t.Show(i)
		}
		out = append(out, l)
		practices = nil
	}
	return c.JSON(http.StatusOK, map[string]any{"as_of": c.Now.Format(time.DateOnly), "suppressed_below": joinedup.SuppressBelow, "localities": out})
}

// orgField resolves an ODS code a request names to an organisation id,
// noting an unknown code in fe.
func orgField(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, field, ods string) (string, error) {
	if ods == "" {
		return "", nil
	}
	id, err := store.OrganisationIDByODS(ctx, q, ods)
	if errors.Is(err, joinedup.ErrNotFound) {
		fe[field] = "no organisation with ODS code " + ods
		return "", nil
	}
	return id, err
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// planForm is the editor: the plan as typed, the version it started from,
// and, after a conflicting save, the version that won.
type planForm struct {
	Patient     joinedup.Patient
	Plan        joinedup.CarePlan
	BaseVersion int
	// Goals and Actions have a blank row added for a new entry.
	Goals   []joinedup.Goal
	Actions []joinedup.AgreedAction
	// Conflict: someone saved Theirs while this editor was open. What
	// was typed is kept (as a draft, and in the form) and shown beside it.
	Conflict bool
	Theirs   *store.CarePlanEntry
	Saved    bool
	SavedBy  map[string]string
}

// planHeadings are the PRSB headings the editor and the conflict view show,
// in order, with the form field of each.
var planHeadings = []struct{ Field, Label, Hint string }{
	{"about_me", "About me", "Who the person is, in their words."},
	{"what_matters", "What matters to me", "Required. What the person wants from their care and their life."},
	{"strengths", "My strengths and assets", ""},
	{"support_network", "People who support me", "Carers, family, friends and groups."},
	{"self_management", "Managing my health", "What the person does to look after themselves."},
	{"contingency", "If things get worse", "Who to contact and what to do."},
}

// goalStatuses and actionStatuses are the choices of a goal's progress and
// an action's state, in words.
func goalStatuses() []option {
	return []option{{string(joinedup.GoalNotStarted), "Not started"}, {string(joinedup.GoalInProgress), "In progress"},
		{string(joinedup.GoalAchieved), "Achieved"}, {string(joinedup.GoalStopped), "No longer relevant"}}
}

func actionStatuses() []option {
	return []option{{string(joinedup.ActionOpen), "Open"}, {string(joinedup.ActionDone), "Done"}, {string(joinedup.ActionCancelled), "Cancelled"}}
}

// planText is the text of one heading of p.
func planText(p joinedup.CarePlan, field string) string {
	switch field {
	case "about_me":
		return p.AboutMe
	case "what_matters":
		return p.WhatMatters
	case "strengths":
		return p.Strengths
	case "support_network":
		return p.SupportNetwork
	case "self_management":
		return p.SelfManagement
	case "contingency":
		return p.Contingency
	}
	return ""
}

func withBlankRows(f *planForm) {
	f.Goals = append(append([]joinedup.Goal(nil), f.Plan.Goals...), joinedup.Goal{Status: joinedup.GoalNotStarted})
	f.Actions = append(append([]joinedup.AgreedAction(nil), f.Plan.Actions...), joinedup.AgreedAction{Status: joinedup.ActionOpen})
}

func (s *Server) carePlanPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return joinedup.Forbidden("%s", "nothing to show at scope "+string(c.Decision.Scope))
	}
	f := planForm{Patient: c.Patient, Saved: c.R.URL.Query().Get("saved") != ""}
	cur, err := store.CurrentCarePlan(c.R.Context(), c.Q, c.Patient.ID)
	switch {
	case err == nil:
		f.Plan, f.BaseVersion = cur.Plan, cur.Version
	case errors.Is(err, joinedup.ErrNotFound):
		f.Plan.NextReview = c.Now.AddDate(0, 6, 0)
	default:
		return err
	}
	withBlankRows(&f)
	c.Audit.What += " (care plan)"
	return c.Page(http.StatusOK, "careplan.html", "Care plan – "+c.Patient.Name(), f)
}

// parsePlan reads the editor's form: every field the plan holds, with each
// goal's steps one to a line. Blank goal and action rows are dropped; a
// date or number that does not parse is reported by field, as the API
// names it, not guessed.
func parsePlan(v url.Values, patientID string) (joinedup.CarePlan, joinedup.FieldErrors) {
	fe := joinedup.FieldErrors{}
	p := joinedup.CarePlan{PatientID: patientID, AboutMe: v.Get("about_me"), WhatMatters: v.Get("what_matters"), Strengths: v.Get("strengths"),
		SupportNetwork: v.Get("support_network"), SelfManagement: v.Get("self_management"), Contingency: v.Get("contingency")}
	if s := strings.TrimSpace(v.Get("activation_level")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fe["activation_level"] = "must be a number from 1 to 4"
		}
		p.ActivationLevel = n
	}
	date := func(field string) time.Time {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			fe[field] = "must be a real date"
		}
		return t
	}
	p.NextReview = date("next_review")
	for i := 0; i < joinedup.MaxPlanItems; i++ {
		k := fmt.Sprintf("goals[%d].", i)
		if !v.Has(k + "description") {
			break
		}
		g := joinedup.Goal{Description: v.Get(k + "description"), Owner: v.Get(k + "owner"), Status: joinedup.GoalStatus(v.Get(k + "status")),
			TargetDate: date(k + "target_date")}
		for _, step := range strings.Split(v.Get(k+"steps"), "\n") {
			if step = strings.TrimSpace(step); step != "" {
				g.Steps = append(g.Steps, step)
			}
		}
		if strings.TrimSpace(g.Description+g.Owner) != "" || len(g.Steps) > 0 || !g.TargetDate.IsZero() {
			p.Goals = append(p.Goals, g)
		}
	}
	for i := 0; i < joinedup.MaxPlanItems; i++ {
		k := fmt.Sprintf("actions[%d].", i)
		if !v.Has(k + "description") {
			break
		}
		a := joinedup.AgreedAction{Description: v.Get(k + "description"), Owner: v.Get(k + "owner"), Status: joinedup.ActionStatus(v.Get(k + "status"))}
		a.Due = date(k + "due")
		if strings.TrimSpace(a.Description+a.Owner) != "" || !a.Due.IsZero() {
			p.Actions = append(p.Actions, a)
		}
	}
	return p, fe
}

// itemField is a field of one goal or action, as the API names it
// ("goals[0].steps[1]"): its list, row and field.
var itemField = regexp.MustCompile(`^(goals|actions)\[(\d+)\]\.(\w+)`)

// itemLabels name the fields of goals and actions in messages.
var itemLabels = map[string]string{"description": "description", "owner": "who leads on it", "status": "progress",
	"target_date": "target date", "steps": "steps", "due": "due date"}

// fieldMessages turns the plan's validation errors into an error summary
// in the editor's field order, each linked to its field.
func fieldMessages(fe joinedup.FieldErrors) []fieldError {
	label := map[string]string{"next_review": "Next review date", "activation_level": "Activation level", "base_version": "The version edited"}
	for _, h := range planHeadings {
		label[h.Field] = h.Label
	}
	var out []fieldError
	for k, msg := range fe {
		id, l := k, label[k]
		if m := itemField.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[2])
			kind := map[string]string{"goals": "Goal", "actions": "Action"}[m[1]]
			id = fmt.Sprintf("%s-%d-%s", m[1], n, m[3])
			l = fmt.Sprintf("%s %d: %s", kind, n+1, itemLabels[m[3]])
		}
		if l == "" {
			l = strings.ReplaceAll(k, "_", " ")
		}
		out = append(out, fieldError{Field: id, Message: l + " " + msg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// saveCarePlanPage saves the plan as the version after the one the editor
// started from, through the same change as the API. If someone saved in
// between, nothing is overwritten: what was typed is kept as a draft and
// the editor shows both versions side by side, ready to merge and save
// again.
func (s *Server) saveCarePlanPage(c *Call) error {
	if err := c.R.ParseForm(); err != nil {
		return badRequest("form: %v", err)
	}
	base, err := strconv.Atoi(c.R.PostForm.Get("base_version"))
	if err != nil {
		return badRequest("base_version: want the version the editor started from")
	}
	plan, unread := parsePlan(c.R.PostForm, c.Patient.ID)
	f := planForm{Patient: c.Patient, Plan: plan, BaseVersion: base}
	res, err := s.coord.SaveCarePlan(c.R.Context(), c.Actor(), c.Patient.ID, coord.PlanEdit{Plan: plan, BaseVersion: &base, Unread: unread})
	var fe joinedup.FieldErrors
	switch {
	case errors.As(err, &fe):
		withBlankRows(&f)
		return c.PageErrors(http.StatusUnprocessableEntity, "careplan.html", "Care plan – "+c.Patient.Name(), f, fieldMessages(fe))
	case err != nil:
		return err
	case !res.Conflict:
		return c.Redirect(fmt.Sprintf("/patients/%s/care-plan?saved=%d", c.Patient.ID, res.Saved.Version))
	}
	// The draft is committed with the audit entry, so the text survives
	// even if the browser is closed now.
	f.Conflict = true
	if res.CurrentOK {
		f.Theirs = &res.Current
		f.BaseVersion = res.Current.Version
		f.SavedBy = map[string]string{}
		if u, err := store.GetUser(c.R.Context(), c.Q, res.Current.SavedBy); err == nil {
			f.SavedBy[res.Current.SavedBy] = u.DisplayName
		}
	}
	withBlankRows(&f)
	return c.PageErrors(http.StatusConflict, "careplan.html", "Care plan – "+c.Patient.Name(), f,
		[]fieldError{{Field: "theirs", Message: "Someone saved a newer version while you were editing. Your text is kept below: compare, merge and save again"}})
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// carePlanRoutes are the care-plan editor and its save.
func (s *Server) carePlanRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/patients/{id}/care-plan", Action: joinedup.ActionReadClinical, Patient: true, Page: true, Handle: s.carePlanPage},
		{Method: "POST", Pattern: "/patients/{id}/care-plan", Action: joinedup.ActionWritePatient, Patient: true, Write: true, Page: true, Handle: s.saveCarePlanPage},
	}
}

func init() { routeGroups = append(routeGroups, (*Server).carePlanRoutes) }

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

// parsePlan reads the editor's form. Blank goal and action rows are
// dropped; a date that does not parse is reported, not guessed.
func parsePlan(v url.Values, patientID string) (joinedup.CarePlan, []fieldError) {
	var errs []fieldError
	p := joinedup.CarePlan{PatientID: patientID, AboutMe: v.Get("about_me"), WhatMatters: v.Get("what_matters"), Strengths: v.Get("strengths"),
		SupportNetwork: v.Get("support_network"), SelfManagement: v.Get("self_management"), Contingency: v.Get("contingency")}
	if s := v.Get("activation_level"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fieldError{"activation_level", "Activation level must be a number from 1 to 4"})
		}
		p.ActivationLevel = n
	}
	date := func(field, label string) time.Time {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			errs = append(errs, fieldError{field, label + " must be a real date"})
		}
		return t
	}
	p.NextReview = date("next_review", "Next review date")
	for i := 0; i < joinedup.MaxPlanItems; i++ {
		k := fmt.Sprintf("goals[%d].", i)
		if !v.Has(k + "description") {
			break
		}
		g := joinedup.Goal{Description: v.Get(k + "description"), Owner: v.Get(k + "owner"), Status: joinedup.GoalStatus(v.Get(k + "status"))}
		if strings.TrimSpace(g.Description+g.Owner) != "" {
			p.Goals = append(p.Goals, g)
		}
	}
	for i := 0; i < joinedup.MaxPlanItems; i++ {
		k := fmt.Sprintf("actions[%d].", i)
		if !v.Has(k + "description") {
			break
		}
		a := joinedup.AgreedAction{Description: v.Get(k + "description"), Owner: v.Get(k + "owner"), Status: joinedup.ActionStatus(v.Get(k + "status"))}
		a.Due = date(k+"due", "Action due date")
		if strings.TrimSpace(a.Description+a.Owner) != "" || !a.Due.IsZero() {
			p.Actions = append(p.Actions, a)
		}
	}
	return p, errs
}

// fieldMessages turns the plan's validation errors into an error summary
// in the editor's field order.
func fieldMessages(fe joinedup.FieldErrors) []fieldError {
	label := map[string]string{"next_review": "Next review date", "activation_level": "Activation level"}
	for _, h := range planHeadings {
		label[h.Field] = h.Label
	}
	var out []fieldError
	for k, msg := range fe {
		l := label[k]
		if l == "" {
			l = strings.NewReplacer("goals[", "Goal ", "actions[", "Action ", "].", " ", "_", " ").Replace(k)
		}
		out = append(out, fieldError{Field: strings.NewReplacer("[", "-", "]", "", ".", "-").Replace(k), Message: l + " " + msg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// saveCarePlanPage saves the plan as the version after the one the editor
// started from. If someone saved in between, nothing is overwritten: what
// was typed is kept as a draft and the editor shows both versions side by
// side, ready to merge and save again.
func (s *Server) saveCarePlanPage(c *Call) error {
	if err := c.R.ParseForm(); err != nil {
		return badRequest("form: %v", err)
	}
	base, _ := strconv.Atoi(c.R.PostForm.Get("base_version"))
	plan, errs := parsePlan(c.R.PostForm, c.Patient.ID)
	f := planForm{Patient: c.Patient, Plan: plan, BaseVersion: base}
	if len(errs) == 0 {
		var fe joinedup.FieldErrors
		if err := plan.Validate(c.Now); errors.As(err, &fe) {
			errs = fieldMessages(fe)
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		withBlankRows(&f)
		c.Audit.What += " (care plan not saved: invalid)"
		return c.PageErrors(http.StatusUnprocessableEntity, "careplan.html", "Care plan – "+c.Patient.Name(), f, errs)
	}
	res, err := store.SaveCarePlan(c.R.Context(), c.Q, plan, base, c.User.ID, c.Now)
	if err != nil {
		return err
	}
	if !res.Conflict {
		c.Audit.What += fmt.Sprintf(" (care plan version %d)", res.Saved.Version)
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
	c.Audit.What += " (care plan conflict: kept as a draft)"
	return c.PageErrors(http.StatusConflict, "careplan.html", "Care plan – "+c.Patient.Name(), f,
		[]fieldError{{Field: "theirs", Message: "Someone saved a newer version while you were editing. Your text is kept below: compare, merge and save again"}})
}

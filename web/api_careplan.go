package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

type goalJSON struct {
	Description string   `json:"description"`
	Steps       []string `json:"steps"`
	Owner       string   `json:"owner"`
	TargetDate  string   `json:"target_date,omitempty"`
	Status      string   `json:"status"`
}

type agreedActionJSON struct {
	Description string `json:"description"`
	Owner       string `json:"owner"`
	Due         string `json:"due"`
	Status      string `json:"status"`
}

// carePlanBody is the plan under the PRSB headings, as the API reads and
// writes it.
type carePlanBody struct {
	AboutMe         string             `json:"about_me"`
	WhatMatters     string             `json:"what_matters"`
	Goals           []goalJSON         `json:"goals"`
	Strengths       string             `json:"strengths"`
	SupportNetwork  string             `json:"support_network"`
	SelfManagement  string             `json:"self_management"`
	ActivationLevel int                `json:"activation_level"`
	Actions         []agreedActionJSON `json:"actions"`
	Contingency     string             `json:"contingency"`
	NextReview      string             `json:"next_review"`
}

// carePlanJSON is one saved version, or a rejected draft, with its
// provenance.
type carePlanJSON struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Version     int       `json:"version"`
	BaseVersion int       `json:"base_version"`
	SavedBy     string    `json:"saved_by"`
	SavedAt     time.Time `json:"saved_at"`
	carePlanBody
}

func toPlanBody(p joinedup.CarePlan) carePlanBody {
	b := carePlanBody{AboutMe: p.AboutMe, WhatMatters: p.WhatMatters, Strengths: p.Strengths, SupportNetwork: p.SupportNetwork,
		SelfManagement: p.SelfManagement, ActivationLevel: p.ActivationLevel, Contingency: p.Contingency,
		NextReview: dateOrEmpty(p.NextReview), Goals: []goalJSON{}, Actions: []agreedActionJSON{}}
	for _, g := range p.Goals {
		steps := g.Steps
		if steps == nil {
			steps = []string{}
		}
		b.Goals = append(b.Goals, goalJSON{Description: g.Description, Steps: steps, Owner: g.Owner, TargetDate: dateOrEmpty(g.TargetDate), Status: string(g.Status)})
	}
	for _, a := range p.Actions {
		b.Actions = append(b.Actions, agreedActionJSON{Description: a.Description, Owner: a.Owner, Due: dateOrEmpty(a.Due), Status: string(a.Status)})
	}
	return b
}

func toPlanJSON(e store.CarePlanEntry) carePlanJSON {
	return carePlanJSON{ID: e.ID, Status: e.Status, Version: e.Version, BaseVersion: e.BaseVersion, SavedBy: e.SavedBy, SavedAt: e.SavedAt,
		carePlanBody: toPlanBody(e.Plan)}
}

// plan turns the body into a domain plan, noting unparseable dates in fe.
func (b carePlanBody) plan(fe joinedup.FieldErrors, patientID string) joinedup.CarePlan {
	p := joinedup.CarePlan{PatientID: patientID, AboutMe: b.AboutMe, WhatMatters: b.WhatMatters, Strengths: b.Strengths,
		SupportNetwork: b.SupportNetwork, SelfManagement: b.SelfManagement, ActivationLevel: b.ActivationLevel,
		Contingency: b.Contingency, NextReview: dateField(fe, "next_review", b.NextReview)}
	for i, g := range b.Goals {
		p.Goals = append(p.Goals, joinedup.Goal{Description: g.Description, Steps: g.Steps, Owner: g.Owner,
			TargetDate: dateField(fe, fmt.Sprintf("goals[%d].target_date", i), g.TargetDate), Status: joinedup.GoalStatus(g.Status)})
	}
	for i, a := range b.Actions {
		p.Actions = append(p.Actions, joinedup.AgreedAction{Description: a.Description, Owner: a.Owner,
			Due: dateField(fe, fmt.Sprintf("actions[%d].due", i), a.Due), Status: joinedup.ActionStatus(a.Status)})
	}
	return p
}

func (s *Server) currentCarePlan(c *Call) error {
	e, err := store.CurrentCarePlan(c.R.Context(), c.Q, c.Patient.ID)
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.NotFound("no care plan yet")
	}
	if err != nil {
		return err
	}
	switch c.Decision.Scope {
	case joinedup.ScopeFull:
		c.Audit.What += fmt.Sprintf(" (care plan version %d)", e.Version)
		return c.JSON(http.StatusOK, toPlanJSON(e))
	case joinedup.ScopeReferralShare:
		// A consented referral shares what matters to the person, in
		// their words, and nothing else of the plan.
		c.Audit.What += " (referral share: what matters)"
		return c.JSON(http.StatusOK, map[string]any{"version": e.Version, "what_matters": e.Plan.WhatMatters})
	}
	return fullScope(c)
}

// savePlanRequest is the body of PUT …/care-plan: the whole plan and the
// version it was edited from (0 for a first plan).
type savePlanRequest struct {
	BaseVersion *int `json:"base_version"`
	carePlanBody
}

// conflictJSON is the 409 body of a save from a stale version: the error,
// the newer version to merge with, and the caller's own text, kept as a
// rejected draft.
type conflictJSON struct {
	Error   errorDetailJSON `json:"error"`
	Current *carePlanJSON   `json:"current"`
	Draft   carePlanJSON    `json:"draft"`
}

func (s *Server) saveCarePlan(c *Call) error {
	var req savePlanRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	fe := joinedup.FieldErrors{}
	plan := req.plan(fe, c.Patient.ID)
	res, err := s.coord.SaveCarePlan(c.R.Context(), c.Actor(), c.Patient.ID, coord.PlanEdit{Plan: plan, BaseVersion: req.BaseVersion, Unread: fe})
	if err != nil {
		return err
	}
	if res.Conflict {
		out := conflictJSON{Draft: toPlanJSON(res.Draft)}
		out.Error.Code = "conflict"
		out.Error.Message = fmt.Sprintf("the care plan changed since version %d; your text is kept as draft %s", *req.BaseVersion, res.Draft.ID)
		if res.CurrentOK {
			cur := toPlanJSON(res.Current)
			out.Current = &cur
			out.Error.Message = fmt.Sprintf("the care plan is at version %d, not %d; your text is kept as draft %s",
				res.Current.Version, *req.BaseVersion, res.Draft.ID)
		}
		return c.JSON(http.StatusConflict, out)
	}
	return c.JSON(http.StatusCreated, toPlanJSON(res.Saved))
}

func (s *Server) carePlanHistory(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	es, err := store.CarePlanHistory(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	out := make([]carePlanJSON, 0, len(es))
	for _, e := range es {
		out = append(out, toPlanJSON(e))
	}
	c.Audit.What += " (care plan history)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "entries": out})
}

func (s *Server) carePlanVersion(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	v, err := strconv.Atoi(c.R.PathValue("version"))
	if err != nil || v < 1 {
		return joinedup.FieldErrors{"version": "a version is a whole number from 1"}
	}
	e, err := store.CarePlanVersion(c.R.Context(), c.Q, c.Patient.ID, v)
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.NotFound("no care plan version %d", v)
	}
	if err != nil {
		return err
	}
	c.Audit.What += fmt.Sprintf(" (care plan version %d)", v)
	return c.JSON(http.StatusOK, toPlanJSON(e))
}

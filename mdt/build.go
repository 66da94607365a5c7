package mdt

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
)

// LoadConfig returns the mdt section of the latest stored policy version,
// or the defaults when no policy is stored or it has no such section.
func LoadConfig(ctx context.Context, q store.Querier) (Config, error) {
	v, err := store.LatestPolicyVersion(ctx, q)
	if errors.Is(err, joinedup.ErrNotFound) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, err
	}
	p, err := policy.LoadFiles(v.Files)
	if err != nil {
		return Config{}, fmt.Errorf("policy version %s: %w", v.ID, err)
	}
	return ConfigFrom(p), nil
}

// BuildCaseList selects the case list of meeting m from the patients' state
// in storage and stores it (see store.SaveMDTCaseList: recorded cases are
// kept as they are). It returns the list selected.
func BuildCaseList(ctx context.Context, q store.Writer, cfg Config, m joinedup.MDTMeeting) ([]Case, error) {
	prev, hasPrev, err := store.PreviousMDTMeeting(ctx, q, m.OrganisationID, m.Start)
	if err != nil {
		return nil, err
	}
	var previous time.Time
	since := cfg.FirstLookback.Since(m.Start)
	if hasPrev {
		previous, since = prev.Start, prev.Start
	}
	states, err := store.MDTState(ctx, q, m.OrganisationID, m.ID, m.Start, since)
	if err != nil {
		return nil, err
	}
	cands := make([]Candidate, 0, len(states))
	for _, s := range states {
		c := Candidate{PatientID: s.PatientID, Tier: s.Tier, LastDiscussed: s.LastDiscussed}
		for _, e := range s.Unplanned {
			what := "emergency admission"
			if e.Class == joinedup.EncounterEmergency {
				what = "A&E attendance"
			}
			c.Unplanned = append(c.Unplanned, Unplanned{Start: e.Start, What: what})
		}
		for _, r := range s.Requests {
			req := Request{By: r.ByName, Reason: r.Reason, At: r.RequestedAt}
			if r.Kind == store.MDTRequestAdded {
				c.Added = append(c.Added, req)
			} else {
				c.Requests = append(c.Requests, req)
			}
		}
		cands = append(cands, c)
	}
	if hasPrev {
		rows, err := store.MDTCases(ctx, q, prev.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Case.Status != joinedup.MDTDiscussed {
				cands = append(cands, Candidate{PatientID: r.Case.PatientID, Tier: r.Tier, NotDiscussedAt: prev.Start})
			}
		}
	}
	cases := Select(cfg, m.Start, previous, cands)
	list := make([]joinedup.MDTCase, len(cases))
	for i, c := range cases {
		list[i] = joinedup.MDTCase{PatientID: c.PatientID, Reasons: c.Reasons}
	}
	if err := store.SaveMDTCaseList(ctx, q, m.ID, list); err != nil {
		return nil, err
	}
	return cases, nil
}

// PlanChange is what a meeting changes in the patient's care plan, made
// from the version the chair read (BaseVersion; 0 when there is no plan).
type PlanChange struct {
	BaseVersion int
	WhatMatters string // replaces what matters when given (required for a first plan)
	Goals       []joinedup.Goal
	Actions     []joinedup.AgreedAction
	NextReview  time.Time // replaces the review date when given
}

// PlanConflictError reports that the care plan moved on from the version
// the meeting's change was made from: nothing was recorded.
type PlanConflictError struct {
	Base    int
	Current store.CarePlanEntry
}

func (e *PlanConflictError) Error() string {
	return fmt.Sprintf("the care plan is at version %d, not %d: someone saved it since it was read", e.Current.Version, e.Base)
}

// Unwrap makes a plan conflict a joinedup.ErrConflict.
func (e *PlanConflictError) Unwrap() error { return joinedup.ErrConflict }

// Recorded is what recording a case did.
type Recorded struct {
	Case  joinedup.MDTCase
	Tasks []joinedup.Task
	Plan  *store.CarePlanEntry // the new plan version, when the plan changed
}

// Record records the outcome of the patient's case at meeting m, from the
// case version the chair read: the case's status and outcome, a task
// (kind mdt-action) on the owner's worklist for each action, the patient's
// open requests answered, and plan changes as a new care-plan version. Bad
// input is refused field by field, a stale case with joinedup.ErrConflict, a plan
// that moved on with *PlanConflictError; in every refusal the caller rolls
// the transaction back, so nothing is half-applied.
func Record(ctx context.Context, q store.Writer, m joinedup.MDTMeeting, patientID string, version int, o joinedup.MDTOutcome,
	change *PlanChange, by string, now time.Time) (Recorded, error) {
	fe := joinedup.FieldErrors{}
	if err := o.Validate(now); err != nil {
		maps.Copy(fe, err.(joinedup.FieldErrors))
	}
	var plan joinedup.CarePlan
	if change != nil {
		if !o.Discussed {
			fe["plan"] = "a case not discussed changes no plan"
		}
		cur, err := store.CurrentCarePlan(ctx, q, patientID)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
			cur = store.CarePlanEntry{}
		case err != nil:
			return Recorded{}, err
		}
		if cur.Version != change.BaseVersion {
			return Recorded{}, &PlanConflictError{Base: change.BaseVersion, Current: cur}
		}
		plan = cur.Plan
		plan.PatientID = patientID
		if change.WhatMatters != "" {
			plan.WhatMatters = change.WhatMatters
		}
		plan.Goals = append(append([]joinedup.Goal(nil), plan.Goals...), change.Goals...)
		plan.Actions = append(append([]joinedup.AgreedAction(nil), plan.Actions...), change.Actions...)
		if !change.NextReview.IsZero() {
			plan.NextReview = change.NextReview
		}
		if err := plan.Validate(now); err != nil {
			for k, v := range err.(joinedup.FieldErrors) {
				fe["plan."+k] = v
			}
		}
	}
	if len(fe) > 0 {
		return Recorded{}, fe
	}
	status := joinedup.MDTNotDiscussed
	if o.Discussed {
		status = joinedup.MDTDiscussed
	}
	k, err := store.RecordMDTCase(ctx, q, joinedup.MDTCase{MeetingID: m.ID, PatientID: patientID, Status: status, Outcome: o.Outcome,
		Decisions: o.Decisions}, version, by, now)
	if err != nil {
		return Recorded{Case: k}, err
	}
	out := Recorded{Case: k}
	for _, a := range o.Actions {
		t, err := store.CreateTask(ctx, q, joinedup.Task{PatientID: patientID, Kind: joinedup.TaskMDTAction, Title: a.Description,
			Reason:      fmt.Sprintf("Agreed at %s on %s", m.Title, m.Start.Format("2 Jan 2006")),
			AssigneeOrg: a.AssigneeOrg, AssigneeUser: a.AssigneeUser, Due: a.Due, Priority: a.Priority, CreatedBy: by, CreatedAt: now})
		if err != nil {
			return out, err
		}
		out.Tasks = append(out.Tasks, t)
	}
	if !o.Discussed {
		return out, nil
	}
	if err := store.AnswerMDTRequests(ctx, q, patientID, k.ID); err != nil {
		return out, err
	}
	if change != nil {
		res, err := store.SaveCarePlan(ctx, q, plan, change.BaseVersion, by, now)
		if err != nil {
			return out, err
		}
		if res.Conflict {
			return out, &PlanConflictError{Base: change.BaseVersion, Current: res.Current}
		}
		out.Plan = &res.Saved
	}
	return out, nil
}

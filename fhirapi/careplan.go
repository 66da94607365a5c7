package fhirapi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// CareTeam, CarePlan and Goal: the care team and the personalised care and
// support plan. All three are clinical (read-clinical): the plan is the
// person's own account of their health and care, and the team names their
// carers and family, so a voluntary-sector link worker's referral share
// does not reach them.

// now is the time the care team's current places are judged at.
var now = time.Now

func init() {
	Register(&Type{Name: "CareTeam", Action: joinedup.ActionReadClinical, Table: "patients",
		Params: []Param{pStatus("status"), pCat, pDate("date", "start of the team's period")},
		Build:  buildCareTeam})
	Register(&Type{Name: "CarePlan", Action: joinedup.ActionReadClinical, Table: "care_plans",
		Params: []Param{pStatus("status"), pCat, pDate("date", "when the version was saved (start of its period)")},
		Build:  buildCarePlans})
	Register(&Type{Name: "Goal", Action: joinedup.ActionReadClinical, Table: "care_plans", RowID: fhir.PlanOfGoal,
		Params: []Param{pStatus("lifecycle-status"), pDate("target-date", "target date")},
		Build:  buildGoals})
}

// careTeam returns the patient's care team with the names of the users
// holding places.
func careTeam(ctx context.Context, r *Record) ([]fhir.CareTeamMember, error) {
	ms, err := store.CareTeam(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	out := make([]fhir.CareTeamMember, len(ms))
	for i, m := range ms {
		name, err := r.UserName(ctx, m.UserID)
		if err != nil {
			return nil, err
		}
		out[i] = fhir.CareTeamMember{CareTeamMember: m, UserName: name}
	}
	return out, nil
}

// buildCareTeam builds the patient's one CareTeam, which has the patient's
// id; none when no one has held a place.
func buildCareTeam(ctx context.Context, r *Record) ([]Item, error) {
	ms, err := careTeam(ctx, r)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	at := now()
	res := fhir.FromCareTeam(r.Patient.ID, ms, at)
	it := Item{Resource: res, ID: r.Patient.ID, Status: res.Status, Category: codings(res.Category)}
	for _, m := range ms {
		if it.Date.IsZero() || m.Start.Before(it.Date) {
			it.Date = m.Start
		}
		// The team last changed when a place was last taken or ended.
		for _, t := range []time.Time{m.Start, m.End} {
			if t.After(it.LastUpdated) && !t.After(at) {
				it.LastUpdated = t
			}
		}
	}
	return []Item{it}, nil
}

// codings flattens concepts to the codings a token search matches.
func codings(cs []fhir.CodeableConcept) joinedup.Codings {
	var out joinedup.Codings
	for _, c := range cs {
		for _, x := range c.Coding {
			out = append(out, joinedup.Coding{System: x.System, Code: x.Code, Display: x.Display})
		}
	}
	return out
}

// savedVersions returns the saved versions of the patient's plan, oldest
// first; drafts rejected for a concurrent save are not versions and are
// left out.
func savedVersions(ctx context.Context, r *Record) ([]store.CarePlanEntry, error) {
	hist, err := store.CarePlanHistory(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	var out []store.CarePlanEntry
	for _, e := range hist {
		if e.Status == store.PlanSaved {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.CarePlanEntry) int { return a.Version - b.Version })
	return out, nil
}

// buildCarePlans builds a CarePlan per saved version of the plan, oldest
// first, the latest active and the others revoked.
func buildCarePlans(ctx context.Context, r *Record) ([]Item, error) {
	vs, err := savedVersions(ctx, r)
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	team, err := store.CareTeam(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	teamID := ""
	if len(team) > 0 {
		teamID = r.Patient.ID
	}
	cat := fhir.CarePlanCategory()
	var out []Item
	for i, e := range vs {
		rec := fhir.CarePlanRecord{ID: e.ID, Plan: e.Plan, CareTeam: teamID}
		if rec.Author, err = r.UserName(ctx, e.SavedBy); err != nil {
			return nil, err
		}
		if i > 0 {
			rec.Replaces = vs[i-1].ID
		}
		last := e.SavedAt
		if i+1 < len(vs) {
			rec.Until = vs[i+1].SavedAt
			last = rec.Until
		}
		res := fhir.FromCarePlan(rec)
		out = append(out, Item{Resource: res, ID: e.ID, LastUpdated: last, Status: res.Status, Category: joinedup.Codings{cat}, Date: e.SavedAt})
	}
	return out, nil
}

// buildGoals builds the goals of the current version of the plan; earlier
// versions' goals are contained in their CarePlans.
func buildGoals(ctx context.Context, r *Record) ([]Item, error) {
	cur, err := store.CurrentCarePlan(ctx, r.q, r.Patient.ID)
	if errors.Is(err, joinedup.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Item
	for i, g := range cur.Plan.Goals {
		id := fhir.GoalID(cur.ID, i)
		res := fhir.FromGoal(id, r.Patient.ID, g, cur.SavedAt)
		out = append(out, Item{Resource: res, ID: id, LastUpdated: cur.SavedAt, Status: res.LifecycleStatus, Date: g.TargetDate})
	}
	return out, nil
}

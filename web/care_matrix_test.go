package web

import (
	"fmt"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// ensurePlan gives patient p a care plan (version 1) if it has none, and
// returns its current version.
func (f *fixture) ensurePlan(p joinedup.Patient) int {
	if e, err := store.CurrentCarePlan(ctx, f.db, p.ID); err == nil {
		return e.Version
	}
	plan := joinedup.CarePlan{PatientID: p.ID, WhatMatters: "seeing my grandchildren", NextReview: f.clock.Now().AddDate(0, 6, 0)}
	if _, err := store.SaveCarePlan(ctx, f.db, plan, 0, f.users[joinedup.RoleGP].ID, f.clock.Now()); err != nil {
		panic(err)
	}
	return 1
}

func init() {
	carers := append(clinicians, joinedup.RoleCommunitySocialCare)
	listers := append(carers, joinedup.RoleVoluntaryLinkWorker)
	rows := map[string]matrixRow{
		"GET /api/openapi.json":      {path: fixed("/api/openapi.json"), anon: 200, def: cell{200, 200}},
		"GET /api/worklist":          {path: fixed("/api/worklist"), anon: 401, def: forbidden, want: only(cell{200, 200}, listers...)},
		"GET /api/caseload":          {path: fixed("/api/caseload"), anon: 401, def: forbidden, want: only(cell{200, 200}, listers...)},
		"GET /api/worklists/overdue": {path: fixed("/api/worklists/overdue"), anon: 401, def: forbidden, want: only(cell{200, 200}, listers...)},
		"GET /api/aggregates/overdue": {path: fixed("/api/aggregates/overdue"), anon: 401, def: forbidden,
			want: only(cell{200, 200}, joinedup.RoleLCNManager)},
		"GET /api/patients/{id}/care-team": {path: patientPath("/care-team", false), anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"POST /api/patients/{id}/care-team": {path: patientPath("/care-team", false), anon: 401, def: forbidden, want: only(cell{201, 403}, carers...),
			body: func(*fixture) string {
				return `{"role":"carer","name":"Ann Test","relationship":"daughter","contact":"07700 900123"}`
			}},
		"POST /api/patients/{id}/care-team/{member}/end": {path: func(f *fixture, with bool) string {
			p := f.U
			if with {
				p = f.R
			}
			m, err := store.AddCareTeamMember(ctx, f.db, store.CareTeamMember{PatientID: p.ID, Role: joinedup.CareFamily, Name: "Sam",
				Relationship: "son", Start: f.clock.Now().AddDate(0, 0, -7)})
			if err != nil {
				panic(err)
			}
			return "/api/patients/" + p.ID + "/care-team/" + m.ID + "/end"
		}, body: func(*fixture) string { return `{}` }, anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"GET /api/patients/{id}/care-plan": {path: func(f *fixture, with bool) string {
			f.ensurePlan(f.R)
			return patientPath("/care-plan", false)(f, with)
		}, anon: 401, def: forbidden, want: only(cell{200, 403}, listers...)},
		"PUT /api/patients/{id}/care-plan": {path: patientPath("/care-plan", false), anon: 401, def: forbidden, want: only(cell{201, 403}, carers...),
			body: func(f *fixture) string {
				return fmt.Sprintf(`{"base_version":%d,"what_matters":"my garden","next_review":"2025-12-01"}`, f.ensurePlan(f.R))
			}},
		"GET /api/patients/{id}/care-plan/versions": {path: patientPath("/care-plan/versions", false), anon: 401, def: forbidden,
			want: only(cell{200, 403}, carers...)},
		"GET /api/patients/{id}/care-plan/versions/{version}": {path: func(f *fixture, with bool) string {
			f.ensurePlan(f.R)
			return patientPath("/care-plan/versions/1", false)(f, with)
		}, anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"GET /api/patients/{id}/tasks": {path: patientPath("/tasks", false), anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"POST /api/patients/{id}/tasks": {path: patientPath("/tasks", false), anon: 401, def: forbidden, want: only(cell{201, 403}, carers...),
			body: func(*fixture) string {
				return `{"title":"Ring about transport to clinic","due":"2025-06-09","assignee_organisation_ods":"PRACA"}`
			}},
		"PATCH /api/patients/{id}/tasks/{task}": {path: func(f *fixture, with bool) string {
			p := f.U
			if with {
				p = f.R
			}
			t, err := store.CreateTask(ctx, f.db, joinedup.Task{PatientID: p.ID, Kind: joinedup.TaskManual, Title: "t", Due: f.clock.Now(),
				AssigneeOrg: f.orgs["PRACA"], CreatedAt: f.clock.Now()})
			if err != nil {
				panic(err)
			}
			return "/api/patients/" + p.ID + "/tasks/" + t.ID
		}, body: func(*fixture) string { return `{"version":1,"status":"in-progress"}` }, anon: 401, def: forbidden,
			want: only(cell{200, 403}, carers...)},
		"GET /api/patients/{id}/reviews": {path: patientPath("/reviews", false), anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"POST /api/patients/{id}/reviews": {path: patientPath("/reviews", false), anon: 401, def: forbidden, want: only(cell{201, 403}, carers...),
			body: func(*fixture) string { return `{"kind":"care-plan-review","held_on":"2025-06-01"}` }},
		"GET /api/patients/{id}/appointments/streamlined": {path: patientPath("/appointments/streamlined", false), anon: 401, def: forbidden,
			want: only(cell{200, 403}, carers...)},
	}
	for k, v := range rows {
		accessMatrix[k] = v
	}
}

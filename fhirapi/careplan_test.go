package fhirapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestCarePlanningExport saves a care team and three versions of a care
// plan (and a draft that lost to a concurrent save), then exports and
// searches CareTeam, CarePlan and Goal: one CarePlan per version, the
// latest active and each replacing the one before, the current goals as
// Goals and the earlier ones contained, every line valid R4.
func TestCarePlanningExport(t *testing.T) {
	schema := fhirschema.Validator(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
		p := joinedup.Patient{ID: "p1", Source: joinedup.Source{System: "t", ID: "p1"}, GivenName: "Pat"}
		if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, Role: joinedup.CareFamily, Name: "Mary",
			Relationship: "daughter", Start: t0.AddDate(0, -1, 0)}); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for v := range 3 {
			plan := joinedup.CarePlan{PatientID: p.ID, WhatMatters: "home", NextReview: t0.AddDate(0, 6, 0),
				Goals: []joinedup.Goal{{Description: "Walk", Owner: "Me", Status: joinedup.GoalInProgress},
					{Description: "Choir", Owner: "Me", Status: joinedup.GoalNotStarted}}}
			s, err := store.SaveCarePlan(ctx, db, plan, v, "u1", t0.Add(time.Duration(v)*time.Hour))
			if err != nil || s.Conflict {
				t.Fatalf("save %d: %+v %v", v, s, err)
			}
			ids = append(ids, s.Saved.ID)
		}
		if s, err := store.SaveCarePlan(ctx, db, joinedup.CarePlan{PatientID: p.ID, WhatMatters: "stale"}, 1, "u2", t0.Add(5*time.Hour)); err != nil || !s.Conflict {
			t.Fatalf("stale save: %+v %v", s, err)
		}

		bufs := map[string]*bytes.Buffer{}
		var types []*fhirapi.Type
		for _, n := range []string{"CareTeam", "CarePlan", "Goal"} {
			typ, ok := fhirapi.Lookup(n)
			if !ok {
				t.Fatalf("%s not registered", n)
			}
			types = append(types, typ)
		}
		counts, err := fhirapi.Export(ctx, db, fhirapi.ExportOptions{Types: types, Output: func(typ string) (io.Writer, error) {
			bufs[typ] = &bytes.Buffer{}
			return bufs[typ], nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if counts["CareTeam"] != 1 || counts["CarePlan"] != 3 || counts["Goal"] != 2 {
			t.Fatalf("exported %v, want 1 CareTeam, 3 CarePlans, 2 Goals", counts)
		}
		var plans []fhir.CarePlan
		for typ, b := range bufs {
			sc := bufio.NewScanner(b)
			for sc.Scan() {
				if err := schema.Validate(sc.Bytes()); err != nil {
					t.Errorf("%s not valid R4: %v\n%s", typ, err, sc.Bytes())
				}
				if typ == "CarePlan" {
					var cp fhir.CarePlan
					if err := json.Unmarshal(sc.Bytes(), &cp); err != nil {
						t.Fatal(err)
					}
					plans = append(plans, cp)
				}
			}
		}
		for i, cp := range plans {
			wantStatus, wantContained, wantGoal := "revoked", 2, "#goal-1"
			if i == len(plans)-1 {
				wantStatus, wantContained, wantGoal = "active", 0, "Goal/"+fhir.GoalID(ids[i], 0)
			}
			if cp.ID != ids[i] || cp.Meta.VersionID != strconv.Itoa(i+1) || cp.Status != wantStatus || len(cp.Contained) != wantContained ||
				len(cp.Goal) != 2 || cp.Goal[0].Reference != wantGoal || len(cp.CareTeam) != 1 || cp.CareTeam[0].Reference != "CareTeam/p1" {
				t.Errorf("version %d: %+v", i+1, cp)
			}
			if i > 0 && (len(cp.Replaces) != 1 || cp.Replaces[0].Reference != "CarePlan/"+ids[i-1]) {
				t.Errorf("version %d replaces %+v", i+1, cp.Replaces)
			}
		}

		// Search: status, and a page of one at a time.
		rec := fhirapi.NewRecord(db, p, nil, nil)
		search := func(typ string, v url.Values) fhirapi.Page {
			t.Helper()
			ty, _ := fhirapi.Lookup(typ)
			q, err := fhirapi.ParseQuery(ty, v)
			if err != nil {
				t.Fatal(err)
			}
			page, err := fhirapi.SearchRecords(ctx, q, []*fhirapi.Record{rec})
			if err != nil {
				t.Fatal(err)
			}
			return page
		}
		if page := search("CarePlan", url.Values{"status": {"active"}}); page.Total != 1 || page.Items[0].ID != ids[2] {
			t.Errorf("active CarePlans: %+v", page)
		}
		if page := search("CarePlan", url.Values{"_count": {"1"}}); page.Total != 3 || len(page.Items) != 1 || page.Next != 1 {
			t.Errorf("first page of CarePlans: total %d, %d items, next %d", page.Total, len(page.Items), page.Next)
		}
		if page := search("Goal", url.Values{"lifecycle-status": {"planned"}}); page.Total != 1 {
			t.Errorf("planned Goals: %d", page.Total)
		}
		if page := search("CareTeam", url.Values{"status": {"active"}, "category": {"http://loinc.org|LA28865-6"}}); page.Total != 1 {
			t.Errorf("active CareTeam: %d", page.Total)
		}

		// A goal's id leads to its patient; a made-up one to none.
		goal, _ := fhirapi.Lookup("Goal")
		if pid, err := goal.PatientOf(ctx, db, fhir.GoalID(ids[2], 1)); err != nil || pid != p.ID {
			t.Errorf("PatientOf(goal) = %q, %v", pid, err)
		}
		if _, err := goal.PatientOf(ctx, db, "nonsense"); err == nil {
			t.Error("PatientOf(nonsense) found a patient")
		}
	})
}

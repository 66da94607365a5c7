package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// confirmTier assesses p at tier and records a GP's confirmation.
func (f *fixture) confirmTier(t *testing.T, p joinedup.Patient, tier joinedup.Tier) {
	t.Helper()
	f.assess(t, p, tier)
	gp := f.users[joinedup.RoleGP]
	if _, err := coord.New(f.db, nil).DecideTier(ctx, coord.Actor{User: gp, At: f.clock.Now(), Door: "test", Scope: joinedup.ScopeFull},
		p.ID, tier, ""); err != nil {
		t.Fatal(err)
	}
}

// mdtCases is the case list as the API returns it.
type mdtCases struct {
	Meeting struct {
		ID         string `json:"id"`
		Cases      *int   `json:"cases"`
		Discussed  *int   `json:"discussed"`
		Suppressed bool   `json:"suppressed"`
	} `json:"meeting"`
	Cases []struct {
		PatientID string               `json:"patient_id"`
		NHSNumber string               `json:"nhs_number"`
		Reasons   []joinedup.MDTReason `json:"reasons"`
		Status    string               `json:"status"`
		Version   int                  `json:"version"`
	} `json:"cases"`
	NotShown int `json:"not_shown"`
}

func decodeBody[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func reasonKinds(rs []joinedup.MDTReason) string {
	var ks []string
	for _, r := range rs {
		ks = append(ks, string(r.Kind))
	}
	return strings.Join(ks, ",")
}

// TestMDTMeetingEndToEnd: a meeting is planned, its list built, outcomes
// recorded; the actions reach the owners' worklists and the care plan;
// the next meeting's list drops the discussed Amber patient and rolls the
// undiscussed one over with a note.
func TestMDTMeetingEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.confirmTier(t, f.R, joinedup.TierAmber)
		f.confirmTier(t, f.R2, joinedup.TierAmber)
		f.ensurePlan(f.R)
		gp, cc, ls := f.session(t, joinedup.RoleGP), f.session(t, joinedup.RoleCareCoordinator), f.session(t, joinedup.RoleLeadSpecialist)
		start := f.clock.Now().Add(24 * time.Hour)

		w := f.do("POST", "/api/mdt/meetings", fmt.Sprintf(`{"organisation_ods":"PRACA","title":"PRACA MDT","starts_at":%q,
			"chair_username":"user-gp","repeat_weeks":4,"location":"Practice library",
			"attendees":[{"username":"user-care-coordinator"},{"name":"Jo Guest","organisation":"Age UK Lambeth"}]}`, start.Format(time.RFC3339)), gp)
		if w.Code != 201 {
			t.Fatalf("create meeting: %d %s", w.Code, w.Body)
		}
		m := decodeBody[struct{ ID string }](t, w.Body.Bytes())
		// Bad input names the field and stores nothing.
		if w := f.do("POST", "/api/mdt/meetings", `{"organisation_ods":"NOPE","title":"","chair_username":"nobody","repeat_weeks":99}`, gp); w.Code != 422 ||
			!strings.Contains(w.Body.String(), `"organisation_ods"`) || !strings.Contains(w.Body.String(), `"repeat_weeks"`) ||
			!strings.Contains(w.Body.String(), `"chair_username"`) {
			t.Fatalf("bad meeting: %d %s", w.Code, w.Body)
		}

		w = f.do("POST", "/api/mdt/meetings/"+m.ID+"/case-list", "", gp)
		list := decodeBody[mdtCases](t, w.Body.Bytes())
		if w.Code != 200 || len(list.Cases) != 2 {
			t.Fatalf("build list: %d %s", w.Code, w.Body)
		}
		version := map[string]int{}
		for _, k := range list.Cases {
			if reasonKinds(k.Reasons) != "tier-due" || k.Status != "pending" {
				t.Errorf("case %s: reasons %v, status %s", k.PatientID, k.Reasons, k.Status)
			}
			version[k.PatientID] = k.Version
		}
		// Someone outside the care teams and the practice sees a count.
		w = f.do("GET", "/api/mdt/meetings/"+m.ID, "", ls)
		if other := decodeBody[mdtCases](t, w.Body.Bytes()); w.Code != 200 || len(other.Cases) != 0 || other.NotShown != 2 ||
			other.Meeting.Cases == nil || *other.Meeting.Cases != 2 || other.Meeting.Suppressed {
			t.Fatalf("lead specialist sees %d %s", w.Code, w.Body)
		}
		// The LCN manager sees counts only, and not counts below 5: they
		// are withheld (null), and the meeting says so.
		w = f.do("GET", "/api/mdt/meetings/"+m.ID, "", f.session(t, joinedup.RoleLCNManager))
		if agg := decodeBody[mdtCases](t, w.Body.Bytes()); w.Code != 200 || agg.Cases != nil || agg.Meeting.Cases != nil ||
			agg.Meeting.Discussed != nil || !agg.Meeting.Suppressed || !strings.Contains(w.Body.String(), `"cases":null`) {
			t.Fatalf("LCN manager sees %d %s", w.Code, w.Body)
		}

		outcome := func(p joinedup.Patient, body string) *strings.Builder {
			w := f.do("POST", "/api/mdt/meetings/"+m.ID+"/patients/"+p.ID+"/outcome", body, gp)
			var b strings.Builder
			fmt.Fprintf(&b, "%d %s", w.Code, w.Body)
			return &b
		}
		due := f.clock.Now().AddDate(0, 0, 14).Format(time.DateOnly)
		// An action without an owner is refused, and nothing is recorded.
		if got := outcome(f.R, fmt.Sprintf(`{"version":%d,"discussed":true,"outcome":"x","actions":[{"description":"Ring","due":%q}]}`,
			version[f.R.ID], due)).String(); !strings.HasPrefix(got, "422") || !strings.Contains(got, `"actions[0].owner"`) {
			t.Fatalf("action without owner: %s", got)
		}
		got := outcome(f.R, fmt.Sprintf(`{"version":%d,"discussed":true,"outcome":"Falls clinic referral agreed","decisions":"Keep Amber",
			"actions":[{"description":"Refer to the falls clinic","assignee_username":"user-care-coordinator","due":%q,"add_to_plan":true},
			           {"description":"Medication review","assignee_organisation_ods":"PRACA","due":%q}],
			"plan":{"base_version":1}}`, version[f.R.ID], due, due)).String()
		if !strings.HasPrefix(got, "200") || !strings.Contains(got, `"plan_version":2`) || strings.Count(got, `"kind":"mdt-action"`) != 2 {
			t.Fatalf("record R: %s", got)
		}
		if got := outcome(f.R2, fmt.Sprintf(`{"version":%d,"discussed":false}`, version[f.R2.ID])).String(); !strings.HasPrefix(got, "200") {
			t.Fatalf("record R2 not discussed: %s", got)
		}
		// A second recording from the version read is refused.
		if got := outcome(f.R, fmt.Sprintf(`{"version":%d,"discussed":true,"outcome":"again"}`, version[f.R.ID])).String(); !strings.HasPrefix(got, "409") {
			t.Fatalf("recording twice: %s", got)
		}

		// The actions are on their owners' worklists.
		w = f.do("GET", "/api/worklist", "", cc)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "Refer to the falls clinic") || !strings.Contains(w.Body.String(), `"kind":"mdt-action"`) {
			t.Fatalf("coordinator's worklist: %d %s", w.Code, w.Body)
		}
		w = f.do("GET", "/api/worklist", "", gp)
		if !strings.Contains(w.Body.String(), "Medication review") {
			t.Fatalf("practice team worklist lacks the team action: %s", w.Body)
		}
		plan, err := store.CurrentCarePlan(ctx, db, f.R.ID)
		if err != nil || plan.Version != 2 || len(plan.Plan.Actions) != 1 || plan.Plan.Actions[0].Owner != "User care-coordinator" {
			t.Fatalf("care plan after the meeting: %+v %v", plan, err)
		}

		// The next meeting from the schedule, four weeks on.
		w = f.do("POST", "/api/mdt/meetings/"+m.ID+"/next", "", gp)
		next := decodeBody[struct {
			ID       string
			StartsAt time.Time `json:"starts_at"`
		}](t, w.Body.Bytes())
		if w.Code != 201 || !next.StartsAt.Equal(start.AddDate(0, 0, 28).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("next meeting: %d %s", w.Code, w.Body)
		}
		if w := f.do("POST", "/api/mdt/meetings/"+m.ID+"/next", "", gp); w.Code != 409 {
			t.Fatalf("next meeting twice: %d %s", w.Code, w.Body)
		}
		f.clock.Advance(28 * 24 * time.Hour)
		gp, cc = f.session(t, joinedup.RoleGP), f.session(t, joinedup.RoleCareCoordinator)
		w = f.do("POST", "/api/mdt/meetings/"+next.ID+"/case-list", "", gp)
		list = decodeBody[mdtCases](t, w.Body.Bytes())
		if w.Code != 200 || len(list.Cases) != 1 || list.Cases[0].PatientID != f.R2.ID || reasonKinds(list.Cases[0].Reasons) != "rolled-over,tier-due" ||
			!strings.Contains(list.Cases[0].Reasons[0].Detail, "Not discussed at the meeting of") {
			t.Fatalf("next list: %d %s", w.Code, w.Body)
		}

		// Every case shown was audited for its patient.
		for _, p := range []joinedup.Patient{f.R, f.R2} {
			es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: p.ID, Limit: 1000})
			listed := 0
			for _, e := range es {
				if strings.HasPrefix(e.What, "POST /api/mdt/meetings/{meeting}/case-list") && strings.HasSuffix(e.What, "(listed)") {
					listed++
				}
			}
			if want := map[string]int{f.R.ID: 1, f.R2.ID: 2}[p.ID]; listed != want {
				t.Errorf("%s listed %d times in the audit, want %d", p.GivenName, listed, want)
			}
		}
		// The patient's MDT history.
		w = f.do("GET", "/api/patients/"+f.R.ID+"/mdt", "", cc)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "Falls clinic referral agreed") {
			t.Fatalf("history: %d %s", w.Code, w.Body)
		}
	})
}

// TestMDTPlanConflict: a plan change from a version someone has since
// replaced is refused and nothing of the outcome is recorded.
func TestMDTPlanConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.confirmTier(t, f.R, joinedup.TierRed)
		f.ensurePlan(f.R)
		gp := f.session(t, joinedup.RoleGP)
		m, err := store.CreateMDTMeeting(ctx, db, joinedup.MDTMeeting{OrganisationID: f.orgs["PRACA"], Title: "MDT", Start: f.clock.Now(),
			ChairID: f.users[joinedup.RoleGP].ID, CreatedBy: "t", CreatedAt: f.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if w := f.do("POST", "/api/mdt/meetings/"+m.ID+"/case-list", "", gp); w.Code != 200 {
			t.Fatalf("build: %d %s", w.Code, w.Body)
		}
		k, err := store.GetMDTCase(ctx, db, m.ID, f.R.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Someone saves the plan (version 2) while the meeting runs.
		if _, err := store.SaveCarePlan(ctx, db, joinedup.CarePlan{PatientID: f.R.ID, WhatMatters: "my allotment",
			NextReview: f.clock.Now().AddDate(0, 3, 0)}, 1, f.users[joinedup.RoleCareCoordinator].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		w := f.do("POST", "/api/mdt/meetings/"+m.ID+"/patients/"+f.R.ID+"/outcome", fmt.Sprintf(`{"version":%d,"discussed":true,
			"outcome":"Agreed","actions":[{"description":"Call","assignee_organisation_ods":"PRACA","due":%q,"add_to_plan":true}],
			"plan":{"base_version":1}}`, k.Version, f.clock.Now().Format(time.DateOnly)), gp)
		if w.Code != 409 || !strings.Contains(w.Body.String(), "plan_conflict") {
			t.Fatalf("stale plan: %d %s", w.Code, w.Body)
		}
		after, _ := store.GetMDTCase(ctx, db, m.ID, f.R.ID)
		tasks, _ := store.OpenTasks(ctx, db, f.R.ID)
		plan, _ := store.CurrentCarePlan(ctx, db, f.R.ID)
		for _, tk := range tasks {
			if tk.Kind == joinedup.TaskMDTAction {
				t.Errorf("task raised despite the conflict: %+v", tk)
			}
		}
		if after.Status != joinedup.MDTPending || after.Version != k.Version || plan.Version != 2 || plan.Plan.WhatMatters != "my allotment" {
			t.Fatalf("after the conflict: case %+v, plan %+v", after, plan)
		}
	})
}

// TestMeetingCounts: a meeting's counts are JSON numbers; for an aggregate
// viewer a count below joinedup.SuppressBelow is withheld (null) and the
// meeting is marked suppressed, while a larger count is still shown.
func TestMeetingCounts(t *testing.T) {
	m := joinedup.MDTMeeting{ID: "m1", Title: "MDT"}
	for _, c := range []struct {
		cases, discussed int
		aggregate        bool
		want             string
	}{
		{12, 3, false, `"cases":12,"discussed":3,"suppressed":false`},
		{12, 7, true, `"cases":12,"discussed":7,"suppressed":false`},
		{12, 3, true, `"cases":12,"discussed":null,"suppressed":true`},
		{2, 0, true, `"cases":null,"discussed":null,"suppressed":true`},
	} {
		b, err := json.Marshal(toMeetingJSON(m, "", "", c.cases, c.discussed, c.aggregate))
		if err != nil || !strings.Contains(string(b), c.want) {
			t.Errorf("%d cases, %d discussed (aggregate %v): %s; want %s", c.cases, c.discussed, c.aggregate, b, c.want)
		}
	}
}

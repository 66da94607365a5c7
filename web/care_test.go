package web

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/worklist"
)

// careTables are the tables care coordination writes; careState
// fingerprints them so a test can show a rejected request wrote nothing.
var careTables = []string{"care_team_members", "care_team_people", "care_plans", "current_care_plans", "care_reviews", "tasks"}

func careState(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, tbl := range careTables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+tbl+" ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", tbl, vals)
		}
		rows.Close()
	}
	return b.String()
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
	return v
}

// badInput is a request that must be refused with 422 naming field, and
// write nothing.
type badInput struct {
	name, method, path, body, field string
}

func (f *fixture) expectInvalid(t *testing.T, tok string, cases []badInput) {
	t.Helper()
	for _, c := range cases {
		before := careState(t, f.db)
		w := f.do(c.method, c.path, c.body, tok)
		var got struct {
			Error struct {
				Code    string
				Message string
				Fields  map[string]string
			}
		}
		_ = json.Unmarshal(w.Body.Bytes(), &got)
		// A body HTTP cannot read (no field named) is a 400; input the
		// domain refuses names its fields, 422.
		status, code := 422, "invalid"
		if c.field == "" {
			status, code = 400, "bad_request"
		}
		if w.Code != status || got.Error.Code != code {
			t.Errorf("%s: %d %s, want %d %s", c.name, w.Code, w.Body, status, code)
			continue
		}
		if c.field != "" && got.Error.Fields[c.field] == "" {
			t.Errorf("%s: no message for field %q: %s", c.name, c.field, w.Body)
		}
		if careState(t, f.db) != before {
			t.Errorf("%s: a refused request changed the database", c.name)
		}
	}
}

func TestCareTeamAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleGP)
		base := "/api/patients/" + f.R.ID + "/care-team"
		// A lead specialist with no other link to the patient: the care team
		// is what lets them see the record.
		ls, err := store.CreateUser(ctx, db, joinedup.User{Username: "ls2", DisplayName: "Dr Lead", Role: joinedup.RoleLeadSpecialist}, "", f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		rel := func() bool {
			r, err := store.RelationshipFor(ctx, db, ls, f.R.ID, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return r.CareTeam
		}
		if rel() {
			t.Fatal("on the care team before being added")
		}
		w := f.do("POST", base, `{"role":"lead-specialist","user_id":"`+ls.ID+`","contact":"020 7188 7188"}`, tok)
		if w.Code != 201 {
			t.Fatalf("add lead specialist: %d %s", w.Code, w.Body)
		}
		lead := decode[careTeamMemberJSON](t, w)
		if !rel() || !lead.Current || lead.Start != "2025-06-02" || lead.AddedBy != f.users[joinedup.RoleGP].ID {
			t.Fatalf("after adding: relationship %v, member %+v", rel(), lead)
		}
		if w := f.do("POST", base, `{"role":"social-care","organisation_ods":"SC1","name":"Duty team"}`, tok); w.Code != 201 {
			t.Fatalf("add team: %d %s", w.Code, w.Body)
		}
		w = f.do("POST", base, `{"role":"carer","name":"Ann Test","relationship":"daughter","contact":"07700 900123"}`, tok)
		if w.Code != 201 {
			t.Fatalf("add carer: %d %s", w.Code, w.Body)
		}
		carer := decode[careTeamMemberJSON](t, w)
		w = f.do("GET", base, "", tok)
		team := decode[struct{ Members []careTeamMemberJSON }](t, w)
		var roles []string
		for _, m := range team.Members {
			roles = append(roles, m.Role)
		}
		// Known roles in their order, carers after staff; the fixture's
		// older free-text places come last.
		if w.Code != 200 || len(roles) < 3 || strings.Join(roles[:3], ",") != "lead-specialist,social-care,carer" {
			t.Fatalf("team: %d %v", w.Code, roles)
		}
		// Ending keeps the member in the history and ends the access.
		f.clock.Advance(24 * time.Hour)
		tok = f.session(t, joinedup.RoleGP)
		w = f.do("POST", base+"/"+lead.ID+"/end", `{}`, tok)
		if ended := decode[careTeamMemberJSON](t, w); w.Code != 200 || ended.Current || ended.End != "2025-06-03" || rel() {
			t.Fatalf("end: %d %+v; relationship %v", w.Code, ended, rel())
		}
		if w := f.do("POST", base+"/"+lead.ID+"/end", `{}`, tok); w.Code != 409 {
			t.Fatalf("end twice: %d %s", w.Code, w.Body)
		}
		if w := f.do("POST", base+"/nobody/end", `{}`, tok); w.Code != 404 {
			t.Fatalf("end unknown: %d %s", w.Code, w.Body)
		}
		f.expectInvalid(t, tok, []badInput{
			{"unknown role", "POST", base, `{"role":"wizard","user_id":"` + ls.ID + `"}`, "role"},
			{"carer without a name", "POST", base, `{"role":"carer","relationship":"son"}`, "name"},
			{"carer without a relationship", "POST", base, `{"role":"family","name":"Bo"}`, "relationship"},
			{"carer as a user", "POST", base, `{"role":"carer","name":"Bo","relationship":"son","user_id":"` + ls.ID + `"}`, "user_id"},
			{"staff place held by no one", "POST", base, `{"role":"care-coordinator"}`, "user_id"},
			{"unknown user", "POST", base, `{"role":"care-coordinator","user_id":"nobody"}`, "user_id"},
			{"unknown organisation", "POST", base, `{"role":"social-care","organisation_ods":"NOPE"}`, "organisation_ods"},
			{"bad start date", "POST", base, `{"role":"gp","user_id":"` + ls.ID + `","start":"02/06/2025"}`, "start"},
			{"unknown field", "POST", base, `{"role":"gp","user_id":"` + ls.ID + `","colour":"red"}`, ""},
			{"end before start", "POST", base + "/" + carer.ID + "/end", `{"end":"2020-01-01"}`, "end"},
			{"bad end date", "POST", base + "/" + carer.ID + "/end", `{"end":"soon"}`, "end"},
		})
	})
}

// planBody is a full plan under every PRSB heading.
const planBody = `"about_me":"Retired bus driver, lives with my wife",
	"what_matters":"Getting to my grandson's football on Saturdays",
	"goals":[{"description":"Walk to the park without stopping","steps":["Walk 10 minutes daily","Join the walking group"],"owner":"Mr Test","target_date":"2025-09-01","status":"in-progress"}],
	"strengths":"Determined; good neighbours","support_network":"Wife (main carer); daughter on weekends",
	"self_management":"Checks his sugars twice a day","activation_level":3,
	"actions":[{"description":"Refer to the walking group","owner":"Care coordinator","due":"2025-06-16","status":"open"}],
	"contingency":"If short of breath at rest, call 111; if chest pain, call 999",
	"next_review":"2025-12-01"`

func TestCarePlanAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleCareCoordinator)
		base := "/api/patients/" + f.R.ID + "/care-plan"
		if w := f.do("GET", base, "", tok); w.Code != 404 {
			t.Fatalf("no plan yet: %d %s", w.Code, w.Body)
		}
		w := f.do("PUT", base, `{"base_version":0,`+planBody+`}`, tok)
		if w.Code != 201 {
			t.Fatalf("first save: %d %s", w.Code, w.Body)
		}
		w = f.do("GET", base, "", tok)
		v1 := decode[carePlanJSON](t, w)
		if v1.Version != 1 || v1.Status != "saved" || v1.ActivationLevel != 3 || len(v1.Goals) != 1 || len(v1.Goals[0].Steps) != 2 ||
			v1.Goals[0].TargetDate != "2025-09-01" || v1.Actions[0].Due != "2025-06-16" || v1.NextReview != "2025-12-01" ||
			!strings.Contains(v1.Contingency, "call 999") || v1.SavedBy != f.users[joinedup.RoleCareCoordinator].ID {
			t.Fatalf("round trip: %+v", v1)
		}
		f.clock.Advance(time.Minute)
		if w := f.do("PUT", base, `{"base_version":1,"what_matters":"Football, and my allotment","next_review":"2025-12-01"}`, tok); w.Code != 201 {
			t.Fatalf("second save: %d %s", w.Code, w.Body)
		}
		// A save from version 1 now is stale: 409 with the newer version,
		// and the text kept as a rejected draft.
		f.clock.Advance(time.Minute)
		before := careState(t, db)
		w = f.do("PUT", base, `{"base_version":1,"what_matters":"Text typed on an old screen","next_review":"2026-01-01"}`, tok)
		conflict := decode[conflictJSON](t, w)
		if w.Code != 409 || conflict.Error.Code != "conflict" || conflict.Current == nil || conflict.Current.Version != 2 ||
			conflict.Current.WhatMatters != "Football, and my allotment" || conflict.Draft.Status != "rejected" ||
			conflict.Draft.WhatMatters != "Text typed on an old screen" || conflict.Draft.BaseVersion != 1 {
			t.Fatalf("stale save: %d %s", w.Code, w.Body)
		}
		if careState(t, db) == before {
			t.Fatal("the rejected draft was not stored")
		}
		if cur := decode[carePlanJSON](t, f.do("GET", base, "", tok)); cur.Version != 2 {
			t.Fatalf("the stale save changed the current plan: version %d", cur.Version)
		}
		hist := decode[struct{ Entries []carePlanJSON }](t, f.do("GET", base+"/versions", "", tok))
		if len(hist.Entries) != 3 || hist.Entries[0].Status != "rejected" || hist.Entries[0].WhatMatters != "Text typed on an old screen" ||
			hist.Entries[1].Version != 2 || hist.Entries[2].Version != 1 {
			t.Fatalf("history: %+v", hist.Entries)
		}
		if v := decode[carePlanJSON](t, f.do("GET", base+"/versions/1", "", tok)); v.Version != 1 || v.WhatMatters != v1.WhatMatters {
			t.Fatalf("version 1: %+v", v)
		}
		if w := f.do("GET", base+"/versions/9", "", tok); w.Code != 404 {
			t.Fatalf("version 9: %d", w.Code)
		}
		// A link worker with a consented referral sees what matters, only.
		lw := f.session(t, joinedup.RoleVoluntaryLinkWorker)
		w = f.do("GET", base, "", lw)
		share := decode[map[string]any](t, w)
		if w.Code != 200 || len(share) != 2 || share["what_matters"] != "Football, and my allotment" {
			t.Fatalf("link worker: %d %s", w.Code, w.Body)
		}
		if w := f.do("GET", base+"/versions", "", lw); w.Code != 403 {
			t.Fatalf("link worker history: %d", w.Code)
		}
		f.expectInvalid(t, tok, []badInput{
			{"no base version", "PUT", base, `{"what_matters":"x","next_review":"2025-12-01"}`, "base_version"},
			{"negative base version", "PUT", base, `{"base_version":-1,"what_matters":"x","next_review":"2025-12-01"}`, "base_version"},
			{"what matters blank", "PUT", base, `{"base_version":2,"what_matters":"  ","next_review":"2025-12-01"}`, "what_matters"},
			{"no review date", "PUT", base, `{"base_version":2,"what_matters":"x"}`, "next_review"},
			{"review date in the past", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-01-01"}`, "next_review"},
			{"review date not a date", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"next spring"}`, "next_review"},
			{"PAM level 5", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","activation_level":5}`, "activation_level"},
			{"goal without owner", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","goals":[{"description":"walk","status":"not-started"}]}`, "goals[0].owner"},
			{"goal status", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","goals":[{"description":"walk","owner":"me","status":"done"}]}`, "goals[0].status"},
			{"goal target date", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","goals":[{"description":"walk","owner":"me","status":"achieved","target_date":"June"}]}`, "goals[0].target_date"},
			{"blank step", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","goals":[{"description":"walk","owner":"me","status":"achieved","steps":[""]}]}`, "goals[0].steps[0]"},
			{"action due", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","actions":[{"description":"refer","owner":"cc","status":"open"}]}`, "actions[0].due"},
			{"action status", "PUT", base, `{"base_version":2,"what_matters":"x","next_review":"2025-12-01","actions":[{"description":"refer","owner":"cc","due":"2025-07-01","status":"later"}]}`, "actions[0].status"},
			{"text too long", "PUT", base, `{"base_version":2,"what_matters":"` + strings.Repeat("a", joinedup.MaxText+1) + `","next_review":"2025-12-01"}`, "what_matters"},
			{"version not a number", "GET", base + "/versions/first", "", "version"},
		})
	})
}

// TestCarePlanConcurrentSaves sends several saves from the same version at
// once: exactly one becomes version 2, every other gets 409, and every text
// is in the history.
func TestCarePlanConcurrentSaves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		base := "/api/patients/" + f.R.ID + "/care-plan"
		if w := f.do("PUT", base, `{"base_version":0,"what_matters":"first","next_review":"2025-12-01"}`, f.session(t, joinedup.RoleGP)); w.Code != 201 {
			t.Fatalf("first save: %d %s", w.Code, w.Body)
		}
		const n = 6
		toks := make([]string, n)
		for i := range toks {
			toks[i] = f.session(t, joinedup.RoleCareCoordinator)
		}
		codes := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				w := f.do("PUT", base, fmt.Sprintf(`{"base_version":1,"what_matters":"edit %d","next_review":"2025-12-01"}`, i), toks[i])
				codes[i] = w.Code
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, c := range codes {
			switch c {
			case 201:
				won++
			case 409:
			default:
				t.Errorf("save %d: %d", i, c)
			}
		}
		if won != 1 {
			t.Fatalf("%d saves from version 1 succeeded, want exactly 1: %v", won, codes)
		}
		hist, err := store.CarePlanHistory(ctx, db, f.R.ID)
		if err != nil {
			t.Fatal(err)
		}
		texts := map[string]string{}
		for _, e := range hist {
			texts[e.Plan.WhatMatters] = e.Status
		}
		for i := range n {
			if _, ok := texts[fmt.Sprintf("edit %d", i)]; !ok {
				t.Errorf("edit %d is lost: %v", i, texts)
			}
		}
		if cur, _ := store.CurrentCarePlan(ctx, db, f.R.ID); cur.Version != 2 || texts[cur.Plan.WhatMatters] != store.PlanSaved {
			t.Fatalf("current %+v", cur)
		}
		if _, err := store.VerifyAudit(ctx, db); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTasksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleGP)
		base := "/api/patients/" + f.R.ID + "/tasks"
		w := f.do("POST", base, `{"title":"Ring about transport to clinic","due":"2025-06-09","priority":1,"assignee_user_id":"`+
			f.users[joinedup.RoleCareCoordinator].ID+`","reason":"missed two appointments"}`, tok)
		task := decode[taskJSON](t, w)
		if w.Code != 201 || task.Kind != joinedup.TaskManual || task.Source != "manual" || task.Version != 1 || task.Status != "open" {
			t.Fatalf("create: %d %s", w.Code, w.Body)
		}
		list := decode[struct{ Tasks []taskJSON }](t, f.do("GET", base, "", tok))
		if len(list.Tasks) != 1 || list.Tasks[0].ID != task.ID {
			t.Fatalf("list: %+v", list)
		}
		// The coordinator sees it on their worklist; the GP does not.
		if wl := decode[struct{ Tasks []taskRowJSON }](t, f.do("GET", "/api/worklist", "", f.session(t, joinedup.RoleCareCoordinator))); len(wl.Tasks) != 1 || wl.Tasks[0].PatientName != "Rita Test" {
			t.Fatalf("coordinator worklist: %+v", wl)
		}
		path := base + "/" + task.ID
		w = f.do("PATCH", path, `{"version":1,"status":"in-progress","note":"left a message"}`, tok)
		if upd := decode[taskJSON](t, w); w.Code != 200 || upd.Version != 2 || upd.Status != "in-progress" || upd.Note != "left a message" {
			t.Fatalf("update: %d %s", w.Code, w.Body)
		}
		// The same change from the old version is refused, with the task as
		// it is now; nothing is written.
		before := careState(t, db)
		w = f.do("PATCH", path, `{"version":1,"status":"cancelled"}`, tok)
		if got := decode[struct{ Current taskJSON }](t, w); w.Code != 409 || got.Current.Version != 2 || got.Current.Status != "in-progress" {
			t.Fatalf("stale update: %d %s", w.Code, w.Body)
		}
		if careState(t, db) != before {
			t.Fatal("a stale update changed the database")
		}
		w = f.do("PATCH", path, `{"version":2,"status":"done"}`, tok)
		if done := decode[taskJSON](t, w); w.Code != 200 || done.ClosedAt == nil {
			t.Fatalf("done: %d %s", w.Code, w.Body)
		}
		if l := decode[struct{ Tasks []taskJSON }](t, f.do("GET", base, "", tok)); len(l.Tasks) != 0 {
			t.Fatalf("open tasks after done: %+v", l.Tasks)
		}
		if l := decode[struct{ Tasks []taskJSON }](t, f.do("GET", base+"?status=all", "", tok)); len(l.Tasks) != 1 {
			t.Fatalf("all tasks: %+v", l.Tasks)
		}
		if w := f.do("PATCH", base+"/nothing", `{"version":1,"status":"done"}`, tok); w.Code != 404 {
			t.Fatalf("unknown task: %d", w.Code)
		}
		ok := `"title":"x","assignee_organisation_ods":"PRACA"`
		f.expectInvalid(t, tok, []badInput{
			{"no title", "POST", base, `{"due":"2025-06-09","assignee_organisation_ods":"PRACA"}`, "title"},
			{"no due date", "POST", base, `{` + ok + `}`, "due"},
			{"bad due date", "POST", base, `{` + ok + `,"due":"tomorrow"}`, "due"},
			{"priority 7", "POST", base, `{` + ok + `,"due":"2025-06-09","priority":7}`, "priority"},
			{"nobody to do it", "POST", base, `{"title":"x","due":"2025-06-09"}`, "assignee"},
			{"unknown user", "POST", base, `{"title":"x","due":"2025-06-09","assignee_user_id":"ghost"}`, "assignee_user_id"},
			{"unknown team", "POST", base, `{"title":"x","due":"2025-06-09","assignee_organisation_ods":"NOPE"}`, "assignee_organisation_ods"},
			{"no version", "PATCH", path, `{"status":"open"}`, "version"},
			{"bad status", "PATCH", path, `{"version":3,"status":"finished"}`, "status"},
			{"nothing to change", "PATCH", path, `{"version":3}`, "status"},
			{"bad list filter", "GET", base + "?status=closed", "", "status"},
		})
	})
}

// decideTier records a confirmed tier at the given time as a clinician's
// decision does, worklist sync included.
func decideTier(t *testing.T, f *fixture, p joinedup.Patient, tier joinedup.Tier, at time.Time) {
	t.Helper()
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		d := joinedup.TierDecision{PatientID: p.ID, AssessmentID: "a", SuggestedTier: tier, Tier: tier, DecidedBy: f.users[joinedup.RoleGP].ID, DecidedAt: at}
		if err := store.SaveDecision(ctx, tx, &d); err != nil {
			return err
		}
		cfg, err := worklist.LoadConfig(ctx, tx)
		if err != nil {
			return err
		}
		_, err = worklist.Sync(ctx, tx, cfg, p.ID, at, at)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func kinds(ts []taskJSON) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Kind)
	}
	return strings.Join(out, ",")
}

// TestWorklistsAPI follows pathway tasks through the API: raised by tier
// decisions, on the practice's and coordinator's lists, ordered on the
// caseload, overdue per practice, counted for the LCN manager, and closed
// by a care-team change, a care-plan save and a review.
func TestWorklistsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		if _, _, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		cc := f.users[joinedup.RoleCareCoordinator]
		for _, p := range []joinedup.Patient{f.R, f.R2} {
			if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, Role: joinedup.CareCoordinator, UserID: cc.ID, Start: now.AddDate(0, -3, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		decideTier(t, f, f.R, joinedup.TierAmber, now)
		decideTier(t, f, f.R2, joinedup.TierRed, now.AddDate(0, 0, -60))
		gp := f.session(t, joinedup.RoleGP)
		ccTok := f.session(t, joinedup.RoleCareCoordinator)

		// R2's Red tasks were due 46 and 32 days ago: overdue at the practice.
		w := f.do("GET", "/api/worklists/overdue", "", gp)
		over := decode[struct{ Tasks []taskRowJSON }](t, w)
		if w.Code != 200 || len(over.Tasks) != 2 || over.Tasks[0].Kind != "assign-lead-specialist" || over.Tasks[0].PatientID != f.R2.ID ||
			!over.Tasks[0].Overdue || over.Tasks[0].LocalityName != "" {
			t.Fatalf("overdue at the GP's practice: %d %s", w.Code, w.Body)
		}
		if w := f.do("GET", "/api/worklists/overdue?practice=PRACB", "", gp); len(decode[struct{ Tasks []taskRowJSON }](t, w).Tasks) != 0 {
			t.Fatalf("another practice's overdue tasks shown: %s", w.Body)
		}
		// The GP's worklist holds the tasks assigned to the practice team.
		wl := decode[struct{ Tasks []taskRowJSON }](t, f.do("GET", "/api/worklist", "", gp))
		if got := kinds(func() []taskJSON {
			var ts []taskJSON
			for _, r := range wl.Tasks {
				ts = append(ts, r.taskJSON)
			}
			return ts
		}()); got != "assign-lead-specialist,book-holistic-review" {
			t.Fatalf("GP worklist: %s", got)
		}
		// Caseload: R2 (overdue, Red) before R (Amber, nothing overdue).
		w = f.do("GET", "/api/caseload", "", ccTok)
		cl := decode[struct{ Patients []caseloadJSON }](t, w)
		if w.Code != 200 || len(cl.Patients) != 2 || cl.Patients[0].PatientID != f.R2.ID || cl.Patients[0].Overdue != 2 ||
			cl.Patients[1].PatientID != f.R.ID || cl.Patients[1].Tier != "amber" {
			t.Fatalf("caseload: %d %s", w.Code, w.Body)
		}
		// Every patient a list showed is audited against that patient.
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R2.ID, Limit: 100})
		listed := 0
		for _, e := range es {
			if strings.HasSuffix(e.What, "(listed)") {
				listed++
			}
		}
		if listed != 3 {
			t.Fatalf("R2 listed %d times in the audit, want 3", listed)
		}
		// The LCN manager sees counts only, small ones suppressed.
		w = f.do("GET", "/api/aggregates/overdue", "", f.session(t, joinedup.RoleLCNManager))
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, `"overdue":"\u003c5"`) || strings.Contains(body, f.R2.ID) {
			t.Fatalf("aggregates: %d %s", w.Code, body)
		}
		if w := f.do("GET", "/api/caseload?role=carer", "", ccTok); w.Code != 422 {
			t.Fatalf("caseload of carers: %d", w.Code)
		}

		// Closures through the API.
		rTasks := func() string {
			return kinds(decode[struct{ Tasks []taskJSON }](t, f.do("GET", "/api/patients/"+f.R.ID+"/tasks", "", gp)).Tasks)
		}
		if got := rTasks(); got != "care-planning-conversation" {
			t.Fatalf("R's tasks with a coordinator already assigned: %s", got)
		}
		if w := f.do("PUT", "/api/patients/"+f.R.ID+"/care-plan", `{"base_version":0,`+planBody+`}`, ccTok); w.Code != 201 {
			t.Fatalf("plan: %d %s", w.Code, w.Body)
		}
		if got := rTasks(); got != "" {
			t.Fatalf("a care plan saved left %s open", got)
		}
		r2 := "/api/patients/" + f.R2.ID
		ls := f.users[joinedup.RoleLeadSpecialist]
		if w := f.do("POST", r2+"/care-team", `{"role":"lead-specialist","user_id":"`+ls.ID+`"}`, gp); w.Code != 201 {
			t.Fatalf("add lead: %d %s", w.Code, w.Body)
		}
		w = f.do("POST", r2+"/reviews", `{"kind":"holistic-review","held_on":"2025-06-01","note":"held at home"}`, f.session(t, joinedup.RoleLeadSpecialist))
		if got := decode[struct {
			TasksClosed int `json:"tasks_closed"`
		}](t, w); w.Code != 201 || got.TasksClosed != 1 {
			t.Fatalf("review: %d %s", w.Code, w.Body)
		}
		if got := kinds(decode[struct{ Tasks []taskJSON }](t, f.do("GET", r2+"/tasks", "", gp)).Tasks); got != "" {
			t.Fatalf("R2 tasks after lead assigned and review held: %s", got)
		}
		if rs := decode[struct{ Reviews []reviewJSON }](t, f.do("GET", r2+"/reviews", "", gp)); len(rs.Reviews) != 1 || rs.Reviews[0].Kind != "holistic-review" {
			t.Fatalf("reviews: %+v", rs)
		}
		f.expectInvalid(t, gp, []badInput{
			{"unknown practice", "GET", "/api/worklists/overdue?practice=NOPE", "", "practice"},
			{"review kind", "POST", r2 + "/reviews", `{"kind":"chat","held_on":"2025-06-01"}`, "kind"},
			{"review in the future", "POST", r2 + "/reviews", `{"kind":"holistic-review","held_on":"2025-07-01"}`, "held_on"},
			{"review date", "POST", r2 + "/reviews", `{"kind":"holistic-review","held_on":"yesterday"}`, "held_on"},
		})
	})
}

func TestStreamlinedAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		spec := func(code, name string) joinedup.Codings {
			return joinedup.Codings{{System: joinedup.SystemSNOMED, Code: code, Display: name}}
		}
		at := func(d int) time.Time { return time.Date(2025, 6, d, 10, 0, 0, 0, time.UTC) }
		appts := []joinedup.Appointment{
			{ID: "a1", Start: at(3), Status: "booked", Specialty: spec("394579002", "Cardiology")},
			{ID: "a2", Start: at(5), Status: "booked", Specialty: spec("394589003", "Nephrology")},
			{ID: "a3", Start: at(20), Status: "booked", Specialty: spec("394579002", "Cardiology")},
			{ID: "a4", Start: at(4), Status: "cancelled", Specialty: spec("394579002", "Cardiology")},
			{ID: "a5", Start: at(1), Status: "booked", Specialty: spec("394589003", "Nephrology")},
		}
		for i := range appts {
			appts[i].PatientID, appts[i].Source = f.R.ID, joinedup.Source{System: "test", ID: appts[i].ID}
		}
		if _, err := store.Write(ctx, db, &store.Batch{Appointments: appts}); err != nil {
			t.Fatal(err)
		}
		tok := f.session(t, joinedup.RoleLeadSpecialist)
		w := f.do("GET", "/api/patients/"+f.R.ID+"/appointments/streamlined", "", tok)
		var got struct {
			Appointments []struct {
				ID                 string
				Week               string
				SameWeek           bool `json:"same_week"`
				DuplicateSpecialty bool `json:"duplicate_specialty"`
			}
			BusyWeeks  []struct{ Key string } `json:"busy_weeks"`
			Duplicated []struct {
				Key   string
				Count int
			} `json:"duplicated_specialties"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		summary := fmt.Sprint(got.Appointments)
		if summary != "[{a1 2025-W23 true true} {a2 2025-W23 true false} {a3 2025-W25 false true}]" ||
			len(got.BusyWeeks) != 1 || got.BusyWeeks[0].Key != "2025-W23" || len(got.Duplicated) != 1 || got.Duplicated[0].Key != "Cardiology" {
			t.Fatalf("streamlined: %s", w.Body)
		}
		if w := f.do("GET", "/api/patients/"+f.R.ID+"/appointments/streamlined?from=2025-06-10", "", tok); !strings.Contains(w.Body.String(), `"a3"`) ||
			strings.Contains(w.Body.String(), `"a1"`) {
			t.Fatalf("from: %s", w.Body)
		}
		f.expectInvalid(t, tok, []badInput{{"bad from", "GET", "/api/patients/" + f.R.ID + "/appointments/streamlined?from=June", "", "from"}})
	})
}

// TestOpenAPIDescribesEveryJSONRoute: the served document is OpenAPI 3,
// names every JSON route with its method and responses (401 and 403 for a
// route that needs a session, 404 for a patient's), names no route the
// server does not serve, declares each path parameter, and every $ref in
// it resolves.
func TestOpenAPIDescribesEveryJSONRoute(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	w := f.do("GET", "/api/openapi.json", "", "")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("%d %v %.200s", w.Code, err, w.Body)
	}
	var whole any
	if err := json.Unmarshal(w.Body.Bytes(), &whole); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, rt := range f.srv.Routes() {
		if rt.Surface != SurfaceAPI || !strings.HasPrefix(rt.Pattern, "/api/") {
			continue
		}
		served[strings.ToLower(rt.Method)+" "+rt.Pattern] = true
		op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)].(map[string]any)
		if !ok {
			t.Errorf("%s is not in the OpenAPI document", rt.Key())
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s has no responses", rt.Key())
		}
		success := false
		for code := range responses {
			success = success || strings.HasPrefix(code, "2")
		}
		if !success {
			t.Errorf("%s has no successful response", rt.Key())
		}
		var want []string
		if rt.Action != "" {
			want = append(want, "401", "403")
		}
		if rt.Patient {
			want = append(want, "404")
		}
		for _, code := range want {
			if _, ok := responses[code]; !ok {
				t.Errorf("%s does not describe its %s response", rt.Key(), code)
			}
		}
		// Every {name} of the pattern is a path parameter, declared on
		// the path or the operation.
		declared := map[string]bool{}
		for _, ps := range []any{doc.Paths[rt.Pattern]["parameters"], op["parameters"]} {
			list, _ := ps.([]any)
			for _, p := range list {
				p = resolveRef(t, whole, p)
				if m, _ := p.(map[string]any); m["in"] == "path" && m["required"] == true {
					declared[m["name"].(string)] = true
				}
			}
		}
		for _, name := range pathParams(rt.Pattern) {
			if !declared[name] {
				t.Errorf("%s: path parameter %q is not declared (in: path, required: true)", rt.Key(), name)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" && !served[method+" "+path] {
				t.Errorf("the OpenAPI document describes %s %s, which the server does not serve", strings.ToUpper(method), path)
			}
		}
	}
	// Every $ref names something the document has.
	var refs func(v any)
	refs = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["$ref"]; ok {
				resolveRef(t, whole, v)
			}
			for _, e := range v {
				refs(e)
			}
		case []any:
			for _, e := range v {
				refs(e)
			}
		}
	}
	refs(whole)
}

// resolveRef follows v's local $ref ("#/components/…") in doc, failing the
// test if it names nothing; v without one is returned as it is.
func resolveRef(t *testing.T, doc, v any) any {
	t.Helper()
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return v
	}
	if !strings.HasPrefix(ref, "#/") {
		t.Errorf("$ref %q is not local to the document", ref)
		return nil
	}
	at := doc
	for _, name := range strings.Split(ref[2:], "/") {
		m, _ := at.(map[string]any)
		next, ok := m[name]
		if !ok {
			t.Errorf("$ref %q names nothing in the document", ref)
			return nil
		}
		at = next
	}
	return at
}

// pathParams lists the {names} of a route pattern.
func pathParams(pattern string) []string {
	var out []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

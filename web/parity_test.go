package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// A change offered through more than one door (a page form and the JSON
// API) must leave the same record behind whichever door it came through:
// the same stored state, the same worklist tasks, the same audit of the
// change. Each case below sets up two fresh databases alike, makes the
// change through one door in each, and compares them.

// parityCase is one change and its doors.
type parityCase struct {
	name string
	// setUp brings a fresh fixture to where the change can be made, and
	// returns what the doors need (ids made in the database).
	setUp func(t *testing.T, f *fixture) map[string]string
	doors map[string]func(t *testing.T, f *fixture, ids map[string]string)
	// check asserts what the change must have done, on one door's
	// database (so the doors agree on something right, not just alike).
	check func(t *testing.T, f *fixture, ids map[string]string)
}

// must fails unless the request answered one of the statuses.
func must(t *testing.T, what string, code int, body string, want ...int) {
	t.Helper()
	for _, w := range want {
		if code == w {
			return
		}
	}
	t.Fatalf("%s: %d %s", what, code, body)
}

func TestDoorsAgree(t *testing.T) {
	due := func(f *fixture, days int) string { return f.clock.Now().AddDate(0, 0, days).Format(time.DateOnly) }
	cases := []parityCase{
		{
			name: "save a care plan",
			setUp: func(t *testing.T, f *fixture) map[string]string {
				f.confirmTier(t, f.R, joinedup.TierAmber)
				return nil
			},
			doors: map[string]func(*testing.T, *fixture, map[string]string){
				"API": func(t *testing.T, f *fixture, _ map[string]string) {
					w := f.do("PUT", "/api/patients/"+f.R.ID+"/care-plan", fmt.Sprintf(`{"base_version":0,"about_me":"Retired bus driver",
						"what_matters":"Walking to the market","strengths":"Sings in a choir","support_network":"Daughter, Ada",
						"self_management":"Checks her sugars","activation_level":2,"contingency":"Ring the practice",
						"goals":[{"description":"Walk to the market","steps":["Walk to the corner","Walk to the bus stop"],"owner":"Rita",
						"target_date":%q,"status":"in-progress"}],
						"actions":[{"description":"Book the falls clinic","owner":"Coordinator","due":%q,"status":"open"}],
						"next_review":%q}`, due(f, 90), due(f, 14), due(f, 180)), f.session(t, joinedup.RoleCareCoordinator))
					must(t, "API save", w.Code, w.Body.String(), 201)
				},
				"page": func(t *testing.T, f *fixture, _ map[string]string) {
					v := url.Values{"base_version": {"0"}, "about_me": {"Retired bus driver"}, "what_matters": {"Walking to the market"},
						"strengths": {"Sings in a choir"}, "support_network": {"Daughter, Ada"}, "self_management": {"Checks her sugars"},
						"activation_level": {"2"}, "contingency": {"Ring the practice"},
						"goals[0].description": {"Walk to the market"}, "goals[0].steps": {"Walk to the corner\r\nWalk to the bus stop\r\n"},
						"goals[0].owner": {"Rita"}, "goals[0].target_date": {due(f, 90)}, "goals[0].status": {"in-progress"},
						"goals[1].description": {""}, "goals[1].steps": {""}, "goals[1].owner": {""}, "goals[1].target_date": {""},
						"goals[1].status":        {"not-started"},
						"actions[0].description": {"Book the falls clinic"}, "actions[0].owner": {"Coordinator"},
						"actions[0].due": {due(f, 14)}, "actions[0].status": {"open"},
						"actions[1].description": {""}, "actions[1].owner": {""}, "actions[1].due": {""}, "actions[1].status": {"open"},
						"next_review": {due(f, 180)}}
					w := f.do("POST", "/patients/"+f.R.ID+"/care-plan", v.Encode(), f.session(t, joinedup.RoleCareCoordinator))
					must(t, "page save", w.Code, w.Body.String(), 303)
				},
			},
			check: func(t *testing.T, f *fixture, _ map[string]string) {
				e, err := store.CurrentCarePlan(ctx, f.db, f.R.ID)
				if err != nil || len(e.Plan.Goals) != 1 || len(e.Plan.Goals[0].Steps) != 2 || e.Plan.Goals[0].TargetDate.IsZero() ||
					e.Plan.ActivationLevel != 2 || len(e.Plan.Actions) != 1 {
					t.Fatalf("plan saved: %+v %v", e.Plan, err)
				}
				for _, k := range openTaskKinds(t, f, f.R) {
					if k == "care-planning-conversation" {
						t.Fatal("the care-planning conversation task is still open after the plan was saved")
					}
				}
			},
		},
		{
			name: "record an MDT outcome",
			setUp: func(t *testing.T, f *fixture) map[string]string {
				f.confirmTier(t, f.R, joinedup.TierAmber)
				f.ensurePlan(f.R)
				gp := f.session(t, joinedup.RoleGP)
				w := f.do("POST", "/api/mdt/meetings", fmt.Sprintf(`{"organisation_ods":"PRACA","title":"PRACA MDT","starts_at":%q,
					"chair_username":"user-gp"}`, f.clock.Now().Add(24*time.Hour).Format(time.RFC3339)), gp)
				must(t, "create meeting", w.Code, w.Body.String(), 201)
				m := decodeBody[struct{ ID string }](t, w.Body.Bytes())
				w = f.do("POST", "/api/mdt/meetings/"+m.ID+"/case-list", "", gp)
				must(t, "build list", w.Code, w.Body.String(), 200)
				k, err := store.GetMDTCase(ctx, f.db, m.ID, f.R.ID)
				if err != nil {
					t.Fatal(err)
				}
				return map[string]string{"meeting": m.ID, "version": fmt.Sprint(k.Version)}
			},
			doors: map[string]func(*testing.T, *fixture, map[string]string){
				"API": func(t *testing.T, f *fixture, ids map[string]string) {
					w := f.do("POST", "/api/mdt/meetings/"+ids["meeting"]+"/patients/"+f.R.ID+"/outcome", fmt.Sprintf(`{"version":%s,
						"discussed":true,"outcome":"Falls clinic referral agreed","decisions":"Keep Amber",
						"actions":[{"description":"Refer to the falls clinic","assignee_username":"user-care-coordinator","due":%q,"add_to_plan":true}],
						"plan":{"base_version":1}}`, ids["version"], due(f, 14)), f.session(t, joinedup.RoleGP))
					must(t, "API outcome", w.Code, w.Body.String(), 200)
				},
				"page": func(t *testing.T, f *fixture, ids map[string]string) {
					v := url.Values{"version": {ids["version"]}, "discussed": {"yes"}, "outcome": {"Falls clinic referral agreed"},
						"decisions": {"Keep Amber"}, "action": {"Refer to the falls clinic"}, "owner": {"user:" + f.users[joinedup.RoleCareCoordinator].ID},
						"due": {due(f, 14)}, "add_to_plan": {"yes"}, "plan_version": {"1"}}
					w := f.do("POST", "/mdt/meetings/"+ids["meeting"]+"/patients/"+f.R.ID, v.Encode(), f.session(t, joinedup.RoleGP))
					must(t, "page outcome", w.Code, w.Body.String(), 303)
				},
			},
			check: func(t *testing.T, f *fixture, ids map[string]string) {
				e, err := store.CurrentCarePlan(ctx, f.db, f.R.ID)
				if err != nil || e.Version != 2 || e.Plan.Actions[len(e.Plan.Actions)-1].Owner != f.users[joinedup.RoleCareCoordinator].DisplayName {
					t.Fatalf("plan after the meeting: %+v %v", e, err)
				}
			},
		},
		{
			name: "build an MDT case list",
			setUp: func(t *testing.T, f *fixture) map[string]string {
				f.confirmTier(t, f.R, joinedup.TierAmber)
				f.confirmTier(t, f.R2, joinedup.TierRed)
				w := f.do("POST", "/api/mdt/meetings", fmt.Sprintf(`{"organisation_ods":"PRACA","title":"PRACA MDT","starts_at":%q,
					"chair_username":"user-gp"}`, f.clock.Now().Add(24*time.Hour).Format(time.RFC3339)), f.session(t, joinedup.RoleGP))
				must(t, "create meeting", w.Code, w.Body.String(), 201)
				return map[string]string{"meeting": decodeBody[struct{ ID string }](t, w.Body.Bytes()).ID}
			},
			doors: map[string]func(*testing.T, *fixture, map[string]string){
				"API": func(t *testing.T, f *fixture, ids map[string]string) {
					w := f.do("POST", "/api/mdt/meetings/"+ids["meeting"]+"/case-list", "", f.session(t, joinedup.RoleGP))
					must(t, "API build", w.Code, w.Body.String(), 200)
				},
				"page": func(t *testing.T, f *fixture, ids map[string]string) {
					w := f.do("POST", "/mdt/meetings/"+ids["meeting"]+"/case-list", "", f.session(t, joinedup.RoleGP))
					must(t, "page build", w.Code, w.Body.String(), 303)
				},
			},
			check: func(t *testing.T, f *fixture, ids map[string]string) {
				cases, err := store.MDTCases(ctx, f.db, ids["meeting"])
				if err != nil || len(cases) != 2 {
					t.Fatalf("case list: %d cases, %v", len(cases), err)
				}
			},
		},
		{
			name: "move a referral on",
			setUp: func(t *testing.T, f *fixture) map[string]string {
				seedDirectory(t, f)
				return map[string]string{"referral": f.referTo(f.R).ID}
			},
			doors: map[string]func(*testing.T, *fixture, map[string]string){
				"API": func(t *testing.T, f *fixture, ids map[string]string) {
					w := f.do("PATCH", "/api/patients/"+f.R.ID+"/referrals/"+ids["referral"], `{"version":1,"status":"accepted","note":"Phoned her; starts Tuesday"}`,
						f.session(t, joinedup.RoleVoluntaryLinkWorker))
					must(t, "API update", w.Code, w.Body.String(), 200)
				},
				"page": func(t *testing.T, f *fixture, ids map[string]string) {
					v := url.Values{"version": {"1"}, "status": {"accepted"}, "note": {"Phoned her; starts Tuesday"}}
					w := f.do("POST", "/referrals/"+ids["referral"], v.Encode(), f.session(t, joinedup.RoleVoluntaryLinkWorker))
					must(t, "page update", w.Code, w.Body.String(), 303)
				},
			},
			check: func(t *testing.T, f *fixture, ids map[string]string) {
				r, err := store.GetReferral(ctx, f.db, ids["referral"])
				if err != nil || r.Status != joinedup.ReferralAccepted || r.Version != 2 {
					t.Fatalf("referral: %+v %v", r, err)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, engine := range storetest.Engines() {
				t.Run(string(engine), func(t *testing.T) {
					var first, firstState string
					var firstAudit []string
					for name, door := range c.doors {
						f := newFixture(t, storetest.Open(t, engine), Options{})
						ids := c.setUp(t, f)
						before := len(storetest.Audit(t, f.db))
						f.clock.Advance(time.Minute)
						door(t, f, ids)
						c.check(t, f, ids)
						state, audit := storetest.State(t, f.db), storetest.Audit(t, f.db)[before:]
						if len(audit) == 0 {
							t.Fatalf("%s: the change was not audited", name)
						}
						if first == "" {
							first, firstState, firstAudit = name, state, audit
							continue
						}
						if state != firstState {
							t.Errorf("the %s and the %s leave different records:\n%s", first, name, diff(firstState, state))
						}
						if strings.Join(audit, "\n") != strings.Join(firstAudit, "\n") {
							t.Errorf("the %s and the %s audit differently:\n%s\n---\n%s", first, name, strings.Join(firstAudit, "\n"), strings.Join(audit, "\n"))
						}
					}
				})
			}
		})
	}
}

// openTaskKinds lists the kinds of the patient's open tasks.
func openTaskKinds(t *testing.T, f *fixture, p joinedup.Patient) []string {
	t.Helper()
	ts, err := store.OpenTasks(ctx, f.db, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, x := range ts {
		ks = append(ks, x.Kind)
	}
	return ks
}

// diff shows the lines of a and b that the other lacks.
func diff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ia, ib := in(a), in(b)
	var out []string
	for l := range ia {
		if !ib[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range ib {
		if !ia[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

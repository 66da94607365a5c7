package worklist_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

var (
	ctx  = context.Background()
	asOf = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// config is the shipped policy's pathways, so the tests show that the
// tasks come from configuration.
func config(t testing.TB) worklist.Config {
	t.Helper()
	p, err := policy.Load("../policies/lcn-default")
	if err != nil {
		t.Fatal(err)
	}
	return worklist.ConfigFrom(p)
}

// env is one database with a practice and a user for each care role.
type env struct {
	db       *store.DB
	practice string
	users    map[joinedup.Role]joinedup.User
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	loc := joinedup.Organisation{ODS: "LOC1", Name: "North Lambeth", Kind: joinedup.OrgLocality, Source: joinedup.Source{System: "t", ID: "loc"}}
	loc.ID = store.OrganisationID(loc)
	prac := joinedup.Organisation{ODS: "G85001", Name: "Lambeth Walk", Kind: joinedup.OrgPractice, ParentID: loc.ID, Source: joinedup.Source{System: "t", ID: "prac"}}
	prac.ID = store.OrganisationID(prac)
	if _, err := store.Write(ctx, db, &store.Batch{Organisations: []joinedup.Organisation{loc, prac}}); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, practice: prac.ID, users: map[joinedup.Role]joinedup.User{}}
	for _, r := range []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator, joinedup.RoleLeadSpecialist} {
		u, err := store.CreateUser(ctx, db, joinedup.User{Username: "u-" + string(r), DisplayName: string(r), Role: r}, "", asOf)
		if err != nil {
			t.Fatal(err)
		}
		e.users[r] = u
	}
	return e
}

func (e *env) patient(t *testing.T, id string) string {
	t.Helper()
	p := joinedup.Patient{ID: id, Source: joinedup.Source{System: "t", ID: id}, GivenName: id, PracticeID: e.practice}
	if _, err := store.Write(ctx, e.db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
		t.Fatal(err)
	}
	return id
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func (e *env) decide(t *testing.T, pid string, tier joinedup.Tier, at time.Time) {
	t.Helper()
	d := joinedup.TierDecision{PatientID: pid, AssessmentID: "a", SuggestedTier: tier, Tier: tier, DecidedBy: e.users[joinedup.RoleGP].ID, DecidedAt: at}
	if err := store.SaveDecision(ctx, e.db, &d); err != nil {
		t.Fatal(err)
	}
}

func (e *env) member(t *testing.T, pid string, role joinedup.CareTeamRole, r joinedup.Role) {
	t.Helper()
	must[store.CareTeamMember](t)(store.AddCareTeamMember(ctx, e.db, store.CareTeamMember{PatientID: pid, Role: role, UserID: e.users[r].ID, Start: asOf.AddDate(0, 0, -1)}))
}

func (e *env) plan(t *testing.T, pid string, base int, nextReview, at time.Time) {
	t.Helper()
	p := joinedup.CarePlan{PatientID: pid, WhatMatters: "walking to the market", NextReview: nextReview}
	if s := must[store.CarePlanSave](t)(store.SaveCarePlan(ctx, e.db, p, base, e.users[joinedup.RoleCareCoordinator].ID, at)); s.Conflict {
		t.Fatal("conflict saving a plan")
	}
}

func (e *env) review(t *testing.T, pid string, kind joinedup.ReviewKind, held time.Time) {
	t.Helper()
	must[joinedup.Review](t)(store.RecordReview(ctx, e.db, joinedup.Review{PatientID: pid, Kind: kind, HeldOn: held,
		RecordedBy: e.users[joinedup.RoleCareCoordinator].ID, RecordedAt: held}))
}

func (e *env) encounter(t *testing.T, pid, id, class string, emergency bool, start, end time.Time) {
	t.Helper()
	enc := joinedup.Encounter{PatientID: pid, Source: joinedup.Source{System: "t", ID: id}, Class: class, Emergency: emergency, Start: start, End: end}
	if _, err := store.Write(ctx, e.db, &store.Batch{Encounters: []joinedup.Encounter{enc}}); err != nil {
		t.Fatal(err)
	}
}

// tasksOf returns all the patient's tasks of a kind, open and closed.
func tasksOf(t *testing.T, db *store.DB, pid, kind string) (open, closed []joinedup.Task) {
	t.Helper()
	for _, tk := range must[[]joinedup.Task](t)(store.PatientTasks(ctx, db, pid)) {
		if tk.Kind != kind {
			continue
		}
		if tk.Open() {
			open = append(open, tk)
		} else {
			closed = append(closed, tk)
		}
	}
	return open, closed
}

// TestEventRules takes each event rule through its life on both engines:
// the event raises its task (with the due date the pathway or the rule
// gives); syncing again raises nothing more; the condition being met closes
// it, saying why; and syncing after that does not raise it again.
func TestEventRules(t *testing.T) {
	cfg := config(t)
	tests := []struct {
		name   string
		event  func(t *testing.T, e *env, pid string)
		at     time.Time // as-of of the syncs
		kind   string
		due    time.Time
		assign joinedup.Role // the user it is assigned to; "" for the practice
		meet   func(t *testing.T, e *env, pid string)
		why    string
	}{
		{"confirmed Red: assign lead specialist", func(t *testing.T, e *env, pid string) { e.decide(t, pid, joinedup.TierRed, asOf) },
			asOf, "assign-lead-specialist", day(2025, 6, 16), "",
			func(t *testing.T, e *env, pid string) {
				e.member(t, pid, joinedup.CareLeadSpecialist, joinedup.RoleLeadSpecialist)
			},
			"a lead specialist is on the care team"},
		{"confirmed Red: book the holistic annual review", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierRed, asOf)
			e.member(t, pid, joinedup.CareLeadSpecialist, joinedup.RoleLeadSpecialist)
		}, asOf, "book-holistic-review", day(2025, 6, 30), joinedup.RoleLeadSpecialist,
			func(t *testing.T, e *env, pid string) { e.review(t, pid, joinedup.ReviewHolistic, asOf) },
			"holistic review held on 2025-06-02"},
		{"confirmed Amber: assign care coordinator", func(t *testing.T, e *env, pid string) { e.decide(t, pid, joinedup.TierAmber, asOf) },
			asOf, "assign-care-coordinator", day(2025, 6, 16), "",
			func(t *testing.T, e *env, pid string) {
				e.member(t, pid, joinedup.CareCoordinator, joinedup.RoleCareCoordinator)
			},
			"a care coordinator is on the care team"},
		{"confirmed Amber: care-planning conversation", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierAmber, asOf)
			e.member(t, pid, joinedup.CareCoordinator, joinedup.RoleCareCoordinator)
		}, asOf, "care-planning-conversation", day(2025, 7, 14), joinedup.RoleCareCoordinator,
			func(t *testing.T, e *env, pid string) { e.plan(t, pid, 0, day(2025, 12, 1), asOf) },
			"care plan version 1 saved"},
		{"confirmed Green: offer community support, closed when the tier moves on", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierGreen, asOf.AddDate(0, 0, -1))
		}, asOf, "offer-community-support", day(2025, 7, 27), "",
			func(t *testing.T, e *env, pid string) { e.decide(t, pid, joinedup.TierAmber, asOf) },
			"no longer in the pathway: tier is now Amber"},
		{"care-plan review date reached", func(t *testing.T, e *env, pid string) {
			e.plan(t, pid, 0, day(2025, 5, 20), day(2024, 11, 20))
		}, asOf, worklist.KindCarePlanReview, day(2025, 5, 20), "",
			func(t *testing.T, e *env, pid string) { e.review(t, pid, joinedup.ReviewCarePlan, asOf) },
			"care plan reviewed on 2025-06-02"},
		{"care-plan review closed by a plan saved with a later date", func(t *testing.T, e *env, pid string) {
			e.plan(t, pid, 0, day(2025, 5, 20), day(2024, 11, 20))
		}, asOf, worklist.KindCarePlanReview, day(2025, 5, 20), "",
			func(t *testing.T, e *env, pid string) { e.plan(t, pid, 1, day(2025, 11, 20), asOf) },
			"care plan next due for review on 2025-11-20"},
		{"annual holistic review overdue (Red)", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierRed, day(2024, 1, 10))
			e.member(t, pid, joinedup.CareLeadSpecialist, joinedup.RoleLeadSpecialist)
			e.review(t, pid, joinedup.ReviewHolistic, day(2024, 4, 15))
		}, asOf, worklist.KindHolisticReviewOverdue, day(2025, 4, 15), joinedup.RoleLeadSpecialist,
			func(t *testing.T, e *env, pid string) { e.review(t, pid, joinedup.ReviewHolistic, asOf) },
			"holistic review next due on 2026-06-02"},
		{"A&E attendance: contact after discharge", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierAmber, day(2025, 1, 1))
			e.member(t, pid, joinedup.CareCoordinator, joinedup.RoleCareCoordinator)
			e.encounter(t, pid, pid+"-ae", joinedup.EncounterEmergency, false, day(2025, 5, 30), day(2025, 5, 31))
		}, asOf, worklist.KindContactAfterDischarge, day(2025, 6, 2), joinedup.RoleCareCoordinator,
			func(t *testing.T, e *env, pid string) { e.review(t, pid, joinedup.ReviewContactDischarge, asOf) },
			"contacted on 2025-06-02"},
		{"emergency admission: contact after discharge", func(t *testing.T, e *env, pid string) {
			e.decide(t, pid, joinedup.TierRed, day(2025, 1, 1))
			e.encounter(t, pid, pid+"-imp", joinedup.EncounterInpatient, true, day(2025, 5, 20), day(2025, 5, 28))
		}, asOf, worklist.KindContactAfterDischarge, day(2025, 5, 30), "",
			func(t *testing.T, e *env, pid string) {
				e.review(t, pid, joinedup.ReviewContactDischarge, day(2025, 5, 29))
			},
			"contacted on 2025-05-29"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				pid := e.patient(t, fmt.Sprintf("p%d", i))
				sync := func() worklist.Result {
					t.Helper()
					return must[worklist.Result](t)(worklist.Sync(ctx, db, cfg, pid, tt.at, tt.at))
				}
				if open, _ := tasksOf(t, db, pid, tt.kind); len(open) != 0 {
					t.Fatalf("task before the event: %+v", open)
				}
				tt.event(t, e, pid)
				sync()
				open, _ := tasksOf(t, db, pid, tt.kind)
				if len(open) != 1 {
					t.Fatalf("event raised %d %s tasks, want 1", len(open), tt.kind)
				}
				task := open[0]
				if !task.Due.Equal(tt.due) {
					t.Errorf("due %s, want %s", task.Due.Format(time.DateOnly), tt.due.Format(time.DateOnly))
				}
				switch {
				case tt.assign == "" && (task.AssigneeOrg != e.practice || task.AssigneeUser != ""):
					t.Errorf("assigned to user %q org %q, want the practice", task.AssigneeUser, task.AssigneeOrg)
				case tt.assign != "" && task.AssigneeUser != e.users[tt.assign].ID:
					t.Errorf("assigned to user %q, want the %s", task.AssigneeUser, tt.assign)
				}
				// Idempotent: the same state seen again raises nothing.
				for range 2 {
					sync()
				}
				if open, closed := tasksOf(t, db, pid, tt.kind); len(open) != 1 || len(closed) != 0 || open[0].ID != task.ID {
					t.Fatalf("after syncing again: %d open, %d closed", len(open), len(closed))
				}
				tt.meet(t, e, pid)
				if r := sync(); r.Closed < 1 {
					t.Fatalf("meeting the condition closed nothing: %+v", r)
				}
				open, closed := tasksOf(t, db, pid, tt.kind)
				if len(open) != 0 || len(closed) != 1 || closed[0].Status != joinedup.TaskDone || !strings.Contains(closed[0].CloseReason, tt.why) {
					t.Fatalf("after the condition was met: open %+v closed %+v; want closed because %q", open, closed, tt.why)
				}
				sync()
				if open, _ := tasksOf(t, db, pid, tt.kind); len(open) != 0 {
					t.Fatalf("raised again after closing: %+v", open)
				}
			})
		}
	})
}

// TestTaskClosedByHandStaysClosed: a user marking an event's task done is
// final for that event; the next sync does not raise it again.
func TestTaskClosedByHandStaysClosed(t *testing.T) {
	cfg := config(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.patient(t, "p1")
		e.decide(t, pid, joinedup.TierGreen, asOf)
		must[worklist.Result](t)(worklist.Sync(ctx, db, cfg, pid, asOf, asOf))
		open, _ := tasksOf(t, db, pid, "offer-community-support")
		if len(open) != 1 {
			t.Fatalf("open %+v", open)
		}
		done := joinedup.TaskDone
		must[joinedup.Task](t)(store.UpdateTask(ctx, db, pid, open[0].ID, open[0].Version, store.TaskUpdate{Status: &done}, e.users[joinedup.RoleGP].ID, asOf))
		must[worklist.Result](t)(worklist.Sync(ctx, db, cfg, pid, asOf.AddDate(0, 0, 1), asOf.AddDate(0, 0, 1)))
		if open, closed := tasksOf(t, db, pid, "offer-community-support"); len(open) != 0 || len(closed) != 1 {
			t.Fatalf("after closing by hand and syncing: open %d closed %d", len(open), len(closed))
		}
	})
}

// TestEvaluateEdges covers what the lifecycle table does not: a missed
// contact is not dropped when the window passes; no tier, no pathway; and
// re-confirming a tier does not start a new episode.
func TestEvaluateEdges(t *testing.T) {
	cfg := config(t)
	ae := joinedup.Encounter{ID: "ae1", Class: joinedup.EncounterEmergency, Start: day(2025, 4, 1)}
	kinds := func(o worklist.Outcome) (raise, close []string) {
		for _, t := range o.Raise {
			raise = append(raise, t.Kind)
		}
		for _, c := range o.Close {
			close = append(close, c.Kind)
		}
		return
	}
	tests := []struct {
		name        string
		state       worklist.State
		raise       string // a kind that must be raised ("" none)
		notRaise    string
		mustNotShut string // a kind that must not be closed
	}{
		{"contact window passed, no contact: not closed", worklist.State{PatientID: "p", Tier: joinedup.TierAmber, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{ae}, AsOf: asOf}, "", worklist.KindContactAfterDischarge, worklist.KindContactAfterDischarge},
		{"A&E without a confirmed tier: no contact task", worklist.State{PatientID: "p", Encounters: []joinedup.Encounter{{ID: "x",
			Class: joinedup.EncounterEmergency, Start: day(2025, 6, 1)}}, AsOf: asOf}, "", worklist.KindContactAfterDischarge, ""},
		{"still in hospital: no contact yet", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterInpatient, Emergency: true, Start: day(2025, 5, 30)}}, AsOf: asOf},
			"", worklist.KindContactAfterDischarge, ""},
		{"planned admission: no contact task", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterInpatient, Start: day(2025, 5, 20), End: day(2025, 5, 30)}}, AsOf: asOf},
			"", worklist.KindContactAfterDischarge, ""},
		{"Red less than a year: review not overdue", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2024, 7, 1), AsOf: asOf},
			"assign-lead-specialist", worklist.KindHolisticReviewOverdue, ""},
		{"Red over a year with no review: overdue", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2024, 5, 1), AsOf: asOf},
			worklist.KindHolisticReviewOverdue, "", ""},
		{"no tier: no pathway tasks", worklist.State{PatientID: "p", AsOf: asOf}, "", "assign-lead-specialist", ""},
		{"Red, in A&E now: the coordinator hears today", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterEmergency, Start: asOf, Status: "arrived"}}, AsOf: asOf},
			worklist.KindInHospital, worklist.KindContactAfterDischarge, ""},
		{"Amber, admitted as an emergency: in hospital, no contact yet", worklist.State{PatientID: "p", Tier: joinedup.TierAmber, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterInpatient, Emergency: true, Start: day(2025, 5, 30), Status: "in-progress"}}, AsOf: asOf},
			worklist.KindInHospital, worklist.KindContactAfterDischarge, ""},
		{"Green in A&E: no task", worklist.State{PatientID: "p", Tier: joinedup.TierGreen, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterEmergency, Start: asOf, Status: "arrived"}}, AsOf: asOf},
			"", worklist.KindInHospital, ""},
		{"Red, planned admission: not in hospital as an emergency", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterInpatient, Start: asOf, Status: "in-progress"}}, AsOf: asOf},
			"", worklist.KindInHospital, ""},
		{"Red, A&E attendance cancelled: no task", worklist.State{PatientID: "p", Tier: joinedup.TierRed, TierSince: day(2025, 1, 1),
			Encounters: []joinedup.Encounter{{ID: "x", Class: joinedup.EncounterEmergency, Start: asOf, Status: "cancelled"}}, AsOf: asOf},
			"", worklist.KindInHospital, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := worklist.Evaluate(tt.state, cfg)
			raise, closed := kinds(o)
			has := func(xs []string, k string) bool {
				for _, x := range xs {
					if x == k {
						return true
					}
				}
				return false
			}
			if tt.raise != "" && !has(raise, tt.raise) {
				t.Errorf("did not raise %s: raised %v", tt.raise, raise)
			}
			if tt.notRaise != "" && has(raise, tt.notRaise) {
				t.Errorf("raised %s", tt.notRaise)
			}
			if tt.mustNotShut != "" && has(closed, tt.mustNotShut) {
				t.Errorf("closed %s", tt.mustNotShut)
			}
		})
	}
}

// TestCaseloadOrder: overdue first, then due soon, then by tier.
func TestCaseloadOrder(t *testing.T) {
	rows := []store.CaseloadRow{
		{PatientID: "green-nothing", Tier: joinedup.TierGreen},
		{PatientID: "red-nothing", Tier: joinedup.TierRed},
		{PatientID: "green-overdue", Tier: joinedup.TierGreen, Overdue: 1, NextDue: day(2025, 5, 1)},
		{PatientID: "amber-soon", Tier: joinedup.TierAmber, DueSoon: 1, NextDue: day(2025, 6, 5)},
		{PatientID: "red-overdue", Tier: joinedup.TierRed, Overdue: 1, NextDue: day(2025, 5, 20)},
		{PatientID: "amber-nothing", Tier: joinedup.TierAmber},
		{PatientID: "untiered"},
	}
	worklist.SortCaseload(rows)
	var got []string
	for _, r := range rows {
		got = append(got, r.PatientID)
	}
	want := "[red-overdue green-overdue amber-soon red-nothing amber-nothing green-nothing untiered]"
	if fmt.Sprint(got) != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}

// TestTeamTaskFollowsTheRole: a task raised to the practice before anyone
// held its role goes to the coordinator who joins the care team.
func TestTeamTaskFollowsTheRole(t *testing.T) {
	cfg := config(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.patient(t, "p1")
		e.decide(t, pid, joinedup.TierAmber, asOf)
		must[worklist.Result](t)(worklist.Sync(ctx, db, cfg, pid, asOf, asOf))
		open, _ := tasksOf(t, db, pid, "care-planning-conversation")
		if len(open) != 1 || open[0].AssigneeUser != "" || open[0].AssigneeOrg != e.practice {
			t.Fatalf("before a coordinator: %+v", open)
		}
		e.member(t, pid, joinedup.CareCoordinator, joinedup.RoleCareCoordinator)
		r := must[worklist.Result](t)(worklist.Sync(ctx, db, cfg, pid, asOf, asOf))
		open, _ = tasksOf(t, db, pid, "care-planning-conversation")
		if r.Assigned != 1 || len(open) != 1 || open[0].AssigneeUser != e.users[joinedup.RoleCareCoordinator].ID || open[0].Version != 2 {
			t.Fatalf("after a coordinator joined: %+v %+v", r, open)
		}
	})
}

// TestSyncAtAPastDate: catching up on a missed day raises what that day
// called for, but never closes a task whose closing condition is false
// today: a tier confirmed today keeps the pathway tasks it raised, though
// there was no tier yesterday.
func TestSyncAtAPastDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.patient(t, "p1")
		cfg := config(t)
		e.decide(t, pid, joinedup.TierAmber, asOf)
		sync := func(day time.Time) worklist.Result {
			t.Helper()
			var r worklist.Result
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				r, err = worklist.Sync(ctx, tx, cfg, pid, day, asOf)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := sync(asOf); r.Raised == 0 {
			t.Fatalf("confirming Amber raised nothing: %+v", r)
		}
		if r := sync(asOf.AddDate(0, 0, -1)); r.Closed != 0 {
			t.Fatalf("a sync as of yesterday closed %d tasks of a tier confirmed today", r.Closed)
		}
		if open, _ := tasksOf(t, db, pid, "assign-care-coordinator"); len(open) != 1 {
			t.Fatalf("the pathway's task is not open: %+v", open)
		}
	})
}

// TestWorkFollowsRegistration: when a patient registers with another
// practice, the old practice's team tasks and its GP's tasks move to the
// new practice's team, its care-team places end (and with them its staff's
// access), the new practice gets a task to take the care on and the old
// one a notice that closes itself; a specialist's task and place stay. A
// patient registered nowhere gets a task for the care coordinator and
// nothing moves; registering again closes it.
func TestWorkFollowsRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.patient(t, "p1")
		next := joinedup.Organisation{ODS: "G85002", Name: "Brixton Hill", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "t", ID: "prac2"}}
		next.ID = store.OrganisationID(next)
		if _, err := store.Write(ctx, db, &store.Batch{Organisations: []joinedup.Organisation{next}}); err != nil {
			t.Fatal(err)
		}
		gp := must[joinedup.User](t)(store.CreateUser(ctx, db, joinedup.User{Username: "old-gp", DisplayName: "Dr Old", Role: joinedup.RoleGP,
			OrganisationID: e.practice}, "", asOf))
		must[store.CareTeamMember](t)(store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: pid, Role: joinedup.CareNamedProfessional,
			UserID: gp.ID, Start: asOf.AddDate(0, 0, -30)}))
		e.member(t, pid, joinedup.CareLeadSpecialist, joinedup.RoleLeadSpecialist)
		task := func(title, user, org string) joinedup.Task {
			return must[joinedup.Task](t)(store.CreateTask(ctx, db, joinedup.Task{PatientID: pid, Kind: "manual", Title: title,
				AssigneeUser: user, AssigneeOrg: org, Due: asOf.AddDate(0, 0, 7), Priority: 2, CreatedAt: asOf}))
		}
		team := task("Book a review", "", e.practice)
		gps := task("Check the bloods", gp.ID, e.practice)
		specialist := task("Clinic letter", e.users[joinedup.RoleLeadSpecialist].ID, "")
		register := func(practice string) {
			t.Helper()
			p := joinedup.Patient{ID: pid, Source: joinedup.Source{System: "t", ID: pid}, GivenName: pid, PracticeID: practice}
			if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
				t.Fatal(err)
			}
		}
		sync := func(at time.Time) worklist.Result {
			t.Helper()
			var r worklist.Result
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				r, err = worklist.Sync(ctx, tx, config(t), pid, at, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		open := func() map[string]joinedup.Task {
			t.Helper()
			m := map[string]joinedup.Task{}
			for _, x := range must[[]joinedup.Task](t)(store.OpenTasks(ctx, db, pid)) {
				m[x.ID] = x
				if x.Kind != "manual" {
					m[x.Kind] = x
				}
			}
			return m
		}
		sync(asOf) // nothing has moved yet
		if got := open(); len(got) != 3 {
			t.Fatalf("before the move: %d open tasks, want the 3 made by hand: %v", len(got), got)
		}

		register(next.ID)
		if r := sync(asOf); r.Assigned != 2 {
			t.Errorf("moved %d tasks, want 2", r.Assigned)
		}
		got := open()
		for _, id := range []string{team.ID, gps.ID} {
			if x := got[id]; x.AssigneeOrg != next.ID || x.AssigneeUser != "" || !strings.Contains(x.Note, "Moved from Lambeth Walk") {
				t.Errorf("%q: held by %s/%s, note %q; want the new practice's team, saying so", x.Title, x.AssigneeOrg, x.AssigneeUser, x.Note)
			}
		}
		if x := got[specialist.ID]; x.AssigneeUser != e.users[joinedup.RoleLeadSpecialist].ID {
			t.Errorf("the specialist's task moved: %+v", x)
		}
		if x, ok := got[worklist.KindRegistrationHandover]; !ok || x.AssigneeOrg != next.ID || !strings.Contains(x.Title, "Lambeth Walk") {
			t.Errorf("the new practice's handover task: %+v", x)
		}
		if x, ok := got[worklist.KindRegisteredElsewhere]; !ok || x.AssigneeOrg != e.practice || strings.Contains(x.Reason, "Brixton") {
			t.Errorf("the old practice's notice (which must not say where the patient went): %+v", x)
		}
		for _, m := range must[[]store.CareTeamMember](t)(store.CurrentCareTeam(ctx, db, pid, asOf.Add(time.Hour))) {
			if m.UserID == gp.ID {
				t.Errorf("the old GP is still on the care team: %+v", m)
			}
		}
		if rel := must[joinedup.Relationship](t)(store.RelationshipFor(ctx, db, gp, pid, asOf.Add(time.Hour))); rel.Registered || rel.CareTeam {
			t.Errorf("the old GP still has a relationship: %+v", rel)
		}
		if r := sync(asOf); r != (worklist.Result{}) {
			t.Errorf("a second sync changed %+v", r)
		}
		sync(asOf.AddDate(0, 0, worklist.NoticeDays+1))
		if _, ok := open()[worklist.KindRegisteredElsewhere]; ok {
			t.Errorf("the notice to the old practice is still open after %d days", worklist.NoticeDays+1)
		}

		// Registered nowhere: the coordinator finds out where; nothing moves.
		e.member(t, pid, joinedup.CareCoordinator, joinedup.RoleCareCoordinator)
		register("")
		later := asOf.AddDate(0, 1, 0)
		sync(later)
		got = open()
		if x, ok := got[worklist.KindDeregistered]; !ok || x.AssigneeUser != e.users[joinedup.RoleCareCoordinator].ID ||
			!strings.Contains(x.Reason, "Brixton Hill") {
			t.Errorf("the coordinator's task for a patient registered nowhere: %+v", x)
		}
		if x := got[team.ID]; x.AssigneeOrg != next.ID {
			t.Errorf("a task moved from the practice left, with no practice to move to: %+v", x)
		}
		register(next.ID)
		sync(later)
		if _, ok := open()[worklist.KindDeregistered]; ok {
			t.Error("registered again, the task to find the practice is still open")
		}
	})
}

package coord_test

import (
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// TestDeathEndsTheWork: a death that arrives in an import (the practice's
// record of the patient now says deceased) closes every open task with
// the reason "died", withdraws the MDT case still to be discussed and the
// open referral, and raises one task: the coordinator makes sure everyone
// on the care team knows. Doing it again changes nothing, and no rule
// raises anything more.
func TestDeathEndsTheWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		practice := joinedup.Organisation{ODS: "P1", Name: "Practice", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "P1"}}
		practice.ID = store.OrganisationID(practice)
		p := joinedup.Patient{NHSNumber: "9000000009", Source: joinedup.Source{System: "test", ID: "p"}, GivenName: "Ada", FamilyName: "Test",
			PracticeID: practice.ID, BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		write := func(b *store.Batch) {
			t.Helper()
			if _, err := db.WriteBatch(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		write(&store.Batch{Organisations: []joinedup.Organisation{practice}, Patients: []joinedup.Patient{p}})
		cs, sys := coord.New(db, nil), coord.System("test", now)
		cc, err := cs.CreateUser(ctx, sys, coord.NewUser{Username: "coordinator", DisplayName: "Coordinator", Role: joinedup.RoleCareCoordinator,
			OrganisationID: practice.ID})
		if err != nil {
			t.Fatal(err)
		}
		act := coord.Actor{User: cc, At: now, Door: "test", Scope: joinedup.ScopeFull}
		if _, err := cs.AddCareTeamMember(ctx, act, coord.TeamPlace{PatientID: p.ID, Role: joinedup.CareCoordinator, UserID: cc.ID}); err != nil {
			t.Fatal(err)
		}
		for _, title := range []string{"Ring about the falls clinic", "Check the repeat prescription"} {
			if _, err := cs.CreateTask(ctx, act, coord.NewTask{Task: joinedup.Task{PatientID: p.ID, Title: title, Due: now.AddDate(0, 0, 7),
				AssigneeUser: cc.ID}}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := cs.CreateMeeting(ctx, sys, coord.MeetingPlan{OrganisationODS: "P1", Title: "MDT", Start: now.AddDate(0, 0, 3), ChairUsername: "coordinator"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AddCase(ctx, act, m.ID, p.ID, "falls"); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := store.AddReferral(ctx, tx, joinedup.Referral{PatientID: p.ID, OrganisationID: practice.ID,
				Reason: "lonely", Created: now})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// The practice reports the death.
		died := now.AddDate(0, 0, -1)
		p.Deceased = &died
		write(&store.Batch{Patients: []joinedup.Patient{p}})
		later := now.Add(time.Hour)
		r, err := cs.SyncWorklists(ctx, coord.System("joinedup import", later), []string{p.ID})
		if err != nil {
			t.Fatal(err)
		}
		open, err := store.OpenTasks(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Closed != 2 || r.Raised != 1 || len(open) != 1 || open[0].Kind != worklist.KindDeathInformCareTeam || open[0].AssigneeUser != cc.ID {
			t.Fatalf("after the death: %+v; open %+v", r, open)
		}
		all, err := store.PatientTasks(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range all {
			if x.Kind != worklist.KindDeathInformCareTeam && (x.Status != joinedup.TaskCancelled || x.CloseReason != "died") {
				t.Errorf("task %q: %s (%s), want cancelled because the patient died", x.Title, x.Status, x.CloseReason)
			}
		}
		k, err := store.GetMDTCase(ctx, db, m.ID, p.ID)
		if err != nil || k.Status != joinedup.MDTWithdrawn {
			t.Errorf("MDT case: %+v %v", k, err)
		}
		refs, err := store.Referrals(ctx, db, p.ID)
		if err != nil || len(refs) != 1 || refs[0].Status != joinedup.ReferralCancelled || refs[0].Closed.IsZero() {
			t.Errorf("referrals: %+v %v", refs, err)
		}
		// Again: nothing more, and the case list rebuilt leaves them off.
		if r, err := cs.SyncWorklists(ctx, coord.System("joinedup worklist sync", later.AddDate(0, 0, 30)), []string{p.ID}); err != nil ||
			r != (worklist.Result{}) {
			t.Errorf("a second sync: %+v %v", r, err)
		}
		cases, err := cs.BuildCaseList(ctx, sys, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if c.PatientID == p.ID {
				t.Errorf("put back on the case list after death: %+v", c)
			}
		}
	})
}

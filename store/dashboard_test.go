package store_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestDashboardPractices: each practice's cohort, tiers, care-plan
// coverage and overdue work, exactly, on both engines.
func TestDashboardPractices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		lcn := storetest.Dashboard(t, db)
		got, err := store.DashboardPractices(ctx, db, storetest.DashboardNow.Truncate(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Locality, Practice, Pilot                  string
			Cohort, Red, Amber, Green, Decided         int
			HighTier, WithPlan, OverdueRev, OverdueTsk int
		}
		want := []row{
			{"North", "Alpha Surgery", "2024-10-01", 19, 15, 1, 3, 6, 16, 12, 2, 7},
			{"North", "Beta Medical Centre", "", 9, 5, 4, 0, 0, 9, 7, 0, 4},
			{"South", "Gamma Health Centre", "2025-01-01", 14, 2, 6, 6, 3, 8, 6, 0, 9},
		}
		if len(got) != len(want) {
			t.Fatalf("%d practices, want %d: %+v", len(got), len(want), got)
		}
		for i, p := range got {
			pilot := ""
			if !p.PilotSince.IsZero() {
				pilot = p.PilotSince.Format(time.DateOnly)
			}
			r := row{p.LocalityName, p.PracticeName, pilot, p.Cohort, p.Red, p.Amber, p.Green, p.Decided, p.HighTier, p.WithPlan, p.OverdueReviews, p.OverdueTasks}
			if r != want[i] {
				t.Errorf("practice %d:\n got %+v\nwant %+v", i, r, want[i])
			}
		}
		if got[0].PracticeID != lcn.Orgs["ALPHA"] || !got[0].InPilot(storetest.DashboardNow) || got[1].InPilot(storetest.DashboardNow) ||
			got[2].InPilot(time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("pilot membership wrong: %+v", got)
		}
	})
}

// TestCohortMonthlyUse: A&E attendances and emergency admissions of the
// cohort by month, in all and by pilot; not the ineligible, not planned
// admissions, not outside the window.
func TestCohortMonthlyUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Dashboard(t, db)
		now := storetest.DashboardNow
		u, err := store.CohortMonthlyUse(ctx, db, now.AddDate(0, -23, 0), now, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(u.All.Months) != 24 || u.All.Months[0].Month != time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC) ||
			u.All.Months[23].Month != time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) {
			t.Fatalf("months: %d from %v", len(u.All.Months), u.All.Months[0].Month)
		}
		if u.All.CohortSize != 42 || u.Pilot.CohortSize != 33 || u.NotYet.CohortSize != 9 {
			t.Errorf("cohort sizes %d, %d, %d; want 42, 33, 9", u.All.CohortSize, u.Pilot.CohortSize, u.NotYet.CohortSize)
		}
		for _, tc := range []struct {
			name       string
			s          store.UseSeries
			april, may store.MonthlyUse
		}{
			{"all", u.All, store.MonthlyUse{AE: 12, Emergency: 5}, store.MonthlyUse{AE: 2}},
			{"pilot", u.Pilot, store.MonthlyUse{AE: 7, Emergency: 5}, store.MonthlyUse{AE: 2}},
			{"not yet", u.NotYet, store.MonthlyUse{AE: 5}, store.MonthlyUse{}},
		} {
			total := 0
			for _, m := range tc.s.Months {
				total += m.AE + m.Emergency
			}
			a, m := tc.s.Months[21], tc.s.Months[22]
			if a.AE != tc.april.AE || a.Emergency != tc.april.Emergency || m.AE != tc.may.AE || m.Emergency != tc.may.Emergency ||
				total != tc.april.AE+tc.april.Emergency+tc.may.AE {
				t.Errorf("%s: April %+v, May %+v, in all %d", tc.name, a, m, total)
			}
		}
	})
}

// TestTierMovement: moves between decided tiers by month; a first decision
// is not a move.
func TestTierMovement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Dashboard(t, db)
		now := storetest.DashboardNow
		got, err := store.TierMovement(ctx, db, now.AddDate(0, -23, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]int{"2025-03": {5, 0}, "2025-04": {2, 0}}
		for _, m := range got {
			w := want[m.Month.Format("2006-01")]
			if m.Up != w[0] || m.Down != w[1] {
				t.Errorf("%s: up %d down %d, want %v", m.Month.Format("2006-01"), m.Up, m.Down, w)
			}
		}
	})
}

// TestCoordinatorOf: the care coordinator on each patient's care team now,
// the earliest when there are several; ended places do not count.
func TestCoordinatorOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		lcn := storetest.Dashboard(t, db)
		now := storetest.DashboardNow
		mk := func(name string, role string) string {
			u, err := store.CreateUser(ctx, db, joinedup.User{Username: strings.ReplaceAll(name, " ", "."), DisplayName: name, Role: joinedup.Role(role), OrganisationID: lcn.Orgs["NORTH"]}, "", now)
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		ann, bob, gp := mk("Ann", "care-coordinator"), mk("Bob", "care-coordinator"), mk("Dr Cee", "gp")
		pats, err := store.HighTierPractices(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(pats) != 16+9+8 { // suggested Red or Amber in the fixture
			t.Errorf("%d Amber/Red suggestions, want 33", len(pats))
		}
		var ids []string
		for id := range pats {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		add := func(p, user string, start time.Time, end time.Time) {
			m := store.CareTeamMember{PatientID: p, UserID: user, Role: "care coordinator", Start: start, End: end}
			if _, err := store.AddCareTeamMember(ctx, db, m); err != nil {
				t.Fatal(err)
			}
		}
		add(ids[0], bob, now.AddDate(0, -1, 0), time.Time{})
		add(ids[0], ann, now.AddDate(0, -2, 0), time.Time{})
		add(ids[1], ann, now.AddDate(0, -2, 0), now.AddDate(0, 0, -1)) // ended
		add(ids[2], gp, now.AddDate(0, -2, 0), time.Time{})            // not a coordinator
		add(ids[3], bob, now.AddDate(0, 0, 1), time.Time{})            // not yet
		got, err := store.CoordinatorOf(ctx, db, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{ids[0]: "Ann"}; !maps.Equal(got, want) {
			t.Errorf("coordinators %v, want %v", got, want)
		}
	})
}

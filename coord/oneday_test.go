package coord_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/letters"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestAcceptOneDay accepts a Red person's one-day proposal: each clinic is
// asked, the patient's letter is written in their language and recorded,
// and nothing is asked of a person not confirmed Red, of bookings that
// changed since the proposal was shown, or twice.
func TestAcceptOneDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		practice := joinedup.Organisation{ODS: "P1", Name: "Kennington Road Surgery", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "P1"}}
		practice.ID = store.OrganisationID(practice)
		p := joinedup.Patient{NHSNumber: "9434765919", Source: joinedup.Source{System: "test", ID: "p"}, GivenName: "Maria", FamilyName: "Fernandes",
			PracticeID: practice.ID, Language: "pt", BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		appt := func(id, site, service string, start time.Time) joinedup.Appointment {
			return joinedup.Appointment{PatientID: p.ID, Source: joinedup.Source{System: "test", ID: id}, Site: site, Service: service,
				Start: start, End: start.Add(30 * time.Minute), Status: "booked"}
		}
		day := func(d, h int) time.Time { return time.Date(2025, 6, d, h, 0, 0, 0, time.UTC) }
		appts := []joinedup.Appointment{
			appt("a1", "St Thomas' Hospital", "Diabetes clinic", day(10, 9)),
			appt("a2", "St Thomas' Hospital", "Heart failure clinic", day(17, 14)),
			appt("a3", "St Thomas' Hospital", "Kidney clinic", day(17, 10)),
			appt("a4", "King's College Hospital", "Eye clinic", day(12, 9)),
			appt("a0", "St Thomas' Hospital", "Diabetes clinic", time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)),
		}
		if _, err := db.WriteBatch(ctx, &store.Batch{Organisations: []joinedup.Organisation{practice}, Patients: []joinedup.Patient{p}, Appointments: appts}); err != nil {
			t.Fatal(err)
		}
		storetest.Assess(t, db, now.AddDate(0, 0, -7), map[string]bool{p.ID: true})
		files, err := policy.Files("../policies/lcn-default")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: "lcn-default", Name: "lcn-default", Files: files,
			LoadedBy: "test", LoadedAt: now}); err != nil {
			t.Fatal(err)
		}
		cs, sys := coord.New(db, nil), coord.System("test", now)
		cc, err := cs.CreateUser(ctx, sys, coord.NewUser{Username: "coordinator", DisplayName: "Coordinator", Role: joinedup.RoleCareCoordinator,
			OrganisationID: practice.ID})
		if err != nil {
			t.Fatal(err)
		}
		gp, err := cs.CreateUser(ctx, sys, coord.NewUser{Username: "dr-gp", DisplayName: "GP", Role: joinedup.RoleGP, OrganisationID: practice.ID})
		if err != nil {
			t.Fatal(err)
		}
		act := coord.Actor{User: cc, At: now, Door: "test", Scope: joinedup.ScopeFull}
		upcoming, err := store.UpcomingAppointments(ctx, db, p.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		proposals := joinedup.ProposeOneDay(upcoming, now, 0)
		if len(proposals) != 1 || proposals[0].Site != "St Thomas' Hospital" || proposals[0].Day.Day() != 17 || proposals[0].Moving() != 1 {
			t.Fatalf("proposals: %+v", proposals)
		}
		key := proposals[0].Key
		accept := func(key, phone string) (coord.OneDayAccepted, error) {
			return cs.AcceptOneDay(ctx, act, coord.OneDayAcceptance{PatientID: p.ID, Key: key, Phone: phone})
		}
		var fe joinedup.FieldErrors
		if _, err := accept(key, "020 7946 0123"); !errors.As(err, &fe) || fe["key"] == "" {
			t.Fatalf("no confirmed tier: %v", err)
		}
		if _, err := cs.DecideTier(ctx, coord.Actor{User: gp, At: now, Door: "test", Scope: joinedup.ScopeFull}, p.ID, joinedup.TierRed, "severe frailty"); err != nil {
			t.Fatal(err)
		}
		if _, err := accept(key, " "); !errors.As(err, &fe) || fe["phone"] == "" {
			t.Fatalf("no phone: %v", err)
		}
		if _, err := accept("0123456789abcdef", "020 7946 0123"); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("a key no proposal has: %v", err)
		}
		got, err := accept(key, "020 7946 0123")
		if err != nil {
			t.Fatal(err)
		}
		s := got.Schedule
		if s.Site != "St Thomas' Hospital" || s.Day.Format(time.DateOnly) != "2025-06-17" || len(s.Requests) != 3 || s.LetterID == "" {
			t.Fatalf("schedule: %+v", s)
		}
		text := string(got.Letter.Content)
		if got.Letter.Language != "pt" || !strings.Contains(text, "17 de junho de 2025") || !strings.Contains(text, "Diabetes clinic: pedimos para a mudar de 10 de junho de 2025") {
			t.Fatalf("letter in %s:\n%s", got.Letter.Language, text)
		}
		stored, err := store.OneDaySchedules(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 || stored[0].ID != s.ID || !stored[0].Day.Equal(s.Day) || len(stored[0].Requests) != 3 ||
			stored[0].Requests[0].AppointmentID != appts[0].ID || !stored[0].Requests[0].Moves || stored[0].Requests[1].Moves || stored[0].Phone != "020 7946 0123" {
			t.Fatalf("stored: %+v", stored)
		}
		ls, err := store.PatientLetters(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != 1 || ls[0].ID != s.LetterID || ls[0].Kind != "one-day" || ls[0].ContentHash != got.Letter.Hash() {
			t.Fatalf("letters: %+v", ls)
		}
		// The letter as shown later, from what was stored, is the letter sent.
		later, err := letters.Render(coord.OneDayLetter(stored[0], p, practice), letters.FormatHTML, letters.Options{})
		if err != nil || later.Hash() != ls[0].ContentHash {
			t.Fatalf("the letter from the stored schedule differs from the one sent (%v)", err)
		}
		if _, err := accept(key, "020 7946 0123"); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("accepted twice: %v", err)
		}
		// A booking that changed since the proposal was shown: refused.
		moved := appts[2]
		moved.Start = day(18, 10)
		moved.Source.VersionID = "2"
		if _, err := db.WriteBatch(ctx, &store.Batch{Appointments: []joinedup.Appointment{moved}}); err != nil {
			t.Fatal(err)
		}
		if _, err := accept(key, "020 7946 0123"); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("bookings changed: %v", err)
		}
		if stored, _ := store.OneDaySchedules(ctx, db, p.ID); len(stored) != 1 {
			t.Fatalf("%d schedules after refusals", len(stored))
		}
		// The diabetes clinic books her on the day: the year from her
		// schedule has four appointments on three days (one moved to the
		// 18th above); the year before, one.
		rebooked := appts[0]
		rebooked.Start, rebooked.Source.VersionID = day(17, 11), "2"
		if _, err := db.WriteBatch(ctx, &store.Batch{Appointments: []joinedup.Appointment{rebooked}}); err != nil {
			t.Fatal(err)
		}
		use, err := store.OneDayFigures(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.OneDayUse{People: 1, AppointmentsBefore: 1, DaysBefore: 1, AppointmentsAfter: 4, DaysAfter: 3}); use != want {
			t.Fatalf("figures %+v, want %+v", use, want)
		}
	})
}

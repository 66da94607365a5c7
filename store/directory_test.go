package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func testService() joinedup.Service {
	return joinedup.Service{ID: "6e1d9a52-0b4f-4a57-9a7e-2f7b6c1d0001", Name: "Befriending", Status: "active",
		Organisation: joinedup.ServiceOrganisation{ID: "6e1d9a52-0b4f-4a57-9a7e-2f7b6c1d0100", Name: "Age Well"},
		Areas:        []string{"North Lambeth"}, Languages: []string{"English", "Portuguese"}}
}

// TestServicesAndReferralLoop stores a service, edits it with a version
// check, refers a patient to it and moves the referral through its states.
func TestServicesAndReferralLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, err := store.PutService(ctx, db, testService(), "", t0)
		if err != nil || s.Version != 1 || s.OrganisationID == "" {
			t.Fatalf("put: %+v %v", s, err)
		}
		s.Description = "Weekly visits"
		if s, err = store.SaveService(ctx, db, s, 1, "", t0); err != nil || s.Version != 2 {
			t.Fatalf("edit: %+v %v", s, err)
		}
		if _, err := store.SaveService(ctx, db, s, 1, "", t0); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("stale edit: %v", err)
		}
		bad := s
		bad.Status = "open"
		if _, err := store.SaveService(ctx, db, bad, 2, "", t0); err == nil {
			t.Fatal("invalid status saved")
		}
		all, err := store.Services(ctx, db)
		if err != nil || len(all) != 1 || all[0].Description != "Weekly visits" || all[0].Version != 2 {
			t.Fatalf("services %+v %v", all, err)
		}
		p := joinedup.Patient{Source: joinedup.Source{System: "test", ID: "p"}, GivenName: "Rita"}
		p.ID = joinedup.PatientID(p)
		if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
			t.Fatal(err)
		}
		u, err := store.CreateUser(ctx, db, joinedup.User{Username: "coordinator", DisplayName: "CC", Role: joinedup.RoleCareCoordinator}, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RecordConsent(ctx, db, joinedup.Consent{PatientID: p.ID, Voluntary: true, VoluntaryFields: []string{"name", "reason"},
			RecordedBy: u.ID, RecordedAt: t0}); err != nil {
			t.Fatal(err)
		}
		c, err := store.LatestConsent(ctx, db, p.ID)
		if err != nil || !slices.Equal(c.VoluntaryFields, []string{"name", "reason"}) {
			t.Fatalf("consent %+v %v", c, err)
		}
		r, err := store.AddReferral(ctx, db, joinedup.Referral{PatientID: p.ID, OrganisationID: s.OrganisationID, ServiceID: s.ID,
			Reason: "lonely", Shared: c.VoluntaryFields, CreatedBy: u.ID, Created: t0})
		if err != nil {
			t.Fatal(err)
		}
		rel, err := store.RelationshipFor(ctx, db, joinedup.User{ID: "x", Role: joinedup.RoleVoluntaryLinkWorker, OrganisationID: s.OrganisationID}, p.ID, t0.Add(time.Hour))
		if err != nil || !rel.Referred || !rel.ConsentVoluntary {
			t.Fatalf("relationship %+v %v", rel, err)
		}
		at := t0.Add(24 * time.Hour)
		if _, err := store.UpdateReferral(ctx, db, p.ID, r.ID, 1, joinedup.ReferralUpdate{Status: joinedup.ReferralAccepted}, u.ID, at); err != nil {
			t.Fatal(err)
		}
		if _, err := store.UpdateReferral(ctx, db, p.ID, r.ID, 1, joinedup.ReferralUpdate{Status: joinedup.ReferralInProgress}, u.ID, at); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		var fe joinedup.FieldErrors
		if _, err := store.UpdateReferral(ctx, db, p.ID, r.ID, 2, joinedup.ReferralUpdate{Status: joinedup.ReferralCompleted}, u.ID, at); !errors.As(err, &fe) {
			t.Fatalf("completion without outcome: %v", err)
		}
		got, err := store.UpdateReferral(ctx, db, p.ID, r.ID, 2, joinedup.ReferralUpdate{Status: joinedup.ReferralCompleted, Outcome: "joined a lunch club"}, u.ID, at)
		if err != nil || got.Closed.IsZero() || got.Version != 3 {
			t.Fatalf("complete: %+v %v", got, err)
		}
		back, err := store.GetReferral(ctx, db, r.ID)
		if err != nil || back.Status != joinedup.ReferralCompleted || back.Outcome != "joined a lunch club" || !slices.Equal(back.Shared, []string{"name", "reason"}) {
			t.Fatalf("read back %+v %v", back, err)
		}
		if open, err := store.OpenServiceReferrals(ctx, db); err != nil || len(open) != 0 {
			t.Fatalf("open referrals %+v %v", open, err)
		}
		if rs, err := store.ReferralsToOrganisation(ctx, db, s.OrganisationID); err != nil || len(rs) != 1 {
			t.Fatalf("to organisation %+v %v", rs, err)
		}
	})
}

package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func TestClientsTokensAndAssertions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
		c, err := store.CreateClient(ctx, db, joinedup.Client{Name: "scr", Scopes: []string{"system/*.read"}}, `{"keys":[]}`, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.CreateClient(ctx, db, joinedup.Client{Name: "scr", Scopes: []string{"system/*.read"}}, `{}`, t0); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		got, jwks, err := store.GetClient(ctx, db, c.ID)
		if err != nil || got.Name != "scr" || jwks != `{"keys":[]}` || len(got.Scopes) != 1 {
			t.Fatalf("GetClient = %+v %q %v", got, jwks, err)
		}
		if err := store.UseAssertion(ctx, db, c.ID, "jti-1", t0.Add(5*time.Minute), t0); err != nil {
			t.Fatal(err)
		}
		if err := store.UseAssertion(ctx, db, c.ID, "jti-1", t0.Add(5*time.Minute), t0.Add(time.Minute)); !errors.Is(err, joinedup.ErrConflict) {
			t.Fatalf("replayed assertion: %v", err)
		}
		if err := store.CreateAccessToken(ctx, db, "h1", c.ID, []string{"system/Patient.read"}, t0, t0.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		tc, err := store.ClientByToken(ctx, db, "h1", t0.Add(4*time.Minute))
		if err != nil || tc.ID != c.ID || len(tc.Scopes) != 1 || tc.Scopes[0] != "system/Patient.read" {
			t.Fatalf("ClientByToken = %+v %v", tc, err)
		}
		if _, err := store.ClientByToken(ctx, db, "h1", t0.Add(5*time.Minute)); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("expired token accepted: %v", err)
		}
	})
}

func TestExportJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
		c, err := store.CreateClient(ctx, db, joinedup.Client{Name: "scr", Scopes: []string{"system/*.read"}}, `{}`, t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"j1", "j2"} {
			if err := store.CreateExportJob(ctx, db, store.ExportJob{ID: id, ClientID: c.ID, Request: "/fhir/$export", Level: "system",
				Types: []string{"Patient", "Condition"}, TransactionTime: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.SetExportProgress(ctx, db, "j1", "3 of 10 patients"); err != nil {
			t.Fatal(err)
		}
		if err := store.FinishExportJob(ctx, db, "j1", []store.ExportFile{{ResourceType: "Patient", Name: "Patient.ndjson", Count: 2}}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A restart fails the job still running, and only that one.
		if err := store.FailExportJobs(ctx, db, "", "interrupted by a restart", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		j1, err := store.GetExportJob(ctx, db, "j1")
		if err != nil || j1.Status != store.ExportDone || len(j1.Files) != 1 || j1.Files[0].Count != 2 || !j1.TransactionTime.Equal(t0) ||
			len(j1.Types) != 2 || !j1.Since.IsZero() {
			t.Fatalf("j1 = %+v %v", j1, err)
		}
		j2, _ := store.GetExportJob(ctx, db, "j2")
		if j2.Status != store.ExportFailed || j2.Error != "interrupted by a restart" {
			t.Fatalf("j2 = %+v", j2)
		}
		if err := store.DeleteExportJob(ctx, db, "j1"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetExportJob(ctx, db, "j1"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("deleted job: %v", err)
		}
	})
}

func TestPatientOfAndWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := joinedup.Patient{NHSNumber: "9000000009", Source: joinedup.Source{System: "t", ID: "p"}}
		p.ID = joinedup.PatientID(p)
		c := joinedup.Condition{PatientID: p.ID, Source: joinedup.Source{System: "t", ID: "c"},
			Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "44054006"}}}
		b := &store.Batch{Patients: []joinedup.Patient{p}, Conditions: []joinedup.Condition{c}}
		if _, err := store.Write(ctx, db, b); err != nil {
			t.Fatal(err)
		}
		if pid, err := store.PatientOf(ctx, db, "conditions", b.Conditions[0].ID); err != nil || pid != p.ID {
			t.Fatalf("PatientOf condition = %q %v", pid, err)
		}
		if _, err := store.PatientOf(ctx, db, "conditions", "nope"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		if _, err := store.PatientOf(ctx, db, "users; DROP TABLE patients", "x"); err == nil {
			t.Fatal("a table outside the list was accepted")
		}
		ids, err := store.PatientIDsAfter(ctx, db, "", 10)
		if err != nil || len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("walk = %v %v", ids, err)
		}
		if ids, _ := store.PatientIDsAfter(ctx, db, p.ID, 10); len(ids) != 0 {
			t.Fatalf("walk after the last = %v", ids)
		}
	})
}

package store

import (
	"context"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

// TestStreamedWalkBesideAnImport writes a patient, with a condition,
// after the walk has read the patients but before it streams their facts,
// as an import running beside a stratification may. The walk goes on: the
// new patient's condition is passed over (the patient's facts version
// tells the next incremental run), and the patients walked have exactly
// their own facts.
func TestStreamedWalkBesideAnImport(t *testing.T) {
	ctx := context.Background()
	db, err := OpenAndMigrate(ctx, "sqlite:"+t.TempDir()+"/walk.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	patient := func(id string) ([]joinedup.Patient, []joinedup.Condition) {
		return []joinedup.Patient{{ID: id, Source: joinedup.Source{System: "test", ID: id}, FamilyName: id}},
			[]joinedup.Condition{{PatientID: id, Source: joinedup.Source{System: "test", ID: id + "-c"},
				Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "38341003"}}, ClinicalStatus: "active", Onset: day}}
	}
	write := func(ids ...string) {
		t.Helper()
		var b Batch
		for _, id := range ids {
			ps, cs := patient(id)
			b.Patients = append(b.Patients, ps...)
			b.Conditions = append(b.Conditions, cs...)
		}
		if _, err := db.WriteBatch(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "c")
	testHookPatientsRead = func() { write("b") } // sorts between the two
	defer func() { testHookPatientsRead = nil }()

	got := map[string]int{}
	err = EachFacts(ctx, db, FactsFilter{Stream: true}, func(f *joinedup.Facts, _ int64) error {
		for _, c := range f.Conditions {
			if c.PatientID != f.Patient.ID {
				t.Errorf("patient %s given a condition of %s", f.Patient.ID, c.PatientID)
			}
		}
		got[f.Patient.ID] = len(f.Conditions)
		return nil
	})
	if err != nil {
		t.Fatalf("walk beside an import: %v", err)
	}
	if len(got) != 2 || got["a"] != 1 || got["c"] != 1 {
		t.Fatalf("walked %v, want a and c with one condition each", got)
	}
}

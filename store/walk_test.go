package store_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/synth"
)

// TestStreamedWalkMatchesLookups compares the population walk, which
// merges one stream per table, with looking the same patients up a chunk at
// a time: every patient, every fact, in the same order, with the same facts
// version, whole or narrowed by a projection.
func TestStreamedWalkMatchesLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		if _, err := synth.WriteDir(ctx, synth.Config{Patients: 300, Seed: 7}, dir, false); err != nil {
			t.Fatal(err)
		}
		if _, err := importer.Import(ctx, db, []string{dir}, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		asOf := synth.DefaultAsOf
		projections := map[string]store.FactsProjection{
			"whole": {},
			"narrowed": {Codes: []string{"38341003", "44054006", "60621009", "39156-5", "4548-4"}, NoCarers: true,
				MedicationsSince: asOf.AddDate(-1, 0, 0), EncountersSince: asOf.AddDate(-1, 0, 0), AppointmentsSince: asOf},
		}
		for name, only := range projections {
			type seen struct {
				f *joinedup.Facts
				v int64
			}
			var streamed []seen
			var ids []string
			err := store.EachFacts(ctx, db, store.FactsFilter{Stream: true, Only: only}, func(f *joinedup.Facts, v int64) error {
				streamed = append(streamed, seen{f, v})
				ids = append(ids, f.Patient.ID)
				return nil
			})
			if err != nil {
				t.Fatalf("%s: streamed walk: %v", name, err)
			}
			if len(streamed) != 300 {
				t.Fatalf("%s: streamed walk saw %d patients, want 300", name, len(streamed))
			}
			i, facts := 0, 0
			err = store.EachFacts(ctx, db, store.FactsFilter{PatientIDs: ids, Only: only}, func(f *joinedup.Facts, v int64) error {
				if !reflect.DeepEqual(streamed[i].f, f) || streamed[i].v != v {
					t.Fatalf("%s: patient %s differs between the streamed walk and look-ups:\n%+v\n%+v", name, f.Patient.ID, streamed[i].f, f)
				}
				facts += len(f.Conditions) + len(f.Observations) + len(f.Medications) + len(f.Encounters) + len(f.Appointments) + len(f.Carers)
				i++
				return nil
			})
			if err != nil {
				t.Fatalf("%s: look-ups: %v", name, err)
			}
			if i != len(streamed) || facts == 0 {
				t.Fatalf("%s: look-ups saw %d patients, %d facts", name, i, facts)
			}
		}

		// A walk stopped part way returns the reason, and leaves every
		// connection usable.
		stop := errors.New("stop")
		n := 0
		err := store.EachFacts(ctx, db, store.FactsFilter{Stream: true}, func(*joinedup.Facts, int64) error {
			if n++; n == 10 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 10 {
			t.Fatalf("stopped walk: %v after %d patients", err, n)
		}
		var count int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&count); err != nil || count != 300 {
			t.Fatalf("after a stopped walk: %d patients, %v", count, err)
		}
	})
}

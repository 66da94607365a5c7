package stratify_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/synth"
)

// Assessing the facts loaded with the projection Reads returns gives
// exactly the assessments a full load gives, on a synthetic population and
// on the Synthea records, at dates that put the windows' edges in different
// places; and the projection does leave facts out. The Synthea records are
// the whole shared set when it is beside the repository, and the bundles of
// the fixtures when it is not.
func TestReadsProjection(t *testing.T) {
	bundles := filepath.Join("..", "testdata", "synthea-r4-bundles")
	if dir, err := fhirschema.DataDir(); err == nil {
		bundles = filepath.Join(dir, "synthea-r4-bundles")
	}
	t.Logf("Synthea records from %s", bundles)
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			syn := t.TempDir()
			if _, err := synth.WriteDir(ctx, synth.Config{Patients: 1500, Seed: 7}, syn, false); err != nil {
				t.Fatal(err)
			}
			if _, err := importer.Import(ctx, db, []string{syn}, importer.Options{}); err != nil {
				t.Fatal(err)
			}
			if _, err := importer.Import(ctx, db, []string{bundles}, importer.Options{Source: "synthea"}); err != nil {
				t.Fatal(err)
			}
			// A patient whose codes in the policy's lists are second
			// codings, after local codes the lists do not hold.
			seed(t, db, multiCoded())
			p, _, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", now)
			if err != nil {
				t.Fatal(err)
			}
			full := loadAll(t, db, store.FactsFilter{})
			eligibleAtAll := 0
			for _, asOf := range []time.Time{
				synth.DefaultAsOf,
				synth.DefaultAsOf.AddDate(-1, -2, -13),
				time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), // the Synthea set was made in 2019
				time.Date(2017, 3, 31, 0, 0, 0, 0, time.UTC),
				now,
			} {
				only := loadAll(t, db, store.FactsFilter{Only: stratify.Reads(p, asOf)})
				if len(only) != len(full) {
					t.Fatalf("as of %s: %d patients projected, %d in full", asOf.Format(time.DateOnly), len(only), len(full))
				}
				var nFull, nOnly, eligible int
				for id, f := range full {
					g := only[id]
					nFull += countFacts(f)
					nOnly += countFacts(g)
					want, got := stratify.Assess(p, f, asOf), stratify.Assess(p, g, asOf)
					if want.Eligible {
						eligible++
					}
					w, _ := json.Marshal(want)
					x, _ := json.Marshal(got)
					if string(w) != string(x) {
						t.Fatalf("as of %s, patient %s: projected load assesses\n%s\nfull load\n%s", asOf.Format(time.DateOnly), id, x, w)
					}
				}
				if nOnly >= nFull {
					t.Fatalf("as of %s: %d of %d facts loaded; want fewer", asOf.Format(time.DateOnly), nOnly, nFull)
				}
				eligibleAtAll += eligible
				t.Logf("as of %s: %d of %d facts loaded, %d eligible", asOf.Format(time.DateOnly), nOnly, nFull, eligible)
			}
			if eligibleAtAll == 0 {
				t.Fatal("no one eligible at any date: the comparison proves little")
			}
			// The multi-coded patient's LTCs and readings are found.
			a := stratify.Assess(p, loadAll(t, db, store.FactsFilter{Only: stratify.Reads(p, now)})["multi"], now)
			if len(a.LTCs) != 2 || a.Features["hba1c_latest"] != 64 {
				t.Fatalf("multi-coded patient: LTCs %v, HbA1c %v; want hypertension and diabetes, 64", a.LTCs, a.Features["hba1c_latest"])
			}
		})
	}
}

func multiCoded() *joinedup.Facts {
	local := func(code string, c joinedup.Coding) joinedup.Codings {
		return joinedup.Codings{{System: "https://example.org/local", Code: code}, c}
	}
	return &joinedup.Facts{
		Patient: joinedup.Patient{ID: "multi", GivenName: "Multi", FamilyName: "Coded", BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)},
		Conditions: []joinedup.Condition{
			{ID: "m-c1", Source: src("m-c1"), Codes: local("HYP1", joinedup.Coding{System: snomed, Code: "10725009"}), ClinicalStatus: "active", Onset: now.AddDate(-3, 0, 0)},
			{ID: "m-c2", Source: src("m-c2"), Codes: local("DM1", joinedup.Coding{System: snomed, Code: "44054006"}), ClinicalStatus: "active", Onset: now.AddDate(-3, 0, 0)},
		},
		Observations: []joinedup.Observation{
			{ID: "m-o1", Source: src("m-o1"), Codes: local("A1C", joinedup.Coding{System: "http://loinc.org", Code: "4548-4"}), Status: "final",
				Effective: now.AddDate(0, -1, 0), Value: &joinedup.Quantity{Value: 64, Unit: "mmol/mol"}},
		},
	}
}

func countFacts(f *joinedup.Facts) int {
	return len(f.Conditions) + len(f.Observations) + len(f.Medications) + len(f.Encounters) + len(f.Appointments) + len(f.Carers)
}

func loadAll(t *testing.T, db *store.DB, filter store.FactsFilter) map[string]*joinedup.Facts {
	t.Helper()
	out := map[string]*joinedup.Facts{}
	err := store.EachFacts(ctx, db, filter, func(f *joinedup.Facts, _ int64) error {
		out[f.Patient.ID] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

package stratify_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
)

// factTables maps evidence kinds to the tables their facts are in.
var factTables = map[joinedup.FactKind]string{
	joinedup.FactCondition: "conditions", joinedup.FactObservation: "observations", joinedup.FactMedication: "medications",
	joinedup.FactEncounter: "encounters", joinedup.FactAppointment: "appointments",
}

// On real Synthea records, stratification finds eligible patients, and every
// piece of evidence points at a record that was imported, with the same code
// and source: on the bundles of the fixtures (one of whose patients is
// eligible) and, when it is beside the repository, on the whole shared set.
func TestSyntheaEvidencePointsAtImportedRecords(t *testing.T) {
	t.Run("testdata", func(t *testing.T) {
		testSyntheaEvidence(t, filepath.Join("..", "testdata", "synthea-r4-bundles"), 8)
	})
	t.Run("shared", func(t *testing.T) {
		testSyntheaEvidence(t, fhirschema.SharedSet(t, "synthea-r4-bundles"), 125)
	})
}

func testSyntheaEvidence(t *testing.T, bundles string, patients int) {
	db := storetest.Open(t, store.SQLite)
	if _, err := importer.Import(ctx, db, []string{bundles}, importer.Options{Source: "synthea"}); err != nil {
		t.Fatal(err)
	}
	p, _, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "test", now)
	if err != nil {
		t.Fatal(err)
	}
	// The set was generated in 2019; look back from the start of 2020.
	asOf := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: p, AsOf: asOf, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total.Assessed != patients || s.Total.Eligible == 0 {
		t.Fatalf("assessed %d, eligible %d; want %d assessed and some eligible", s.Total.Assessed, s.Total.Eligible, patients)
	}
	rows, err := db.Query("SELECT patient_id FROM current_assessments WHERE eligible")
	if err != nil {
		t.Fatal(err)
	}
	var eligible []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		eligible = append(eligible, id)
	}
	rows.Close()
	checked := 0
	for _, pid := range eligible {
		_, a, err := store.CurrentAssessment(ctx, db, pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.LTCs) < 3 || len(a.RiskFactors) < 2 {
			t.Errorf("%s eligible with %d LTCs and %d risk factors", pid, len(a.LTCs), len(a.RiskFactors))
		}
		for _, f := range append(append([]joinedup.Finding{}, a.LTCs...), a.RiskFactors...) {
			if len(f.Evidence) == 0 {
				t.Errorf("%s: finding %s has no evidence", pid, f.ID)
			}
			for _, ev := range f.Evidence {
				table, ok := factTables[ev.Kind]
				if !ok {
					continue
				}
				var system, code, srcSystem, srcID string
				err := db.QueryRow(fmt.Sprintf("SELECT code_system, code, source_system, source_id FROM %s WHERE patient_id = $1 AND id = $2", table),
					pid, ev.FactID).Scan(&system, &code, &srcSystem, &srcID)
				if table == "encounters" || table == "appointments" {
					err = db.QueryRow(fmt.Sprintf("SELECT source_system, source_id FROM %s WHERE patient_id = $1 AND id = $2", table), pid, ev.FactID).Scan(&srcSystem, &srcID)
					system, code = ev.CodeSystem, ev.Code
				}
				if err != nil {
					t.Errorf("%s: evidence %+v: no such imported record: %v", pid, ev, err)
					continue
				}
				if srcSystem != "synthea" || srcID != ev.SourceID || srcID == "" {
					t.Errorf("%s: evidence source %s/%s, record source %s/%s", pid, ev.SourceSystem, ev.SourceID, srcSystem, srcID)
				}
				if ev.Code != "" && table != "medications" && (system != ev.CodeSystem || code != ev.Code) {
					// Evidence may cite a secondary coding; the record must carry it.
					facts, _ := store.LoadFacts(ctx, db, pid)
					if !hasCoding(facts, ev) {
						t.Errorf("%s: evidence code %s|%s not on record %s", pid, ev.CodeSystem, ev.Code, ev.FactID)
					}
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no evidence was checked")
	}
	t.Logf("%d eligible of %d; %d pieces of evidence checked against imported records", len(eligible), s.Total.Assessed, checked)
}

func hasCoding(f *joinedup.Facts, ev joinedup.Evidence) bool {
	for _, c := range f.Conditions {
		if c.ID == ev.FactID && c.Codes.Has(ev.CodeSystem, ev.Code) {
			return true
		}
	}
	for _, o := range f.Observations {
		if o.ID == ev.FactID && o.Codes.Has(ev.CodeSystem, ev.Code) {
			return true
		}
	}
	return false
}

package fhirapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

var ctx = context.Background()

// importedTypes are the types the importer reads, which must survive a
// round trip unchanged.
var importedTypes = []string{"Patient", "Organization", "Condition", "Observation", "MedicationRequest", "MedicationStatement",
	"Encounter", "Appointment", "RelatedPerson"}

// exportDir exports the imported types of db into a new folder, one NDJSON
// file per type, validating every resource against the R4 schema.
func exportDir(t *testing.T, db *store.DB) (string, map[string][]string) {
	t.Helper()
	var types []*fhirapi.Type
	for _, n := range importedTypes {
		typ, ok := fhirapi.Lookup(n)
		if !ok {
			t.Fatalf("type %s not registered", n)
		}
		types = append(types, typ)
	}
	return exportTypes(t, db, types)
}

// TestOfficialExamplesImport imports the official R4 examples of the types
// JoinedUp reads; each must be accepted.
func TestOfficialExamplesImport(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	dir := filepath.Join("..", "testdata", "fhir-r4-examples")
	var files []string
	for _, prefix := range []string{"organization", "patient", "condition", "observation", "encounter"} {
		m, _ := filepath.Glob(filepath.Join(dir, prefix+"-example*.json"))
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("only %d examples found", len(files))
	}
	// The examples refer to Patient/example and friends; wrap each in a
	// collection with its patients so references resolve.
	tmp := t.TempDir()
	var patients []json.RawMessage
	for _, f := range files {
		if strings.Contains(filepath.Base(f), "patient-") {
			b, _ := os.ReadFile(f)
			patients = append(patients, b)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		entries := []map[string]json.RawMessage{{"resource": b}}
		for _, p := range patients {
			entries = append(entries, map[string]json.RawMessage{"resource": p})
		}
		bundle, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), bundle, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var rejects bytes.Buffer
	sum, err := importer.Import(ctx, db, []string{tmp}, importer.Options{Source: "hl7", Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	// Only records whose subject is not a Patient (e.g. a Group) may be
	// turned away: JoinedUp keeps records of patients.
	sc := bufio.NewScanner(&rejects)
	for sc.Scan() {
		var r importer.Reject
		_ = json.Unmarshal(sc.Bytes(), &r)
		if !strings.Contains(r.Reason, "subject") {
			t.Errorf("example rejected: %s", sc.Text())
		}
	}
	for _, typ := range []string{"Organization", "Patient", "Condition", "Observation", "Encounter"} {
		if c := sum.ByType[typ]; c == nil || c.Imported+c.Unchanged == 0 {
			t.Errorf("no %s example imported: %+v", typ, c)
		}
	}
}

// TestEnteredInErrorNotExported: a diagnosis entered in error is as if
// never recorded, so it is on no one's problem list; a refuted one is
// exported with its verification status, for a reader to see.
func TestEnteredInErrorNotExported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := joinedup.Patient{Source: joinedup.Source{System: "test", ID: "p"}, GivenName: "Ada", FamilyName: "Test"}
		p.ID = joinedup.PatientID(p)
		b := &store.Batch{Patients: []joinedup.Patient{p}}
		for _, v := range []string{"confirmed", "refuted", "entered-in-error"} {
			b.Conditions = append(b.Conditions, joinedup.Condition{PatientID: p.ID, Source: joinedup.Source{System: "test", ID: v},
				VerificationStatus: v, Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "44054006", Display: "Diabetes"}}})
		}
		if _, err := db.WriteBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		_, lines := exportDir(t, db)
		got := strings.Join(lines["Condition"], "\n")
		if len(lines["Condition"]) != 2 || strings.Contains(got, "entered-in-error") || !strings.Contains(got, `"code":"refuted"`) {
			t.Fatalf("conditions exported:\n%s", got)
		}
	})
}

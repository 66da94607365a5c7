package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

const (
	idPatient = `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"birthDate":"1950-01-02"}`
	bmiCode   = `"status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]}`
)

func bmi(id string, value string) string {
	idPart := ""
	if id != "-" {
		idPart = `"id":` + id + `,`
	}
	return `{"resourceType":"Observation",` + idPart + bmiCode + `,"effectiveDateTime":"2024-01-0` + value[:1] + `","valueQuantity":{"value":` + value + `}}`
}

// TestRecordIDs shows what an import does with the ids of the records it
// reads: records without one are kept apart, a record repeated is one
// record, two different records with one id are a conflict, and an id that
// is not a FHIR id is rejected, as is a type that is not FHIR's.
func TestRecordIDs(t *testing.T) {
	tests := []struct {
		name         string
		lines        []string
		observations int      // rows after the import
		imported     int      // Observations imported
		rejects      []string // reasons, in order
		again        int      // Observations unchanged on a re-run
	}{
		{"no ids", []string{bmi("-", "31"), bmi("-", "32"), bmi("-", "33")}, 3, 3, nil, 3},
		{"empty ids", []string{bmi(`""`, "31"), bmi(`""`, "32")}, 2, 2, nil, 2},
		{"the same record twice without an id", []string{bmi("-", "31"), bmi("-", "31")}, 1, 1, nil, 2},
		{"the same record twice", []string{bmi(`"o1"`, "31"), bmi(`"o1"`, "31")}, 1, 1, nil, 2},
		{"two records with one id", []string{bmi(`"o1"`, "31"), bmi(`"o1"`, "35")}, 1, 1,
			[]string{"Observation/o1: conflict: another record with this id and different content was read earlier in this import"}, 1},
		{"path in the id", []string{bmi(`"../../etc/passwd"`, "31")}, 0, 0,
			[]string{`id "../../etc/passwd" is not a FHIR id (1 to 64 letters, digits, '-' or '.')`}, 0},
		{"id too long", []string{bmi(`"`+strings.Repeat("a", 5000)+`"`, "31")}, 0, 0,
			[]string{`id "` + strings.Repeat("a", 80) + `…" is not a FHIR id (1 to 64 letters, digits, '-' or '.')`}, 0},
		{"id not a string", []string{bmi(`7`, "31")}, 0, 0, []string{"line 2: invalid JSON: json: cannot unmarshal number into Go struct field resourceHead.id of type string"}, 0},
		{"misspelled type", []string{strings.Replace(bmi(`"o1"`, "31"), "Observation", "Observaton", 1)}, 0, 0,
			[]string{`resourceType "Observaton" is not a FHIR R4 resource type`}, 0},
	}
	for _, tt := range tests {
		onEachEngine(t, tt.name, func(t *testing.T, db *store.DB) {
			path := filepath.Join(t.TempDir(), "in.ndjson")
			if err := os.WriteFile(path, []byte(idPatient+"\n"+strings.Join(tt.lines, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sum, rejects := importAll(t, db, importer.Options{}, path)
			var reasons []string
			for _, r := range rejects {
				reasons = append(reasons, r.Reason)
				if r.File != path || r.Line < 2 {
					t.Errorf("reject %+v names no file and line", r)
				}
			}
			if strings.Join(reasons, "\n") != strings.Join(tt.rejects, "\n") {
				t.Errorf("rejects\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(tt.rejects, "\n"))
			}
			counts, _ := store.Counts(ctx, db)
			if counts["observations"] != tt.observations {
				t.Errorf("%d observations kept, want %d", counts["observations"], tt.observations)
			}
			if c := sum.ByType["Observation"]; c != nil && c.Imported != tt.imported || c == nil && tt.imported != 0 {
				t.Errorf("summary %+v, want %d imported", c, tt.imported)
			}
			before, _ := store.Checksum(ctx, db)
			again, _ := importAll(t, db, importer.Options{}, path)
			if c := again.ByType["Observation"]; c != nil && (c.Imported != 0 || c.Unchanged != tt.again) {
				t.Errorf("re-run %+v, want %d unchanged", c, tt.again)
			}
			if after, _ := store.Checksum(ctx, db); after != before {
				t.Error("re-run changed the database")
			}
		})
	}
}

// TestSplitBundleReferences imports Synthea's transaction Bundles split
// into one NDJSON file per type, as a Bulk Data export of them would be:
// each record keeps its id, and its references stay "urn:uuid:<id>". They
// land as the Bundles do.
func TestSplitBundleReferences(t *testing.T) {
	src := fixtures("synthea-r4-bundles")
	dir := t.TempDir()
	out := map[string]*os.File{}
	for _, b := range bundleResources(t, src) {
		for _, r := range b {
			typ := resourceType(r)
			w := out[typ]
			if w == nil {
				var err error
				if w, err = os.Create(filepath.Join(dir, typ+".ndjson")); err != nil {
					t.Fatal(err)
				}
				out[typ] = w
			}
			w.Write(append(r, '\n'))
		}
	}
	for _, w := range out {
		w.Close()
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Condition.ndjson")); !strings.Contains(string(b), `urn:uuid:`) {
		t.Fatal("the split files hold no urn:uuid references")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ref := storetest.Open(t, db.Engine)
		importAll(t, ref, importer.Options{Source: "synthea"}, src)
		want, _ := store.Counts(ctx, ref)
		sum, rejects := importAll(t, db, importer.Options{Source: "synthea"}, dir)
		if len(rejects) != 0 {
			t.Fatalf("%d rejects, first %+v", len(rejects), rejects[0])
		}
		got, _ := store.Counts(ctx, db)
		for _, table := range []string{"patients", "conditions", "observations", "medications", "encounters"} {
			if got[table] != want[table] || got[table] == 0 {
				t.Errorf("%s: %d from the split files, %d from the Bundles", table, got[table], want[table])
			}
		}
		if sum.Rejected() != 0 {
			t.Errorf("summary rejected %d", sum.Rejected())
		}
	})
}

// TestImplausibleRecords rejects, with the reason, records that parse but
// cannot be true: a placeholder NHS number, a birth or death in the future
// or a death before birth (the import's day is pinned), and statuses
// outside FHIR's value sets.
func TestImplausibleRecords(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC) // 1 December in London
	patient := func(extra string) string {
		return `{"resourceType":"Patient","id":"p2","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]` + extra + `}`
	}
	tests := []struct {
		name, line, want string
	}{
		{"all-zero NHS number", `{"resourceType":"Patient","id":"p2","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"0000000000"}]}`,
			`Patient/p2: identifier: parse NHS number "0000000000": NHS number is never issued: it passes the Modulus 11 check but is a placeholder (ten equal digits, or starting 00)`},
		{"born in 2099", patient(`,"birthDate":"2099-01-01"`), "Patient/p2: birthDate: 2099-01-01 is in the future"},
		{"born tomorrow", patient(`,"birthDate":"2026-12-02"`), "Patient/p2: birthDate: 2026-12-02 is in the future"},
		{"died in the future", patient(`,"birthDate":"1950-01-01","deceasedDateTime":"2027-01-01"`), "Patient/p2: deceasedDateTime: 2027-01-01 is in the future"},
		{"died before birth", patient(`,"birthDate":"1950-01-01","deceasedDateTime":"1949-01-01"`), "Patient/p2: deceasedDateTime: 1949-01-01 is before the birthDate 1950-01-01"},
		{"medication status weird", `{"resourceType":"MedicationRequest","id":"m1","status":"weird","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"325072002"}]}}`,
			"MedicationRequest/m1: status: unknown code \"weird\" (one of active, on-hold, cancelled, completed, entered-in-error, stopped, draft, unknown)"},
		{"observation status done", strings.Replace(bmi(`"o1"`, "31"), `"final"`, `"done"`, 1),
			"Observation/o1: status: unknown code \"done\" (one of registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown)"},
		{"condition verification maybe", `{"resourceType":"Condition","id":"c1","verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"maybe"}]},"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}}`,
			"Condition/c1: verificationStatus: unknown code \"maybe\" (one of unconfirmed, provisional, differential, confirmed, refuted, entered-in-error)"},
		{"encounter status closed", `{"resourceType":"Encounter","id":"e1","status":"closed","class":{"code":"AMB"},"subject":{"reference":"Patient/p1"}}`,
			"Encounter/e1: status: unknown code \"closed\" (one of planned, arrived, triaged, in-progress, onleave, finished, cancelled, entered-in-error, unknown)"},
	}
	for _, tt := range tests {
		onEachEngine(t, tt.name, func(t *testing.T, db *store.DB) {
			path := filepath.Join(t.TempDir(), "in.ndjson")
			os.WriteFile(path, []byte(idPatient+"\n"+tt.line+"\n"), 0o600)
			_, rejects := importAll(t, db, importer.Options{Now: now}, path)
			if len(rejects) != 1 || rejects[0].Reason != tt.want || rejects[0].Line != 2 {
				t.Fatalf("rejects %+v\nwant %q on line 2", rejects, tt.want)
			}
			counts, _ := store.Counts(ctx, db)
			if counts["patients"] != 1 || counts["observations"]+counts["medications"]+counts["conditions"]+counts["encounters"] != 0 {
				t.Errorf("stored %v", counts)
			}
		})
	}
	// Born today in London is not the future.
	db := storetest.Open(t, store.SQLite)
	path := filepath.Join(t.TempDir(), "in.ndjson")
	os.WriteFile(path, []byte(patient(`,"birthDate":"2026-12-01"`)+"\n"), 0o600)
	if _, rejects := importAll(t, db, importer.Options{Now: now}, path); len(rejects) != 0 {
		t.Errorf("born today: %+v", rejects)
	}
}

// onEachEngine runs fn as the subtest name on every engine.
func onEachEngine(t *testing.T, name string, fn func(t *testing.T, db *store.DB)) {
	t.Run(name, func(t *testing.T) { storetest.Each(t, fn) })
}

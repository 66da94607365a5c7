package importer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/synth"
)

var ctx = context.Background()

// fixtures is the repository's folder of a public data set's fixtures.
func fixtures(name string) string { return filepath.Join("..", "testdata", name) }

// imported maps FHIR types to the table their records land in.
var imported = map[string]string{
	"Patient": "patients", "Condition": "conditions", "Observation": "observations",
	"MedicationRequest": "medications", "Encounter": "encounters",
}

// bundleResources reads the Bundles of dir straight from the files,
// independently of the importer's readers: for each Bundle, its entries'
// resources, each as one compact line of JSON.
func bundleResources(t *testing.T, dir string) [][][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	var out [][][]byte
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.NewDecoder(zr).Decode(&b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fh.Close()
		var resources [][]byte
		for _, e := range b.Entry {
			var line bytes.Buffer
			if err := json.Compact(&line, e.Resource); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			resources = append(resources, line.Bytes())
		}
		out = append(out, resources)
	}
	return out
}

// resourceType is the resourceType of a resource's JSON.
func resourceType(raw []byte) string {
	var head struct{ ResourceType string }
	json.Unmarshal(raw, &head)
	return head.ResourceType
}

// countBundleEntries counts the entries of dir's Bundles by resource type.
func countBundleEntries(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, b := range bundleResources(t, dir) {
		for _, r := range b {
			out[resourceType(r)]++
		}
	}
	return out
}

func importAll(t *testing.T, db *store.DB, opt importer.Options, paths ...string) (*importer.Summary, []importer.Reject) {
	t.Helper()
	var rej bytes.Buffer
	opt.Rejects = &rej
	sum, err := importer.Import(ctx, db, paths, opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var rejects []importer.Reject
	dec := json.NewDecoder(&rej)
	for {
		var r importer.Reject
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rejects = append(rejects, r)
	}
	return sum, rejects
}

// TestSyntheaBundles imports the Synthea bundles of the fixtures and, when
// it is beside the repository, the whole shared set of 125 patients: every
// record of the types JoinedUp keeps lands, nothing is rejected, and a
// second import changes nothing.
func TestSyntheaBundles(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testSyntheaBundles(t, fixtures("synthea-r4-bundles"), 8) })
	t.Run("shared", func(t *testing.T) { testSyntheaBundles(t, fhirschema.SharedSet(t, "synthea-r4-bundles"), 125) })
}

func testSyntheaBundles(t *testing.T, dir string, patients int) {
	want := countBundleEntries(t, dir)
	if want["Patient"] != patients {
		t.Fatalf("%s has %d patients, want %d", dir, want["Patient"], patients)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, rejects := importAll(t, db, importer.Options{Source: "synthea"}, dir)
		if len(rejects) != 0 {
			t.Fatalf("%d rejects, first: %+v", len(rejects), rejects[0])
		}
		counts, err := store.Counts(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for typ, table := range imported {
			c := sum.ByType[typ]
			if c == nil || c.Read != want[typ] || c.Imported != want[typ] {
				t.Errorf("%s: summary %+v, input has %d", typ, c, want[typ])
			}
			if counts[table] != want[typ] {
				t.Errorf("%s: %d rows in %s, input has %d", typ, counts[table], table, want[typ])
			}
		}
		if c := sum.ByType["Organization"]; c.Read != want["Organization"] || c.Imported+c.Unchanged != c.Read {
			t.Errorf("Organization: %+v, input has %d", c, want["Organization"])
		}
		if c := sum.ByType["Claim"]; c == nil || c.Skipped != want["Claim"] || c.Rejected != 0 {
			t.Errorf("Claim should be skipped, not rejected: %+v", c)
		}
		if sum.AwaitingStratification != patients {
			t.Errorf("awaiting stratification = %d, want %d", sum.AwaitingStratification, patients)
		}
		before, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}

		// Importing the same data again changes nothing.
		again, rejects := importAll(t, db, importer.Options{Source: "synthea"}, dir)
		if len(rejects) != 0 {
			t.Fatalf("re-import rejected %d", len(rejects))
		}
		for typ, c := range again.ByType {
			if c.Imported != 0 || c.Unchanged != c.Read {
				t.Errorf("re-import %s: %+v, want everything unchanged", typ, c)
			}
		}
		after, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if before != after {
			t.Fatal("re-import changed the database checksum")
		}
	})
}

// TestBulkNDJSON imports the Bulk Data export of the fixtures and, when it
// is beside the repository, the shared set's whole export.
func TestBulkNDJSON(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testBulkNDJSON(t, fixtures("synthea-bulk-ndjson-10patients")) })
	t.Run("shared", func(t *testing.T) { testBulkNDJSON(t, fhirschema.SharedSet(t, "synthea-bulk-ndjson-10patients")) })
}

func testBulkNDJSON(t *testing.T, dir string) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, rejects := importAll(t, db, importer.Options{Source: "bulk"}, dir)
		if len(rejects) != 0 {
			t.Fatalf("rejects: %+v", rejects)
		}
		if len(sum.SkippedFiles) != 1 || !strings.Contains(sum.SkippedFiles[0], "log.ndjson.gz") {
			t.Errorf("skipped files %v, want the export log", sum.SkippedFiles)
		}
		counts, _ := store.Counts(ctx, db)
		if counts["patients"] != 13 || counts["conditions"] != sum.ByType["Condition"].Read || counts["conditions"] == 0 {
			t.Errorf("counts %v, summary %+v", counts, sum.ByType["Condition"])
		}
		// Every condition was linked to a patient from another file.
		var orphans int
		if err := db.QueryRow("SELECT COUNT(*) FROM conditions c LEFT JOIN patients p ON p.id = c.patient_id WHERE p.id IS NULL").Scan(&orphans); err != nil || orphans != 0 {
			t.Errorf("orphan conditions %d, %v", orphans, err)
		}
	})
}

// TestMalformedRecords shows each kind of bad record rejected with its exact
// reason, while the good records beside it import.
func TestMalformedRecords(t *testing.T) {
	good := `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"birthDate":"1950-01-02"}`
	tests := []struct {
		name, line, want string
	}{
		{"invalid JSON", `{"resourceType":"Condition","id":"c1",`, "line 2: invalid JSON: unexpected end of JSON input"},
		{"unknown patient", `{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/nobody"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}}`,
			`Condition/c2: subject: unknown resource reference "Patient/nobody"`},
		{"invalid NHS number", `{"resourceType":"Patient","id":"p2","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000015"}]}`,
			`Patient/p2: identifier: parse NHS number "9000000015": NHS number fails the Modulus 11 check`},
		{"unparseable date", `{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},"effectiveDateTime":"2020-13-01"}`,
			`Observation/o1: effectiveDateTime: parsing "2020-13-01": month out of range`},
		{"missing subject", `{"resourceType":"Condition","id":"c3","code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}}`,
			"Condition/c3: subject: missing"},
	}
	for _, tt := range tests {
		onEachEngine(t, tt.name, func(t *testing.T, db *store.DB) {
			path := filepath.Join(t.TempDir(), "in.ndjson")
			if err := os.WriteFile(path, []byte(good+"\n"+tt.line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sum, rejects := importAll(t, db, importer.Options{}, path)
			if len(rejects) != 1 {
				t.Fatalf("rejects %+v", rejects)
			}
			if rejects[0].Reason != tt.want || rejects[0].Line != 2 || rejects[0].File != path {
				t.Fatalf("reject %+v\nwant reason %q on line 2", rejects[0], tt.want)
			}
			if c := sum.ByType["Patient"]; c.Imported != 1 {
				t.Fatalf("the good record did not import: %+v", c)
			}
		})
	}
}

// A file named on the command line that holds no records JoinedUp reads is
// named as unread, with the reason; it does not stop the files beside it.
func TestNamedFileMustHoldRecords(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("hello\n"), 0o600)
	good := filepath.Join(dir, "z.ndjson")
	os.WriteFile(good, []byte(idPatient+"\n"), 0o600)
	missing := filepath.Join(dir, "missing.ndjson")
	sum, err := importer.Import(ctx, db, []string{notes, missing, good}, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Unread) != 2 || sum.Unread[0].File != missing || sum.Unread[1].File != notes ||
		!strings.Contains(sum.Unread[0].Reason, "no such file") ||
		sum.Unread[1].Reason != "not FHIR R4 (JSON, NDJSON or XML) nor a GP CSV extract: detect: not JSON and no delimiter in the first line" {
		t.Fatalf("unread %+v", sum.Unread)
	}
	if c := sum.ByType["Patient"]; c == nil || c.Imported != 1 {
		t.Fatalf("the good file did not import: %+v", sum.ByType)
	}
}

func TestGPCSVExtract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := filepath.Join(t.TempDir(), "extract.csv")
		body := "practice,nhs_number,entry_type,code_system,code,term,date,value,unit,family_name,given_name,date_of_birth,sex\n" +
			"G85001,943 476 5919,condition,snomed,38341003,Hypertension,2015-04-01,,,Smith,Jane,1950-03-04,female\n" +
			"G85001,943 476 5919,observation,loinc,39156-5,BMI,01/03/2024,31.5,kg/m2,Smith,Jane,1950-03-04,female\n" +
			"G85001,9000000015,condition,snomed,38341003,Hypertension,2015-04-01,,,,,,\n"
		os.WriteFile(path, []byte(body), 0o600)
		sum, rejects := importAll(t, db, importer.Options{}, path)
		if len(rejects) != 1 || rejects[0].Reason != "line 4: nhs_number: NHS number fails the Modulus 11 check" {
			t.Fatalf("rejects %+v", rejects)
		}
		if sum.ByType["Condition"].Imported != 1 || sum.ByType["Observation"].Imported != 1 || sum.ByType["Patient"].Imported != 1 {
			t.Fatalf("summary %+v", sum.ByType)
		}
		p, err := store.PatientByNHSNumber(ctx, db, "9434765919")
		if err != nil || p.FamilyName != "Smith" {
			t.Fatalf("patient %+v %v", p, err)
		}
		again, _ := importAll(t, db, importer.Options{}, path)
		if again.ByType["Condition"].Imported != 0 || again.ByType["Observation"].Unchanged != 1 {
			t.Fatalf("re-import %+v", again.ByType)
		}
	})
}

// TestParallelWritersMatchOne shows that writing on several connections at
// once, with small batches so every file spans many of them, reaches
// exactly the state of one writer, and the same summary; a second run
// changes nothing. The synthetic population's files are one type each; the
// mixed file holds patients and records that refer to them, in one file.
func TestParallelWritersMatchOne(t *testing.T) {
	dir := t.TempDir()
	if _, err := synth.WriteDir(ctx, synth.Config{Patients: 300, Seed: 7}, dir, false); err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(t.TempDir(), "mixed.ndjson")
	var lines []byte
	for _, name := range []string{"Patient.ndjson", "Condition.ndjson"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b...)
	}
	if err := os.WriteFile(mixed, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, input := range []string{dir, mixed} {
		t.Run(filepath.Base(input), func(t *testing.T) {
			var want string
			var wantSum map[string]importer.Counts
			for _, writers := range []int{1, 3} {
				db := storetest.Open(t, store.Postgres)
				sum, rejects := importAll(t, db, importer.Options{Writers: writers, BatchSize: 97}, input)
				if len(rejects) != 0 {
					t.Fatalf("%d writers: rejects %+v", writers, rejects)
				}
				got, err := store.Checksum(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				gotSum := map[string]importer.Counts{}
				for typ, c := range sum.ByType {
					gotSum[typ] = *c
				}
				if writers == 1 {
					want, wantSum = got, gotSum
					continue
				}
				if got != want {
					t.Errorf("%d writers: checksum %s, one writer %s", writers, got, want)
				}
				if !maps.Equal(gotSum, wantSum) {
					t.Errorf("%d writers: summary %v, one writer %v", writers, gotSum, wantSum)
				}
				again, _ := importAll(t, db, importer.Options{Writers: writers, BatchSize: 97}, input)
				for typ, c := range again.ByType {
					if c.Imported != 0 {
						t.Errorf("re-run imported %d %s", c.Imported, typ)
					}
				}
				if after, _ := store.Checksum(ctx, db); after != want {
					t.Errorf("re-run changed the checksum")
				}
			}
		})
	}
}

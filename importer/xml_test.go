package importer_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// ukCoreRejects are the UK Core examples (of the types JoinedUp imports)
// that are rejected, each with its reason; every other example imports.
// The examples illustrate one element each, so many leave out what a record
// needs to be placed or read.
var ukCoreRejects = []struct {
	file, id, reason string
}{
	// Its NHS number fails the Modulus 11 check.
	{"UKCore-Patient-BabyPatient-Example.xml", "UKCore-Patient-BabyPatient-Example",
		`Patient/UKCore-Patient-BabyPatient-Example: identifier: parse NHS number "9912003890": NHS number fails the Modulus 11 check`},
	// Extension examples without a subject: nobody to file them under.
	{"Extension-UKCore-AdmissionMethod-Example.xml", "Extension-UKCore-AdmissionMethod-Example",
		"Encounter/Extension-UKCore-AdmissionMethod-Example: subject: missing"},
	{"Extension-UKCore-DischargeMethod-Example.xml", "Extension-UKCore-DischargeMethod-Example",
		"Encounter/Extension-UKCore-DischargeMethod-Example: subject: missing"},
	{"Extension-UKCore-EmergencyCareDischargeStatus-Example.xml", "Extension-UKCore-EmergencyCareDischargeStatus-Example",
		"Encounter/Extension-UKCore-EmergencyCareDischargeStatus-Example: subject: missing"},
	{"Extension-UKCore-LegalStatus-Example.xml", "Extension-UKCore-LegalStatus-Example",
		"Encounter/Extension-UKCore-LegalStatus-Example: subject: missing"},
	{"Extension-UKCore-OutcomeOfAttendance-Example.xml", "Extension-UKCore-OutcomeOfAttendance-Example",
		"Encounter/Extension-UKCore-OutcomeOfAttendance-Example: subject: missing"},
	{"UKCore-Observation-FingerJointInflamed-Example.xml", "UKCore-Observation-FingerJointInflamed-Example",
		"Observation/UKCore-Observation-FingerJointInflamed-Example: subject: missing"},
	// A condition with no code says nothing JoinedUp can use.
	{"Extension-UKCore-ConditionEpisode-Example.xml", "Extension-UKCore-ConditionEpisode-Example",
		"Condition/Extension-UKCore-ConditionEpisode-Example: code: missing"},
	// A urn:uuid of a Bundle the example is not in: the subject resolves
	// to the record with that id, which no example is, and the medication
	// is not contained, so its code is unknown.
	{"Extension-UKCore-MedicationChangeSummary-Example.xml", "Extension-UKCore-MedicationChangeSummary-Example",
		`MedicationStatement/Extension-UKCore-MedicationChangeSummary-Example: medicationReference: unresolved reference "urn:uuid:811a38a0-5612-47f5-8d5b-5a0287e8e72b": only contained medications are read`},
	{"UKCore-Observation-Lab-Albumin-Example.xml", "UKCore-Observation-Lab-Albumin-Example",
		`Observation/UKCore-Observation-Lab-Albumin-Example: subject: unknown resource reference "Patient/ab87a3f8-1d37-44a9-804e-5e962598a6e4"`},
	// The medication is a separate resource, not contained: its code is unknown.
	{"Extension-UKCore-RepeatInformation-Example.xml", "Extension-UKCore-RepeatInformation-Example",
		`MedicationRequest/Extension-UKCore-RepeatInformation-Example: medicationReference: unresolved reference "Medication/UKCore-Medication-TimoptolEyeDrops-Example": only contained medications are read`},
	{"UKCore-MedicationRequest-EyeDrops-Example.xml", "UKCore-MedicationRequest-EyeDrops-Example",
		`MedicationRequest/UKCore-MedicationRequest-EyeDrops-Example: medicationReference: unresolved reference "Medication/UKCore-Medication-TimoptolEyeDrops-Example": only contained medications are read`},
}

// ukCoreBundle is the example Bundle: eight NEWS2 observations of a
// patient who is neither in it nor in any other example, so each is
// rejected.
const (
	ukCoreBundle        = "UKCore-Bundle-NEWS2Observations-Example.xml"
	ukCoreBundlePatient = "Patient/ad2c58ab-ffab-4366-9c76-b0322e22e881"
)

// ukCoreImported is what the other examples import, by type.
var ukCoreImported = map[string]int{
	"Patient": 23, "Observation": 29, "Condition": 8, "MedicationRequest": 7, "MedicationStatement": 4,
	"Encounter": 1, "Appointment": 3, "RelatedPerson": 2, "Organization": 4,
}

// TestUKCoreXMLExamples imports the UK Core examples, which are FHIR XML,
// from a folder: each imports as one record, or is rejected with the file
// and the reason listed in ukCoreRejects; a second import changes nothing.
func TestUKCoreXMLExamples(t *testing.T) {
	dir := fixtures("uk-core-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, rejects := importAll(t, db, importer.Options{Source: "ukcore"}, dir)
		if sum.Files != len(files) || len(sum.SkippedFiles) != 0 {
			t.Fatalf("imported %d files, skipped %v; the folder has %d", sum.Files, sum.SkippedFiles, len(files))
		}
		want := map[string]string{} // file and id → reason
		for _, r := range ukCoreRejects {
			want[filepath.Join(dir, r.file)+" "+r.id] = r.reason
		}
		bundleRejects := 0
		for _, r := range rejects {
			if filepath.Base(r.File) == ukCoreBundle {
				if r.Entry == nil || !strings.HasSuffix(r.Reason, `subject: unknown resource reference "`+ukCoreBundlePatient+`"`) {
					t.Errorf("bundle reject %+v", r)
				}
				bundleRejects++
				continue
			}
			key := r.File + " " + r.ID
			if reason, ok := want[key]; !ok || r.Reason != reason {
				t.Errorf("unexpected reject %s %s: %s", r.File, r.ID, r.Reason)
			}
			delete(want, key)
		}
		for key, reason := range want {
			t.Errorf("%s: not rejected, want %q", key, reason)
		}
		if bundleRejects != 8 {
			t.Errorf("%d of the bundle's 8 observations rejected", bundleRejects)
		}
		for typ, n := range ukCoreImported {
			c := sum.ByType[typ]
			if c == nil || c.Imported != n || c.Read != c.Imported+c.Rejected || c.Skipped != 0 {
				t.Errorf("%s: %+v, want %d imported and the rest rejected", typ, c, n)
			}
		}
		if got := sum.Rejected(); got != len(ukCoreRejects)+8 {
			t.Errorf("%d rejected in all, want %d", got, len(ukCoreRejects)+8)
		}
		p, err := store.PatientByNHSNumber(ctx, db, "9912003888")
		if err != nil || p.FamilyName != "SMITH" {
			t.Errorf("Richard Smith: %+v, %v", p, err)
		}
		before, _ := store.Checksum(ctx, db)
		again, _ := importAll(t, db, importer.Options{Source: "ukcore"}, dir)
		for typ, c := range again.ByType {
			// Three examples describe the same trust (ODS code RR8), each
			// a little differently, so each import writes them in turn.
			if c.Imported != 0 && !(typ == "Organization" && c.Imported == 3) {
				t.Errorf("re-import %s: %+v", typ, c)
			}
		}
		if after, _ := store.Checksum(ctx, db); after != before {
			t.Error("re-import changed the database")
		}
	})
}

// TestMixedBatchWithBrokenXML imports a folder of a JSON Bundle, FHIR XML
// files (one gzipped) and one broken XML file: every good file imports as it
// would alone, and the broken one is one reject naming the file and line.
func TestMixedBatchWithBrokenXML(t *testing.T) {
	src := fixtures("uk-core-examples")
	const bundle = "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json.gz"
	good := []string{
		"UKCore-Organization-LeedsTeachingHospital-Example.xml",
		"UKCore-Patient-RichardSmith-Example.xml",
		"UKCore-Condition-BleedingFromEar-Example.xml",
		"UKCore-Observation-VitalSigns-BMI-Example.xml",
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		copyFile(t, filepath.Join(fixtures("synthea-r4-bundles"), bundle), filepath.Join(dir, bundle))
		for i, name := range good {
			b, err := os.ReadFile(filepath.Join(src, name))
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				// A gzipped XML file is read too.
				var z bytes.Buffer
				zw := gzip.NewWriter(&z)
				zw.Write(b)
				zw.Close()
				name, b = name+".gz", z.Bytes()
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		broken := filepath.Join(dir, "broken.xml")
		body := "<?xml version=\"1.0\"?>\n<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"p\"/>\n  <name><family value=\"X\"/>\n</Patient>\n"
		if err := os.WriteFile(broken, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}

		want := countBundleEntries(t, dir)
		sum, rejects := importAll(t, db, importer.Options{Source: "mixed"}, dir)
		if sum.Files != 6 || len(sum.SkippedFiles) != 0 {
			t.Fatalf("files %d, skipped %v", sum.Files, sum.SkippedFiles)
		}
		if len(rejects) != 1 {
			t.Fatalf("rejects %+v, want the broken file's", rejects)
		}
		r := rejects[0]
		if r.File != broken || r.Line != 5 || r.ResourceType != "Patient" ||
			r.Reason != "FHIR XML: line 5: XML syntax error: element <name> closed by </Patient>" {
			t.Fatalf("reject %+v", r)
		}
		for typ, n := range map[string]int{
			"Patient":      want["Patient"] + 1, // Richard Smith
			"Organization": want["Organization"] + 1,
			"Condition":    want["Condition"] + 1,
			"Observation":  want["Observation"] + 1,
			"Encounter":    want["Encounter"],
		} {
			c := sum.ByType[typ]
			if c == nil || c.Imported+c.Unchanged != n {
				t.Errorf("%s: %+v, want %d", typ, c, n)
			}
		}
		if c := sum.ByType["Patient"]; c.Rejected != 1 || c.Read != want["Patient"]+2 {
			t.Errorf("Patient: %+v", c)
		}
		p, err := store.PatientByNHSNumber(ctx, db, "9912003888")
		if err != nil || p.FamilyName != "SMITH" {
			t.Fatalf("Richard Smith: %+v, %v", p, err)
		}
		var conditions int
		if err := db.QueryRow("SELECT COUNT(*) FROM conditions WHERE patient_id = $1", p.ID).Scan(&conditions); err != nil || conditions != 1 {
			t.Errorf("Richard Smith has %d conditions (%v), want the XML file's one", conditions, err)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBadXMLNamedFile shows an XML file that is not FHIR R4, named on the
// command line, rejected as one record with the line at fault, while the
// good file beside it imports and the import goes on.
func TestBadXMLNamedFile(t *testing.T) {
	tests := []struct {
		name, body, typ string
		line            int
		reason          string
	}{
		{"truncated", "<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"p\"/>\n<name>", "Patient", 3,
			"FHIR XML: line 3: XML syntax error: unexpected EOF"},
		{"not well-formed from the start", "<Patient xmlns=\"http://hl7.org/fhir\" <id/>", "", 1,
			"FHIR XML: line 1: XML syntax error: expected attribute name in element"},
		{"a single element repeated", "<Patient xmlns=\"http://hl7.org/fhir\">\n<birthDate value=\"1950-01-01\"/>\n<birthDate value=\"1960-01-01\"/>\n</Patient>", "Patient", 3,
			"FHIR XML: line 3: <birthDate> repeats, but Patient.birthDate may appear only once"},
		{"not an R4 element", "<Condition xmlns=\"http://hl7.org/fhir\">\n<id value=\"c\"/>\n<severityScore value=\"3\"/>\n</Condition>", "Condition", 3,
			"FHIR XML: line 3: <severityScore> is not an element of Condition in FHIR R4"},
		{"not FHIR", "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>", "", 2,
			"FHIR XML: line 2: root element <ClinicalDocument> is not in the FHIR namespace http://hl7.org/fhir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t, store.SQLite)
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.xml")
			if err := os.WriteFile(bad, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			goodFile := filepath.Join(fixtures("uk-core-examples"), "UKCore-Patient-RichardSmith-Example.xml")
			sum, rejects := importAll(t, db, importer.Options{}, bad, goodFile)
			if len(rejects) != 1 {
				t.Fatalf("rejects %+v", rejects)
			}
			r := rejects[0]
			if r.File != bad || r.Line != tt.line || r.ResourceType != tt.typ || r.Reason != tt.reason {
				t.Fatalf("reject %+v\nwant line %d, type %q, reason %q", r, tt.line, tt.typ, tt.reason)
			}
			if c := sum.ByType["Patient"]; c == nil || c.Imported != 1 {
				t.Fatalf("the good file did not import: %+v", sum.ByType)
			}
		})
	}
}

// TestXMLBundleImportsAsItsResources wraps UK Core examples in an XML
// collection Bundle: it imports, in one transaction, exactly what the same
// examples import as files of their own.
func TestXMLBundleImportsAsItsResources(t *testing.T) {
	src := fixtures("uk-core-examples")
	names := []string{
		"UKCore-Organization-WhiteRoseMedicalCentre-Example.xml",
		"UKCore-Patient-RichardSmith-Example.xml",
		"UKCore-Condition-BleedingFromEar-Example.xml",
		"UKCore-Condition-HipReplacement-Example.xml",
		"UKCore-Observation-VitalSigns-BMI-Example.xml",
		"UKCore-Appointment-OrthopaedicSurgery-Example.xml",
	}
	var bundle bytes.Buffer
	bundle.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\">\n<type value=\"collection\"/>\n")
	var paths []string
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		bundle.WriteString("<entry><resource>\n")
		bundle.Write(b)
		bundle.WriteString("</resource></entry>\n")
		paths = append(paths, filepath.Join(src, name))
	}
	bundle.WriteString("</Bundle>\n")
	path := filepath.Join(t.TempDir(), "bundle.xml")
	if err := os.WriteFile(path, bundle.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, rejects := importAll(t, db, importer.Options{Source: "ukcore"}, path)
		if len(rejects) != 0 || sum.Files != 1 {
			t.Fatalf("files %d, rejects %+v", sum.Files, rejects)
		}
		for typ, n := range map[string]int{"Organization": 1, "Patient": 1, "Condition": 2, "Observation": 1, "Appointment": 1} {
			if c := sum.ByType[typ]; c == nil || c.Imported != n {
				t.Errorf("%s: %+v, want %d imported", typ, c, n)
			}
		}
		alone := storetest.Open(t, db.Engine)
		if _, rejects := importAll(t, alone, importer.Options{Source: "ukcore"}, paths...); len(rejects) != 0 {
			t.Fatalf("files alone: rejects %+v", rejects)
		}
		// A patient's facts_version counts the transactions that changed
		// their facts: one for the Bundle, one per file for the files.
		for _, d := range []*store.DB{db, alone} {
			if _, err := d.Exec("UPDATE patients SET facts_version = 0"); err != nil {
				t.Fatal(err)
			}
		}
		if fromBundle, fromFiles := storetest.State(t, db), storetest.State(t, alone); fromBundle != fromFiles {
			t.Errorf("the Bundle and the files import differently:\nBundle: %s\nfiles: %s", fromBundle, fromFiles)
		}
	})
}

// TestUKCoreXMLSharedSet imports all 215 UK Core examples of the shared
// set, when it is beside the repository: every file is read (none skipped,
// and the import does not stop), each converts from XML, and each record
// imports, is skipped as a type JoinedUp does not keep, or is rejected with
// the file and a mapping reason.
func TestUKCoreXMLSharedSet(t *testing.T) {
	dir := fhirschema.SharedSet(t, "uk-core-examples")
	db := storetest.Open(t, store.SQLite)
	sum, rejects := importAll(t, db, importer.Options{Source: "ukcore"}, dir)
	if sum.Files != 215 || len(sum.SkippedFiles) != 0 {
		t.Fatalf("files %d, skipped %v", sum.Files, sum.SkippedFiles)
	}
	for _, r := range rejects {
		if strings.HasPrefix(r.Reason, "FHIR XML:") || r.File == "" || r.ResourceType == "" {
			t.Errorf("reject %+v", r)
		}
	}
	read, imported, skipped := 0, 0, 0
	for _, c := range sum.ByType {
		read += c.Read
		imported += c.Imported + c.Unchanged
		skipped += c.Skipped
	}
	t.Logf("%d records read: %d imported, %d rejected; %d of types not imported", read, imported, len(rejects), skipped)
	if imported+len(rejects) != read {
		t.Errorf("%d read, %d imported, %d rejected", read, imported, len(rejects))
	}
}

package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
)

// fixtures is the repository's folder of a public data set's fixtures.
func fixtures(name string) string { return filepath.Join("..", "testdata", name) }

// importedTypes are the resource types ToDomain maps.
var importedTypes = map[string]bool{
	"Patient": true, "Condition": true, "Observation": true, "MedicationRequest": true, "MedicationStatement": true,
	"Encounter": true, "Appointment": true, "RelatedPerson": true, "Organization": true,
}

// readBundleFile reads one Bundle file, mapping every imported entry, and
// returns counts per resource type.
func readBundleFile(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if format, err := Detect(f.Reader); err != nil || format != FormatBundle {
		t.Fatalf("%s: Detect = %v, %v", path, format, err)
	}
	br, err := NewBundleReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	counts := map[string]int{}
	refs := NewRefs()
	var patientID string
	for {
		e, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		counts[e.ResourceType]++
		refs.Add(e.FullURL, e.ResourceType, e.ID)
		if !importedTypes[e.ResourceType] {
			if _, _, err := ToDomain(e.ResourceType, e.Resource, "synthea", refs); !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("%s entry %d: ToDomain(%s) = %v, want ErrUnsupportedType", filepath.Base(path), e.Index, e.ResourceType, err)
			}
			continue
		}
		v, links, err := ToDomain(e.ResourceType, e.Resource, "synthea", refs)
		if err != nil {
			t.Errorf("%s entry %d: %v", filepath.Base(path), e.Index, err)
			continue
		}
		switch v := v.(type) {
		case joinedup.Patient:
			patientID = v.Source.ID
		case joinedup.Organisation:
		default:
			if links.Subject.Type != "Patient" || links.Subject.ID != patientID {
				t.Errorf("%s entry %d: subject %+v, want Patient/%s", filepath.Base(path), e.Index, links.Subject, patientID)
			}
		}
	}
	if br.Type() != "transaction" {
		t.Errorf("%s: type %q", path, br.Type())
	}
	return counts
}

// TestSyntheaBundles reads every Synthea bundle of the fixtures and, when
// it is beside the repository, of the whole shared set.
func TestSyntheaBundles(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testSyntheaBundles(t, fixtures("synthea-r4-bundles")) })
	t.Run("shared", func(t *testing.T) { testSyntheaBundles(t, fhirschema.SharedSet(t, "synthea-r4-bundles")) })
}

func testSyntheaBundles(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if len(files) == 0 {
		t.Fatalf("no Synthea bundles in %s", dir)
	}
	if testing.Short() && len(files) > 5 {
		files = files[:5]
	}
	total := map[string]int{}
	for _, f := range files {
		c := readBundleFile(t, f)
		if c["Patient"] != 1 {
			t.Errorf("%s: %d patients", filepath.Base(f), c["Patient"])
		}
		for k, v := range c {
			total[k] += v
		}
	}
	if total["Observation"] == 0 || total["Condition"] == 0 || total["Encounter"] == 0 || total["MedicationRequest"] == 0 {
		t.Errorf("too few facts: %v", total)
	}
	t.Logf("%d bundles: %v", len(files), summary(total))
}

// TestSyntheaFirstBundleCounts pins the entry counts of one bundle so that
// a reader that drops or duplicates entries is caught.
func TestSyntheaFirstBundleCounts(t *testing.T) {
	got := readBundleFile(t, filepath.Join(fixtures("synthea-r4-bundles"), "Adolph_Smith_0c6b1f3d-edb2-422b-a0af-a262fb90ed07.json.gz"))
	want := map[string]int{"Observation": 187, "Claim": 27, "Encounter": 24, "ExplanationOfBenefit": 24, "DiagnosticReport": 15,
		"Immunization": 13, "Condition": 12, "Goal": 5, "Procedure": 5, "CarePlan": 4, "MedicationRequest": 3,
		"Patient": 1, "Organization": 1, "Practitioner": 1, "ImagingStudy": 1}
	if summary(got) != summary(want) {
		t.Errorf("counts\n got %s\nwant %s", summary(got), summary(want))
	}
}

func summary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(m[k]))
		b.WriteByte(' ')
	}
	return b.String()
}

// TestSyntheaNDJSON reads the Bulk Data export of the fixtures and, when it
// is beside the repository, the whole export of the shared set.
func TestSyntheaNDJSON(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testSyntheaNDJSON(t, fixtures("synthea-bulk-ndjson-10patients")) })
	t.Run("shared", func(t *testing.T) { testSyntheaNDJSON(t, fhirschema.SharedSet(t, "synthea-bulk-ndjson-10patients")) })
}

func testSyntheaNDJSON(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson.gz"))
	if len(files) == 0 {
		t.Fatalf("no NDJSON files in %s", dir)
	}
	counts := map[string]int{}
	patients := map[string]bool{}
	var subjects []Ref
	for _, path := range files {
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if format, err := Detect(f.Reader); err != nil || format != FormatNDJSON {
			t.Errorf("%s: Detect = %v, %v", filepath.Base(path), format, err)
		}
		nr := NewNDJSONReader(f)
		isLog := strings.HasPrefix(filepath.Base(path), "log.")
		for {
			l, err := nr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Err != nil {
				// The export log is NDJSON but not resources.
				if !isLog {
					t.Errorf("%s: %v", filepath.Base(path), l.Err)
				}
				continue
			}
			counts[l.ResourceType]++
			if !importedTypes[l.ResourceType] {
				continue
			}
			v, links, err := ToDomain(l.ResourceType, l.Resource, "bulk", nil)
			if err != nil {
				t.Errorf("%s line %d: %v", filepath.Base(path), l.Number, err)
				continue
			}
			if p, ok := v.(joinedup.Patient); ok {
				patients[p.Source.ID] = true
			} else if !links.Subject.IsZero() {
				subjects = append(subjects, links.Subject)
			}
		}
		f.Close()
	}
	// The set is named for its ten living patients; three more are deceased.
	if counts["Patient"] != 13 || len(patients) != 13 {
		t.Errorf("patients = %d (%d distinct), want 13", counts["Patient"], len(patients))
	}
	for _, s := range subjects {
		if !patients[s.ID] {
			t.Errorf("subject %v is not one of the patients", s)
			break
		}
	}
	t.Logf("NDJSON: %s", summary(counts))
}

func TestOfficialExamples(t *testing.T) {
	dir := fixtures("fhir-r4-examples")
	n := 0
	for _, prefix := range []string{"patient", "condition", "observation", "encounter", "organization"} {
		files, _ := filepath.Glob(filepath.Join(dir, prefix+"-example*.json"))
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var head resourceHead
			if err := json.Unmarshal(b, &head); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ToDomain(head.ResourceType, b, "hl7", nil); err != nil {
				t.Errorf("%s: %v", filepath.Base(path), err)
			}
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d examples found", n)
	}
}

// BenchmarkBundleImport reads and maps one Synthea bundle, the per-patient
// work of an import.
func BenchmarkBundleImport(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(fixtures("synthea-r4-bundles"), "*.json.gz"))
	if len(files) == 0 {
		b.Fatal("no Synthea bundles")
	}
	f, err := Open(files[0])
	if err != nil {
		b.Fatal(err)
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		br, err := NewBundleReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		refs := NewRefs()
		for {
			e, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			refs.Add(e.FullURL, e.ResourceType, e.ID)
			if importedTypes[e.ResourceType] {
				if _, _, err := ToDomain(e.ResourceType, e.Resource, "synthea", refs); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

package fhirschema

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidateOfficialExamples(t *testing.T) {
	s := Validator(t)
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fhir-r4-examples", "*.json"))
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	start := time.Now()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	t.Logf("validated %d examples in %v", len(files), time.Since(start))
}

// schemaSHA256 is the SHA-256 of the schema as hl7.org publishes it
// (hl7.org/fhir/R4/fhir.schema.json; see testdata/SOURCES.md).
const schemaSHA256 = "2230406893b4cf002a4ee1e5e2bbeca22ac5d2d4931b3e9ef7b9594bbc376a01"

func fileSHA256(t *testing.T, path string, gzipped bool) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if gzipped {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The schema the tests validate against is the published one, unchanged but
// for gzip, and the same as the larger data set's copy when that is here.
func TestSchemaIsThePublishedOne(t *testing.T) {
	if got := fileSHA256(t, filepath.Join("..", "..", "testdata", "fhir-r4-schema", "fhir.schema.json.gz"), true); got != schemaSHA256 {
		t.Errorf("testdata schema SHA-256 %s, want %s", got, schemaSHA256)
	}
	t.Run("shared", func(t *testing.T) {
		dir := SharedSet(t, "fhir-r4-schema")
		if got := fileSHA256(t, filepath.Join(dir, "fhir.schema.json"), false); got != schemaSHA256 {
			t.Errorf("../shared/data schema SHA-256 %s, want %s", got, schemaSHA256)
		}
	})
}

func TestValidateRejects(t *testing.T) {
	s := Validator(t)
	tests := []struct {
		name, js, want string
	}{
		{"bad gender", `{"resourceType":"Patient","id":"p","gender":"M"}`, "gender"},
		{"bad date", `{"resourceType":"Patient","id":"p","birthDate":"2020-13-01"}`, "birthDate"},
		{"empty string", `{"resourceType":"Patient","id":"p","name":[{"family":""}]}`, "family"},
		{"unknown element", `{"resourceType":"Patient","id":"p","colour":"blue"}`, "colour"},
		{"missing required", `{"resourceType":"Observation","id":"o","status":"final"}`, "code"},
		{"unknown type", `{"resourceType":"Patientx"}`, "unknown resourceType"},
		{"not an object", `[1]`, "JSON object"},
	}
	for _, tt := range tests {
		err := s.Validate([]byte(tt.js))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.want)
		}
	}
}

package fhirschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidateOfficialExamples(t *testing.T) {
	s := Validator(t)
	dir, _ := DataDir()
	files, _ := filepath.Glob(filepath.Join(dir, "fhir-r4-examples", "*.json"))
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

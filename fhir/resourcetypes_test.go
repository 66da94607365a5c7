package fhir

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The list is the schema's: a type added or dropped by hand would let a
// misspelling through or reject a real type.
func TestResourceTypesAreR4s(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "fhir-r4-schema", "fhir.schema.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Discriminator struct {
			Mapping map[string]string `json:"mapping"`
		} `json:"discriminator"`
	}
	if err := json.NewDecoder(zr).Decode(&schema); err != nil {
		t.Fatal(err)
	}
	if len(schema.Discriminator.Mapping) != len(resourceTypes) {
		t.Errorf("schema has %d resource types, the list %d", len(schema.Discriminator.Mapping), len(resourceTypes))
	}
	for name := range schema.Discriminator.Mapping {
		if !IsResourceType(name) {
			t.Errorf("%s missing", name)
		}
	}
	for _, bad := range []string{"Observaton", "patient", "", "Bundle2"} {
		if IsResourceType(bad) {
			t.Errorf("%q taken for a resource type", bad)
		}
	}
}

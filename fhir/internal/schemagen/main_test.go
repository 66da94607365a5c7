package main

import (
	"bytes"
	"os"
	"testing"
)

// TestTableIsUpToDate regenerates the table from the schema in the
// repository's test fixtures and compares it with the one checked in.
func TestTableIsUpToDate(t *testing.T) {
	got, err := generateFile("../../../testdata/fhir-r4-schema/fhir.schema.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../schematable.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("fhir/schematable.go is not what the schema gives: run go generate ./fhir")
	}
}

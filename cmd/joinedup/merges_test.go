package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergesCommand imports a second record of an NHS number held, lists
// it as a merge to resolve and resolves it from the command line.
func TestMergesCommand(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:" + filepath.Join(dir, "db")
	if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
		t.Fatal(errOut)
	}
	nhs := `"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]`
	path := filepath.Join(dir, "in.ndjson")
	os.WriteFile(path, []byte(`{"resourceType":"Patient","id":"p1",`+nhs+`,"name":[{"family":"Smith"}]}`+"\n"+
		`{"resourceType":"Patient","id":"p9",`+nhs+`,"name":[{"family":"Smyth"}]}`+"\n"), 0o600)
	if code, out, errOut := runCLI(t, "import", "--db", url, path); code != exitRejects {
		t.Fatalf("import exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "merges", "--db", url, "--format", "json")
	var ms []struct {
		ID, NHSNumber string
		SourceID      string `json:"source_id"`
		OtherName     string `json:"other_name"`
		Resolution    string
	}
	if code != exitOK || json.Unmarshal([]byte(out), &ms) != nil || len(ms) != 1 || ms[0].SourceID != "p9" || ms[0].OtherName != "Smyth" {
		t.Fatalf("merges: exit %d %q %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "merges", "--db", url); code != exitOK || !strings.Contains(out, "943 476 5919") || !strings.Contains(out, "open") {
		t.Errorf("table: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "merges", "resolve", "--db", url, "--same-person", ms[0].ID); code != exitUsage || !strings.Contains(errOut, "--note") {
		t.Errorf("resolve without a note: %d %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "merges", "resolve", "--db", url, "--same-person", "--note", "checked with the practice", ms[0].ID); code != exitOK || !strings.Contains(out, "resolved: same-person") {
		t.Errorf("resolve: %d %s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "merges", "resolve", "--db", url, "--not-same-person", "--note", "again", ms[0].ID); code != exitFailure || !strings.Contains(errOut, "already resolved") {
		t.Errorf("resolve twice: %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "merges", "--db", url); code != exitOK || !strings.Contains(out, "no merges to resolve") {
		t.Errorf("after: %d %s", code, out)
	}
	if code, out, errOut := runCLI(t, "audit", "patient", "--db", url, "9434765919"); code != exitOK || !strings.Contains(out, "merge of NHS number 943 476 5919") {
		t.Errorf("the resolution is not in the patient's audit: %d\n%s%s", code, out, errOut)
	}
}

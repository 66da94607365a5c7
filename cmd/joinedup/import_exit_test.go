package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExitStatus runs joinedup import on inputs that import whole,
// in part and not at all, and checks the status --help documents for each.
func TestImportExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.ndjson", `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"birthDate":"1950-01-02"}`+"\n")
	badRecord := write("bad.ndjson", `{"resourceType":"Observaton","id":"o1"}`+"\n")
	notes := write("notes.txt", "hello\n")
	cut := write("cut.ndjson", `{"resourceType":"Patient","id":"p2","birthDate":"1950-01-02"}`+"\n"+`{"resourceType":"Pat`)
	tests := []struct {
		name  string
		files []string
		code  int
		out   string // in stdout or stderr
	}{
		{"all imported", []string{good}, exitOK, "1 file(s)"},
		{"a record rejected", []string{good, badRecord}, exitRejects, "1 record(s) rejected, 0 file(s) not read or not to the end"},
		{"a file of no known format beside a good one", []string{notes, good}, exitRejects, "not read: " + notes},
		{"a file cut off", []string{cut}, exitRejects, "not read at line 2: " + cut},
		{"nothing readable", []string{notes, filepath.Join(dir, "missing.ndjson")}, exitUsage, "nothing could be read: 2 file(s) not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "db")
			if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
				t.Fatal(errOut)
			}
			code, out, errOut := runCLI(t, append([]string{"import", "--db", url}, tt.files...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.out) {
				t.Errorf("exit %d, want %d; output\n%s%s\nwant %q in it", code, tt.code, out, errOut, tt.out)
			}
		})
	}
	code, out, errOut := runCLI(t, "import", "--help")
	if code != exitOK || !strings.Contains(out+errOut, "Exit status:\n  0  every record read was imported") {
		t.Errorf("--help: exit %d\n%s%s", code, out, errOut)
	}
}

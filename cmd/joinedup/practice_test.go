package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// TestPracticeCommand sets a practice's pilot and go-live dates from the
// command line, refuses a change without a reason and a trust, and lists
// the practices with their dates.
func TestPracticeCommand(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "db")
	if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
		t.Fatal(errOut)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var b store.Batch
	loc := joinedup.Organisation{ODS: "LOC1", Name: "North", Kind: joinedup.OrgLocality, Source: joinedup.Source{System: "test", ID: "LOC1"}}
	loc.ID = store.OrganisationID(loc)
	b.Organisations = append(b.Organisations, loc)
	for _, o := range []joinedup.Organisation{{ODS: "G81001", Name: "Alpha Surgery", Kind: joinedup.OrgPractice, ParentID: loc.ID},
		{ODS: "G81002", Name: "Beta Medical Centre", Kind: joinedup.OrgPractice, ParentID: loc.ID}, {ODS: "RJ1", Name: "A trust", Kind: joinedup.OrgTrust}} {
		o.Source = joinedup.Source{System: "test", ID: o.ODS}
		o.ID = store.OrganisationID(o)
		b.Organisations = append(b.Organisations, o)
	}
	if _, err := store.Write(ctx, db, &b); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errOut := runCLI(t, "practice", "set", "G81001", "--pilot", "2025-01-06", "--wave", "Wave 1", "--db", url)
	if code != exitOK || !strings.Contains(out, "G81001: pilot 2025-01-06, go-live -, wave Wave 1 (change 1)") {
		t.Fatalf("set: %d %q %q", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"G81001", "--pilot", "2025-02-03", "--go-live", "2025-04-01"}, "reason: enter why"},
		{[]string{"G81001", "--pilot", "2025-02-03", "--go-live", "2025-01-01", "--reason", "late"}, "go_live: the go-live date must be"},
		{[]string{"G81002", "--pilot", "2025-13-01"}, "pilot: the pilot date must be a real date"},
		{[]string{"RJ1", "--pilot", "2025-01-01"}, "practice: RJ1 is not a GP practice"},
		{[]string{"G81002"}, "--pilot is required"},
		{[]string{"--pilot", "2025-01-01"}, "name the practice by its ODS code"},
	} {
		code, _, errOut := runCLI(t, append(append([]string{"practice", "set"}, c.args...), "--db", url)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("practice set %v: %d %q; want exit 2 and %q", c.args, code, errOut, c.want)
		}
	}
	code, out, errOut = runCLI(t, "practice", "set", "--db", url, "--pilot", "2025-02-03", "--go-live", "2025-04-01", "--wave", "Wave 1", "--reason", "started late", "G81001")
	if code != exitOK || !strings.Contains(out, "(change 2)") {
		t.Fatalf("change with flags first: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "practice", "list", "--db", url)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 3 || strings.Join(strings.Fields(lines[1]), " ") != "G81001 Alpha Surgery North 2025-02-03 2025-04-01 Wave 1" ||
		strings.Join(strings.Fields(lines[2]), " ") != "G81002 Beta Medical Centre North - - -" {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "audit", "verify", "--db", url); code != exitOK {
		t.Errorf("audit chain after the changes: %d %s", code, out)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// runCLI runs the command line in-process and returns its status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != exitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("--help does not list %q:\n%s", c.name, out)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		code, _, errOut := runCLI(t, c.name, "--help")
		if code != exitOK || !strings.Contains(errOut, "Usage: joinedup "+c.name) {
			t.Errorf("%s --help: exit %d, output %q", c.name, code, errOut)
		}
	}
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"migrate", "--db", "mysql://localhost/x"}, "database URL must be sqlite:PATH or postgres://"},
		{[]string{"serve", "--db", "nonsense"}, "database URL must be"},
		{[]string{"serve", "--signin-rate-client", "60 a minute"}, `rate "60 a minute": want attempts/duration, such as 10/1m`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, tt.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", tt.args, code, exitUsage)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: stderr %q, want one line containing %q", tt.args, errOut, tt.want)
		}
		if out != "" {
			t.Errorf("%v: stdout %q, want nothing", tt.args, out)
		}
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := storetest.URL(t, e)
			code, out, errOut := runCLI(t, "migrate", "--db", url)
			if code != exitOK || !strings.Contains(out, "migrated to schema version") {
				t.Fatalf("first migrate: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "migrate", "--db", url)
			if code != exitOK || !strings.Contains(out, "nothing to do") {
				t.Fatalf("second migrate: %d %q %q", code, out, errOut)
			}
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatalf("open after migrate: %v", err)
			}
			db.Close()
		})
	}
}

func TestServeRefusesUnmigratedDatabase(t *testing.T) {
	url := storetest.URL(t, store.SQLite)
	code, _, errOut := runCLI(t, "serve", "--db", url, "--addr", "127.0.0.1:0")
	if code != exitFailure || !strings.Contains(errOut, "older than this program") {
		t.Fatalf("serve on an empty database: exit %d, %q", code, errOut)
	}
}

func TestPolicyAndStratifyCommands(t *testing.T) {
	url := storetest.URL(t, store.SQLite)
	if code, _, errOut := runCLI(t, "migrate", "--db", url); code != exitOK {
		t.Fatal(errOut)
	}
	code, out, _ := runCLI(t, "policy", "check", "../../policies/lcn-default")
	if code != exitOK || !strings.Contains(out, "18 long-term conditions") {
		t.Fatalf("policy check: %d %q", code, out)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "policy.yaml"), []byte("name: x\ncohort:\n  min_ltcs: three\n"), 0o600)
	code, out, errOut := runCLI(t, "policy", "check", bad)
	if code != exitFailure || !strings.Contains(out, "policy.yaml:3") {
		t.Fatalf("bad policy: exit %d, %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "stratify", "--db", url); code != exitFailure || !strings.Contains(errOut, "no policy loaded") {
		t.Fatalf("stratify without a policy: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "policy", "load", "--db", url, "../../policies/lcn-default"); code != exitOK || !strings.Contains(out, "loaded policy") {
		t.Fatalf("policy load: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "policy", "load", "--db", url, "../../policies/lcn-default"); code != exitOK || !strings.Contains(out, "already loaded") {
		t.Fatalf("second policy load: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "stratify", "--db", url, "--as-of", "2024-13-01"); code != exitUsage {
		t.Fatalf("bad --as-of: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, "stratify", "--db", url, "--as-of", "2024-06-30", "--dry-run")
	if code != exitOK || !strings.Contains(out, "dry run: nothing was written") {
		t.Fatalf("dry run: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "stratify", "--db", url, "--agreement")
	if code != exitOK || !strings.Contains(out, "0 tier decisions") {
		t.Fatalf("agreement: %d %q", code, out)
	}
}

func TestSubcommandDispatch(t *testing.T) {
	for _, tt := range []struct{ cmd, choices string }{
		{"audit", "verify, patient, keygen"},
		{"user", "add, list, disable"},
		{"client", "add, list"},
		{"directory", "import, demo, sync"},
		{"practice", "set, list"},
	} {
		if code, _, _ := runCLI(t, tt.cmd, "--help"); code != exitOK {
			t.Errorf("%s --help: exit %d", tt.cmd, code)
		}
		code, _, errOut := runCLI(t, tt.cmd, "frob")
		want := `unknown ` + tt.cmd + ` subcommand "frob" (` + tt.choices + `)`
		if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
			t.Errorf("%s frob: exit %d, %q; want exit 2 and %q", tt.cmd, code, errOut, want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"synth", "--patients", "200", "--seed", "4", "--out", dir, "--gzip", "--as-of", "2026-11-01", "--stats"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{"Organization", "Patient", "Condition", "Observation", "MedicationRequest", "Encounter", "Appointment", "RelatedPerson"} {
		if _, err := os.Stat(filepath.Join(dir, name+".ndjson.gz")); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout.String(), "hypertension") || !strings.Contains(stdout.String(), "wrote 200 patients") {
		t.Errorf("stdout lacks the summary or statistics:\n%s", stdout.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("progress written to a non-terminal stderr: %q", stderr.String())
	}
}

func TestSynthCommandUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"synth", "--patients", "5"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("missing --out: exit %d, want %d", code, exitUsage)
	}
	if code := run(context.Background(), []string{"synth", "--out", t.TempDir(), "--as-of", "1 Nov"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("bad --as-of: exit %d, want %d", code, exitUsage)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/auditanchor"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestAuditCheckpoints: serve checkpoints the audit chain to a file while
// entries are written and at shutdown; audit verify --checkpoints passes on
// the untouched log, fails on a checkpoint whose signature was altered, and
// fails naming the first missing entry once the newest entries are deleted
// and the chain head moved back, which plain audit verify cannot see.
func TestAuditCheckpoints(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url, db, p := seed(t, e)
			ctx := context.Background()
			dir := t.TempDir()
			key := filepath.Join(dir, "audit.key")
			code, out, errOut := runCLI(t, "audit", "keygen", "--out", key)
			if code != exitOK || !strings.Contains(out, key+".pub") {
				t.Fatalf("keygen: %d %q %q", code, out, errOut)
			}
			if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", fi, err)
			}
			cps := filepath.Join(dir, "checkpoints.jsonl")

			srvCtx, stop := context.WithCancel(ctx)
			var srvOut, srvErr bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- run(srvCtx, []string{"serve", "--db", url, "--addr", "127.0.0.1:0", "--audit-key", key,
					"--audit-checkpoints", cps, "--audit-checkpoint-every", "20ms"}, &srvOut, &srvErr)
			}()
			read := func(t *testing.T, atLeast int64) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if ls, err := auditanchor.ReadFile(cps); err == nil && len(ls) > 0 && ls[len(ls)-1].Seq >= atLeast {
						return
					}
				}
				t.Fatalf("no checkpoint reaching entry %d", atLeast)
			}
			read(t, 0)
			audit := func(n int) {
				for i := range n {
					if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), UserID: "u", Username: "dr.jones", Role: joinedup.RoleGP,
						PatientID: p.ID, Action: joinedup.ActionReadPatient, What: "GET /patients/{id}", Reason: string(rune('a' + i)),
						Outcome: joinedup.OutcomeAllowed}); err != nil {
						t.Fatal(err)
					}
				}
			}
			audit(5)
			read(t, 5)
			audit(3) // the checkpoint made at shutdown covers these
			stop()
			if code := <-done; code != exitOK {
				t.Fatalf("serve: exit %d\n%s\n%s", code, srvOut.String(), srvErr.String())
			}
			if !strings.Contains(srvErr.String(), "msg=\"audit checkpoint\" seq=8") {
				t.Errorf("the checkpoint at shutdown is not logged:\n%s", srvErr.String())
			}

			verify := func(file string) (int, string, string) {
				return runCLI(t, "audit", "verify", "--db", url, "--checkpoints", file, "--audit-pub", key+".pub")
			}
			code, out, errOut = verify(cps)
			if code != exitOK || !strings.Contains(out, "intact: 8 entries") || !strings.Contains(out, "at entry 8") {
				t.Fatalf("untouched log: %d %q %q", code, out, errOut)
			}

			// A checkpoint whose signature was altered is refused.
			raw, err := os.ReadFile(cps)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			var c auditanchor.Checkpoint
			if err := json.Unmarshal([]byte(lines[1]), &c); err != nil {
				t.Fatal(err)
			}
			sig, _ := base64.StdEncoding.DecodeString(c.Sig)
			sig[10] ^= 1
			c.Sig = base64.StdEncoding.EncodeToString(sig)
			b, _ := json.Marshal(c)
			lines[1] = string(b)
			tampered := filepath.Join(dir, "tampered.jsonl")
			if err := os.WriteFile(tampered, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = verify(tampered)
			if code != exitFailure || !strings.Contains(errOut, "checkpoint on line 2") || !strings.Contains(errOut, "signature does not verify") || out != "" {
				t.Fatalf("altered signature: %d %q %q", code, out, errOut)
			}

			// Delete the newest three entries and move the head back: the
			// chain alone still verifies, the checkpoints do not.
			if _, err := db.ExecContext(ctx, "DELETE FROM audit_log WHERE seq > 5"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5) WHERE id = 1"); err != nil {
				t.Fatal(err)
			}
			if code, out, _ = runCLI(t, "audit", "verify", "--db", url); code != exitOK || !strings.Contains(out, "intact: 5 entries") {
				t.Fatalf("plain verify after truncation: %d %q", code, out)
			}
			code, out, errOut = verify(cps)
			if code != exitFailure || !strings.Contains(errOut, "audit entry 6: missing") || out != "" {
				t.Fatalf("truncated log: %d %q %q", code, out, errOut)
			}
		})
	}
}

func TestAuditCheckpointFlags(t *testing.T) {
	url := storetest.URL(t, store.SQLite)
	for _, args := range [][]string{
		{"serve", "--db", url, "--audit-key", "k"},
		{"serve", "--db", url, "--audit-checkpoints", "c"},
		{"audit", "verify", "--db", url, "--audit-pub", "k.pub"},
		{"audit", "keygen"},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%q)", args, code, exitUsage, errOut)
		}
	}
}

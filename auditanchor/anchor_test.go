package auditanchor_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
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

var ctx = context.Background()

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestSignedCheckpointVerifies(t *testing.T) {
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	at := time.Date(2026, 3, 3, 9, 30, 0, 123456789, time.UTC)
	c := auditanchor.Sign(key, 42, strings.Repeat("ab", 32), at)
	if err := c.Verify(pub); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.Key != auditanchor.KeyID(pub) {
		t.Errorf("key %q, want %q", c.Key, auditanchor.KeyID(pub))
	}
	// Any field changed breaks the signature.
	for name, alter := range map[string]func(*auditanchor.Checkpoint){
		"seq":  func(c *auditanchor.Checkpoint) { c.Seq++ },
		"hash": func(c *auditanchor.Checkpoint) { c.Hash = strings.Repeat("cd", 32) },
		"at":   func(c *auditanchor.Checkpoint) { c.At = c.At.Add(time.Nanosecond) },
		"sig":  func(c *auditanchor.Checkpoint) { c.Sig = "A" + c.Sig[1:] },
	} {
		bad := c
		alter(&bad)
		if err := bad.Verify(pub); !errors.Is(err, auditanchor.ErrSignature) {
			t.Errorf("%s altered: %v, want ErrSignature", name, err)
		}
	}
	// Another key's signature, even naming this key, does not verify.
	other := auditanchor.Sign(newKey(t), 42, c.Hash, at)
	if err := other.Verify(pub); err == nil {
		t.Error("a checkpoint signed by another key verified")
	}
	other.Key = c.Key
	if err := other.Verify(pub); !errors.Is(err, auditanchor.ErrSignature) {
		t.Errorf("another key's signature naming this key: %v, want ErrSignature", err)
	}
}

func TestKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.key")
	pub, err := auditanchor.GenerateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %04o, want 0600", fi.Mode().Perm())
	}
	priv, err := auditanchor.ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Error("the private key read back is not the one generated")
	}
	for _, p := range []string{path + ".pub", path} {
		got, err := auditanchor.ReadPublicKey(p)
		if err != nil || !got.Equal(pub) {
			t.Errorf("ReadPublicKey(%s) = %v, %v", p, got, err)
		}
	}
	if _, err := auditanchor.GenerateKey(path); err == nil {
		t.Error("GenerateKey overwrote a key")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := auditanchor.ReadPrivateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key readable by others: %v, want refused", err)
	}
}

// appendEntries adds n audit entries.
func appendEntries(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for range n {
		if _, err := db.Audit(ctx, joinedup.AuditEntry{At: time.Now(), Username: "dr.jones", Role: joinedup.RoleGP,
			Action: joinedup.ActionReadPatient, What: "GET /patients/{id}", Outcome: joinedup.OutcomeAllowed}); err != nil {
			t.Fatal(err)
		}
	}
}

// truncate deletes the entries after keep and moves the chain head back to
// entry keep, as someone with write access to the database could.
func truncate(t *testing.T, db *store.DB, keep int) {
	t.Helper()
	if _, err := db.ExecContext(ctx, "DELETE FROM audit_log WHERE seq > $1", keep); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1", keep); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAgainstCheckpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := newKey(t)
		pub := key.Public().(ed25519.PublicKey)
		path := filepath.Join(t.TempDir(), "checkpoints.jsonl")
		w, err := auditanchor.OpenWriter(ctx, db, key, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := w.Checkpoint(ctx); err != nil { // the empty chain
			t.Fatal(err)
		}
		appendEntries(t, db, 5)
		if _, err := w.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		appendEntries(t, db, 3)
		if _, err := w.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		appendEntries(t, db, 2) // not yet checkpointed
		lines, err := auditanchor.ReadFile(path)
		if err != nil || len(lines) != 3 {
			t.Fatalf("read checkpoints: %d, %v", len(lines), err)
		}
		res, err := auditanchor.Verify(ctx, db, lines, pub)
		if err != nil {
			t.Fatalf("untouched log: %v", err)
		}
		if res.Entries != 10 || res.Checkpoints != 3 || res.Latest.Seq != 8 || res.Latest.N != 3 {
			t.Errorf("result %+v", res)
		}

		// Deleting the newest entries and moving the head back leaves a
		// chain that verifies on its own; the checkpoints catch it.
		truncate(t, db, 6)
		if n, err := store.VerifyAudit(ctx, db); err != nil || n != 6 {
			t.Fatalf("the truncated chain should verify on its own: %d, %v", n, err)
		}
		_, err = auditanchor.Verify(ctx, db, lines, pub)
		b, ok := store.IsAuditBreak(err)
		if !ok || b.Seq != 7 || !strings.Contains(b.Problem, "missing") || !strings.Contains(b.Problem, "line 3") {
			t.Fatalf("truncated log: %v, want entry 7 missing", err)
		}

		// Refilled past the checkpoint, the rewritten entries do not
		// match it.
		appendEntries(t, db, 4)
		_, err = auditanchor.Verify(ctx, db, lines, pub)
		if b, ok := store.IsAuditBreak(err); !ok || b.Seq != 8 || !strings.Contains(b.Problem, "after 5") {
			t.Fatalf("rewritten log: %v, want entry 8 not matching, rewritten after 5", err)
		}
	})
}

func TestVerifyRefusesBadCheckpoints(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	appendEntries(t, db, 3)
	seq, hash, err := store.AuditHead(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	good := auditanchor.Sign(key, seq, hash, time.Now())
	forged := good
	forged.Seq = 2
	other := auditanchor.Sign(newKey(t), seq, hash, time.Now())
	lines := func(cs ...auditanchor.Checkpoint) []auditanchor.Line {
		var out []auditanchor.Line
		for i, c := range cs {
			out = append(out, auditanchor.Line{Checkpoint: c, N: i + 1})
		}
		return out
	}
	var le *auditanchor.LineError
	if _, err := auditanchor.Verify(ctx, db, lines(good, forged), pub); !errors.As(err, &le) || le.N != 2 || !strings.Contains(err.Error(), "signature does not verify") {
		t.Errorf("altered checkpoint: %v, want line 2's signature refused", err)
	}
	if _, err := auditanchor.Verify(ctx, db, lines(good, other), pub); !errors.As(err, &le) || le.N != 2 {
		t.Errorf("another key's checkpoint: %v, want line 2 refused", err)
	}
	// Without the trusted key, the file must at least agree with itself.
	if _, err := auditanchor.Verify(ctx, db, lines(good, other), nil); !errors.As(err, &le) || le.N != 2 {
		t.Errorf("two keys, none trusted: %v, want line 2 refused", err)
	}
	if _, err := auditanchor.Verify(ctx, db, lines(good), nil); err != nil {
		t.Errorf("one good checkpoint, no trusted key: %v", err)
	}
	if _, err := auditanchor.Verify(ctx, db, nil, pub); err == nil {
		t.Error("no checkpoints at all verified")
	}
	if _, err := auditanchor.Read(strings.NewReader("{\"seq\":1}\n")); !errors.As(err, &le) || le.N != 1 {
		t.Errorf("incomplete line: %v", err)
	}
	if _, err := auditanchor.Read(strings.NewReader("\n\nnot json\n")); !errors.As(err, &le) || le.N != 3 {
		t.Errorf("not JSON on line 3: %v", err)
	}
}

func TestWriterRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := newKey(t)
		path := filepath.Join(t.TempDir(), "checkpoints.jsonl")
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		w, err := auditanchor.OpenWriter(ctx, db, key, path, log)
		if err != nil {
			t.Fatal(err)
		}
		appendEntries(t, db, 2)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { w.Run(runCtx, 20*time.Millisecond); close(done) }()
		// Checkpoints follow the chain while it moves, and stop when it
		// does not.
		waitFor(t, path, 2)
		time.Sleep(100 * time.Millisecond)
		if n := count(t, path); n != 1 {
			t.Errorf("%d checkpoints while the chain stood still, want 1", n)
		}
		appendEntries(t, db, 3)
		waitFor(t, path, 5)
		appendEntries(t, db, 1)
		stop()
		<-done
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		lines, err := auditanchor.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if last := lines[len(lines)-1]; last.Seq != 6 {
			t.Errorf("last checkpoint at entry %d, want 6 (made at shutdown)", last.Seq)
		}
		if !strings.Contains(logs.String(), "audit checkpoint") || !strings.Contains(logs.String(), "seq=6") {
			t.Errorf("checkpoints not logged:\n%s", logs.String())
		}
		if _, err := auditanchor.Verify(ctx, db, lines, key.Public().(ed25519.PublicKey)); err != nil {
			t.Errorf("verify: %v", err)
		}

		// A server started on a log that no longer reaches the file's
		// last checkpoint says so.
		truncate(t, db, 4)
		logs.Reset()
		w, err = auditanchor.OpenWriter(ctx, db, key, path, log)
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "audit entry 5: missing") {
			t.Errorf("restart on a truncated log logged:\n%s", logs.String())
		}
	})
}

// count returns the number of checkpoints in the file.
func count(t *testing.T, path string) int {
	t.Helper()
	lines, err := auditanchor.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(lines)
}

// waitFor waits until the file's last checkpoint is at entry seq.
func waitFor(t *testing.T, path string, seq int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if lines, err := auditanchor.ReadFile(path); err == nil && len(lines) > 0 && lines[len(lines)-1].Seq == seq {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no checkpoint at entry %d in %s", seq, path)
}

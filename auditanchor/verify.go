package auditanchor

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/joinedup/joinedup/store"
)

// Line is a checkpoint read from a checkpoint file, with its line number.
type Line struct {
	Checkpoint
	N int
}

// LineError is a checkpoint that cannot be read, or whose signature does
// not verify.
type LineError struct {
	N       int   // the line
	Seq     int64 // its entry, when it could be read
	Problem string
}

func (e *LineError) Error() string {
	if e.Seq > 0 {
		return fmt.Sprintf("checkpoint on line %d (entry %d): %s", e.N, e.Seq, e.Problem)
	}
	return fmt.Sprintf("checkpoint on line %d: %s", e.N, e.Problem)
}

// ReadFile reads a checkpoint file.
func ReadFile(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	defer f.Close()
	lines, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints from %s: %w", path, err)
	}
	return lines, nil
}

// Read reads checkpoints, one JSON object a line; blank lines are skipped
// and anything else that is not a checkpoint is a *LineError.
func Read(r io.Reader) ([]Line, error) {
	sc := bufio.NewScanner(r)
	var out []Line
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var c Checkpoint
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&c); err != nil {
			return out, &LineError{N: n, Problem: "not a checkpoint: " + err.Error()}
		}
		if c.Seq < 0 || (c.Seq == 0) != (c.Hash == "") || c.At.IsZero() || c.Sig == "" {
			return out, &LineError{N: n, Seq: c.Seq, Problem: "incomplete: needs seq, hash, at, key and sig"}
		}
		out = append(out, Line{Checkpoint: c, N: n})
	}
	return out, sc.Err()
}

// Result is what Verify found.
type Result struct {
	Entries     int64  // the entries in the log, every one verified
	Head        string // the newest entry's hash
	Checkpoints int    // the checkpoints checked
	Key         string // the key that signed them (KeyID)
	Latest      Line   // the checkpoint of the furthest entry
}

// Verify checks the audit log in q against checkpoints: every checkpoint's
// signature (by pub; when pub is nil, by the one key the checkpoints name,
// which then proves only that they agree with each other), the chain
// itself (store.VerifyAudit), and that every entry a checkpoint records is
// still in the log with the hash it records.
//
// A checkpoint that cannot be read or whose signature fails is a
// *LineError. A log that ends before an entry a checkpoint records (its
// newest entries deleted and the chain head moved back) is a
// *store.AuditBreakError naming the first entry missing; one whose entry
// has another hash than its checkpoint records (the chain rewritten from
// some entry on) names that entry and the last checkpoint that still holds.
func Verify(ctx context.Context, q store.Querier, checkpoints []Line, pub ed25519.PublicKey) (Result, error) {
	var res Result
	if len(checkpoints) == 0 {
		return res, errors.New("no checkpoints to verify against")
	}
	if pub == nil {
		k, err := parseKeyID(checkpoints[0].Key)
		if err != nil {
			return res, &LineError{N: checkpoints[0].N, Seq: checkpoints[0].Seq, Problem: err.Error()}
		}
		pub = k
	}
	res.Key = KeyID(pub)
	for _, c := range checkpoints {
		if err := c.Verify(pub); err != nil {
			return res, &LineError{N: c.N, Seq: c.Seq, Problem: err.Error()}
		}
	}
	res.Checkpoints = len(checkpoints)

	n, err := store.VerifyAudit(ctx, q)
	if err != nil {
		return res, err
	}
	res.Entries = n
	if _, res.Head, err = store.AuditHead(ctx, q); err != nil {
		return res, err
	}

	// In entry order, the first checkpoint the log no longer bears out is
	// where the rewriting starts.
	sorted := slices.Clone(checkpoints)
	slices.SortStableFunc(sorted, func(a, b Line) int { return cmp.Compare(a.Seq, b.Seq) })
	var seqs []int64
	for _, c := range sorted {
		if c.Seq > 0 && c.Seq <= n {
			seqs = append(seqs, c.Seq)
		}
	}
	held, err := store.AuditHashes(ctx, q, seqs)
	if err != nil {
		return res, err
	}
	var good int64 // the furthest entry a checkpoint has shown intact
	for _, c := range sorted {
		if c.Seq > n {
			return res, &store.AuditBreakError{Seq: n + 1, Problem: fmt.Sprintf(
				"missing: the checkpoint on line %d, made %s, records the chain reaching entry %d, but the log ends at entry %d "+
					"(entries deleted and the chain head moved back)", c.N, c.At.Format(time.RFC3339), c.Seq, n)}
		}
		if c.Seq > 0 && held[c.Seq] != c.Hash {
			return res, &store.AuditBreakError{Seq: c.Seq, Problem: fmt.Sprintf(
				"does not match the checkpoint on line %d, made %s: the chain was rewritten from an entry after %d",
				c.N, c.At.Format(time.RFC3339), good)}
		}
		good = c.Seq
		res.Latest = c
	}
	return res, nil
}

// holds checks, without walking the whole chain, that the log still
// reaches c's entry and holds it with c's hash: what a server checks of the
// last checkpoint when it starts.
func holds(ctx context.Context, q store.Querier, c Line) error {
	seq, _, err := store.AuditHead(ctx, q)
	if err != nil {
		return err
	}
	if c.Seq > seq {
		return &store.AuditBreakError{Seq: seq + 1, Problem: fmt.Sprintf(
			"missing: the checkpoint on line %d records the chain reaching entry %d, but its head is at entry %d", c.N, c.Seq, seq)}
	}
	if c.Seq == 0 {
		return nil
	}
	held, err := store.AuditHashes(ctx, q, []int64{c.Seq})
	if err != nil {
		return err
	}
	if h, ok := held[c.Seq]; !ok {
		return &store.AuditBreakError{Seq: c.Seq, Problem: fmt.Sprintf("missing: the checkpoint on line %d records it", c.N)}
	} else if h != c.Hash {
		return &store.AuditBreakError{Seq: c.Seq, Problem: fmt.Sprintf("does not match the checkpoint on line %d", c.N)}
	}
	return nil
}

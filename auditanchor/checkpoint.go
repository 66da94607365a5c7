// Package auditanchor anchors the audit log outside the database: signed
// checkpoints of the audit chain's head, appended to a file the operator
// keeps elsewhere, and the check that every entry a checkpoint vouches for
// is still in the log, unaltered.
//
// The audit log (store.AppendAudit) is a hash chain whose head is a row of
// the same database, so someone able to write to the database can delete
// the newest entries and move the head back, and the chain still verifies.
// A checkpoint records which entry the chain had reached and that entry's
// hash, signed with an Ed25519 key that is never in the database. Each
// entry's hash covers every entry before it, so one checkpoint vouches for
// the whole chain up to its entry.
package auditanchor

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is one signed record of the audit chain's head: one JSON line
// of a checkpoint file.
type Checkpoint struct {
	Seq  int64     `json:"seq"`  // the newest entry's number (0: the chain was empty)
	Hash string    `json:"hash"` // that entry's hash ("" for an empty chain)
	At   time.Time `json:"at"`   // when the checkpoint was made
	Key  string    `json:"key"`  // the public key that signed it (KeyID)
	Sig  string    `json:"sig"`  // the Ed25519 signature of the fields above, base64
}

// ErrSignature is the error of a checkpoint whose signature does not verify.
var ErrSignature = errors.New("signature does not verify (the checkpoint was altered, or signed by another key)")

// message is what a checkpoint's signature covers: its entry, hash and time,
// one a line after a fixed label, none of which can contain a newline.
func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "joinedup-audit-checkpoint-v1\n%d\n%s\n%s\n", c.Seq, c.Hash, c.At.UTC().Format(time.RFC3339Nano))
}

// Sign returns the checkpoint of the chain at entry seq, whose hash is
// hash, made at at and signed with key.
func Sign(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, At: at.UTC().Round(0), Key: KeyID(key.Public().(ed25519.PublicKey))}
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.message()))
	return c
}

// Verify checks that c was signed by pub.
func (c Checkpoint) Verify(pub ed25519.PublicKey) error {
	if c.Key != KeyID(pub) {
		return fmt.Errorf("signed by key %s, not %s", c.Key, KeyID(pub))
	}
	sig, err := base64.StdEncoding.DecodeString(c.Sig)
	if err != nil || !ed25519.Verify(pub, c.message(), sig) {
		return ErrSignature
	}
	return nil
}

// KeyID names a public key in checkpoints and messages: the key itself,
// base64, as `joinedup audit keygen` prints it.
func KeyID(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// parseKeyID reads a public key named by KeyID.
func parseKeyID(id string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("key %q is not an Ed25519 public key", id)
	}
	return ed25519.PublicKey(b), nil
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
)

// AppendAudit adds e to the end of the audit chain and returns it with its
// sequence number and hashes. Run it in the transaction of the write it
// records, so the entry exists exactly when the write does.
//
// It first updates the single chain-head row: the row lock that takes (in
// PostgreSQL; SQLite's write lock covers the whole database) serialises
// appends, so each sees the head the previous one left and the chain stays
// linear however many requests append at once.
func AppendAudit(ctx context.Context, q Writer, e joinedup.AuditEntry) (joinedup.AuditEntry, error) {
	es := []joinedup.AuditEntry{e}
	if err := AppendAudits(ctx, q, es); err != nil {
		return e, err
	}
	return es[0], nil
}

// AppendAudits adds es to the end of the audit chain in order, filling in
// their sequence numbers and hashes: one update of the chain head (which
// locks it, as AppendAudit explains), one more to move its hash on, and the
// inserts, however many entries there are.
func AppendAudits(ctx context.Context, q Writer, es []joinedup.AuditEntry) error {
	var last int64
	var prev string
	err := q.QueryRowContext(ctx, "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash", len(es)).Scan(&last, &prev)
	if err != nil {
		return fmt.Errorf("append audit entry: lock chain head: %w", err)
	}
	rows := make([][]any, len(es))
	for i := range es {
		e := &es[i]
		e.At, e.Seq, e.PrevHash = dbTime(e.At), last-int64(len(es)-1-i), prev
		e.Hash = AuditHash(*e)
		prev = e.Hash
		rows[i] = []any{e.Seq, e.At, e.UserID, e.Username, string(e.Role), e.OrganisationID, e.PatientID, string(e.Action),
			e.What, e.Reason, string(e.Outcome), e.BreakGlass, e.PrevHash, e.Hash}
	}
	if _, err := q.ExecContext(ctx, "UPDATE audit_head SET hash = $1 WHERE id = 1", prev); err != nil {
		return fmt.Errorf("append audit entry %d: %w", last, err)
	}
	err = insertMany(ctx, q, "audit_log", []string{"seq", "at", "user_id", "username", "role", "organisation_id", "patient_id",
		"action", "what", "reason", "outcome", "break_glass", "prev_hash", "hash"}, rows, "")
	if err != nil {
		return fmt.Errorf("append audit entries %d to %d: %w", es[0].Seq, last, err)
	}
	return nil
}

// Audit appends e in a transaction of its own, for entries that record a
// read or a refusal rather than a write, and returns once it is committed.
//
// Requests reading at once would otherwise queue one by one for the chain
// head, each paying for its own commit; instead the entries that arrive
// while an append is running are appended together by the next one, in one
// transaction, in the order they arrived (groupcommit). Each caller still
// returns only when its own entry is stored.
func (db *DB) Audit(ctx context.Context, e joinedup.AuditEntry) (joinedup.AuditEntry, error) {
	// One caller giving up must not lose the others' entries.
	ctx = context.WithoutCancel(ctx)
	return db.audits.Do(e, func(es []joinedup.AuditEntry) ([]joinedup.AuditEntry, []error) {
		err := db.InTx(ctx, func(tx *Tx) error { return AppendAudits(ctx, tx, es) })
		errs := make([]error, len(es))
		for i := range errs {
			errs[i] = err
		}
		return es, errs
	})
}

// AuditHash is the chain hash of e: SHA-256 over the previous entry's hash
// and a canonical, length-prefixed encoding of every field, so no two
// different entries encode alike and changing any field changes the hash.
func AuditHash(e joinedup.AuditEntry) string {
	h := sha256.New()
	var buf []byte
	field := func(s string) {
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
		buf = append(buf, ';')
	}
	field("joinedup-audit-v1")
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(dbTime(e.At).Format(time.RFC3339Nano))
	field(e.UserID)
	field(e.Username)
	field(string(e.Role))
	field(e.OrganisationID)
	field(e.PatientID)
	field(string(e.Action))
	field(e.What)
	field(e.Reason)
	field(string(e.Outcome))
	field(strconv.FormatBool(e.BreakGlass))
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditBreakError reports the first audit entry at which the chain is
// broken: altered, inserted, deleted or out of place.
type AuditBreakError struct {
	Seq     int64
	Problem string
}

func (e *AuditBreakError) Error() string {
	return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Problem)
}

const auditCols = `seq, at, user_id, username, role, organisation_id, patient_id, action, what, reason, outcome,
	break_glass, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (joinedup.AuditEntry, error) {
	var (
		e                     joinedup.AuditEntry
		at                    nt
		role, action, outcome string
	)
	err := sc.Scan(&e.Seq, &at, &e.UserID, &e.Username, &role, &e.OrganisationID, &e.PatientID, &action, &e.What,
		&e.Reason, &outcome, &e.BreakGlass, &e.PrevHash, &e.Hash)
	e.At, e.Role, e.Action, e.Outcome = at.t(), joinedup.Role(role), joinedup.Action(action), joinedup.Outcome(outcome)
	return e, err
}

// VerifyAudit walks the whole chain and returns the number of entries when
// it is intact. Otherwise it returns an *AuditBreakError naming the first bad
// entry: one whose content no longer matches its hash, whose link does not
// match the entry before it, or which is missing (a gap in the sequence, or
// fewer entries than the chain head records).
func VerifyAudit(ctx context.Context, q Querier) (int64, error) {
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("verify audit: read chain head: %w", err)
	}
	rows, err := q.QueryContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq")
	if err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	var (
		want int64 = 1
		prev string
	)
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return 0, fmt.Errorf("verify audit: %w", err)
		}
		switch {
		case e.Seq > want:
			return 0, &AuditBreakError{Seq: want, Problem: "missing (deleted)"}
		case e.Seq < want:
			return 0, &AuditBreakError{Seq: e.Seq, Problem: "out of sequence (inserted)"}
		case e.PrevHash != prev:
			return 0, &AuditBreakError{Seq: e.Seq, Problem: "does not link to the entry before it (inserted, or its predecessor altered)"}
		case AuditHash(e) != e.Hash:
			return 0, &AuditBreakError{Seq: e.Seq, Problem: "content does not match its hash (altered)"}
		}
		prev = e.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	n := want - 1
	switch {
	case n < headSeq:
		return 0, &AuditBreakError{Seq: n + 1, Problem: "missing (deleted from the end of the chain)"}
	case n > headSeq:
		return 0, &AuditBreakError{Seq: headSeq + 1, Problem: "beyond the chain head (inserted)"}
	case prev != headHash:
		return 0, &AuditBreakError{Seq: n, Problem: "does not match the chain head (altered)"}
	}
	return n, nil
}

// AuditHead returns the sequence number and hash of the newest entry.
// Recording it outside the database (a ticket, an email to the IG lead)
// lets a later verification show that the chain was not rewritten
// wholesale since.
func AuditHead(ctx context.Context, q Querier) (int64, string, error) {
	var seq int64
	var hash string
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("read audit chain head: %w", err)
	}
	return seq, hash, nil
}

// AuditFilter picks audit entries.
type AuditFilter struct {
	PatientID      string // only entries about this patient
	BreakGlassOnly bool   // only entries of access by emergency grant
	AfterSeq       int64  // only entries after this one
	Limit          int    // at most this many (default 100, at most 1000)
}

// AuditEntries returns the entries matching f, oldest first.
func AuditEntries(ctx context.Context, q Querier, f AuditFilter) ([]joinedup.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	query := "SELECT " + auditCols + " FROM audit_log WHERE seq > $1"
	args := []any{f.AfterSeq}
	if f.PatientID != "" {
		args = append(args, f.PatientID)
		query += " AND patient_id = $" + strconv.Itoa(len(args))
	}
	if f.BreakGlassOnly {
		query += " AND break_glass"
	}
	args = append(args, limit)
	query += " ORDER BY seq LIMIT $" + strconv.Itoa(len(args))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []joinedup.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// IsAuditBreak reports whether err says the audit chain is broken, and
// where.
func IsAuditBreak(err error) (*AuditBreakError, bool) {
	var b *AuditBreakError
	ok := errors.As(err, &b)
	return b, ok
}

// AuditHashes returns the hashes of the entries numbered seqs that the log
// holds; an entry it does not hold is absent from the map. Checkpoints kept
// outside the database (package auditanchor) are checked against it.
func AuditHashes(ctx context.Context, q Querier, seqs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(seqs))
	const chunk = 500
	for start := 0; start < len(seqs); start += chunk {
		part := seqs[start:min(start+chunk, len(seqs))]
		args := make([]any, len(part))
		marks := make([]byte, 0, 4*len(part))
		for i, s := range part {
			args[i] = s
			if i > 0 {
				marks = append(marks, ", "...)
			}
			marks = append(marks, '$')
			marks = strconv.AppendInt(marks, int64(i+1), 10)
		}
		rows, err := q.QueryContext(ctx, "SELECT seq, hash FROM audit_log WHERE seq IN ("+string(marks)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read audit hashes: %w", err)
		}
		for rows.Next() {
			var seq int64
			var hash string
			if err := rows.Scan(&seq, &hash); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read audit hashes: %w", err)
			}
			out[seq] = hash
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read audit hashes: %w", err)
		}
	}
	return out, nil
}

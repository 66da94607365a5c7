package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// table describes a table for the generic upsert.
type table struct {
	name string
	key  []string // the conflict target
	cols []string // every column written, in row order; content_hash last
	// patientCol is the index in cols of patient_id for patient-scoped
	// tables, or -1.
	patientCol int
	// versioned tables take a newer source version only (last_updated).
	versioned bool
}

// maxParams keeps a multi-row statement under both engines' limits
// (SQLite 32766, PostgreSQL 65535).
const maxParams = 30000

// upsert writes rows (values in t.cols order, without content_hash, which it
// computes). A row whose content is unchanged, or whose last_updated is older
// than the stored one, is left alone. It returns the number of rows written
// and the patient ids of the rows written (patient-scoped tables only).
func upsert(ctx context.Context, q Writer, t table, rows [][]any) (int, []string, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	rows = dedupe(t, rows)
	if q.engine() != Postgres {
		return upsertEach(ctx, q, t, rows)
	}
	per := maxParams / len(t.cols)
	written := 0
	var patients []string
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		n, ps, err := upsertChunk(ctx, q, t, rows[start:end])
		if err != nil {
			return written, patients, err
		}
		written += n
		patients = append(patients, ps...)
	}
	return written, patients, nil
}

// upsertEach writes rows one at a time through one prepared statement: on
// SQLite, in-process, that is fastest, because a statement's parameter
// look-up grows with its parameter count.
func upsertEach(ctx context.Context, q Writer, t table, rows [][]any) (int, []string, error) {
	query := upsertSQL(t, 1)
	stmt, err := q.PrepareContext(ctx, query)
	if err != nil {
		return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
	}
	defer stmt.Close()
	written := 0
	var patients []string
	args := make([]any, len(t.cols))
	for _, r := range rows {
		var err error
		if args, err = appendRow(args[:0], t, r); err != nil {
			return 0, nil, err
		}
		if t.patientCol < 0 {
			res, err := stmt.ExecContext(ctx, args...)
			if err != nil {
				return written, patients, fmt.Errorf("upsert %s: %w", t.name, err)
			}
			n, _ := res.RowsAffected()
			written += int(n)
			continue
		}
		var p string
		switch err := stmt.QueryRowContext(ctx, args...).Scan(&p); {
		case errors.Is(err, sql.ErrNoRows):
			// Unchanged, or older than what is held.
		case err != nil:
			return written, patients, fmt.Errorf("upsert %s: %w", t.name, err)
		default:
			written++
			patients = append(patients, p)
		}
	}
	return written, patients, nil
}

// appendRow appends a row's values (t.cols order, without content_hash)
// and then its content hash to dst.
func appendRow(dst []any, t table, r []any) ([]any, error) {
	if len(r) != len(t.cols)-1 {
		return dst, fmt.Errorf("upsert %s: row has %d values, want %d", t.name, len(r), len(t.cols)-1)
	}
	dst = append(dst, r...)
	return append(dst, contentHash(r)), nil
}

// upsertSQL is the upsert statement for n rows.
func upsertSQL(t table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(t.name)
	b.WriteString(" (")
	b.WriteString(strings.Join(t.cols, ", "))
	b.WriteString(") VALUES ")
	writeValues(&b, n, len(t.cols))
	writeOnConflict(&b, t)
	return b.String()
}

// writeOnConflict writes the upsert's conflict clause: a changed row
// replaces the stored one unless it is older, and patient-scoped tables
// return the patient of each row written.
func writeOnConflict(b *strings.Builder, t table) {
	b.WriteString(" ON CONFLICT (")
	b.WriteString(strings.Join(t.key, ", "))
	b.WriteString(") DO UPDATE SET ")
	first := true
	for _, c := range t.cols {
		if isKey(t.key, c) {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(b, "%s = excluded.%s", c, c)
	}
	fmt.Fprintf(b, " WHERE %s.content_hash <> excluded.content_hash", t.name)
	if t.versioned {
		fmt.Fprintf(b, " AND (%[1]s.last_updated IS NULL OR excluded.last_updated IS NULL OR excluded.last_updated >= %[1]s.last_updated)", t.name)
	}
	if t.patientCol >= 0 {
		b.WriteString(" RETURNING ")
		b.WriteString(t.cols[t.patientCol])
	}
}

// writeValues writes n rows of ncols placeholders: ($1, $2), ($3, $4)…
func writeValues(b *strings.Builder, n, ncols int) {
	p := 1
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 0; j < ncols; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
}

// upsertChunk writes rows in one multi-row statement: on PostgreSQL that
// saves a round trip per row.
func upsertChunk(ctx context.Context, q Writer, t table, rows [][]any) (int, []string, error) {
	args := make([]any, 0, len(rows)*len(t.cols))
	for _, r := range rows {
		var err error
		if args, err = appendRow(args, t, r); err != nil {
			return 0, nil, err
		}
	}
	query := upsertSQL(t, len(rows))
	if t.patientCol < 0 {
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
		}
		n, _ := res.RowsAffected()
		return int(n), nil, nil
	}
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
	}
	defer rs.Close()
	var patients []string
	for rs.Next() {
		var p string
		if err := rs.Scan(&p); err != nil {
			return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
		}
		patients = append(patients, p)
	}
	if err := rs.Err(); err != nil {
		return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
	}
	return len(patients), patients, nil
}

// dedupe keeps one row per key, because one statement may not update a row
// twice: the newest by last_updated, else the last given.
func dedupe(t table, rows [][]any) [][]any {
	keyIdx := make([]int, len(t.key))
	for i, k := range t.key {
		keyIdx[i] = slices.Index(t.cols, k)
	}
	updIdx := slices.Index(t.cols, "last_updated")
	seen := make(map[string]int, len(rows))
	out := rows[:0:0]
	var kb strings.Builder
	for _, r := range rows {
		kb.Reset()
		for _, i := range keyIdx {
			if s, ok := r[i].(string); ok {
				kb.WriteString(s)
			} else {
				fmt.Fprint(&kb, r[i])
			}
			kb.WriteByte(0x1f)
		}
		k := kb.String()
		j, dup := seen[k]
		if !dup {
			seen[k] = len(out)
			out = append(out, r)
			continue
		}
		if updIdx >= 0 && t.versioned {
			prev, _ := out[j][updIdx].(time.Time)
			cur, _ := r[updIdx].(time.Time)
			if !prev.IsZero() && (cur.IsZero() || cur.Before(prev)) {
				continue
			}
		}
		out[j] = r
	}
	return out
}

func isKey(key []string, c string) bool {
	for _, k := range key {
		if k == c {
			return true
		}
	}
	return false
}

// contentHash fingerprints a row's values so an unchanged record is
// recognised without comparing every column in SQL.
func contentHash(values []any) string {
	h := sha256.New()
	var buf []byte
	for _, v := range values {
		buf = buf[:0]
		switch v := v.(type) {
		case nil:
			buf = append(buf, 0)
		case string:
			buf = append(buf, 's')
			buf = append(buf, v...)
		case bool:
			buf = strconv.AppendBool(append(buf, 'b'), v)
		case int64:
			buf = strconv.AppendInt(append(buf, 'i'), v, 10)
		case int:
			buf = strconv.AppendInt(append(buf, 'i'), int64(v), 10)
		case float64:
			buf = strconv.AppendUint(append(buf, 'f'), math.Float64bits(v), 16)
		case time.Time:
			buf = v.UTC().AppendFormat(append(buf, 't'), time.RFC3339Nano)
		default:
			buf = fmt.Appendf(append(buf, '?'), "%v", v)
		}
		buf = append(buf, 0x1f)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// nullTime stores the zero time as NULL and every other time in UTC, so
// times compare the same way on both engines.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullString stores "" as NULL, for unique columns where absence must not
// collide.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText encodes v as JSON text for the coded-value columns.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the domain's plain structs are encoded here; they always
		// marshal.
		panic(fmt.Sprintf("store: encode %T: %v", v, err))
	}
	return string(b)
}

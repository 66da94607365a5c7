package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// contentTables are the tables whose content defines "the state of the
// data", in a fixed order, with their primary keys for a stable row order.
var contentTables = []struct{ name, orderBy string }{
	{"organisations", "id"},
	{"patients", "id"},
	{"conditions", "patient_id, id"},
	{"observations", "patient_id, id"},
	{"medications", "patient_id, id"},
	{"encounters", "patient_id, id"},
	{"appointments", "patient_id, id"},
	{"carers", "patient_id, id"},
}

// Checksum fingerprints the content of the source-data tables, so tests can
// show that a re-import, or an import resumed after a crash, leaves the
// database exactly as one clean import does.
func Checksum(ctx context.Context, q Querier) (string, error) {
	h := sha256.New()
	for _, t := range contentTables {
		rows, err := q.QueryContext(ctx, "SELECT * FROM "+t.name+" ORDER BY "+t.orderBy)
		if err != nil {
			return "", fmt.Errorf("checksum %s: %w", t.name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return "", fmt.Errorf("checksum %s: %w", t.name, err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		h.Write([]byte(t.name))
		var buf []byte
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", fmt.Errorf("checksum %s: %w", t.name, err)
			}
			buf = buf[:0]
			for _, v := range vals {
				buf = appendValue(buf, v)
				buf = append(buf, 0x1f)
			}
			buf = append(buf, '\n')
			h.Write(buf)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", fmt.Errorf("checksum %s: %w", t.name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// appendValue writes a scanned value the same way whichever engine read it.
func appendValue(buf []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(buf, "NULL"...)
	case []byte:
		return append(buf, v...)
	case string:
		return append(buf, v...)
	case time.Time:
		return v.UTC().AppendFormat(buf, time.RFC3339Nano)
	case bool:
		if v {
			return append(buf, '1')
		}
		return append(buf, '0')
	case int64:
		return strconv.AppendInt(buf, v, 10)
	case float64:
		return strconv.AppendFloat(buf, v, 'g', -1, 64)
	}
	return fmt.Append(buf, v)
}

// Counts returns the number of rows in each source-data table.
func Counts(ctx context.Context, q Querier) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range contentTables {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t.name, err)
		}
		out[t.name] = n
	}
	return out, nil
}

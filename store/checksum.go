package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
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
		h.Write([]byte(t.name))
		if _, err := hashRows(ctx, q, h, "SELECT * FROM "+t.name+" ORDER BY "+t.orderBy); err != nil {
			return "", fmt.Errorf("checksum %s: %w", t.name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashRows writes every row of query to h, each value as appendValue
// writes it, and returns the columns.
func hashRows(ctx context.Context, q Querier, h hash.Hash, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		buf = buf[:0]
		for _, v := range vals {
			buf = appendValue(buf, v)
			buf = append(buf, 0x1f)
		}
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return cols, rows.Err()
}

// DatabaseChecksum fingerprints everything the database holds, as
// Checksum does the source data: every table, by name, with its columns'
// names and its rows in primary-key order (text keys in byte order, so the
// order does not depend on the database's collation). It is what
// `joinedup backup` and `joinedup restore` print, so a restored database
// can be shown to hold exactly what was backed up.
func DatabaseChecksum(ctx context.Context, q Querier) (string, error) {
	tables, err := TableNames(ctx, q)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, t := range tables {
		order, err := rowOrder(ctx, q, t)
		if err != nil {
			return "", fmt.Errorf("checksum %s: %w", t, err)
		}
		rows := sha256.New()
		cols, err := hashRows(ctx, q, rows, "SELECT * FROM "+quoteIdent(t)+" ORDER BY "+strings.Join(order, ", "))
		if err != nil {
			return "", fmt.Errorf("checksum %s: %w", t, err)
		}
		// The names of the table and its columns are part of what is
		// held: a column added or dropped changes the checksum even in
		// an empty table.
		fmt.Fprintf(h, "%s\x1e%s\x1e%x\n", t, strings.Join(cols, "\x1f"), rows.Sum(nil))
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

// TableNames returns the names of the database's tables, in byte order:
// on PostgreSQL those of the schema the connection works in.
func TableNames(ctx context.Context, q Querier) ([]string, error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if q.engine() == Postgres {
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names, rows.Err()
}

// rowOrder returns the ORDER BY terms that put a table's rows in one order
// on any copy of it: its primary key's columns, or all its columns if it
// has none. PostgreSQL compares them as text in byte order, whatever the
// database's collation; SQLite compares text bytewise already.
func rowOrder(ctx context.Context, q Querier, table string) ([]string, error) {
	query := "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk"
	if q.engine() == Postgres {
		query = `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`
	}
	cols, err := queryStrings(ctx, q, query, table)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		query = "SELECT name FROM pragma_table_info($1) ORDER BY cid"
		if q.engine() == Postgres {
			query = "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(quote_ident($1)) AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
		}
		if cols, err = queryStrings(ctx, q, query, table); err != nil {
			return nil, err
		}
	}
	for i, c := range cols {
		cols[i] = quoteIdent(c)
		if q.engine() == Postgres {
			cols[i] += `::text COLLATE "C"`
		}
	}
	return cols, nil
}

// queryStrings returns the one text column of query's rows.
func queryStrings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quoteIdent quotes a table or column name for SQL.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// column is a column insertColumns writes, with its PostgreSQL type: one
// of text, date (given as "YYYY-MM-DD"), bool, int, bigint and timestamp.
type column struct{ name, typ string }

// insertColumns inserts rows, each statement followed by suffix. On
// PostgreSQL the rows go as one array per column, unnested into
// rows by one small statement: the server neither parses a statement the
// size of the batch nor binds thousands of parameters. Otherwise it is
// insertMany.
func insertColumns(ctx context.Context, q Writer, tableName string, cols []column, rows [][]any, suffix string) error {
	names := make([]string, len(cols))
	for j, c := range cols {
		names[j] = c.name
	}
	if q.engine() != Postgres || len(rows) == 0 {
		return insertMany(ctx, q, tableName, names, rows, suffix)
	}
	arrays := make([]any, len(cols))
	var from, sel strings.Builder
	for j, c := range cols {
		var err error
		if arrays[j], err = columnArray(rows, j, c.typ); err != nil {
			return fmt.Errorf("insert into %s, column %s: %w", tableName, c.name, err)
		}
		if j > 0 {
			from.WriteString(", ")
			sel.WriteString(", ")
		}
		arrayType := c.typ
		if c.typ == "date" {
			arrayType = "text"
		}
		fmt.Fprintf(&from, "$%d::%s[]", j+1, arrayType)
		if c.typ == "date" {
			fmt.Fprintf(&sel, "CAST(c%d AS DATE)", j)
		} else {
			fmt.Fprintf(&sel, "c%d", j)
		}
	}
	aliases := make([]string, len(cols))
	for j := range cols {
		aliases[j] = fmt.Sprintf("c%d", j)
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM UNNEST(%s) AS v(%s)%s", tableName, strings.Join(names, ", "),
		sel.String(), from.String(), strings.Join(aliases, ", "), suffix)
	if _, err := q.ExecContext(ctx, stmt, arrays...); err != nil {
		return fmt.Errorf("insert into %s: %w", tableName, err)
	}
	return nil
}

// columnArray is column j of rows as a slice of typ, a nil value being
// NULL.
func columnArray(rows [][]any, j int, typ string) (any, error) {
	switch typ {
	case "text", "date":
		// A slice of strings is encoded far faster than one of pointers;
		// pointers are only for a column with NULLs in it.
		out := make([]string, len(rows))
		var nulls []bool
		for i, r := range rows {
			switch v := r[j].(type) {
			case nil:
				if nulls == nil {
					nulls = make([]bool, len(rows))
				}
				nulls[i] = true
			case string:
				out[i] = v
			default:
				return nil, fmt.Errorf("row %d: %T for %s", i, v, typ)
			}
		}
		if nulls == nil {
			return out, nil
		}
		withNulls := make([]*string, len(rows))
		for i := range out {
			if !nulls[i] {
				withNulls[i] = &out[i]
			}
		}
		return withNulls, nil
	case "bool":
		out := make([]bool, len(rows))
		for i, r := range rows {
			v, ok := r[j].(bool)
			if !ok {
				return nil, fmt.Errorf("row %d: %T for %s", i, r[j], typ)
			}
			out[i] = v
		}
		return out, nil
	case "int", "bigint":
		out := make([]int64, len(rows))
		for i, r := range rows {
			switch v := r[j].(type) {
			case int:
				out[i] = int64(v)
			case int64:
				out[i] = v
			default:
				return nil, fmt.Errorf("row %d: %T for %s", i, v, typ)
			}
		}
		return out, nil
	case "timestamp":
		out := make([]time.Time, len(rows))
		for i, r := range rows {
			v, ok := r[j].(time.Time)
			if !ok {
				return nil, fmt.Errorf("row %d: %T for %s", i, r[j], typ)
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("no array of %s", typ)
}

// insertMany inserts rows, each statement followed by suffix (e.g. an ON
// CONFLICT clause): in multi-row statements on PostgreSQL, else through one
// prepared single-row statement.
func insertMany(ctx context.Context, q Writer, tableName string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	if q.engine() != Postgres {
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", tableName, strings.Join(cols, ", "))
		writeValues(&b, 1, len(cols))
		b.WriteString(suffix)
		stmt, err := q.PrepareContext(ctx, b.String())
		if err != nil {
			return fmt.Errorf("insert into %s: %w", tableName, err)
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return fmt.Errorf("insert into %s: %w", tableName, err)
			}
		}
		return nil
	}
	per := maxParams / len(cols)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", tableName, strings.Join(cols, ", "))
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(len(args) + j + 1))
			}
			b.WriteByte(')')
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", tableName, err)
		}
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// WriteBatch writes b in one transaction of its own: every record or none.
// On PostgreSQL each table's rows are streamed with COPY into a temporary
// staging table and upserted from there in one statement, which spares
// the server parsing and planning a statement the size of the batch; on
// SQLite it is Write in a transaction.
func (db *DB) WriteBatch(ctx context.Context, b *Batch) (WriteResult, error) {
	var res WriteResult
	if db.Engine != Postgres {
		err := db.InTx(ctx, func(tx *Tx) error {
			var err error
			res, err = Write(ctx, tx, b)
			return err
		})
		return res, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("write batch: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("write batch: unexpected PostgreSQL driver connection %T", driverConn)
		}
		return pgx.BeginFunc(ctx, sc.Conn(), func(tx pgx.Tx) error {
			var err error
			res, err = write(ctx, &copyWriter{tx: tx, staged: map[string]bool{}}, b)
			return err
		})
	})
	if err != nil {
		return res, fmt.Errorf("write batch: %w", err)
	}
	return res, nil
}

// copyWriter upserts through COPY into a staging table, in a PostgreSQL
// transaction.
type copyWriter struct {
	tx pgx.Tx
	// staged records the staging tables written earlier in the
	// transaction, to be emptied before they are used again.
	staged map[string]bool
}

// stageTable is the name of t's staging table: temporary, so private to
// the connection and never logged, and emptied at each commit.
func stageTable(t table) string { return "stage_" + t.name }

func (w *copyWriter) upsert(ctx context.Context, t table, rows [][]any) (int, []string, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	rows = dedupe(t, rows)
	stage := stageTable(t)
	if w.staged[stage] {
		if _, err := w.tx.Exec(ctx, "DELETE FROM "+stage); err != nil {
			return 0, nil, fmt.Errorf("upsert %s: empty staging table: %w", t.name, err)
		}
	} else if _, err := w.tx.Exec(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS "+stage+
		" (LIKE "+t.name+" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"); err != nil {
		return 0, nil, fmt.Errorf("upsert %s: create staging table: %w", t.name, err)
	}
	w.staged[stage] = true

	dates := dateColumns(t)
	values := make([][]any, len(rows))
	for i, r := range rows {
		v, err := appendRow(make([]any, 0, len(t.cols)), t, r)
		if err != nil {
			return 0, nil, err
		}
		if err := copyDates(t, dates, v); err != nil {
			return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
		}
		values[i] = v
	}
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{stage}, t.cols, pgx.CopyFromRows(values)); err != nil {
		return 0, nil, fmt.Errorf("upsert %s: copy: %w", t.name, err)
	}

	var q strings.Builder
	cols := strings.Join(t.cols, ", ")
	fmt.Fprintf(&q, "INSERT INTO %s (%s) SELECT %s FROM %s", t.name, cols, cols, stage)
	writeOnConflict(&q, t)
	if t.patientCol < 0 {
		tag, err := w.tx.Exec(ctx, q.String())
		if err != nil {
			return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
		}
		return int(tag.RowsAffected()), nil, nil
	}
	rs, err := w.tx.Query(ctx, q.String())
	if err != nil {
		return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
	}
	patients, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		return 0, nil, fmt.Errorf("upsert %s: %w", t.name, err)
	}
	return len(patients), patients, nil
}

func (w *copyWriter) bump(ctx context.Context, patients, registered []string) error {
	if len(patients) > 0 {
		if _, err := w.tx.Exec(ctx, bumpSQL("= ANY($1)"), patients); err != nil {
			return fmt.Errorf("mark changed patients: %w", err)
		}
	}
	if len(registered) > 0 {
		if _, err := w.tx.Exec(ctx, followPatientsSQL("= ANY($1)"), registered); err != nil {
			return fmt.Errorf("move assessments with their patients: %w", err)
		}
	}
	return nil
}

// dateColumns are the indexes of t's DATE columns, whose values the row
// functions give as "YYYY-MM-DD" text for database/sql.
func dateColumns(t table) []int {
	var out []int
	for i, c := range t.cols {
		if c == "birth_date" {
			out = append(out, i)
		}
	}
	return out
}

// copyDates turns the DATE columns' text into times, which COPY's binary
// format takes.
func copyDates(t table, dates []int, v []any) error {
	for _, i := range dates {
		s, ok := v[i].(string)
		if !ok {
			continue
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fmt.Errorf("column %s: %w", t.cols[i], err)
		}
		v[i] = d
	}
	return nil
}

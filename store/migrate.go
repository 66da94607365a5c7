package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// goMigrations are the migrations that differ between the engines, which a
// SQL file run on both cannot express. Their versions interleave with the
// SQL files'.
func (db *DB) goMigrations() []*goose.Migration {
	return []*goose.Migration{
		// Leave room in each page of patients so that bumping a patient's
		// facts version, once per import batch that touches the patient,
		// is a heap-only update on PostgreSQL and writes no entry in the
		// table's five indexes. SQLite updates the row in place.
		goose.NewGoMigration(11,
			&goose.GoFunc{RunTx: db.postgresOnly("ALTER TABLE patients SET (fillfactor = 50)")},
			&goose.GoFunc{RunTx: db.postgresOnly("ALTER TABLE patients RESET (fillfactor)")}),
		// Every stratification run replaces each patient's current
		// assessment. With room left in each page, the replacement is a
		// heap-only update that writes nothing in the table's indexes
		// whenever the indexed columns (eligibility, tier, practice) stay
		// as they were, as they do for almost everyone.
		goose.NewGoMigration(14,
			&goose.GoFunc{RunTx: db.postgresOnly("ALTER TABLE current_assessments SET (fillfactor = 50)")},
			&goose.GoFunc{RunTx: db.postgresOnly("ALTER TABLE current_assessments RESET (fillfactor)")}),
	}
}

// postgresOnly runs a statement on PostgreSQL and nothing on SQLite.
func (db *DB) postgresOnly(stmt string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		if db.Engine != Postgres {
			return nil
		}
		_, err := tx.ExecContext(ctx, stmt)
		return err
	}
}

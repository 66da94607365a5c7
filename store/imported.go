package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// recordTables are the tables of records kept per patient by id that an
// import asks about.
var recordTables = map[string]bool{
	"care_plans": true, "tier_decisions": true, "tasks": true, "consents": true, "referrals": true, "assessments": true,
}

// HasRecord reports whether the patient has the record with this id in
// table (care_plans, tier_decisions, tasks, consents, referrals or
// assessments): an import recognises a record it brought before by its id.
func HasRecord(ctx context.Context, q Querier, table, patientID, id string) (bool, error) {
	if !recordTables[table] {
		return false, fmt.Errorf("has record in %s: not a table of patients' records", table)
	}
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE patient_id = $1 AND id = $2", patientID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for %s %s of %s: %w", table, id, patientID, err)
	}
	return true, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/joinedup/joinedup"
)

const patientCols = `id, nhs_number, source_system, source_id, version_id, last_updated, given_name, family_name,
	birth_date, sex, language, interpreter_required, practice_id, postcode, phone, deceased`

func scanPatient(sc interface{ Scan(...any) error }) (joinedup.Patient, error) {
	var (
		p                        joinedup.Patient
		nhs, ver, practice       sql.NullString
		updated, birth, deceased nt
		sex                      string
	)
	err := sc.Scan(&p.ID, &nhs, &p.Source.System, &p.Source.ID, &ver, &updated, &p.GivenName, &p.FamilyName,
		&birth, &sex, &p.Language, &p.InterpreterRequired, &practice, &p.Postcode, &p.Phone, &deceased)
	if err != nil {
		return p, err
	}
	p.NHSNumber = joinedup.NHSNumber(nhs.String)
	p.Source.VersionID = ver.String
	p.Source.LastUpdated = updated.t()
	p.BirthDate = birth.t()
	p.Sex = joinedup.Sex(sex)
	p.PracticeID = practice.String
	if deceased.Valid {
		d := deceased.t()
		p.Deceased = &d
	}
	return p, nil
}

// GetPatient returns the patient with the given id.
func GetPatient(ctx context.Context, q Querier, id string) (joinedup.Patient, error) {
	p, err := scanPatient(q.QueryRowContext(ctx, "SELECT "+patientCols+" FROM patients WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("patient %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read patient %s: %w", id, err)
	}
	return p, nil
}

// PatientByNHSNumber returns the patient with the given NHS number.
func PatientByNHSNumber(ctx context.Context, q Querier, n joinedup.NHSNumber) (joinedup.Patient, error) {
	p, err := scanPatient(q.QueryRowContext(ctx, "SELECT "+patientCols+" FROM patients WHERE nhs_number = $1", string(n)))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("patient with NHS number %s: %w", n, joinedup.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read patient with NHS number %s: %w", n, err)
	}
	return p, nil
}

// PatientIDsBySource maps source ids of one source system to patient ids,
// for linking facts whose Patient came in an earlier file or import.
func PatientIDsBySource(ctx context.Context, q Querier, system string, sourceIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(sourceIDs))
	const per = 1000
	for start := 0; start < len(sourceIDs); start += per {
		chunk := sourceIDs[start:min(start+per, len(sourceIDs))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, system)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, "SELECT source_id, id FROM patients WHERE source_system = $1 AND source_id IN ("+
			placeholders(2, len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("look up patients by source: %w", err)
		}
		for rows.Next() {
			var src, id string
			if err := rows.Scan(&src, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up patients by source: %w", err)
			}
			out[src] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up patients by source: %w", err)
		}
	}
	return out, nil
}

// Organisation returns the organisation with id.
func Organisation(ctx context.Context, q Querier, id string) (joinedup.Organisation, error) {
	orgs, err := Organisations(ctx, q)
	if err != nil {
		return joinedup.Organisation{}, err
	}
	for _, o := range orgs {
		if o.ID == id {
			return o, nil
		}
	}
	return joinedup.Organisation{}, joinedup.NotFound("organisation %s", id)
}

// Organisations returns every organisation, parents before children where
// the tree allows, ordered by kind and name.
func Organisations(ctx context.Context, q Querier) ([]joinedup.Organisation, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, ods, name, kind, parent_id, source_system, source_id, version_id, last_updated
		FROM organisations ORDER BY kind, name, id`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []joinedup.Organisation
	for rows.Next() {
		var (
			o                joinedup.Organisation
			ods, parent, ver sql.NullString
			updated          nt
			kind             string
		)
		if err := rows.Scan(&o.ID, &ods, &o.Name, &kind, &parent, &o.Source.System, &o.Source.ID, &ver, &updated); err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		o.ODS, o.Kind, o.ParentID = ods.String, joinedup.OrgKind(kind), parent.String
		o.Source.VersionID, o.Source.LastUpdated = ver.String, updated.t()
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrganisationIDByODS returns the id of the organisation with this ODS code.
func OrganisationIDByODS(ctx context.Context, q Querier, ods string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM organisations WHERE ods = $1", ods).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("organisation with ODS code %s: %w", ods, joinedup.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read organisation %s: %w", ods, err)
	}
	return id, nil
}

// OrganisationIDBySource returns the id of the organisation a source system
// knows by sourceID.
func OrganisationIDBySource(ctx context.Context, q Querier, system, sourceID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM organisations WHERE source_system = $1 AND source_id = $2", system, sourceID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("organisation %s/%s: %w", system, sourceID, joinedup.ErrNotFound)
	}
	return id, err
}

// CountChangedPatients counts patients whose records changed since their
// last assessment.
func CountChangedPatients(ctx context.Context, q Querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients WHERE facts_version > assessed_version").Scan(&n); err != nil {
		return 0, fmt.Errorf("count changed patients: %w", err)
	}
	return n, nil
}

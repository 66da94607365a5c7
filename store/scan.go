package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/joinedup/joinedup"
)

// factTable is how one table of facts is read into Facts.
type factTable struct {
	name    string
	cols    string
	timeCol string // what FactsProjection's window applies to, if any
	// scan reads the row rows is at, returning its patient and how to
	// add it to that patient's facts.
	scan func(rows *sql.Rows) (patientID string, add func(*joinedup.Facts), err error)
}

var (
	conditionFacts   = factTable{"conditions", sourceSelect + ", codes, clinical_status, onset, recorded, abated, verification_status", "", scanCondition}
	observationFacts = factTable{"observations", sourceSelect + ", codes, status, effective, value, unit, value_code, components", "",
		scanObservation}
	medicationFacts  = factTable{"medications", sourceSelect + ", kind, codes, status, authored, repeat", "authored", scanMedication}
	encounterFacts   = factTable{"encounters", sourceSelect + ", class, types, specialty, start_time, end_time, admit_source, emergency, service_provider, status", "start_time", scanEncounter}
	appointmentFacts = factTable{"appointments", sourceSelect + ", start_time, end_time, status, specialty, service, site", "start_time", scanAppointment}
	carerFacts       = factTable{"carers", sourceSelect + ", name, relationship, phone", "", scanCarer}
	factTables       = []factTable{conditionFacts, observationFacts, medicationFacts, encounterFacts, appointmentFacts, carerFacts}
)

// loadTable adds the rows of t matching cond to the facts of the patients
// in index, in (patient, id) order; rows of other patients are skipped.
func loadTable(ctx context.Context, q Querier, t factTable, cond string, args []any, index map[string]*joinedup.Facts) error {
	return queryFacts(ctx, q, t.name, t.cols, t.name, cond, args, func(rows *sql.Rows) error {
		patientID, add, err := t.scan(rows)
		if err != nil {
			return err
		}
		if f := index[patientID]; f != nil {
			add(f)
		}
		return nil
	})
}

func queryFacts(ctx context.Context, q Querier, what, cols, tableName, cond string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM "+tableName+" WHERE "+cond+" ORDER BY patient_id, id", args...)
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("load %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	return nil
}

const sourceSelect = "patient_id, id, source_system, source_id, version_id, last_updated"

func sourceDest(patientID, id *string, s *joinedup.Source, ver *sql.NullString, updated *nt) []any {
	return []any{patientID, id, &s.System, &s.ID, ver, updated}
}

func scanCondition(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		c                        joinedup.Condition
		ver                      sql.NullString
		updated, on, rec, abated nt
		codes                    string
	)
	dest := append(sourceDest(&c.PatientID, &c.ID, &c.Source, &ver, &updated), &codes, &c.ClinicalStatus, &on, &rec, &abated, &c.VerificationStatus)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	c.Source.VersionID, c.Source.LastUpdated = ver.String, updated.t()
	c.Onset, c.Recorded, c.Abated = on.t(), rec.t(), abated.t()
	if err := decodeCodings(codes, &c.Codes); err != nil {
		return "", nil, fmt.Errorf("condition %s codes: %w", c.ID, err)
	}
	return c.PatientID, func(f *joinedup.Facts) { f.Conditions = append(f.Conditions, c) }, nil
}

func scanObservation(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		o                     joinedup.Observation
		ver                   sql.NullString
		updated, eff          nt
		codes, unit           string
		value                 sql.NullFloat64
		valueCode, components sql.NullString
	)
	dest := append(sourceDest(&o.PatientID, &o.ID, &o.Source, &ver, &updated), &codes, &o.Status, &eff, &value, &unit, &valueCode, &components)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	o.Source.VersionID, o.Source.LastUpdated = ver.String, updated.t()
	o.Effective = eff.t()
	if err := decodeCodings(codes, &o.Codes); err != nil {
		return "", nil, fmt.Errorf("observation %s codes: %w", o.ID, err)
	}
	if value.Valid {
		o.Value = &joinedup.Quantity{Value: value.Float64, Unit: unit}
	}
	if valueCode.Valid {
		o.ValueCode = new(joinedup.Coding)
		if err := json.Unmarshal([]byte(valueCode.String), o.ValueCode); err != nil {
			return "", nil, fmt.Errorf("observation %s value code: %w", o.ID, err)
		}
	}
	if components.Valid {
		var cs []componentJSON
		if err := json.Unmarshal([]byte(components.String), &cs); err != nil {
			return "", nil, fmt.Errorf("observation %s components: %w", o.ID, err)
		}
		for _, c := range cs {
			o.Components = append(o.Components, joinedup.Component{Codes: c.Codes, Value: c.Value})
		}
	}
	return o.PatientID, func(f *joinedup.Facts) { f.Observations = append(f.Observations, o) }, nil
}

func scanMedication(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		m             joinedup.Medication
		ver           sql.NullString
		updated, auth nt
		codes, kind   string
	)
	dest := append(sourceDest(&m.PatientID, &m.ID, &m.Source, &ver, &updated), &kind, &codes, &m.Status, &auth, &m.Repeat)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	m.Source.VersionID, m.Source.LastUpdated = ver.String, updated.t()
	m.Kind, m.Authored = joinedup.MedicationKind(kind), auth.t()
	if err := decodeCodings(codes, &m.Codes); err != nil {
		return "", nil, fmt.Errorf("medication %s codes: %w", m.ID, err)
	}
	return m.PatientID, func(f *joinedup.Facts) { f.Medications = append(f.Medications, m) }, nil
}

func scanEncounter(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		e                          joinedup.Encounter
		ver                        sql.NullString
		updated, start, end        nt
		types, specialty, admitSrc string
	)
	dest := append(sourceDest(&e.PatientID, &e.ID, &e.Source, &ver, &updated), &e.Class, &types, &specialty, &start, &end, &admitSrc, &e.Emergency, &e.ServiceProvider, &e.Status)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	e.Source.VersionID, e.Source.LastUpdated = ver.String, updated.t()
	e.Start, e.End = start.t(), end.t()
	for _, c := range []struct {
		s    string
		into *joinedup.Codings
	}{{types, &e.Types}, {specialty, &e.Specialty}, {admitSrc, &e.AdmitSource}} {
		if err := decodeCodings(c.s, c.into); err != nil {
			return "", nil, fmt.Errorf("encounter %s codes: %w", e.ID, err)
		}
	}
	return e.PatientID, func(f *joinedup.Facts) { f.Encounters = append(f.Encounters, e) }, nil
}

func scanAppointment(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		a                   joinedup.Appointment
		ver                 sql.NullString
		updated, start, end nt
		specialty           string
	)
	dest := append(sourceDest(&a.PatientID, &a.ID, &a.Source, &ver, &updated), &start, &end, &a.Status, &specialty, &a.Service, &a.Site)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	a.Source.VersionID, a.Source.LastUpdated = ver.String, updated.t()
	a.Start, a.End = start.t(), end.t()
	if err := decodeCodings(specialty, &a.Specialty); err != nil {
		return "", nil, fmt.Errorf("appointment %s specialty: %w", a.ID, err)
	}
	return a.PatientID, func(f *joinedup.Facts) { f.Appointments = append(f.Appointments, a) }, nil
}

func scanCarer(rows *sql.Rows) (string, func(*joinedup.Facts), error) {
	var (
		c       joinedup.Carer
		ver     sql.NullString
		updated nt
		rel     string
	)
	dest := append(sourceDest(&c.PatientID, &c.ID, &c.Source, &ver, &updated), &c.Name, &rel, &c.Phone)
	if err := rows.Scan(dest...); err != nil {
		return "", nil, err
	}
	c.Source.VersionID, c.Source.LastUpdated = ver.String, updated.t()
	if err := decodeCodings(rel, &c.Relationship); err != nil {
		return "", nil, fmt.Errorf("carer %s relationship: %w", c.ID, err)
	}
	return c.PatientID, func(f *joinedup.Facts) { f.Carers = append(f.Carers, c) }, nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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

// FactsFilter picks the patients EachFacts visits.
type FactsFilter struct {
	// Changed limits the walk to patients whose facts changed since their
	// last assessment.
	Changed bool
	// PatientIDs, when not empty, limits the walk to these patients.
	PatientIDs []string
	// Only narrows the facts loaded for each patient; its zero value loads
	// every fact.
	Only FactsProjection
}

// FactsProjection narrows the facts EachFacts loads to those a reader can
// use, so that the rows no reader looks at are never read or decoded. Each
// field only ever leaves facts out, and always fewer than its words say: a
// reader that applies the same code lists and windows itself sees exactly
// what it would see after a full load.
type FactsProjection struct {
	// Codes, when not nil, keeps only the conditions and observations with
	// a coding whose code is one of these (in any code system).
	Codes []string
	// MedicationsSince, EncountersSince and AppointmentsSince, when not
	// zero, leave out the medications authored, and the encounters and
	// appointments started, before them, and those with no date. They are
	// applied with a margin of two days, so neither the text form of times
	// on SQLite nor the session time zone on PostgreSQL can lose a fact.
	MedicationsSince, EncountersSince, AppointmentsSince time.Time
	// NoCarers leaves carers out.
	NoCarers bool
}

// sinceMargin widens FactsProjection's windows.
const sinceMargin = 48 * time.Hour

// codesSQL is the filter on conditions and observations for a code list:
// the primary coding (held in columns) is in the list, or there is more
// than one coding, so one after the first might be. The codings are JSON
// written by jsonText, where a second coding always follows "},{". The
// codes are written as literals: a long list of parameters is slow to bind
// on SQLite. It returns "" (no filter) for a code no literal can hold.
func codesSQL(codes []string) string {
	for _, c := range codes {
		if strings.ContainsRune(c, 0) {
			return ""
		}
	}
	var b strings.Builder
	b.WriteString("(code IN (")
	seen := make(map[string]bool, len(codes))
	n := 0
	for _, c := range codes {
		if seen[c] {
			continue
		}
		seen[c] = true
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(quote(c))
	}
	if n == 0 {
		b.WriteString("''")
	}
	b.WriteString(`) OR codes LIKE '%},{%')`)
	return b.String()
}

// quote writes s as an SQL string literal, which both engines read the same
// way (PostgreSQL with its default standard_conforming_strings).
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// factsChunk is how many patients EachFacts loads at a time: large enough
// to amortise the per-query cost, small enough to keep memory bounded.
const factsChunk = 2000

// EachFacts calls fn with every patient's facts, in patient id order,
// loading them a chunk of patients at a time so memory stays bounded
// whatever the population. FactsVersion is passed so an assessment can
// record which state of the facts it saw.
func EachFacts(ctx context.Context, q Querier, filter FactsFilter, fn func(f *joinedup.Facts, factsVersion int64) error) error {
	only := filter.Only.where()
	if len(filter.PatientIDs) > 0 {
		for start := 0; start < len(filter.PatientIDs); start += factsChunk {
			ids := filter.PatientIDs[start:min(start+factsChunk, len(filter.PatientIDs))]
			args := make([]any, len(ids))
			for i, id := range ids {
				args[i] = id
			}
			if err := loadChunk(ctx, q, "id IN ("+placeholders(1, len(ids))+")", "patient_id IN ("+placeholders(1, len(ids))+")", args, only, fn); err != nil {
				return err
			}
		}
		return nil
	}
	after := ""
	for {
		cond := "id > $1"
		if filter.Changed {
			cond += " AND facts_version > assessed_version"
		}
		rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT id FROM patients WHERE %s ORDER BY id LIMIT %d", cond, factsChunk), after)
		if err != nil {
			return fmt.Errorf("walk patients: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("walk patients: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("walk patients: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		first, last := ids[0].(string), ids[len(ids)-1].(string)
		after = last
		// The chunk is a run of patients in id order, so their facts are a
		// range of the (patient_id, id) keys: cheaper than a list of ids on
		// both engines. With Changed, patients in the range that are not
		// in the chunk are skipped as their facts are read.
		patientCond, factCond, args := "id >= $1 AND id <= $2", "patient_id >= $1 AND patient_id <= $2", []any{first, last}
		if filter.Changed {
			patientCond += " AND facts_version > assessed_version"
		}
		if err := loadChunk(ctx, q, patientCond, factCond, args, only, fn); err != nil {
			return err
		}
	}
}

// EachFacts is the package EachFacts. A walk of the whole population
// streams each table once, in patient order, on a connection of its own,
// merging the streams as it goes: one sequential pass over each table
// rather than a look-up per patient, whose reads land all over tables that
// are stored in the order records arrived rather than by patient.
func (db *DB) EachFacts(ctx context.Context, filter FactsFilter, fn func(f *joinedup.Facts, factsVersion int64) error) error {
	if filter.Changed || len(filter.PatientIDs) > 0 {
		// A few patients are cheaper to look up than to find in a pass.
		return EachFacts(ctx, db, filter, fn)
	}
	return db.streamFacts(ctx, filter.Only.where(), fn)
}

// streamFacts is EachFacts over every patient, by merging one stream per
// table. The patients are read first: every stream's snapshot is then no
// older than the facts versions read, so an assessment never records
// that it saw facts newer than those it was given (a change it missed is
// found again by the next incremental run).
func (db *DB) streamFacts(ctx context.Context, only projection, fn func(*joinedup.Facts, int64) error) error {
	// Both engines compare the ids byte by byte, as Go does, so the merge
	// and the queries agree on the order.
	order := "id"
	factOrder := "patient_id, id"
	if db.Engine == Postgres {
		order = `id COLLATE "C"`
		factOrder = `patient_id COLLATE "C", id COLLATE "C"`
	}
	// Stopping early (an error, or fn's) cancels the queries before their
	// results are closed, so the servers stop sending the rest of each
	// table rather than the client reading it all to throw away.
	ctx, cancel := context.WithCancel(ctx)
	var streams []*factStream
	var patients *sql.Rows
	defer func() {
		cancel()
		for _, s := range streams {
			s.rows.Close()
		}
		if patients != nil {
			patients.Close()
		}
	}()
	patients, err := db.QueryContext(ctx, "SELECT "+patientCols+", facts_version FROM patients ORDER BY "+order)
	if err != nil {
		return fmt.Errorf("walk patients: %w", err)
	}
	if !patients.Next() {
		if err := patients.Err(); err != nil {
			return fmt.Errorf("walk patients: %w", err)
		}
		return nil
	}
	if testHookPatientsRead != nil {
		testHookPatientsRead()
	}
	for _, t := range only.tables() {
		cond, args := only.cond(t.name, t.timeCol, "1 = 1", nil)
		rows, err := db.QueryContext(ctx, "SELECT "+t.cols+" FROM "+t.name+" WHERE "+cond+" ORDER BY "+factOrder, args...)
		if err != nil {
			return fmt.Errorf("load %s: %w", t.name, err)
		}
		s := &factStream{t: t, rows: rows}
		streams = append(streams, s)
		if err := s.next(); err != nil {
			return err
		}
	}
	for {
		var v int64
		p, err := scanPatient(scanPlus{patients, &v})
		if err != nil {
			return fmt.Errorf("walk patients: %w", err)
		}
		f := &joinedup.Facts{Patient: p}
		for _, s := range streams {
			if err := s.take(p.ID, f); err != nil {
				return err
			}
		}
		if err := fn(f, v); err != nil {
			return err
		}
		if !patients.Next() {
			break
		}
	}
	if err := patients.Err(); err != nil {
		return fmt.Errorf("walk patients: %w", err)
	}
	return nil
}

// testHookPatientsRead, when set by a test, runs between reading the
// patients and starting the fact streams.
var testHookPatientsRead func()

// factStream is one table's facts, in patient order, read a row ahead.
type factStream struct {
	t       factTable
	rows    *sql.Rows
	ok      bool // a row has been read and not yet taken
	patient string
	add     func(*joinedup.Facts)
}

func (s *factStream) next() error {
	if !s.rows.Next() {
		s.ok = false
		if err := s.rows.Err(); err != nil {
			return fmt.Errorf("load %s: %w", s.t.name, err)
		}
		return nil
	}
	var err error
	if s.patient, s.add, err = s.t.scan(s.rows); err != nil {
		return fmt.Errorf("load %s: %w", s.t.name, err)
	}
	s.ok = true
	return nil
}

// take adds the stream's rows of patient id to f, passing over rows of
// patients before id: patients written since the patients were read (an
// import running beside the walk), whose facts versions show them changed
// to the next incremental run. Every stream and the patients are in the
// same byte order, so no row of a walked patient is passed over.
func (s *factStream) take(id string, f *joinedup.Facts) error {
	for s.ok && s.patient <= id {
		if s.patient == id {
			s.add(f)
		}
		if err := s.next(); err != nil {
			return err
		}
	}
	return nil
}

// projection is a FactsProjection as the SQL each fact table's query adds.
type projection struct {
	codes string               // on conditions and observations; "" for none
	since map[string]time.Time // table → lower bound of its time column
	only  FactsProjection
}

func (p FactsProjection) where() projection {
	w := projection{only: p, since: map[string]time.Time{}}
	if p.Codes != nil {
		w.codes = codesSQL(p.Codes)
	}
	for tableName, t := range map[string]time.Time{"medications": p.MedicationsSince, "encounters": p.EncountersSince,
		"appointments": p.AppointmentsSince} {
		if !t.IsZero() {
			w.since[tableName] = t.Add(-sinceMargin).UTC()
		}
	}
	return w
}

// tables are the fact tables the projection reads.
func (p projection) tables() []factTable {
	var out []factTable
	for _, t := range factTables {
		if t.name == carerFacts.name && p.only.NoCarers {
			continue
		}
		out = append(out, t)
	}
	return out
}

// cond returns the chunk's condition on a fact table, narrowed by the
// projection, and its arguments.
func (p projection) cond(tableName, timeCol, chunkCond string, args []any) (string, []any) {
	if p.codes != "" && (tableName == "conditions" || tableName == "observations") {
		chunkCond += " AND " + p.codes
	}
	if t, ok := p.since[tableName]; ok {
		args = append(args[:len(args):len(args)], t)
		chunkCond += fmt.Sprintf(" AND %s >= $%d", timeCol, len(args))
	}
	return chunkCond, args
}

// loadChunk loads the patients matching patientCond and their facts, then
// calls fn per patient in id order.
func loadChunk(ctx context.Context, q Querier, patientCond, factCond string, args []any, only projection, fn func(*joinedup.Facts, int64) error) error {
	rows, err := q.QueryContext(ctx, "SELECT "+patientCols+", facts_version FROM patients WHERE "+patientCond+" ORDER BY id", args...)
	if err != nil {
		return fmt.Errorf("load patients: %w", err)
	}
	var facts []*joinedup.Facts
	var versions []int64
	index := map[string]*joinedup.Facts{}
	for rows.Next() {
		var v int64
		p, err := scanPatient(scanPlus{rows, &v})
		if err != nil {
			rows.Close()
			return fmt.Errorf("load patients: %w", err)
		}
		f := &joinedup.Facts{Patient: p}
		facts = append(facts, f)
		versions = append(versions, v)
		index[p.ID] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load patients: %w", err)
	}
	if len(facts) == 0 {
		return nil
	}
	for _, t := range only.tables() {
		cond, args := only.cond(t.name, t.timeCol, factCond, args)
		if err := loadTable(ctx, q, t, cond, args, index); err != nil {
			return err
		}
	}
	for i, f := range facts {
		if err := fn(f, versions[i]); err != nil {
			return err
		}
	}
	return nil
}

// scanPlus scans a patient row followed by one more column.
type scanPlus struct {
	rows  *sql.Rows
	extra any
}

func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }

// LoadFacts returns one patient's facts.
func LoadFacts(ctx context.Context, q Querier, patientID string) (*joinedup.Facts, error) {
	var out *joinedup.Facts
	err := EachFacts(ctx, q, FactsFilter{PatientIDs: []string{patientID}}, func(f *joinedup.Facts, _ int64) error {
		out = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("patient %s: %w", patientID, joinedup.ErrNotFound)
	}
	return out, nil
}

// UpcomingAppointments returns the patient's appointments starting at or
// after from, neither cancelled nor entered in error, in id order: what a
// page listing what is booked needs, without the rest of the record.
func UpcomingAppointments(ctx context.Context, q Querier, patientID string, from time.Time) ([]joinedup.Appointment, error) {
	f := &joinedup.Facts{}
	err := loadTable(ctx, q, appointmentFacts, "patient_id = $1 AND start_time >= $2 AND status NOT IN ('cancelled', 'entered-in-error')",
		[]any{patientID, dbTime(from)}, map[string]*joinedup.Facts{patientID: f})
	return f.Appointments, err
}

// UnplannedEncounters returns the patient's A&E attendances and hospital
// admissions (planned or not) starting at or after since, in id order.
func UnplannedEncounters(ctx context.Context, q Querier, patientID string, since time.Time) ([]joinedup.Encounter, error) {
	f := &joinedup.Facts{}
	err := loadTable(ctx, q, encounterFacts, "patient_id = $1 AND start_time >= $2 AND class IN ($3, $4)",
		[]any{patientID, dbTime(since), joinedup.EncounterEmergency, joinedup.EncounterInpatient}, map[string]*joinedup.Facts{patientID: f})
	return f.Encounters, err
}

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
	conditionFacts   = factTable{"conditions", sourceSelect + ", codes, clinical_status, onset, recorded, abated", "", scanCondition}
	observationFacts = factTable{"observations", sourceSelect + ", codes, status, effective, value, unit, value_code, components", "",
		scanObservation}
	medicationFacts  = factTable{"medications", sourceSelect + ", kind, codes, status, authored, repeat", "authored", scanMedication}
	encounterFacts   = factTable{"encounters", sourceSelect + ", class, types, specialty, start_time, end_time, admit_source, emergency, service_provider", "start_time", scanEncounter}
	appointmentFacts = factTable{"appointments", sourceSelect + ", start_time, end_time, status, specialty, service", "start_time", scanAppointment}
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
	dest := append(sourceDest(&c.PatientID, &c.ID, &c.Source, &ver, &updated), &codes, &c.ClinicalStatus, &on, &rec, &abated)
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
	dest := append(sourceDest(&e.PatientID, &e.ID, &e.Source, &ver, &updated), &e.Class, &types, &specialty, &start, &end, &admitSrc, &e.Emergency, &e.ServiceProvider)
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
	dest := append(sourceDest(&a.PatientID, &a.ID, &a.Source, &ver, &updated), &start, &end, &a.Status, &specialty, &a.Service)
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

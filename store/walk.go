package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

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
	// Stream reads a whole population by streaming each table once, on
	// a connection each, rather than a chunk of patients at a time: for a
	// population run (stratification), whose callback needs few
	// connections of its own. It is ignored with Changed or PatientIDs.
	Stream bool
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

// EachFacts calls fn with every patient's facts the filter selects, in
// patient id order, with memory bounded whatever the population.
// FactsVersion is passed so an assessment can record which state of the
// facts it saw.
//
// Patients are looked up a chunk at a time. With Stream, a walk of the
// whole population on the database (not in a transaction) streams each
// table once, in patient order, on a connection of its own, merging the
// streams as it goes: one sequential pass over each table rather than a
// look-up per patient, whose reads land all over tables that are stored in
// the order records arrived rather than by patient. A few patients, or
// those whose facts changed, are cheaper to look up.
func EachFacts(ctx context.Context, q Querier, filter FactsFilter, fn func(f *joinedup.Facts, factsVersion int64) error) error {
	if db, ok := q.(*DB); ok && filter.Stream && !filter.Changed && len(filter.PatientIDs) == 0 {
		return db.streamFacts(ctx, filter.Only.where(), fn)
	}
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
	err := loadTable(ctx, q, encounterFacts, "patient_id = $1 AND start_time >= $2 AND class IN ($3, $4) AND "+encounterHappened("encounters"),
		[]any{patientID, dbTime(since), joinedup.EncounterEmergency, joinedup.EncounterInpatient}, map[string]*joinedup.Facts{patientID: f})
	return f.Encounters, err
}

// encounterHappened is the condition that an encounter (alias e) took
// place: not planned, cancelled or entered in error. It is the shipped
// policy's rule (policy.DefaultRecordStatuses), for the lists and counts
// read in SQL; a population run applies the policy's own.
func encounterHappened(e string) string {
	return e + ".status NOT IN ('entered-in-error', 'cancelled', 'planned')"
}

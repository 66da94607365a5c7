package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup"
)

// The tables the generic upsert writes. Column order is the row order the
// xxxRow functions below produce, then content_hash.
var (
	organisationsTable = table{name: "organisations", key: []string{"id"}, patientCol: -1, versioned: true,
		cols: []string{"id", "ods", "name", "kind", "parent_id", "source_system", "source_id", "version_id", "last_updated", "content_hash"}}
	patientsTable = table{name: "patients", key: []string{"id"}, patientCol: 0, versioned: true,
		cols: []string{"id", "nhs_number", "source_system", "source_id", "version_id", "last_updated", "given_name", "family_name",
			"birth_date", "sex", "language", "interpreter_required", "practice_id", "postcode", "phone", "deceased", "content_hash"}}
	conditionsTable = table{name: "conditions", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "code_system", "code", "display", "codes",
			"clinical_status", "onset", "recorded", "abated", "verification_status", "content_hash"}}
	observationsTable = table{name: "observations", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "code_system", "code", "display", "codes",
			"status", "effective", "value", "unit", "value_code", "components", "content_hash"}}
	medicationsTable = table{name: "medications", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "kind", "code_system", "code", "display", "codes",
			"status", "authored", "repeat", "content_hash"}}
	encountersTable = table{name: "encounters", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "class", "types", "specialty",
			"start_time", "end_time", "admit_source", "emergency", "service_provider", "status", "content_hash"}}
	appointmentsTable = table{name: "appointments", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "start_time", "end_time", "status",
			"specialty", "service", "site", "content_hash"}}
	carersTable = table{name: "carers", key: []string{"patient_id", "id"}, patientCol: 0, versioned: true,
		cols: []string{"patient_id", "id", "source_system", "source_id", "version_id", "last_updated", "name", "relationship", "phone", "content_hash"}}
)

// Batch is a set of records to write in one transaction: typically the
// records of one or more whole patients, so a patient is never half-imported.
// Records without an ID get a stable one derived from their source.
type Batch struct {
	Organisations []joinedup.Organisation
	Patients      []joinedup.Patient
	Conditions    []joinedup.Condition
	Observations  []joinedup.Observation
	Medications   []joinedup.Medication
	Encounters    []joinedup.Encounter
	Appointments  []joinedup.Appointment
	Carers        []joinedup.Carer
}

// Len is the number of records in the batch.
func (b *Batch) Len() int {
	return len(b.Organisations) + len(b.Patients) + len(b.Conditions) + len(b.Observations) +
		len(b.Medications) + len(b.Encounters) + len(b.Appointments) + len(b.Carers)
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	b.Organisations = b.Organisations[:0]
	b.Patients = b.Patients[:0]
	b.Conditions = b.Conditions[:0]
	b.Observations = b.Observations[:0]
	b.Medications = b.Medications[:0]
	b.Encounters = b.Encounters[:0]
	b.Appointments = b.Appointments[:0]
	b.Carers = b.Carers[:0]
}

// Split divides b into n batches by patient: part names the batch each
// patient's records go to. Organisations, which everything refers to, go
// to the first.
func (b *Batch) Split(n int, part func(patientID string) int) []Batch {
	parts := make([]Batch, n)
	parts[0].Organisations = b.Organisations
	for _, p := range b.Patients {
		id := p.ID
		if id == "" {
			id = joinedup.PatientID(p)
		}
		q := &parts[part(id)]
		q.Patients = append(q.Patients, p)
	}
	splitBy(parts, b.Conditions, part, func(x *joinedup.Condition) string { return x.PatientID }, func(q *Batch) *[]joinedup.Condition { return &q.Conditions })
	splitBy(parts, b.Observations, part, func(x *joinedup.Observation) string { return x.PatientID }, func(q *Batch) *[]joinedup.Observation { return &q.Observations })
	splitBy(parts, b.Medications, part, func(x *joinedup.Medication) string { return x.PatientID }, func(q *Batch) *[]joinedup.Medication { return &q.Medications })
	splitBy(parts, b.Encounters, part, func(x *joinedup.Encounter) string { return x.PatientID }, func(q *Batch) *[]joinedup.Encounter { return &q.Encounters })
	splitBy(parts, b.Appointments, part, func(x *joinedup.Appointment) string { return x.PatientID }, func(q *Batch) *[]joinedup.Appointment { return &q.Appointments })
	splitBy(parts, b.Carers, part, func(x *joinedup.Carer) string { return x.PatientID }, func(q *Batch) *[]joinedup.Carer { return &q.Carers })
	return parts
}

// splitBy appends each of xs to the list field of the part its patient
// belongs to, in order.
func splitBy[T any](parts []Batch, xs []T, part func(string) int, patient func(*T) string, field func(*Batch) *[]T) {
	for i := range xs {
		f := field(&parts[part(patient(&xs[i]))])
		*f = append(*f, xs[i])
	}
}

// WriteResult counts what a write changed, per resource kind.
type WriteResult struct {
	// Written counts records inserted or changed, by FHIR resource type
	// ("Patient", "Condition", "MedicationRequest", …); records seen but
	// unchanged are not counted.
	Written map[string]int
	// ChangedPatients are the patients some of whose records changed.
	ChangedPatients []string
}

// Write upserts every record in b in tx and bumps the facts version of each
// patient whose records changed: in multi-row statements on PostgreSQL
// (where each statement is a round trip), through one prepared single-row
// statement per table on SQLite (in-process, where a statement's cost grows
// with its parameter count). (*DB).WriteBatch streams large batches faster.
func Write(ctx context.Context, tx Writer, b *Batch) (WriteResult, error) {
	return write(ctx, sqlWriter{tx}, b)
}

// rowWriter is how write puts rows in the database: one engine's fastest way.
type rowWriter interface {
	// upsert writes rows (t.cols order, without content_hash) and returns
	// how many were written and, for patient-scoped tables, their patients.
	upsert(ctx context.Context, t table, rows [][]any) (int, []string, error)
	// bump raises the facts version of the patients, and keeps what is
	// held beside the current assessments of the registered (the patients
	// whose own rows were written: practice, name, death) in step with
	// their rows.
	bump(ctx context.Context, patients, registered []string) error
}

// sqlWriter writes through database/sql statements.
type sqlWriter struct{ tx Writer }

func (w sqlWriter) upsert(ctx context.Context, t table, rows [][]any) (int, []string, error) {
	return upsert(ctx, w.tx, t, rows)
}

func (w sqlWriter) bump(ctx context.Context, patients, registered []string) error {
	if err := bumpFactsVersion(ctx, w.tx, patients); err != nil {
		return err
	}
	return followPatients(ctx, w.tx, registered)
}

func write(ctx context.Context, w rowWriter, b *Batch) (WriteResult, error) {
	res := WriteResult{Written: map[string]int{}}
	changed := map[string]bool{}
	var registered []string
	step := func(kind string, t table, rows [][]any) error {
		n, ps, err := w.upsert(ctx, t, rows)
		if err != nil {
			return err
		}
		if t.name == patientsTable.name {
			registered = ps
		}
		if n > 0 {
			res.Written[kind] += n
		}
		for _, p := range ps {
			changed[p] = true
		}
		return nil
	}
	if err := step("Organization", organisationsTable, mapRows(b.Organisations, organisationRow)); err != nil {
		return res, err
	}
	if err := step("Patient", patientsTable, mapRows(b.Patients, patientRow)); err != nil {
		return res, err
	}
	if err := step("Condition", conditionsTable, mapRows(b.Conditions, conditionRow)); err != nil {
		return res, err
	}
	if err := step("Observation", observationsTable, mapRows(b.Observations, observationRow)); err != nil {
		return res, err
	}
	var requests, statements []joinedup.Medication
	for i := range b.Medications {
		m := &b.Medications[i]
		if m.Kind == "" {
			m.Kind = joinedup.MedicationRequest
		}
		if m.ID == "" {
			m.ID = joinedup.StableID("Medication"+string(m.Kind), m.Source.System, m.Source.ID)
		}
		if m.Kind == joinedup.MedicationStatement {
			statements = append(statements, *m)
		} else {
			requests = append(requests, *m)
		}
	}
	if err := step("MedicationRequest", medicationsTable, mapRows(requests, medicationRow)); err != nil {
		return res, err
	}
	if err := step("MedicationStatement", medicationsTable, mapRows(statements, medicationRow)); err != nil {
		return res, err
	}
	if err := step("Encounter", encountersTable, mapRows(b.Encounters, encounterRow)); err != nil {
		return res, err
	}
	if err := step("Appointment", appointmentsTable, mapRows(b.Appointments, appointmentRow)); err != nil {
		return res, err
	}
	if err := step("RelatedPerson", carersTable, mapRows(b.Carers, carerRow)); err != nil {
		return res, err
	}
	for p := range changed {
		res.ChangedPatients = append(res.ChangedPatients, p)
	}
	slices.Sort(res.ChangedPatients)
	if err := w.bump(ctx, res.ChangedPatients, registered); err != nil {
		return res, err
	}
	return res, nil
}

func bumpFactsVersion(ctx context.Context, q Writer, ids []string) error {
	return inChunks(q.engine(), ids, func(in string, args []any) error {
		if _, err := q.ExecContext(ctx, bumpSQL(in), args...); err != nil {
			return fmt.Errorf("mark changed patients: %w", err)
		}
		return nil
	})
}

// followPatients copies what lists need of each patient's row (practice,
// name, death) to the patient's current assessment, where it differs.
func followPatients(ctx context.Context, q Writer, ids []string) error {
	return inChunks(q.engine(), ids, func(in string, args []any) error {
		if _, err := q.ExecContext(ctx, followPatientsSQL(in), args...); err != nil {
			return fmt.Errorf("move assessments with their patients: %w", err)
		}
		return nil
	})
}

// bumpSQL raises the facts version of the patients whose id meets in.
func bumpSQL(in string) string {
	return "UPDATE patients SET facts_version = facts_version + 1 WHERE id " + in
}

// followPatientsSQL copies the practice, name and death of each patient
// whose id meets in to the patient's current assessment, where any differs.
func followPatientsSQL(in string) string {
	return "UPDATE current_assessments SET " + listCopies + " FROM patients p WHERE p.id = current_assessments.patient_id " +
		"AND current_assessments.patient_id " + in + " AND NOT (" + listCopiesInStep("current_assessments") + ")"
}

// listCopies sets what current_assessments holds of the patient row p, for
// lists (migrations 13 and 16).
const listCopies = "practice_id = p.practice_id, family_name = p.family_name, given_name = p.given_name, deceased = p.deceased IS NOT NULL"

// listCopiesInStep is true when the copies of the current assessment ca
// (the table's name or alias) equal the patient row p's.
func listCopiesInStep(ca string) string {
	return ca + ".practice_id IS NOT DISTINCT FROM p.practice_id AND " + ca + ".family_name = p.family_name AND " +
		ca + ".given_name = p.given_name AND " + ca + ".deceased = (p.deceased IS NOT NULL)"
}

// inChunks calls fn with the condition that a column is one of ids, and
// its arguments, for each run of up to a thousand ids, so statements stay
// within both engines' limits on parameters. On PostgreSQL the condition is "= ANY($1)" with one array parameter: the statement
// stays small and is planned once per connection, rather than parsed and
// planned afresh with a parameter per id. Otherwise it is "IN ($1, …)".
func inChunks(e Engine, ids []string, fn func(in string, args []any) error) error {
	array := e == Postgres
	const per = 1000
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		if array {
			if err := fn("= ANY($1::text[])", []any{chunk}); err != nil {
				return err
			}
			continue
		}
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := fn("IN ("+placeholders(1, len(chunk))+")", args); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns "$from, $from+1, …" n times.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

func mapRows[T any](xs []T, row func(*T) []any) [][]any {
	rows := make([][]any, len(xs))
	for i := range xs {
		rows[i] = row(&xs[i])
	}
	return rows
}

func sourceCols(s joinedup.Source) []any {
	return []any{s.System, s.ID, nullString(s.VersionID), nullTime(s.LastUpdated)}
}

func organisationRow(o *joinedup.Organisation) []any {
	if o.ID == "" {
		o.ID = OrganisationID(*o)
	}
	return append([]any{o.ID, nullString(o.ODS), o.Name, string(o.Kind), nullString(o.ParentID)}, sourceCols(o.Source)...)
}

// OrganisationID is the id an organisation gets: from its ODS code when it
// has one, else from its source.
func OrganisationID(o joinedup.Organisation) string {
	if o.ODS != "" {
		return joinedup.StableID("Organization", "ods", o.ODS)
	}
	return joinedup.StableID("Organization", o.Source.System, o.Source.ID)
}

func patientRow(p *joinedup.Patient) []any {
	if p.ID == "" {
		p.ID = joinedup.PatientID(*p)
	}
	var deceased any
	if p.Deceased != nil {
		deceased = nullTime(*p.Deceased)
	}
	var birth any
	if !p.BirthDate.IsZero() {
		birth = p.BirthDate.Format(time.DateOnly)
	}
	sex := p.Sex
	if sex == "" {
		sex = joinedup.SexUnknown
	}
	row := []any{p.ID, nullString(string(p.NHSNumber))}
	row = append(row, sourceCols(p.Source)...)
	return append(row, p.GivenName, p.FamilyName, birth, string(sex), p.Language, p.InterpreterRequired,
		nullString(p.PracticeID), p.Postcode, p.Phone, deceased)
}

func factHead(patientID string, id *string, kind string, s joinedup.Source) []any {
	if *id == "" {
		*id = joinedup.StableID(kind, s.System, s.ID)
	}
	return append([]any{patientID, *id}, sourceCols(s)...)
}

func codingCols(cs joinedup.Codings) []any {
	p := cs.Primary()
	if cs == nil {
		cs = joinedup.Codings{}
	}
	return []any{p.System, p.Code, p.Display, jsonText(cs)}
}

func conditionRow(c *joinedup.Condition) []any {
	row := factHead(c.PatientID, &c.ID, "Condition", c.Source)
	row = append(row, codingCols(c.Codes)...)
	return append(row, c.ClinicalStatus, nullTime(c.Onset), nullTime(c.Recorded), nullTime(c.Abated), c.VerificationStatus)
}

// componentJSON is how observation components are kept.
type componentJSON struct {
	Codes joinedup.Codings   `json:"codes"`
	Value *joinedup.Quantity `json:"value,omitempty"`
}

func observationRow(o *joinedup.Observation) []any {
	row := factHead(o.PatientID, &o.ID, "Observation", o.Source)
	row = append(row, codingCols(o.Codes)...)
	var value, valueCode, components any
	unit := ""
	if o.Value != nil {
		value, unit = o.Value.Value, o.Value.Unit
	}
	if o.ValueCode != nil {
		valueCode = jsonText(o.ValueCode)
	}
	if len(o.Components) > 0 {
		cs := make([]componentJSON, len(o.Components))
		for i, c := range o.Components {
			cs[i] = componentJSON{Codes: c.Codes, Value: c.Value}
		}
		components = jsonText(cs)
	}
	return append(row, o.Status, nullTime(o.Effective), value, unit, valueCode, components)
}

func medicationRow(m *joinedup.Medication) []any {
	kind := m.Kind
	if kind == "" {
		kind = joinedup.MedicationRequest
	}
	row := factHead(m.PatientID, &m.ID, "Medication"+string(kind), m.Source)
	row = append(row, string(kind))
	row = append(row, codingCols(m.Codes)...)
	return append(row, m.Status, nullTime(m.Authored), m.Repeat)
}

func encounterRow(e *joinedup.Encounter) []any {
	row := factHead(e.PatientID, &e.ID, "Encounter", e.Source)
	return append(row, e.Class, jsonCodings(e.Types), jsonCodings(e.Specialty), nullTime(e.Start), nullTime(e.End),
		jsonCodings(e.AdmitSource), e.Emergency, e.ServiceProvider, e.Status)
}

func appointmentRow(a *joinedup.Appointment) []any {
	row := factHead(a.PatientID, &a.ID, "Appointment", a.Source)
	return append(row, nullTime(a.Start), nullTime(a.End), a.Status, jsonCodings(a.Specialty), a.Service, a.Site)
}

func carerRow(c *joinedup.Carer) []any {
	row := factHead(c.PatientID, &c.ID, "RelatedPerson", c.Source)
	return append(row, c.Name, jsonCodings(c.Relationship), c.Phone)
}

func jsonCodings(cs joinedup.Codings) string {
	if cs == nil {
		return "[]"
	}
	return jsonText(cs)
}

// scanning helpers ------------------------------------------------------

// nt reads a nullable TIMESTAMP or DATE; both engines hand back time.Time.
type nt struct{ sql.NullTime }

func (n nt) t() time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return n.Time.UTC()
}

// decodeCodings reads codings as jsonText wrote them. That form, with no
// escapes in the strings, is read directly: stratification reads millions
// of facts, and encoding/json costs several times more. Anything else goes
// to encoding/json, so the result is the same either way.
func decodeCodings(s string, into *joinedup.Codings) error {
	if s == "" || s == "[]" {
		*into = nil
		return nil
	}
	if cs, ok := parseCodings(s); ok {
		*into = cs
		return nil
	}
	return json.Unmarshal([]byte(s), into)
}

// parseCodings reads [{"system":"…","code":"…","display":"…"},…] with no
// white space and no escapes; ok is false for anything else.
func parseCodings(s string) (cs joinedup.Codings, ok bool) {
	if len(s) < 2 || s[0] != '[' || strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
		return nil, false
	}
	cs = make(joinedup.Codings, 0, strings.Count(s, "},{")+1)
	i := 1
	for {
		if i >= len(s) || s[i] != '{' {
			return nil, false
		}
		i++
		var c joinedup.Coding
		for {
			key, j, ok := jsonString(s, i)
			if !ok || j >= len(s) || s[j] != ':' {
				return nil, false
			}
			val, k, ok := jsonString(s, j+1)
			if !ok {
				return nil, false
			}
			switch key {
			case "system":
				c.System = val
			case "code":
				c.Code = val
			case "display":
				c.Display = val
			default:
				return nil, false
			}
			if i = k; i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == '}' {
				i++
				break
			}
			return nil, false
		}
		cs = append(cs, c)
		switch {
		case i < len(s) && s[i] == ',':
			i++
		case i == len(s)-1 && s[i] == ']':
			return cs, true
		default:
			return nil, false
		}
	}
}

// jsonString reads a JSON string with no escapes at s[i:], returning it and
// the index after its closing quote.
func jsonString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	j := strings.IndexByte(s[i+1:], '"')
	if j < 0 {
		return "", 0, false
	}
	v := s[i+1 : i+1+j]
	for k := 0; k < len(v); k++ {
		if v[k] < 0x20 { // control characters are not valid JSON
			return "", 0, false
		}
	}
	return v, i + 2 + j, true
}

// MarkAssessed records that the patient's facts at factsVersion have been
// assessed; a later change to the facts makes the patient "changed" again.
func MarkAssessed(ctx context.Context, q Writer, patientID string, factsVersion int64) error {
	_, err := q.ExecContext(ctx, "UPDATE patients SET assessed_version = $1 WHERE id = $2 AND assessed_version < $1", factsVersion, patientID)
	if err != nil {
		return fmt.Errorf("mark patient %s assessed: %w", patientID, err)
	}
	return nil
}

// Analyze refreshes the planner's statistics of the tables an import
// writes. After a bulk load they are stale until autovacuum catches up, and
// meanwhile the planner may scan whole tables it would otherwise reach
// through an index.
func (db *DB) Analyze(ctx context.Context) error {
	if db.Engine == Postgres {
		names := make([]string, len(contentTables))
		for i, t := range contentTables {
			names[i] = t.name
		}
		return db.analyze(ctx, "ANALYZE "+strings.Join(names, ", "))
	}
	return db.analyze(ctx, "PRAGMA optimize")
}

// AnalyzeAssessments refreshes the statistics of what a population run
// writes. The lists plan from them: SQLite keeps none until asked, so
// after the first run it would plan a practice's list as though no one had
// been assessed.
func (db *DB) AnalyzeAssessments(ctx context.Context) error {
	tables := []string{"current_assessments", "assessments", "tasks"}
	if db.Engine == Postgres {
		return db.analyze(ctx, "ANALYZE "+strings.Join(tables, ", "))
	}
	for _, t := range tables {
		if err := db.analyze(ctx, "ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) analyze(ctx context.Context, stmt string) error {
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

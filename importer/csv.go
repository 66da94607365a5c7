package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// CSV columns of a GP extract (docs/import-csv.md). Names are matched
// case-insensitively; order is free; unknown columns are ignored.
const (
	colPractice   = "practice"
	colNHSNumber  = "nhs_number"
	colEntryID    = "entry_id"
	colEntryType  = "entry_type"
	colCodeSystem = "code_system"
	colCode       = "code"
	colTerm       = "term"
	colDate       = "date"
	colValue      = "value"
	colUnit       = "unit"
	colStatus     = "status"
	colFamily     = "family_name"
	colGiven      = "given_name"
	colBirthDate  = "date_of_birth"
	colSex        = "sex"
)

var requiredCSV = []string{colPractice, colNHSNumber, colEntryType, colCodeSystem, colCode, colDate}

// CSVRow is one coded entry from a GP extract, mapped to the domain. Exactly
// one of Condition, Observation and Medication is set.
type CSVRow struct {
	Line        int
	Patient     joinedup.Patient // NHS number, source and any demographics given
	Condition   *joinedup.Condition
	Observation *joinedup.Observation
	Medication  *joinedup.Medication
}

// Type is the FHIR resource type the row's entry corresponds to.
func (r CSVRow) Type() string {
	switch {
	case r.Condition != nil:
		return "Condition"
	case r.Observation != nil:
		return "Observation"
	}
	return "MedicationRequest"
}

// CSVReader reads a GP CSV extract one row at a time, so memory stays
// bounded whatever the file size.
type CSVReader struct {
	r      *csv.Reader
	cols   map[string]int
	header []string
	line   int
}

// NewCSVReader reads the header and checks the required columns are there.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[h]; dup {
			return nil, fmt.Errorf("csv header: column %q appears twice", h)
		}
		cols[h] = i
	}
	var missing []string
	for _, c := range requiredCSV {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("csv header: missing column(s) %s", strings.Join(missing, ", "))
	}
	names := make([]string, len(header))
	for h, i := range cols {
		names[i] = h
	}
	return &CSVReader{r: cr, cols: cols, header: names, line: 1}, nil
}

// RowError is a row that cannot be imported; reading goes on after it.
type RowError struct {
	Line   int
	Field  string
	Reason string
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// Next returns the next row. At the end it returns io.EOF; a bad row gives a
// *RowError and the reader can go on; any other error is fatal.
func (r *CSVReader) Next() (CSVRow, error) {
	rec, err := r.r.Read()
	r.line++
	if err == nil && len(rec) > 0 {
		// Quoted fields may span lines; report the line the record starts on.
		r.line, _ = r.r.FieldPos(0)
	}
	if err == io.EOF {
		return CSVRow{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return CSVRow{}, &RowError{Line: pe.Line, Reason: pe.Err.Error()}
		}
		return CSVRow{}, &fhir.LineError{Line: r.line, Err: err}
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			col := fmt.Sprintf("column %d", i+1)
			if i < len(r.header) {
				col = r.header[i]
			}
			return CSVRow{}, &RowError{Line: r.line, Field: col, Reason: fhir.NotUTF8(f).Error()}
		}
	}
	return r.parse(rec)
}

func (r *CSVReader) get(rec []string, col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// codeSystems maps the short names practices' exports use to FHIR systems.
var codeSystems = map[string]string{
	"snomed": joinedup.SystemSNOMED, "sct": joinedup.SystemSNOMED, "snomedct": joinedup.SystemSNOMED,
	"loinc": joinedup.SystemLOINC,
	"dmd":   joinedup.SystemDMD,
}

func (r *CSVReader) parse(rec []string) (CSVRow, error) {
	row := CSVRow{Line: r.line}
	bad := func(field, format string, args ...any) (CSVRow, error) {
		return CSVRow{}, &RowError{Line: r.line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	practice := r.get(rec, colPractice)
	if practice == "" {
		return bad(colPractice, "missing")
	}
	nhs, err := joinedup.ParseNHSNumber(r.get(rec, colNHSNumber))
	if err != nil {
		return bad(colNHSNumber, "%v", errors.Unwrap(err))
	}
	system := r.get(rec, colCodeSystem)
	if s, ok := codeSystems[strings.ToLower(system)]; ok {
		system = s
	} else if !strings.Contains(system, ":") {
		return bad(colCodeSystem, "unknown code system %q (use snomed, loinc, dmd or a URI)", system)
	}
	code := r.get(rec, colCode)
	if code == "" {
		return bad(colCode, "missing")
	}
	date, err := parseCSVDate(r.get(rec, colDate))
	if err != nil {
		return bad(colDate, "%v", err)
	}
	row.Patient = joinedup.Patient{
		NHSNumber:  nhs,
		Source:     joinedup.Source{System: practice, ID: string(nhs)},
		FamilyName: r.get(rec, colFamily),
		GivenName:  r.get(rec, colGiven),
	}
	if dob := r.get(rec, colBirthDate); dob != "" {
		if row.Patient.BirthDate, err = parseCSVDate(dob); err != nil {
			return bad(colBirthDate, "%v", err)
		}
	}
	switch sex := strings.ToLower(r.get(rec, colSex)); sex {
	case "", "u", "unknown":
		row.Patient.Sex = joinedup.SexUnknown
	case "f", "female":
		row.Patient.Sex = joinedup.SexFemale
	case "m", "male":
		row.Patient.Sex = joinedup.SexMale
	case "o", "other":
		row.Patient.Sex = joinedup.SexOther
	default:
		return bad(colSex, "unknown value %q (use female, male, other or unknown)", sex)
	}
	codes := joinedup.Codings{{System: system, Code: code, Display: r.get(rec, colTerm)}}
	// A row without an entry id is identified by its content, so importing
	// the same extract again finds the same rows.
	id := r.get(rec, colEntryID)
	kind := strings.ToLower(r.get(rec, colEntryType))
	if id == "" {
		id = fmt.Sprintf("%s|%s|%s|%s|%s", kind, system, code, date.Format(time.DateOnly), r.get(rec, colValue))
	}
	src := joinedup.Source{System: practice, ID: string(nhs) + "/" + id}
	switch kind {
	case "condition":
		c := &joinedup.Condition{Source: src, Codes: codes, ClinicalStatus: strings.ToLower(r.get(rec, colStatus)), Onset: date}
		switch c.ClinicalStatus {
		case "", "active", "inactive", "resolved", "remission", "recurrence", "relapse":
		default:
			return bad(colStatus, "unknown condition status %q", c.ClinicalStatus)
		}
		row.Condition = c
	case "observation":
		o := &joinedup.Observation{Source: src, Codes: codes, Status: "final", Effective: date}
		if v := r.get(rec, colValue); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return bad(colValue, "not a number: %q", v)
			}
			o.Value = &joinedup.Quantity{Value: f, Unit: r.get(rec, colUnit)}
		}
		row.Observation = o
	case "medication":
		status := strings.ToLower(r.get(rec, colStatus))
		if status == "" {
			status = "active"
		}
		row.Medication = &joinedup.Medication{Source: src, Kind: joinedup.MedicationRequest, Codes: codes, Status: status, Authored: date,
			Repeat: strings.EqualFold(r.get(rec, colValue), "repeat")}
	default:
		return bad(colEntryType, "unknown entry type %q (use condition, observation or medication)", kind)
	}
	return row, nil
}

// parseCSVDate accepts ISO dates (2024-03-01) and the UK day-first form GP
// systems export (01/03/2024).
func parseCSVDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unparseable date %q (use YYYY-MM-DD or DD/MM/YYYY)", s)
}

// csv imports a GP extract in batches that never split consecutive rows of
// one patient.
func (im *importer) csv(ctx context.Context, path string, r *bufio.Reader) error {
	cr, err := NewCSVReader(r)
	if err != nil {
		return err
	}
	var rows []CSVRow
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		full := rows
		rows = nil
		return im.submit(func() error { return im.csvBatch(ctx, full) })
	}
	for {
		row, err := cr.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			im.tally("CSV row", func(c *Counts) { c.Read++ })
			im.reject(Reject{File: path, Line: re.Line, ResourceType: "CSV row", Reason: re.Error()})
			continue
		}
		if err != nil {
			// Cut off: write the whole patients read, not the last one,
			// whose rows may go on past the cut.
			cut := len(rows)
			for cut > 0 && rows[cut-1].Patient.NHSNumber == rows[len(rows)-1].Patient.NHSNumber {
				cut--
			}
			tail := rows[cut:]
			rows = rows[:cut]
			if ferr := flush(); ferr != nil {
				return ferr
			}
			for _, row := range tail {
				im.reject(Reject{File: path, Line: row.Line, ResourceType: row.Type(),
					Reason: fmt.Sprintf("not written: the file breaks off in the rows of NHS number %s", row.Patient.NHSNumber)})
			}
			return err
		}
		if len(rows) >= im.opt.BatchSize && rows[len(rows)-1].Patient.NHSNumber != row.Patient.NHSNumber {
			if err := flush(); err != nil {
				return err
			}
		}
		im.tally(row.Type(), func(c *Counts) { c.Read++ })
		if err := im.lifeDates(row.Patient); err != nil {
			im.reject(Reject{File: path, Line: row.Line, ResourceType: row.Type(), Reason: fmt.Sprintf("line %d: %v", row.Line, err)})
			continue
		}
		rows = append(rows, row)
		if im.opt.Progress != nil && len(rows)%10000 == 0 {
			im.opt.Progress(path, row.Line)
		}
	}
	return flush()
}

// csvBatch writes CSV rows. A patient already held keeps its demographics (a
// search extract carries few); an unknown one is created from the row.
func (im *importer) csvBatch(ctx context.Context, rows []CSVRow) error {
	if im.opt.DecodeOnly {
		return nil
	}
	var b store.Batch
	known := map[joinedup.NHSNumber]bool{}
	practices := map[string]string{}
	for _, row := range rows {
		n := row.Patient.NHSNumber
		if _, seen := known[n]; !seen {
			_, err := store.PatientByNHSNumber(ctx, im.db, n)
			switch {
			case err == nil:
				known[n] = true
			case errors.Is(err, joinedup.ErrNotFound):
				known[n] = false
				p := row.Patient
				ods := p.Source.System
				if _, ok := practices[ods]; !ok {
					practices[ods] = im.org(ctx, fhir.Ref{Type: "Organization", System: fhir.SystemODS, Value: ods})
				}
				p.PracticeID = practices[ods]
				b.Patients = append(b.Patients, p)
			default:
				return err
			}
		}
		pid := joinedup.PatientID(row.Patient)
		switch {
		case row.Condition != nil:
			c := *row.Condition
			c.PatientID = pid
			b.Conditions = append(b.Conditions, c)
		case row.Observation != nil:
			o := *row.Observation
			o.PatientID = pid
			b.Observations = append(b.Observations, o)
		case row.Medication != nil:
			m := *row.Medication
			m.PatientID = pid
			b.Medications = append(b.Medications, m)
		}
	}
	im.tally("Patient", func(c *Counts) { c.Read += len(b.Patients) })
	return im.commit(ctx, &b)
}

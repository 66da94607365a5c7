package importer

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const csvHeader = "practice,nhs_number,entry_id,entry_type,code_system,code,term,date,value,unit,status\n"

func readAllCSV(t *testing.T, body string) ([]CSVRow, []error) {
	t.Helper()
	r, err := NewCSVReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	var rows []CSVRow
	var errs []error
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, errs
		}
		var re *RowError
		if errors.As(err, &re) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			t.Fatalf("fatal: %v", err)
		}
		rows = append(rows, row)
	}
}

func TestCSVValidRows(t *testing.T) {
	body := csvHeader +
		"G85001,943 476 5919,e1,condition,snomed,38341003,Hypertension,2015-04-01,,,active\n" +
		"G85001,9434765919,e2,observation,loinc,39156-5,BMI,01/03/2024,31.5,kg/m2,\n" +
		"G85001,9434765919,,medication,dmd,322236009,Paracetamol 500mg,2024-02-01,repeat,,\n"
	rows, errs := readAllCSV(t, body)
	if len(errs) != 0 || len(rows) != 3 {
		t.Fatalf("rows %d, errors %v", len(rows), errs)
	}
	c := rows[0].Condition
	if c == nil || c.Codes.Primary().Code != "38341003" || c.Codes.Primary().System != "http://snomed.info/sct" || !c.Active() ||
		!c.Onset.Equal(time.Date(2015, 4, 1, 0, 0, 0, 0, time.UTC)) || c.Source.ID != "9434765919/e1" {
		t.Errorf("condition row: %+v", c)
	}
	if rows[0].Patient.NHSNumber != "9434765919" || rows[0].Patient.Source.System != "G85001" {
		t.Errorf("patient: %+v", rows[0].Patient)
	}
	o := rows[1].Observation
	if o == nil || o.Value == nil || o.Value.Value != 31.5 || o.Value.Unit != "kg/m2" || !o.Effective.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("observation row: %+v", o)
	}
	m := rows[2].Medication
	if m == nil || !m.Repeat || m.Status != "active" || m.Source.ID == "" {
		t.Errorf("medication row: %+v", m)
	}
	// A row without an entry id gets the same id each time it is read.
	again, _ := readAllCSV(t, body)
	if again[2].Medication.Source.ID != m.Source.ID {
		t.Errorf("content id not stable: %q vs %q", again[2].Medication.Source.ID, m.Source.ID)
	}
	if line := rows[2].Line; line != 4 {
		t.Errorf("third row line = %d, want 4", line)
	}
}

func TestCSVRejects(t *testing.T) {
	tests := []struct {
		name, row, want string
	}{
		{"bad NHS number", "G85001,9000000015,e,condition,snomed,1,,2020-01-01,,,", "line 2: nhs_number: NHS number fails the Modulus 11 check"},
		{"short NHS number", "G85001,90000,e,condition,snomed,1,,2020-01-01,,,", "line 2: nhs_number: an NHS number has 10 digits"},
		{"no practice", ",9000000009,e,condition,snomed,1,,2020-01-01,,,", "line 2: practice: missing"},
		{"unknown system", "G85001,9000000009,e,condition,read2,1,,2020-01-01,,,", `line 2: code_system: unknown code system "read2" (use snomed, loinc, dmd or a URI)`},
		{"no code", "G85001,9000000009,e,condition,snomed,,,2020-01-01,,,", "line 2: code: missing"},
		{"bad date", "G85001,9000000009,e,condition,snomed,1,,2020-13-45,,,", `line 2: date: unparseable date "2020-13-45" (use YYYY-MM-DD or DD/MM/YYYY)`},
		{"no date", "G85001,9000000009,e,condition,snomed,1,,,,,", "line 2: date: missing"},
		{"bad value", "G85001,9000000009,e,observation,loinc,1,,2020-01-01,high,,", `line 2: value: not a number: "high"`},
		{"bad type", "G85001,9000000009,e,allergy,snomed,1,,2020-01-01,,,", `line 2: entry_type: unknown entry type "allergy" (use condition, observation or medication)`},
		{"bad status", "G85001,9000000009,e,condition,snomed,1,,2020-01-01,,,maybe", `line 2: status: unknown condition status "maybe"`},
		{"bad quote", `G85001,9000000009,"e,condition`, `line 2: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs := readAllCSV(t, csvHeader+tt.row+"\n")
			if len(rows) != 0 || len(errs) != 1 {
				t.Fatalf("rows %v errors %v", rows, errs)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Fatalf("reason\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"", "csv header: EOF"},
		{"practice,nhs_number\n", "csv header: missing column(s) entry_type, code_system, code, date"},
		{"code,code\n", `csv header: column "code" appears twice`},
	} {
		_, err := NewCSVReader(strings.NewReader(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("header %q: %v, want %q", tt.body, err, tt.want)
		}
	}
}

func FuzzCSVReader(f *testing.F) {
	f.Add(csvHeader + "G85001,9000000009,e1,condition,snomed,38341003,Hypertension,2015-04-01,,,active\n")
	f.Add(csvHeader + "G85001,9000000009,e2,observation,loinc,39156-5,BMI,01/03/2024,31.5,kg/m2,\n")
	f.Add("practice,nhs_number\n\"x")
	f.Fuzz(func(t *testing.T, body string) {
		r, err := NewCSVReader(strings.NewReader(body))
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				continue
			}
			if err != nil {
				return
			}
			n := 0
			for _, set := range []bool{row.Condition != nil, row.Observation != nil, row.Medication != nil} {
				if set {
					n++
				}
			}
			if n != 1 || len(row.Patient.NHSNumber) != 10 {
				t.Fatalf("row %+v: %d facts set", row, n)
			}
		}
	})
}

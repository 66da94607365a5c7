package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestLegacyEncodings imports a Latin-1 extract (a name with "ë", a
// Windows-1252 "’" in a term): read as UTF-8, each record with such text
// is rejected naming its line and field, and nothing is stored garbled;
// declared with --encoding, the text lands as it was written.
func TestLegacyEncodings(t *testing.T) {
	csvBody := "practice,nhs_number,entry_type,code_system,code,term,date,value,unit,family_name,given_name,date_of_birth,sex\n" +
		"G85001,943 476 5919,condition,snomed,38341003,Hypertension,2015-04-01,,,Bront\xeb,Zo\xeb,1950-03-04,female\n" +
		"G85001,943 476 5919,condition,snomed,73211009,Diabetes,2016-04-01,,,Bront\xeb,Zo\xeb,1950-03-04,female\n" +
		"G85001,900 000 0009,condition,snomed,195967001,Asthma,2015-04-01,,,Smith,Jane,1950-03-04,female\n"
	ndjsonBody := `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"Bront` + "\xeb" + `"}],"birthDate":"1950-03-04"}` + "\n" +
		`{"resourceType":"Patient","id":"p2","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"name":[{"family":"O` + "\x92" + `Brien"}],"birthDate":"1950-03-04"}` + "\n"
	tests := []struct {
		name, file, body, encoding string
		rejects                    []string
		family                     map[string]string // NHS number → family name stored
	}{
		{"csv as utf-8", "x.csv", csvBody, "", []string{
			"line 2: family_name: not valid UTF-8 (byte 0xeb at position 6); if the file is in a legacy encoding, import it with --encoding latin1 or windows-1252",
			"line 3: family_name: not valid UTF-8 (byte 0xeb at position 6); if the file is in a legacy encoding, import it with --encoding latin1 or windows-1252"},
			map[string]string{"9000000009": "Smith"}},
		{"csv as latin1", "x.csv", csvBody, "latin1", nil, map[string]string{"9434765919": "Brontë", "9000000009": "Smith"}},
		{"ndjson as utf-8", "x.ndjson", ndjsonBody, "", []string{
			"line 1: family: not valid UTF-8 (byte 0xeb at position 144); if the file is in a legacy encoding, import it with --encoding latin1 or windows-1252",
			"line 2: family: not valid UTF-8 (byte 0x92 at position 140); if the file is in a legacy encoding, import it with --encoding latin1 or windows-1252"}, nil},
		{"ndjson as windows-1252", "x.ndjson", ndjsonBody, "windows-1252", nil, map[string]string{"9434765919": "Brontë", "9000000009": "O’Brien"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				path := filepath.Join(t.TempDir(), tt.file)
				os.WriteFile(path, []byte(tt.body), 0o600)
				_, rejects := importAll(t, db, importer.Options{Encoding: tt.encoding}, path)
				var reasons []string
				for _, r := range rejects {
					reasons = append(reasons, r.Reason)
				}
				if strings.Join(reasons, "\n") != strings.Join(tt.rejects, "\n") {
					t.Errorf("rejects\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(tt.rejects, "\n"))
				}
				counts, _ := store.Counts(ctx, db)
				if counts["patients"] != len(tt.family) {
					t.Errorf("%d patients stored, want %d", counts["patients"], len(tt.family))
				}
				for nhs, family := range tt.family {
					p, err := store.PatientByNHSNumber(ctx, db, joinedup.NHSNumber(nhs))
					if err != nil || p.FamilyName != family {
						t.Errorf("%s: family %q (%v), want %q", nhs, p.FamilyName, err, family)
					}
				}
			})
		})
	}
	db := storetest.Open(t, store.SQLite)
	if _, err := importer.Import(ctx, db, []string{"x"}, importer.Options{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), `encoding "ebcdic"`) {
		t.Errorf("an unknown encoding: %v", err)
	}
}

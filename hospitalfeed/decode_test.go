package hospitalfeed_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/hospitalfeed"
)

// TestDecode reads stored messages again as the doors that took them read
// them: HL7 v2 ADT, a FHIR Encounter and a FHIR message Bundle; what is
// none of them is an error, not a guess.
func TestDecode(t *testing.T) {
	a03, err := os.ReadFile(filepath.Join("..", "hl7", "testdata", "a03.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	encounter := `{"resourceType":"Encounter","id":"kch-ae-77","status":"finished","class":{"code":"EMER"},` +
		`"subject":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}},` +
		`"period":{"start":"2025-06-02T06:30:00Z","end":"2025-06-02T08:00:00Z"}}`
	message := `{"resourceType":"Bundle","id":"m-1","type":"message","entry":[` +
		`{"fullUrl":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000001","resource":{"resourceType":"MessageHeader",` +
		`"eventCoding":{"system":"http://terminology.hl7.org/CodeSystem/v2-0003","code":"A11"},` +
		`"focus":[{"reference":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000002"}]}},` +
		`{"fullUrl":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000002","resource":` + encounter + `}]}`
	tests := []struct {
		name, raw string
		kind      joinedup.HospitalEventKind
		err       string
	}{
		{"HL7 v2 discharge", string(a03), joinedup.EventDischarge, ""},
		{"FHIR Encounter", encounter, joinedup.EventDischarge, ""},
		{"FHIR message: the header's cancel", "\n " + message, joinedup.EventCancelAdmission, ""},
		{"FHIR of another type", `{"resourceType":"Patient"}`, "", "neither Encounter nor Bundle"},
		{"broken JSON", `{"resourceType":`, "", "stored FHIR message"},
		{"neither", "hello", "", "MSH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := hospitalfeed.Decode([]byte(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || ev.Kind != tt.kind || ev.NHSNumber == "" {
				t.Fatalf("%+v, %v", ev, err)
			}
		})
	}
}

package fhir

import (
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
)

// message is a hospital's FHIR message Bundle reporting event about the
// Encounter of status.
func message(id, event, status string) string {
	return `{"resourceType":"Bundle","id":"` + id + `","type":"message","entry":[` +
		`{"fullUrl":"urn:uuid:0f6a3e55-0000-4000-8000-000000000001","resource":{"resourceType":"MessageHeader",` +
		`"eventCoding":{"system":"` + V2EventSystem + `","code":"` + event + `"},"source":{"endpoint":"https://kch.example/fhir"},` +
		`"focus":[{"reference":"urn:uuid:0f6a3e55-0000-4000-8000-000000000002"}]}},` +
		`{"fullUrl":"urn:uuid:0f6a3e55-0000-4000-8000-000000000002","resource":{"resourceType":"Encounter","id":"kch-ae-77",` +
		`"status":"` + status + `","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"EMER"},` +
		`"subject":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}},` +
		`"period":{"start":"2025-06-02T06:30:00Z"}}}]}`
}

func TestHospitalMessageOf(t *testing.T) {
	tests := []struct {
		name, raw string
		kind      joinedup.HospitalEventKind
		err       string
	}{
		{"A&E attendance (A04, EMER)", message("m1", "A04", "in-progress"), joinedup.EventAttendance, ""},
		{"discharge by the header, whatever the status", message("m2", "A03", "in-progress"), joinedup.EventDischarge, ""},
		{"cancel", message("m3", "A11", "cancelled"), joinedup.EventCancelAdmission, ""},
		{"not a message", strings.Replace(message("m4", "A01", "in-progress"), `"type":"message"`, `"type":"collection"`, 1), "", `Bundle/m4: type: "collection": want message`},
		{"no id", message("", "A01", "in-progress"), "", "identifier"},
		{"an event not read", message("m5", "A31", "in-progress"), "", `eventCoding.code: "A31"`},
		{"another code system", strings.Replace(message("m6", "A01", "in-progress"), V2EventSystem, "http://example.org/events", 1), "", "eventCoding"},
		{"focus not in the Bundle", strings.Replace(message("m7", "A01", "in-progress"), `"reference":"urn:uuid:0f6a3e55-0000-4000-8000-000000000002"`, `"reference":"Encounter/elsewhere"`, 1), "", "not an entry of the Bundle"},
		{"the Encounter's own fault", strings.Replace(message("m8", "A01", "in-progress"), `"value":"9434765919"`, `"value":""`, 1), "", "Encounter/kch-ae-77: subject"},
		{"not JSON", `{"resourceType":`, "", "not a FHIR message Bundle"},
		{"a header first, or nothing", `{"resourceType":"Bundle","id":"m9","type":"message","entry":[{"resource":{"resourceType":"Encounter"}}]}`, "", "MessageHeader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, id, err := HospitalMessageOf([]byte(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tt.kind || id == "" || ev.NHSNumber != "9434765919" || ev.Visit != "kch-ae-77" {
				t.Fatalf("event %+v id %q", ev, id)
			}
		})
	}
}

func FuzzHospitalMessageOf(f *testing.F) {
	for _, s := range []string{message("m1", "A04", "in-progress"), message("m2", "A03", "finished"), `{"resourceType":"Bundle"}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, id, err := HospitalMessageOf(raw)
		if err == nil && (id == "" || ev.Kind == "" || ev.NHSNumber == "") {
			t.Fatalf("accepted without an id, kind or NHS number: %+v %q", ev, id)
		}
	})
}

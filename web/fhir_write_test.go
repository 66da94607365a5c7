package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// encounterJSON is a hospital's Encounter for the patient with this NHS
// number: an A&E attendance under way, or over when status is finished.
func encounterJSON(nhs joinedup.NHSNumber, status string) string {
	end := ""
	if status == "finished" {
		end = `,"end":"2025-06-02T08:00:00Z"`
	}
	return `{"resourceType":"Encounter","id":"kch-ae-77","status":"` + status + `","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"EMER"},` +
		`"subject":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + string(nhs) + `"}},` +
		`"period":{"start":"2025-06-02T06:30:00Z"` + end + `}}`
}

func init() {
	// Only a hospital's system, granted system/Encounter.write, reports
	// stays; no person, and no client that may only read.
	accessMatrix["POST /fhir/Encounter"] = matrixRow{path: fixed("/fhir/Encounter"), anon: 401, def: forbidden,
		body:   func(f *fixture) string { return encounterJSON(f.R.NHSNumber, "in-progress") },
		client: cell{200, 403}, clientScope: joinedup.WriteEncounters}
}

// TestFHIREncounterIntake: a hospital that sends FHIR posts an A&E
// attendance and then its end; each is applied once however often it is
// posted, an unknown NHS number is held for review (202), and an
// Encounter that names no patient by NHS number is refused naming the
// field, as an OperationOutcome.
func TestFHIREncounterIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		tok := f.clientToken(t, joinedup.WriteEncounters)
		post := func(body string) (int, string) {
			w := f.do("POST", "/fhir/Encounter", body, tok)
			return w.Code, w.Body.String()
		}
		if code, body := post(encounterJSON(f.R.NHSNumber, "in-progress")); code != 200 || !strings.Contains(body, "applied") {
			t.Fatalf("attendance: %d %s", code, body)
		}
		if code, body := post(encounterJSON(f.R.NHSNumber, "in-progress")); code != 200 || !strings.Contains(body, "received before") {
			t.Errorf("the same attendance again: %d %s", code, body)
		}
		if code, body := post(encounterJSON(f.R.NHSNumber, "finished")); code != 200 || !strings.Contains(body, "applied") {
			t.Errorf("its end: %d %s", code, body)
		}
		encs, err := store.Encounters(ctx, db, f.R.ID)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range encs {
			if e.Source.ID == "kch-ae-77" {
				found = e.Status == "finished" && !e.End.IsZero() && e.Class == joinedup.EncounterEmergency
			}
		}
		if !found {
			t.Errorf("the stay was not recorded as ended: %+v", encs)
		}
		if code, body := post(encounterJSON("9434765919", "in-progress")); code != 202 || !strings.Contains(body, "held for review") {
			t.Errorf("an NHS number held for nobody: %d %s", code, body)
		}
		noNHS := strings.Replace(encounterJSON(f.R.NHSNumber, "in-progress"), `"subject":{"identifier"`, `"subject":{"reference":"Patient/x","identifier"`, 1)
		noNHS = strings.Replace(noNHS, "https://fhir.nhs.uk/Id/nhs-number", "https://hospital.example/mrn", 1)
		if code, body := post(noNHS); code != 422 || !strings.Contains(body, "OperationOutcome") || !strings.Contains(body, "subject") {
			t.Errorf("no NHS number: %d %s", code, body)
		}
		if code, _ := post(`{"resourceType":"Patient"}`); code != 400 {
			t.Errorf("not an Encounter: %d", code)
		}
	})
}

// messageJSON is a hospital's FHIR message Bundle: the v2 event in its
// MessageHeader, about the Encounter encounterJSON makes.
func messageJSON(id, event string, nhs joinedup.NHSNumber, status string) string {
	return `{"resourceType":"Bundle","id":"` + id + `","type":"message","entry":[` +
		`{"fullUrl":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000001","resource":{"resourceType":"MessageHeader",` +
		`"eventCoding":{"system":"http://terminology.hl7.org/CodeSystem/v2-0003","code":"` + event + `"},` +
		`"source":{"endpoint":"https://kch.example/fhir"},"focus":[{"reference":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000002"}]}},` +
		`{"fullUrl":"urn:uuid:6b1f0c1e-0000-4000-8000-000000000002","resource":` + encounterJSON(nhs, status) + `}]}`
}

func init() {
	accessMatrix["POST /fhir/$process-message"] = matrixRow{path: fixed("/fhir/$process-message"), anon: 401, def: forbidden,
		body:   func(f *fixture) string { return messageJSON("matrix-1", "A04", f.R.NHSNumber, "in-progress") },
		client: cell{200, 403}, clientScope: joinedup.WriteEncounters}
}

// TestFHIRMessageIntake: the same events as FHIR messages: the header's
// event decides (a discharge whose Encounter still says in-progress is a
// discharge), each message is applied once by its id, and a message that
// is not one is refused naming the field.
func TestFHIRMessageIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		tok := f.clientToken(t, joinedup.WriteEncounters)
		post := func(body string) (int, string) {
			w := f.do("POST", "/fhir/$process-message", body, tok)
			return w.Code, w.Body.String()
		}
		if code, body := post(messageJSON("m-1", "A04", f.R.NHSNumber, "in-progress")); code != 200 || !strings.Contains(body, "message m-1: applied") {
			t.Fatalf("attendance: %d %s", code, body)
		}
		if code, body := post(messageJSON("m-1", "A04", f.R.NHSNumber, "in-progress")); code != 200 || !strings.Contains(body, "received before") {
			t.Errorf("the same message again: %d %s", code, body)
		}
		if code, body := post(messageJSON("m-2", "A03", f.R.NHSNumber, "in-progress")); code != 200 || !strings.Contains(body, "applied") {
			t.Errorf("the discharge: %d %s", code, body)
		}
		encs, err := store.Encounters(ctx, db, f.R.ID)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(encs, func(e joinedup.Encounter) bool { return e.Source.ID == "kch-ae-77" }); i < 0 || encs[i].Status != "finished" {
			t.Errorf("the stay was not recorded as ended: %+v", encs)
		}
		if code, body := post(strings.Replace(messageJSON("m-3", "A01", f.R.NHSNumber, "in-progress"), `"type":"message"`, `"type":"batch"`, 1)); code != 422 || !strings.Contains(body, "type") {
			t.Errorf("not a message: %d %s", code, body)
		}
		if code, _ := post(`{"resourceType":`); code != 400 {
			t.Errorf("not JSON: %d", code)
		}
	})
}

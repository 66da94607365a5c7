package fhir

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

// decode unmarshals FHIR JSON into a resource struct, failing the test on error.
func decode[T any](t *testing.T, js string) *T {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal([]byte(js), v); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return v
}

func TestPatientToDomain(t *testing.T) {
	refs := NewRefs()
	refs.Add("urn:uuid:org-1", "Organization", "org1")
	p := decode[Patient](t, `{
		"resourceType": "Patient", "id": "p1",
		"meta": {"versionId": "3", "lastUpdated": "2024-01-02T03:04:05Z"},
		"extension": [{"url": "`+ExtNHSCommunication+`", "extension": [
			{"url": "language", "valueCodeableConcept": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pl"}]}},
			{"url": "interpreterRequired", "valueBoolean": true}]}],
		"identifier": [{"system": "https://github.com/synthetichealth/synthea", "value": "x"},
		               {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "943 476 5919"}],
		"name": [{"use": "maiden", "family": "Old"}, {"use": "official", "family": "Smith", "given": ["Richard", "John"]}],
		"telecom": [{"system": "email", "value": "a@b"}, {"system": "phone", "use": "work", "value": "0113 1"}, {"system": "phone", "use": "mobile", "value": "07700 900000"}],
		"gender": "male", "birthDate": "1950-07",
		"address": [{"use": "old", "postalCode": "AA1 1AA"}, {"use": "home", "postalCode": "LS1 4AP"}],
		"communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
		                  {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pt"}]}, "preferred": true}],
		"generalPractitioner": [{"reference": "Practitioner/dr1"}, {"reference": "urn:uuid:org-1"}],
		"unknownElement": {"ignored": true}
	}`)
	got, links, err := PatientToDomain(p, "practice-A", refs)
	if err != nil {
		t.Fatal(err)
	}
	want := joinedup.Patient{
		NHSNumber:           "9434765919",
		Source:              joinedup.Source{System: "practice-A", ID: "p1", VersionID: "3", LastUpdated: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		GivenName:           "Richard John",
		FamilyName:          "Smith",
		BirthDate:           time.Date(1950, 7, 1, 0, 0, 0, 0, time.UTC),
		Sex:                 joinedup.SexMale,
		Language:            "pt",
		InterpreterRequired: true,
		Postcode:            "LS1 4AP",
		Phone:               "07700 900000",
	}
	if got != want {
		t.Errorf("PatientToDomain:\n got %+v\nwant %+v", got, want)
	}
	if want := (Ref{Type: "Organization", ID: "org1"}); links.Practice != want {
		t.Errorf("practice = %+v, want %+v", links.Practice, want)
	}
}

func TestPatientInterpreterCoreExtension(t *testing.T) {
	p := decode[Patient](t, `{"resourceType":"Patient","id":"p2","extension":[{"url":"`+ExtInterpreterRequired+`","valueBoolean":true}],
		"deceasedBoolean": true, "generalPractitioner":[{"type":"Organization","identifier":{"system":"`+SystemODS+`","value":"A81001"}}]}`)
	got, links, err := PatientToDomain(p, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !got.InterpreterRequired || got.Deceased == nil || !got.Deceased.IsZero() {
		t.Errorf("got %+v", got)
	}
	if want := (Ref{Type: "Organization", System: SystemODS, Value: "A81001"}); links.Practice != want {
		t.Errorf("practice = %+v", links.Practice)
	}
}

// TestMappingErrors checks the exact text of mapping errors: each names the
// resource, its id and the element at fault.
func TestMappingErrors(t *testing.T) {
	subj := `"subject":{"reference":"Patient/p1"}`
	code := `"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]}`
	tests := []struct {
		name string
		fn   func() error
		want string
	}{
		{"bad NHS number", func() error {
			_, _, err := PatientToDomain(decode[Patient](t, `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765918"}]}`), "s", nil)
			return err
		}, `Patient/p1: identifier: parse NHS number "9434765918": NHS number fails the Modulus 11 check`},
		{"short NHS number", func() error {
			_, _, err := PatientToDomain(decode[Patient](t, `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"123"}]}`), "s", nil)
			return err
		}, `Patient/p1: identifier: parse NHS number "123": an NHS number has 10 digits`},
		{"bad birth date", func() error {
			_, _, err := PatientToDomain(decode[Patient](t, `{"resourceType":"Patient","id":"p1","birthDate":"1950-02-30"}`), "s", nil)
			return err
		}, `Patient/p1: birthDate: parsing "1950-02-30": day out of range`},
		{"bad gender", func() error {
			_, _, err := PatientToDomain(decode[Patient](t, `{"resourceType":"Patient","id":"p1","gender":"M"}`), "s", nil)
			return err
		}, `Patient/p1: gender: unknown value "M"`},
		{"bad lastUpdated", func() error {
			_, _, err := PatientToDomain(decode[Patient](t, `{"resourceType":"Patient","id":"p1","meta":{"lastUpdated":"yesterday"}}`), "s", nil)
			return err
		}, `Patient/p1: meta.lastUpdated: parsing "yesterday": ` + errDateSyntax.Error()},
		{"unparseable effectiveDateTime", func() error {
			_, _, err := ObservationToDomain(decode[Observation](t, `{"resourceType":"Observation","id":"abc","status":"final",`+code+`,`+subj+`,"effectiveDateTime":"2020-13-01"}`), "s", nil)
			return err
		}, `Observation/abc: effectiveDateTime: parsing "2020-13-01": month out of range`},
		{"observation without subject", func() error {
			_, _, err := ObservationToDomain(decode[Observation](t, `{"resourceType":"Observation","id":"abc",`+code+`}`), "s", nil)
			return err
		}, `Observation/abc: subject: missing`},
		{"observation without code", func() error {
			_, _, err := ObservationToDomain(decode[Observation](t, `{"resourceType":"Observation","id":"abc",`+subj+`}`), "s", nil)
			return err
		}, `Observation/abc: code: missing`},
		{"observation with empty code", func() error {
			_, _, err := ObservationToDomain(decode[Observation](t, `{"resourceType":"Observation","id":"abc",`+subj+`,"code":{}}`), "s", nil)
			return err
		}, `Observation/abc: code: no coding or text`},
		{"component without code", func() error {
			_, _, err := ObservationToDomain(decode[Observation](t, `{"resourceType":"Observation","id":"abc",`+subj+`,`+code+`,"component":[{"code":{"coding":[{"code":"1"}]}},{"code":{}}]}`), "s", nil)
			return err
		}, `Observation/abc: component[1].code: no coding or text`},
		{"condition without subject", func() error {
			_, _, err := ConditionToDomain(decode[Condition](t, `{"resourceType":"Condition","id":"c1",`+code+`}`), "s", nil)
			return err
		}, `Condition/c1: subject: missing`},
		{"condition subject is a Group", func() error {
			_, _, err := ConditionToDomain(decode[Condition](t, `{"resourceType":"Condition","id":"c1",`+code+`,"subject":{"reference":"Group/g1"}}`), "s", nil)
			return err
		}, `Condition/c1: subject: Group/g1 is not a Patient`},
		{"condition subject unresolved urn", func() error {
			_, _, err := ConditionToDomain(decode[Condition](t, `{"resourceType":"Condition","id":"c1",`+code+`,"subject":{"reference":"urn:oid:1.2.3"}}`), "s", NewRefs())
			return err
		}, `Condition/c1: subject: unresolved reference "urn:oid:1.2.3"`},
		{"condition bad onset period", func() error {
			_, _, err := ConditionToDomain(decode[Condition](t, `{"resourceType":"Condition",`+code+`,`+subj+`,"onsetPeriod":{"start":"2019-1"}}`), "s", nil)
			return err
		}, `Condition (no id): onsetPeriod.start: parsing "2019-1": ` + errDateSyntax.Error()},
		{"medication request without medication", func() error {
			_, _, err := MedicationRequestToDomain(decode[MedicationRequest](t, `{"resourceType":"MedicationRequest","id":"m1",`+subj+`}`), "s", nil)
			return err
		}, `MedicationRequest/m1: medication[x]: missing`},
		{"medication request with external medication", func() error {
			_, _, err := MedicationRequestToDomain(decode[MedicationRequest](t, `{"resourceType":"MedicationRequest","id":"m1",`+subj+`,"medicationReference":{"reference":"Medication/x"}}`), "s", nil)
			return err
		}, `MedicationRequest/m1: medicationReference: unresolved reference "Medication/x": only contained medications are read`},
		{"medication statement bad date", func() error {
			_, _, err := MedicationStatementToDomain(decode[MedicationStatement](t, `{"resourceType":"MedicationStatement","id":"m2",`+subj+`,"medicationCodeableConcept":{"coding":[{"code":"1"}]},"effectivePeriod":{"start":"2019-02-29"}}`), "s", nil)
			return err
		}, `MedicationStatement/m2: effectivePeriod.start: parsing "2019-02-29": day out of range`},
		{"encounter bad period end", func() error {
			_, _, err := EncounterToDomain(decode[Encounter](t, `{"resourceType":"Encounter","id":"e1",`+subj+`,"period":{"start":"2019-01-01","end":"2019-01-01T10:00:00"}}`), "s", nil)
			return err
		}, `Encounter/e1: period.end: parsing "2019-01-01T10:00:00": time zone missing or out of range`},
		{"appointment without patient", func() error {
			_, _, err := AppointmentToDomain(decode[Appointment](t, `{"resourceType":"Appointment","id":"a1","status":"booked","participant":[{"actor":{"reference":"Practitioner/d1"},"status":"accepted"}]}`), "s", nil)
			return err
		}, `Appointment/a1: participant: no patient actor`},
		{"related person without patient", func() error {
			_, _, err := RelatedPersonToDomain(decode[RelatedPerson](t, `{"resourceType":"RelatedPerson","id":"r1"}`), "s", nil)
			return err
		}, `RelatedPerson/r1: patient: missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn()
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
			var me *MappingError
			if !errors.As(err, &me) {
				t.Errorf("error %T is not a *MappingError", err)
			}
		})
	}
}

func TestObservationToDomain(t *testing.T) {
	o := decode[Observation](t, `{"resourceType":"Observation","id":"bp","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure"},{"system":"http://snomed.info/sct","code":"75367002"}]},
		"subject":{"reference":"https://example.org/fhir/Patient/p9/_history/2"},
		"effectivePeriod":{"start":"2012-09-17"},
		"component":[
		  {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":107,"unit":"mmHg","code":"mm[Hg]"}},
		  {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":60,"code":"mm[Hg]"}}]}`)
	got, links, err := ObservationToDomain(o, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if links.Subject != (Ref{Type: "Patient", ID: "p9"}) {
		t.Errorf("subject = %+v", links.Subject)
	}
	if len(got.Codes) != 2 || !got.Codes.Has(joinedup.SystemSNOMED, "75367002") {
		t.Errorf("codes = %+v", got.Codes)
	}
	if !got.Effective.Equal(time.Date(2012, 9, 17, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("effective = %v", got.Effective)
	}
	if len(got.Components) != 2 || *got.Components[0].Value != (joinedup.Quantity{Value: 107, Unit: "mmHg"}) ||
		*got.Components[1].Value != (joinedup.Quantity{Value: 60, Unit: "mm[Hg]"}) {
		t.Errorf("components = %+v", got.Components)
	}

	coded := decode[Observation](t, `{"resourceType":"Observation","id":"smk","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},
		"subject":{"reference":"Patient/p9"},"effectiveDateTime":"2019",
		"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"266919005","display":"Never smoker"}]}}`)
	got, _, err = ObservationToDomain(coded, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ValueCode == nil || got.ValueCode.Code != "266919005" || got.Value != nil {
		t.Errorf("coded value = %+v / %+v", got.ValueCode, got.Value)
	}
}

func TestEncounterEmergency(t *testing.T) {
	base := `"resourceType":"Encounter","id":"e","subject":{"reference":"Patient/p"}`
	tests := []struct {
		name string
		js   string
		want bool
	}{
		{"EMER class", `{` + base + `,"class":{"code":"EMER"}}`, true},
		{"AMB class", `{` + base + `,"class":{"code":"AMB"}}`, false},
		{"IMP from A&E (HL7)", `{` + base + `,"class":{"code":"IMP"},"hospitalization":{"admitSource":{"coding":[{"system":"` + SystemAdmitSource + `","code":"emd"}]}}}`, true},
		{"IMP from A&E (SNOMED)", `{` + base + `,"class":{"code":"IMP"},"hospitalization":{"admitSource":{"coding":[{"system":"http://snomed.info/sct","code":"225728007"}]}}}`, true},
		{"IMP referred by GP", `{` + base + `,"class":{"code":"IMP"},"hospitalization":{"admitSource":{"coding":[{"system":"` + SystemAdmitSource + `","code":"gp"}]}}}`, false},
		{"IMP emergency admission method", `{` + base + `,"class":{"code":"IMP"},"hospitalization":{"extension":[{"url":"` + ExtAdmissionMethod + `","valueCodeableConcept":{"coding":[{"system":"` + SystemAdmissionMethod + `","code":"22"}]}}]}}`, true},
		{"IMP elective admission method", `{` + base + `,"class":{"code":"IMP"},"hospitalization":{"extension":[{"url":"` + ExtAdmissionMethod + `","valueCodeableConcept":{"coding":[{"system":"` + SystemAdmissionMethod + `","code":"13"}]}}]}}`, false},
		{"IMP emergency admission type", `{` + base + `,"class":{"code":"IMP"},"type":[{"coding":[{"system":"http://snomed.info/sct","code":"183452005"}]}]}`, true},
	}
	for _, tt := range tests {
		got, _, err := EncounterToDomain(decode[Encounter](t, tt.js), "s", nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Emergency != tt.want {
			t.Errorf("%s: Emergency = %v, want %v", tt.name, got.Emergency, tt.want)
		}
	}
}

func TestMedicationRepeat(t *testing.T) {
	base := `"resourceType":"MedicationRequest","id":"m","status":"active","intent":"order","subject":{"reference":"Patient/p"},"medicationCodeableConcept":{"coding":[{"system":"https://dmd.nhs.uk","code":"39113611000001102"}]}`
	tests := []struct {
		name string
		js   string
		want bool
	}{
		{"acute", `{` + base + `,"courseOfTherapyType":{"coding":[{"system":"` + SystemCourseOfTherapy + `","code":"acute"}]}}`, false},
		{"continuous", `{` + base + `,"courseOfTherapyType":{"coding":[{"system":"` + SystemCourseOfTherapy + `","code":"continuous"}]}}`, true},
		{"repeats allowed", `{` + base + `,"dispenseRequest":{"numberOfRepeatsAllowed":5}}`, true},
		{"no repeats", `{` + base + `,"dispenseRequest":{"numberOfRepeatsAllowed":0}}`, false},
		{"plain", `{` + base + `}`, false},
	}
	for _, tt := range tests {
		got, _, err := MedicationRequestToDomain(decode[MedicationRequest](t, tt.js), "s", nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Repeat != tt.want {
			t.Errorf("%s: Repeat = %v, want %v", tt.name, got.Repeat, tt.want)
		}
	}
	contained := decode[MedicationRequest](t, `{"resourceType":"MedicationRequest","id":"m","subject":{"reference":"Patient/p"},
		"contained":[{"resourceType":"Medication","id":"med1","code":{"coding":[{"system":"https://dmd.nhs.uk","code":"42"}]}}],
		"medicationReference":{"reference":"#med1"}}`)
	got, _, err := MedicationRequestToDomain(contained, "s", nil)
	if err != nil || !got.Codes.Has(joinedup.SystemDMD, "42") {
		t.Errorf("contained medication: %+v, %v", got.Codes, err)
	}
}

func TestOrganizationToDomain(t *testing.T) {
	for _, tt := range []struct {
		ods  string
		kind joinedup.OrgKind
	}{{"B82005", joinedup.OrgPractice}, {"RR8", joinedup.OrgTrust}, {"QWO", joinedup.OrgOther}, {"", joinedup.OrgOther}} {
		o := &Organization{DomainResource: DomainResource{Resource: Resource{ResourceType: "Organization", ID: "o"}}, Name: "X",
			PartOf: &Reference{Reference: "Organization/parent"}}
		if tt.ods != "" {
			o.Identifier = []Identifier{{System: SystemODS, Value: tt.ods}}
		}
		got, links, err := OrganizationToDomain(o, "s", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.ODS != tt.ods || got.Kind != tt.kind || got.Name != "X" || links.PartOf.ID != "parent" {
			t.Errorf("ODS %q: got %+v %+v", tt.ods, got, links)
		}
	}
}

func TestOrganizationKindCoded(t *testing.T) {
	o := &Organization{DomainResource: DomainResource{Resource: Resource{ResourceType: "Organization", ID: "loc1"}},
		Identifier: []Identifier{{System: SystemODS, Value: "QKK01"}}, Name: "North Lambeth",
		Type: []CodeableConcept{{Coding: []Coding{{System: SystemOrganisationKind, Code: "locality"}}}}}
	got, _, err := OrganizationToDomain(o, "test", nil)
	if err != nil || got.Kind != joinedup.OrgLocality {
		t.Fatalf("kind %q, %v; want locality from the coded type", got.Kind, err)
	}
	o.Type[0].Coding[0].Code = "spaceship"
	if got, _, _ := OrganizationToDomain(o, "test", nil); got.Kind != joinedup.OrgOther {
		t.Fatalf("an unknown coded kind gave %q", got.Kind)
	}
}

// An appointment's site is its Location participant, as named, wherever it
// comes among the participants; one without a Location has no site.
func TestAppointmentSite(t *testing.T) {
	tests := []struct{ name, participants, want string }{
		{"location after the patient", `[{"actor":{"reference":"Patient/p1"}},{"actor":{"type":"Location","display":" St Thomas' Hospital "}}]`, "St Thomas' Hospital"},
		{"location first, by reference", `[{"actor":{"reference":"Location/l1","display":"King's College Hospital"}},{"actor":{"reference":"Patient/p1"}}]`, "King's College Hospital"},
		{"the first location", `[{"actor":{"type":"Location","display":"Guy's"}},{"actor":{"type":"Location","display":"St Thomas'"}},{"actor":{"reference":"Patient/p1"}}]`, "Guy's"},
		{"no location", `[{"actor":{"reference":"Patient/p1"}},{"actor":{"reference":"Practitioner/d1"}}]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, links, err := AppointmentToDomain(decode[Appointment](t, `{"resourceType":"Appointment","id":"a1","status":"booked","participant":`+tt.participants+`}`), "s", nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Site != tt.want || links.Subject.ID != "p1" {
				t.Fatalf("site %q subject %+v, want %q and p1", a.Site, links.Subject, tt.want)
			}
			back := FromAppointment(a)
			if tt.want != "" && (len(back.Participant) != 2 || back.Participant[1].Actor.Display != tt.want) {
				t.Fatalf("written back as %+v", back.Participant)
			}
		})
	}
}

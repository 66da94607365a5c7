package fhir

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

var (
	lastUpdated = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	bst         = time.FixedZone("", 3600)
)

// Domain values covering every field the export writes.
var (
	domPatient = joinedup.Patient{
		ID: "6f1c2b0e-0000-4000-8000-000000000001", NHSNumber: "9434765919",
		Source:    joinedup.Source{System: "joinedup", ID: "6f1c2b0e-0000-4000-8000-000000000001", VersionID: "2", LastUpdated: lastUpdated},
		GivenName: "Amara", FamilyName: "Okafor", BirthDate: time.Date(1948, 2, 29, 0, 0, 0, 0, time.UTC),
		Sex: joinedup.SexFemale, Language: "pt", InterpreterRequired: true,
		PracticeID: "org-practice-1", Postcode: "LS1 4AP", Phone: "0113 496 0000",
		Deceased: ptr(time.Date(2024, 1, 5, 14, 0, 0, 0, time.UTC)),
	}
	domCondition = joinedup.Condition{
		ID: "cond-1", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "cond-1"},
		Codes: joinedup.Codings{
			{System: joinedup.SystemSNOMED, Code: "44054006", Display: "Type 2 diabetes mellitus"},
			{System: "http://read.info/ctv3", Code: "C10F."},
		},
		ClinicalStatus: "active", Onset: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
		Recorded: time.Date(2015, 6, 3, 10, 12, 0, 0, bst), Abated: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	domObservation = joinedup.Observation{
		ID: "obs-bp", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "obs-bp"},
		Codes:  joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "75367002", Display: "Blood pressure"}},
		Status: "final", Effective: time.Date(2023, 11, 2, 8, 45, 0, 0, time.UTC),
		Components: []joinedup.Component{
			{Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "72313002", Display: "Systolic arterial pressure"}}, Value: &joinedup.Quantity{Value: 142, Unit: "mm[Hg]"}},
			{Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "1091811000000102", Display: "Diastolic arterial pressure"}}, Value: &joinedup.Quantity{Value: 0, Unit: "mm[Hg]"}},
		},
	}
	domObservationCoded = joinedup.Observation{
		ID: "obs-smoking", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "obs-smoking"},
		Codes:     joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "365980008", Display: "Tobacco use and exposure"}},
		Value:     &joinedup.Quantity{Value: 20, Unit: "/d"},
		Effective: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		ValueCode: &joinedup.Coding{System: joinedup.SystemSNOMED, Code: "8517006", Display: "Ex-smoker"},
	}
	domMedRequest = joinedup.Medication{
		ID: "med-1", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "med-1"},
		Kind: joinedup.MedicationRequest, Codes: joinedup.Codings{{System: joinedup.SystemDMD, Code: "325278007", Display: "Metformin 500mg tablets"}},
		Status: "active", Authored: time.Date(2022, 4, 4, 0, 0, 0, 0, time.UTC), Repeat: true,
	}
	domMedStatement = joinedup.Medication{
		ID: "med-2", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "med-2"},
		Kind: joinedup.MedicationStatement, Codes: joinedup.Codings{{System: joinedup.SystemDMD, Code: "322236009", Display: "Paracetamol 500mg tablets"}},
		Status: "completed", Authored: time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC),
	}
	domEncounter = joinedup.Encounter{
		ID: "enc-1", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "enc-1"}, Status: "finished",
		Class:     joinedup.EncounterInpatient,
		Types:     joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "32485007", Display: "Hospital admission"}},
		Specialty: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "394579002", Display: "Cardiology"}},
		Start:     time.Date(2023, 2, 1, 22, 10, 0, 0, time.UTC), End: time.Date(2023, 2, 6, 11, 0, 0, 0, time.UTC),
		Emergency: true, ServiceProvider: "org-trust-1",
	}
	domEncounterAE = joinedup.Encounter{
		ID: "enc-2", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "enc-2"}, Status: "in-progress",
		Class:       joinedup.EncounterInpatient,
		Start:       time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC),
		AdmitSource: joinedup.Codings{{System: SystemAdmitSource, Code: "emd", Display: "From accident/emergency department"}},
		Emergency:   true,
	}
	domAppointment = joinedup.Appointment{
		ID: "appt-1", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "appt-1"},
		Start: time.Date(2024, 5, 2, 9, 0, 0, 0, bst), End: time.Date(2024, 5, 2, 9, 30, 0, 0, bst),
		Status: "booked", Specialty: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "394583002", Display: "Endocrinology"}},
		Service: "Diabetes clinic",
	}
	domCarer = joinedup.Carer{
		ID: "carer-1", PatientID: domPatient.ID, Source: joinedup.Source{System: "joinedup", ID: "carer-1"},
		Name:         "Chidi Okafor",
		Relationship: joinedup.Codings{{System: "http://terminology.hl7.org/CodeSystem/v3-RoleCode", Code: "SON", Display: "natural son"}},
		Phone:        "07700 900123",
	}
	domOrganisation = joinedup.Organisation{
		ID: "org-practice-1", ODS: "B86001", Name: "Leeds Road Surgery", Kind: joinedup.OrgPractice, ParentID: "org-locality-1",
		Source: joinedup.Source{System: "joinedup", ID: "org-practice-1"},
	}
)

// golden compares got with testdata/name.golden.json, rewriting the file
// under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, got, want)
	}
}

// roundTrip is one domain value taken through export and import.
type roundTrip struct {
	name   string
	export func() any                           // domain → FHIR struct
	back   func(raw []byte) (any, Links, error) // JSON → domain
	want   any                                  // the domain value expected back
	links  Links                                // the links expected back
}

func TestExportRoundTrip(t *testing.T) {
	schema := fhirschema.Validator(t)
	subject := Ref{Type: "Patient", ID: domPatient.ID}
	back := func(rt string) func([]byte) (any, Links, error) {
		return func(b []byte) (any, Links, error) { return ToDomain(rt, b, "joinedup", nil) }
	}
	// What comes back differs from what went in only where FHIR has no
	// place for a field: domain ids are the caller's, and links are
	// returned separately.
	imported := func(v any) any {
		rv := reflect.New(reflect.TypeOf(v)).Elem()
		rv.Set(reflect.ValueOf(v))
		for _, f := range []string{"ID", "PatientID", "PracticeID", "ServiceProvider", "ParentID"} {
			if fv := rv.FieldByName(f); fv.IsValid() {
				fv.SetString("")
			}
		}
		return rv.Interface()
	}
	tests := []roundTrip{
		{"patient", func() any { return FromPatient(domPatient) }, back("Patient"), imported(domPatient), Links{Practice: Ref{Type: "Organization", ID: "org-practice-1"}}},
		{"condition", func() any { return FromCondition(domCondition) }, back("Condition"), imported(domCondition), Links{Subject: subject}},
		{"observation-bp", func() any { return FromObservation(domObservation) }, back("Observation"), imported(domObservation), Links{Subject: subject}},
		{"observation-coded", func() any { return FromObservation(domObservationCoded) }, back("Observation"), func() any {
			o := imported(domObservationCoded).(joinedup.Observation)
			o.Status = "unknown" // R4 requires a status
			o.ValueCode = nil    // value[x] holds the quantity only
			return o
		}(), Links{Subject: subject}},
		{"medicationrequest", func() any { return FromMedication(domMedRequest) }, back("MedicationRequest"), imported(domMedRequest), Links{Subject: subject}},
		{"medicationstatement", func() any { return FromMedication(domMedStatement) }, back("MedicationStatement"), imported(domMedStatement), Links{Subject: subject}},
		{"encounter-emergency-admission", func() any { return FromEncounter(domEncounter) }, back("Encounter"), imported(domEncounter), Links{Subject: subject, ServiceProvider: Ref{Type: "Organization", ID: "org-trust-1"}}},
		{"encounter-from-ae", func() any { return FromEncounter(domEncounterAE) }, back("Encounter"), imported(domEncounterAE), Links{Subject: subject}},
		{"appointment", func() any { return FromAppointment(domAppointment) }, back("Appointment"), imported(domAppointment), Links{Subject: subject}},
		{"relatedperson", func() any { return FromCarer(domCarer) }, back("RelatedPerson"), imported(domCarer), Links{Subject: subject}},
		{"organization", func() any { return FromOrganisation(domOrganisation) }, back("Organization"), imported(domOrganisation), Links{PartOf: Ref{Type: "Organization", ID: "org-locality-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.MarshalIndent(tt.export(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			golden(t, tt.name, b)
			if err := schema.Validate(b); err != nil {
				t.Fatalf("not valid R4: %v", err)
			}
			got, links, err := tt.back(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.want)
			}
			if links != tt.links {
				t.Errorf("links = %+v, want %+v", links, tt.links)
			}
		})
	}
}

// TestExportMinimal checks that empty domain values still export as valid
// R4: required elements get their documented defaults and nothing empty is
// written.
func TestExportMinimal(t *testing.T) {
	schema := fhirschema.Validator(t)
	for _, v := range []any{
		FromPatient(joinedup.Patient{}),
		FromCondition(joinedup.Condition{PatientID: "p"}),
		FromObservation(joinedup.Observation{PatientID: "p", Codes: joinedup.Codings{{Code: "x"}}}),
		FromMedication(joinedup.Medication{PatientID: "p", Codes: joinedup.Codings{{Code: "x"}}}),
		FromMedication(joinedup.Medication{Kind: joinedup.MedicationStatement, PatientID: "p", Codes: joinedup.Codings{{Code: "x"}}}),
		FromEncounter(joinedup.Encounter{PatientID: "p"}),
		FromAppointment(joinedup.Appointment{PatientID: "p"}),
		FromCarer(joinedup.Carer{PatientID: "p"}),
		FromOrganisation(joinedup.Organisation{}),
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(b); err != nil {
			t.Errorf("%s: %v", b, err)
		}
		if bytes.Contains(b, []byte(`""`)) || bytes.Contains(b, []byte(`{}`)) || bytes.Contains(b, []byte(`[]`)) {
			t.Errorf("empty element written: %s", b)
		}
	}
}

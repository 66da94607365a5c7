package joinedup

import "time"

// Well-known code systems.
const (
	SystemSNOMED = "http://snomed.info/sct"
	SystemLOINC  = "http://loinc.org"
	SystemDMD    = "https://dmd.nhs.uk"
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemUCUM   = "http://unitsofmeasure.org"
)

// Coding is one coded value: a code in a code system, with the term the
// source displayed.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Codings is every coding a source gave for one concept (a Condition may carry
// both a SNOMED CT and a local code).
type Codings []Coding

// Has reports whether any coding is (system, code).
func (cs Codings) Has(system, code string) bool {
	for _, c := range cs {
		if c.Code == code && c.System == system {
			return true
		}
	}
	return false
}

// Primary returns the first coding, or the zero Coding.
func (cs Codings) Primary() Coding {
	if len(cs) == 0 {
		return Coding{}
	}
	return cs[0]
}

// Text returns the first display term found, else the first code.
func (cs Codings) Text() string {
	for _, c := range cs {
		if c.Display != "" {
			return c.Display
		}
	}
	return cs.Primary().Code
}

// Source records where a record came from, so every fact can be traced back
// to the system and record that sent it (provenance), and so a re-import can
// recognise a record it has seen.
type Source struct {
	System      string    // the sending system, e.g. a practice's ODS code or "synthea"
	ID          string    // the record's id in that system
	VersionID   string    // meta.versionId, when given
	LastUpdated time.Time // meta.lastUpdated, when given
}

// Sex is administrative gender as FHIR records it.
type Sex string

// Values of Sex.
const (
	SexFemale  Sex = "female"
	SexMale    Sex = "male"
	SexOther   Sex = "other"
	SexUnknown Sex = "unknown"
)

// Patient is a person registered at a practice.
type Patient struct {
	ID                  string
	NHSNumber           NHSNumber // empty when the source had none
	Source              Source
	GivenName           string
	FamilyName          string
	BirthDate           time.Time
	Sex                 Sex
	Language            string // BCP 47 tag of the preferred language, e.g. "pt"
	InterpreterRequired bool
	PracticeID          string // registered GP practice (Organisation.ID)
	Postcode            string
	Phone               string
	Deceased            *time.Time
}

// Name returns "Given FAMILY" as NHS letters and lists show it.
func (p Patient) Name() string {
	switch {
	case p.GivenName == "":
		return p.FamilyName
	case p.FamilyName == "":
		return p.GivenName
	}
	return p.GivenName + " " + p.FamilyName
}

// AgeAt returns the patient's age in whole years on the given date.
func (p Patient) AgeAt(t time.Time) int {
	if p.BirthDate.IsZero() {
		return 0
	}
	y := t.Year() - p.BirthDate.Year()
	if t.YearDay() < p.BirthDate.YearDay() {
		y--
	}
	return y
}

// Quantity is a measured value with its unit as the source wrote it.
type Quantity struct {
	Value float64
	Unit  string // UCUM or free text, e.g. "kg/m2", "mmol/mol", "%"
}

// Condition is a diagnosis or problem.
type Condition struct {
	ID             string
	PatientID      string
	Source         Source
	Codes          Codings
	ClinicalStatus string // active, recurrence, relapse, inactive, remission, resolved; empty if unknown
	// VerificationStatus is how sure the record is: confirmed,
	// unconfirmed, provisional, differential, refuted or entered-in-error;
	// empty if the source did not say (a GP problem list records
	// diagnoses it is sure of).
	VerificationStatus string
	Onset              time.Time
	Recorded           time.Time
	Abated             time.Time
}

// Active reports whether the condition counts as current: no status means
// active, as a GP problem list records it.
func (c Condition) Active() bool {
	switch c.ClinicalStatus {
	case "", "active", "recurrence", "relapse":
		return true
	}
	return false
}

// Date is the date the condition is known from: onset, else recorded.
func (c Condition) Date() time.Time {
	if !c.Onset.IsZero() {
		return c.Onset
	}
	return c.Recorded
}

// Component is one part of a multi-part observation, such as the systolic
// reading of a blood pressure.
type Component struct {
	Codes Codings
	Value *Quantity
}

// Observation is a measurement or finding: BMI, HbA1c, blood pressure, a
// coded smoking status, a frailty score.
type Observation struct {
	ID         string
	PatientID  string
	Source     Source
	Codes      Codings
	Status     string
	Effective  time.Time
	Value      *Quantity
	ValueCode  *Coding // a coded result, e.g. a smoking status
	Components []Component
}

// MedicationKind tells a prescription from a statement of use.
type MedicationKind string

// Values of MedicationKind.
const (
	MedicationRequest   MedicationKind = "request"
	MedicationStatement MedicationKind = "statement"
)

// Medication is a prescription (MedicationRequest) or a record of use
// (MedicationStatement).
type Medication struct {
	ID        string
	PatientID string
	Source    Source
	Kind      MedicationKind
	Codes     Codings
	Status    string // active, completed, stopped, …
	Authored  time.Time
	Repeat    bool // a repeat prescription
}

// Encounter classes, from the HL7 v3 ActCode system FHIR uses.
const (
	EncounterAmbulatory = "AMB"
	EncounterEmergency  = "EMER"
	EncounterInpatient  = "IMP"
	EncounterHome       = "HH"
	EncounterVirtual    = "VR"
)

// Encounter is a contact with a service: a GP visit, an outpatient
// attendance, an A&E attendance or a hospital admission.
type Encounter struct {
	ID              string
	PatientID       string
	Source          Source
	Class           string // AMB, EMER, IMP, …
	Types           Codings
	Specialty       Codings // service type / specialty
	Start           time.Time
	End             time.Time
	AdmitSource     Codings
	Emergency       bool   // an unplanned (emergency) admission
	ServiceProvider string // Organisation.ID when known
	// Status is planned, arrived, triaged, in-progress, onleave, finished,
	// cancelled, entered-in-error or unknown; empty if the source did not
	// say.
	Status string
}

// Appointment is a booked contact, usually in the future.
type Appointment struct {
	ID        string
	PatientID string
	Source    Source
	Start     time.Time
	End       time.Time
	Status    string // booked, fulfilled, cancelled, noshow, …
	Specialty Codings
	Service   string // the service or clinic, as text
	// Site is where the appointment is held (a hospital), as the booking
	// system names it: FHIR's participant of type Location.
	Site string
}

// Carer is a person (not a user) who cares for the patient: a relative,
// friend or neighbour, from FHIR RelatedPerson.
type Carer struct {
	ID           string
	PatientID    string
	Source       Source
	Name         string
	Relationship Codings
	Phone        string
}

// Facts is everything the sources have told JoinedUp about one patient: the
// input to stratification.
type Facts struct {
	Patient      Patient
	Conditions   []Condition
	Observations []Observation
	Medications  []Medication
	Encounters   []Encounter
	Appointments []Appointment
	Carers       []Carer
}

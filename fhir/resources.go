package fhir

import "encoding/json"

// Patient is an R4 Patient.
type Patient struct {
	DomainResource
	Identifier           []Identifier     `json:"identifier,omitempty"`
	Active               *bool            `json:"active,omitempty"`
	Name                 []HumanName      `json:"name,omitempty"`
	Telecom              []ContactPoint   `json:"telecom,omitempty"`
	Gender               string           `json:"gender,omitempty"`
	BirthDate            string           `json:"birthDate,omitempty"`
	DeceasedBoolean      *bool            `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime     string           `json:"deceasedDateTime,omitempty"`
	Address              []Address        `json:"address,omitempty"`
	MaritalStatus        *CodeableConcept `json:"maritalStatus,omitempty"`
	Communication        []Communication  `json:"communication,omitempty"`
	GeneralPractitioner  []Reference      `json:"generalPractitioner,omitempty"`
	ManagingOrganization *Reference       `json:"managingOrganization,omitempty"`
}

// Organization is an R4 Organization.
type Organization struct {
	DomainResource
	Identifier []Identifier      `json:"identifier,omitempty"`
	Active     *bool             `json:"active,omitempty"`
	Type       []CodeableConcept `json:"type,omitempty"`
	Name       string            `json:"name,omitempty"`
	Alias      []string          `json:"alias,omitempty"`
	Telecom    []ContactPoint    `json:"telecom,omitempty"`
	Address    []Address         `json:"address,omitempty"`
	PartOf     *Reference        `json:"partOf,omitempty"`
}

// Condition is an R4 Condition.
type Condition struct {
	DomainResource
	Identifier         []Identifier      `json:"identifier,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Severity           *CodeableConcept  `json:"severity,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	OnsetPeriod        *Period           `json:"onsetPeriod,omitempty"`
	OnsetString        string            `json:"onsetString,omitempty"`
	AbatementDateTime  string            `json:"abatementDateTime,omitempty"`
	AbatementPeriod    *Period           `json:"abatementPeriod,omitempty"`
	AbatementString    string            `json:"abatementString,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
}

// Observation is an R4 Observation.
type Observation struct {
	DomainResource
	Identifier           []Identifier           `json:"identifier,omitempty"`
	Status               string                 `json:"status,omitempty"`
	Category             []CodeableConcept      `json:"category,omitempty"`
	Code                 *CodeableConcept       `json:"code,omitempty"`
	Subject              *Reference             `json:"subject,omitempty"`
	Encounter            *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime    string                 `json:"effectiveDateTime,omitempty"`
	EffectivePeriod      *Period                `json:"effectivePeriod,omitempty"`
	EffectiveInstant     string                 `json:"effectiveInstant,omitempty"`
	Issued               string                 `json:"issued,omitempty"`
	ValueQuantity        *Quantity              `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept       `json:"valueCodeableConcept,omitempty"`
	ValueString          string                 `json:"valueString,omitempty"`
	ValueBoolean         *bool                  `json:"valueBoolean,omitempty"`
	ValueInteger         *int                   `json:"valueInteger,omitempty"`
	DataAbsentReason     *CodeableConcept       `json:"dataAbsentReason,omitempty"`
	Interpretation       []CodeableConcept      `json:"interpretation,omitempty"`
	Component            []ObservationComponent `json:"component,omitempty"`
}

// ObservationComponent is one part of a multi-part Observation, such as the
// systolic reading of a blood pressure.
type ObservationComponent struct {
	Code                 CodeableConcept  `json:"code"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueString          string           `json:"valueString,omitempty"`
	DataAbsentReason     *CodeableConcept `json:"dataAbsentReason,omitempty"`
}

// DispenseRequest is MedicationRequest.dispenseRequest.
type DispenseRequest struct {
	ValidityPeriod         *Period   `json:"validityPeriod,omitempty"`
	NumberOfRepeatsAllowed *int      `json:"numberOfRepeatsAllowed,omitempty"`
	Quantity               *Quantity `json:"quantity,omitempty"`
}

// MedicationRequest is an R4 MedicationRequest (a prescription).
type MedicationRequest struct {
	DomainResource
	// Contained holds contained resources raw; a contained Medication is
	// consulted when medicationReference points to "#id".
	Contained                 []json.RawMessage `json:"contained,omitempty"`
	Identifier                []Identifier      `json:"identifier,omitempty"`
	Status                    string            `json:"status,omitempty"`
	Intent                    string            `json:"intent,omitempty"`
	Category                  []CodeableConcept `json:"category,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   *Reference        `json:"subject,omitempty"`
	Encounter                 *Reference        `json:"encounter,omitempty"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *Reference        `json:"requester,omitempty"`
	CourseOfTherapyType       *CodeableConcept  `json:"courseOfTherapyType,omitempty"`
	DispenseRequest           *DispenseRequest  `json:"dispenseRequest,omitempty"`
}

// MedicationStatement is an R4 MedicationStatement (a record of use).
type MedicationStatement struct {
	DomainResource
	// Contained holds contained resources raw, as for MedicationRequest.
	Contained                 []json.RawMessage `json:"contained,omitempty"`
	Identifier                []Identifier      `json:"identifier,omitempty"`
	Status                    string            `json:"status,omitempty"`
	Category                  *CodeableConcept  `json:"category,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   *Reference        `json:"subject,omitempty"`
	Context                   *Reference        `json:"context,omitempty"`
	EffectiveDateTime         string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *Period           `json:"effectivePeriod,omitempty"`
	DateAsserted              string            `json:"dateAsserted,omitempty"`
}

// Medication is the part of an R4 Medication resource needed to resolve a
// contained medicationReference.
type Medication struct {
	Resource
	Code *CodeableConcept `json:"code,omitempty"`
}

// Hospitalization is Encounter.hospitalization.
type Hospitalization struct {
	Extension   []Extension      `json:"extension,omitempty"`
	AdmitSource *CodeableConcept `json:"admitSource,omitempty"`
}

// Encounter is an R4 Encounter.
type Encounter struct {
	DomainResource
	Identifier      []Identifier      `json:"identifier,omitempty"`
	Status          string            `json:"status,omitempty"`
	Class           *Coding           `json:"class,omitempty"`
	Type            []CodeableConcept `json:"type,omitempty"`
	ServiceType     *CodeableConcept  `json:"serviceType,omitempty"`
	Priority        *CodeableConcept  `json:"priority,omitempty"`
	Subject         *Reference        `json:"subject,omitempty"`
	Period          *Period           `json:"period,omitempty"`
	ReasonCode      []CodeableConcept `json:"reasonCode,omitempty"`
	Hospitalization *Hospitalization  `json:"hospitalization,omitempty"`
	ServiceProvider *Reference        `json:"serviceProvider,omitempty"`
}

// AppointmentParticipant is Appointment.participant.
type AppointmentParticipant struct {
	Type     []CodeableConcept `json:"type,omitempty"`
	Actor    *Reference        `json:"actor,omitempty"`
	Required string            `json:"required,omitempty"`
	Status   string            `json:"status,omitempty"`
}

// Appointment is an R4 Appointment.
type Appointment struct {
	DomainResource
	Identifier      []Identifier             `json:"identifier,omitempty"`
	Status          string                   `json:"status,omitempty"`
	ServiceCategory []CodeableConcept        `json:"serviceCategory,omitempty"`
	ServiceType     []CodeableConcept        `json:"serviceType,omitempty"`
	Specialty       []CodeableConcept        `json:"specialty,omitempty"`
	AppointmentType *CodeableConcept         `json:"appointmentType,omitempty"`
	Description     string                   `json:"description,omitempty"`
	Start           string                   `json:"start,omitempty"` // instant
	End             string                   `json:"end,omitempty"`   // instant
	Participant     []AppointmentParticipant `json:"participant,omitempty"`
	// SupportingInformation points to what the appointment is for or with,
	// such as the trust whose clinic it is.
	SupportingInformation []Reference `json:"supportingInformation,omitempty"`
}

// RelatedPerson is an R4 RelatedPerson; JoinedUp reads carers from it.
type RelatedPerson struct {
	DomainResource
	Identifier   []Identifier      `json:"identifier,omitempty"`
	Active       *bool             `json:"active,omitempty"`
	Patient      *Reference        `json:"patient,omitempty"`
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         []HumanName       `json:"name,omitempty"`
	Telecom      []ContactPoint    `json:"telecom,omitempty"`
	Gender       string            `json:"gender,omitempty"`
	Address      []Address         `json:"address,omitempty"`
}

package fhir

// Code systems and identifier systems the mapping recognises.
const (
	// SystemODS is the identifier system of Organisation Data Service codes.
	SystemODS = "https://fhir.nhs.uk/Id/ods-organization-code"
	// SystemOrganisationKind codes Organization.type with the kinds
	// JoinedUp tells apart (icb, locality, practice, trust, community,
	// social-care, voluntary, other): the joinedup.OrgKind values.
	SystemOrganisationKind = "https://joinedup.nhs.uk/CodeSystem/organisation-kind"
	// SystemBCP47 is the code system of language tags.
	SystemBCP47 = "urn:ietf:bcp:47"
	// SystemActCode is the HL7 v3 ActCode system used by Encounter.class.
	SystemActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	// SystemAdmitSource is the HL7 system of Encounter.hospitalization.admitSource.
	SystemAdmitSource = "http://terminology.hl7.org/CodeSystem/admit-source"
	// SystemCourseOfTherapy is the HL7 system of MedicationRequest.courseOfTherapyType.
	SystemCourseOfTherapy = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"
	// SystemConditionClinical is the HL7 system of Condition.clinicalStatus.
	SystemConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	// SystemConditionVerification is the HL7 system of
	// Condition.verificationStatus.
	SystemConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	// SystemAdmissionMethod is the UK Core (NHS Data Dictionary) admission method system.
	SystemAdmissionMethod = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland"

	// ExtNHSCommunication is the UK Core (STU1) extension carrying a
	// patient's languages and whether an interpreter is needed.
	ExtNHSCommunication = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"
	// ExtInterpreterRequired is the core extension UK Core STU2 uses for the
	// same purpose.
	ExtInterpreterRequired = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
	// ExtAdmissionMethod is the UK Core extension on
	// Encounter.hospitalization giving the admission method.
	ExtAdmissionMethod = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"
)

// Meta is the metadata about a resource (R4 Meta).
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"` // instant
	Source      string   `json:"source,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Security    []Coding `json:"security,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Coding is a code defined by a terminology system (R4 Coding).
type Coding struct {
	System       string `json:"system,omitempty"`
	Version      string `json:"version,omitempty"`
	Code         string `json:"code,omitempty"`
	Display      string `json:"display,omitempty"`
	UserSelected *bool  `json:"userSelected,omitempty"`
}

// CodeableConcept is a concept given as codings and/or text (R4 CodeableConcept).
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier such as an NHS number (R4 Identifier).
type Identifier struct {
	Use      string           `json:"use,omitempty"`
	Type     *CodeableConcept `json:"type,omitempty"`
	System   string           `json:"system,omitempty"`
	Value    string           `json:"value,omitempty"`
	Period   *Period          `json:"period,omitempty"`
	Assigner *Reference       `json:"assigner,omitempty"`
}

// Reference points to another resource by literal reference, by
// identifier, or both (R4 Reference).
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a time range; either end may be missing (R4 Period).
type Period struct {
	Start string `json:"start,omitempty"` // dateTime
	End   string `json:"end,omitempty"`   // dateTime
}

// Quantity is a measured amount (R4 Quantity). Value is a pointer so that a
// reading of zero is still written.
type Quantity struct {
	Value      *float64 `json:"value,omitempty"`
	Comparator string   `json:"comparator,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	System     string   `json:"system,omitempty"`
	Code       string   `json:"code,omitempty"`
}

// HumanName is a person's name (R4 HumanName).
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
	Period *Period  `json:"period,omitempty"`
}

// ContactPoint is a phone number, email address or similar (R4 ContactPoint).
type ContactPoint struct {
	System string  `json:"system,omitempty"` // phone, fax, email, pager, url, sms, other
	Value  string  `json:"value,omitempty"`
	Use    string  `json:"use,omitempty"` // home, work, temp, old, mobile
	Rank   *int    `json:"rank,omitempty"`
	Period *Period `json:"period,omitempty"`
}

// Address is a postal address (R4 Address).
type Address struct {
	Use        string   `json:"use,omitempty"`
	Type       string   `json:"type,omitempty"`
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
	Period     *Period  `json:"period,omitempty"`
}

// Communication is a language a patient uses (R4 Patient.communication).
type Communication struct {
	Extension []Extension     `json:"extension,omitempty"`
	Language  CodeableConcept `json:"language"`
	Preferred *bool           `json:"preferred,omitempty"`
}

// Extension is an extension element (R4 Extension). Only the value types
// JoinedUp reads or writes are kept; others decode as an extension with no
// value.
type Extension struct {
	URL                  string           `json:"url"`
	Extension            []Extension      `json:"extension,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueCode            string           `json:"valueCode,omitempty"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueURI             string           `json:"valueUri,omitempty"`
	ValueInteger         *int             `json:"valueInteger,omitempty"`
	ValueDecimal         *float64         `json:"valueDecimal,omitempty"`
	ValueDateTime        string           `json:"valueDateTime,omitempty"`
	ValueCoding          *Coding          `json:"valueCoding,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueReference       *Reference       `json:"valueReference,omitempty"`
	ValuePeriod          *Period          `json:"valuePeriod,omitempty"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
}

// Resource holds the elements every resource has. It is embedded in each
// resource struct so that they encode flat, as FHIR JSON requires.
type Resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	Meta         *Meta  `json:"meta,omitempty"`
}

// DomainResource adds extensions to Resource. Narrative (text) and contained
// resources are not modelled: JoinedUp neither reads nor writes them.
type DomainResource struct {
	Resource
	Extension []Extension `json:"extension,omitempty"`
}

// bool pointer helper for the optional booleans of R4.
func ptr[T any](v T) *T { return &v }

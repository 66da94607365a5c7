package fhir

import "encoding/json"

// The resources below are written by JoinedUp (the FHIR API and Bulk Data
// export): the records they carry are made in JoinedUp. The importer reads
// them back only from a JoinedUp export (see tocare.go and torecords.go).

// Annotation is a text note (R4 Annotation).
type Annotation struct {
	Text string `json:"text"`
	Time string `json:"time,omitempty"`
}

// RiskPrediction is RiskAssessment.prediction.
type RiskPrediction struct {
	Outcome         *CodeableConcept `json:"outcome,omitempty"`
	QualitativeRisk *CodeableConcept `json:"qualitativeRisk,omitempty"`
	Rationale       string           `json:"rationale,omitempty"`
}

// RiskAssessment is an R4 RiskAssessment: JoinedUp writes an assessment
// (a suggested tier) as one.
type RiskAssessment struct {
	DomainResource
	Identifier         []Identifier     `json:"identifier,omitempty"`
	Status             string           `json:"status"`
	Method             *CodeableConcept `json:"method,omitempty"`
	Code               *CodeableConcept `json:"code,omitempty"`
	Subject            *Reference       `json:"subject"`
	OccurrenceDateTime string           `json:"occurrenceDateTime,omitempty"`
	Basis              []Reference      `json:"basis,omitempty"`
	Prediction         []RiskPrediction `json:"prediction,omitempty"`
	Note               []Annotation     `json:"note,omitempty"`
}

// Flag is an R4 Flag: JoinedUp writes a tier decision (the confirmed tier)
// as one.
type Flag struct {
	DomainResource
	Status   string            `json:"status"`
	Category []CodeableConcept `json:"category,omitempty"`
	Code     CodeableConcept   `json:"code"`
	Subject  *Reference        `json:"subject"`
	Period   *Period           `json:"period,omitempty"`
	Author   *Reference        `json:"author,omitempty"`
}

// ConsentActor is Consent.provision.actor.
type ConsentActor struct {
	Role      CodeableConcept `json:"role"`
	Reference Reference       `json:"reference"`
}

// ConsentProvision is Consent.provision (nested for exceptions).
type ConsentProvision struct {
	Type      string             `json:"type,omitempty"` // deny | permit
	Period    *Period            `json:"period,omitempty"`
	Actor     []ConsentActor     `json:"actor,omitempty"`
	Provision []ConsentProvision `json:"provision,omitempty"`
	// Code limits the provision to the data so coded: a consent to share
	// with voluntary organisations lists the fields of a referral they may
	// see (SystemShareField).
	Code []CodeableConcept `json:"code,omitempty"`
}

// Consent is an R4 Consent: the patient's sharing decisions.
type Consent struct {
	DomainResource
	Status     string            `json:"status"`
	Scope      CodeableConcept   `json:"scope"`
	Category   []CodeableConcept `json:"category"`
	Patient    *Reference        `json:"patient,omitempty"`
	DateTime   string            `json:"dateTime,omitempty"`
	Performer  []Reference       `json:"performer,omitempty"`
	PolicyRule *CodeableConcept  `json:"policyRule,omitempty"`
	Provision  *ConsentProvision `json:"provision,omitempty"`
}

// TaskRestriction is Task.restriction.
type TaskRestriction struct {
	Period *Period `json:"period,omitempty"`
}

// Task is an R4 Task: a work item on a worklist.
type Task struct {
	DomainResource
	Identifier     []Identifier      `json:"identifier,omitempty"`
	Status         string            `json:"status"`
	BusinessStatus *CodeableConcept  `json:"businessStatus,omitempty"`
	Intent         string            `json:"intent"`
	Priority       string            `json:"priority,omitempty"`
	Code           *CodeableConcept  `json:"code,omitempty"`
	Description    string            `json:"description,omitempty"`
	For            *Reference        `json:"for,omitempty"`
	AuthoredOn     string            `json:"authoredOn,omitempty"`
	LastModified   string            `json:"lastModified,omitempty"`
	Owner          *Reference        `json:"owner,omitempty"`
	ReasonCode     *CodeableConcept  `json:"reasonCode,omitempty"`
	Restriction    *TaskRestriction  `json:"restriction,omitempty"`
	Input          []json.RawMessage `json:"input,omitempty"`
}

// ServiceRequest is an R4 ServiceRequest: JoinedUp writes a referral as one.
type ServiceRequest struct {
	DomainResource
	Status     string            `json:"status"`
	Intent     string            `json:"intent"`
	Category   []CodeableConcept `json:"category,omitempty"`
	Subject    *Reference        `json:"subject"`
	AuthoredOn string            `json:"authoredOn,omitempty"`
	Requester  *Reference        `json:"requester,omitempty"`
	Performer  []Reference       `json:"performer,omitempty"`
	ReasonCode []CodeableConcept `json:"reasonCode,omitempty"`
	Note       []Annotation      `json:"note,omitempty"`
	Occurrence *Period           `json:"occurrencePeriod,omitempty"`
}

// OutcomeIssue is OperationOutcome.issue.
type OutcomeIssue struct {
	Severity    string           `json:"severity"` // fatal | error | warning | information
	Code        string           `json:"code"`     // the IssueType, e.g. "invalid", "not-found", "forbidden"
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
}

// OperationOutcome is an R4 OperationOutcome: every error of the FHIR API.
type OperationOutcome struct {
	Resource
	Issue []OutcomeIssue `json:"issue"`
}

// NewOperationOutcome returns an outcome with one error issue.
func NewOperationOutcome(code, diagnostics string) *OperationOutcome {
	return &OperationOutcome{Resource: Resource{ResourceType: "OperationOutcome"},
		Issue: []OutcomeIssue{{Severity: "error", Code: code, Diagnostics: diagnostics}}}
}

// BundleLink is Bundle.link.
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleSearch is Bundle.entry.search.
type BundleSearch struct {
	Mode string `json:"mode,omitempty"` // match | include | outcome
}

// BundleEntry is Bundle.entry of a Bundle JoinedUp writes.
type BundleEntry struct {
	FullURL  string        `json:"fullUrl,omitempty"`
	Resource any           `json:"resource,omitempty"`
	Search   *BundleSearch `json:"search,omitempty"`
}

// Bundle is an R4 Bundle as JoinedUp writes it (a searchset); reading
// Bundles is BundleReader's work.
type Bundle struct {
	Resource
	Type      string        `json:"type"`
	Timestamp string        `json:"timestamp,omitempty"`
	Total     *int          `json:"total,omitempty"`
	Link      []BundleLink  `json:"link,omitempty"`
	Entry     []BundleEntry `json:"entry,omitempty"`
}

// CapabilityStatement is an R4 CapabilityStatement: what the API supports.
type CapabilityStatement struct {
	DomainResource
	URL            string           `json:"url,omitempty"`
	Name           string           `json:"name,omitempty"`
	Title          string           `json:"title,omitempty"`
	Status         string           `json:"status"`
	Date           string           `json:"date"`
	Publisher      string           `json:"publisher,omitempty"`
	Kind           string           `json:"kind"`
	Software       *CapSoftware     `json:"software,omitempty"`
	Implementation *CapImpl         `json:"implementation,omitempty"`
	FHIRVersion    string           `json:"fhirVersion"`
	Format         []string         `json:"format"`
	Rest           []CapabilityRest `json:"rest,omitempty"`
}

// CapSoftware is CapabilityStatement.software.
type CapSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// CapImpl is CapabilityStatement.implementation.
type CapImpl struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// CapabilityRest is CapabilityStatement.rest.
type CapabilityRest struct {
	Mode          string         `json:"mode"`
	Security      *CapSecurity   `json:"security,omitempty"`
	Resource      []CapResource  `json:"resource,omitempty"`
	Operation     []CapOperation `json:"operation,omitempty"`
	Documentation string         `json:"documentation,omitempty"`
}

// CapSecurity is CapabilityStatement.rest.security.
type CapSecurity struct {
	Extension   []Extension       `json:"extension,omitempty"`
	Service     []CodeableConcept `json:"service,omitempty"`
	Description string            `json:"description,omitempty"`
}

// CapResource is CapabilityStatement.rest.resource.
type CapResource struct {
	Type        string           `json:"type"`
	Profile     string           `json:"profile,omitempty"`
	Interaction []CapInteraction `json:"interaction,omitempty"`
	SearchParam []CapSearchParam `json:"searchParam,omitempty"`
	Operation   []CapOperation   `json:"operation,omitempty"`
}

// CapInteraction is CapabilityStatement.rest.resource.interaction.
type CapInteraction struct {
	Code string `json:"code"` // read | search-type | …
}

// CapSearchParam is CapabilityStatement.rest.resource.searchParam.
type CapSearchParam struct {
	Name          string `json:"name"`
	Definition    string `json:"definition,omitempty"`
	Type          string `json:"type"` // token | reference | date | string | number | uri
	Documentation string `json:"documentation,omitempty"`
}

// CapOperation is CapabilityStatement.rest.operation.
type CapOperation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

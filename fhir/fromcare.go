package fhir

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// Namespace is the base of the URIs of JoinedUp's own code systems and
// identifiers. An LCN publishing them under its own domain changes it here.
const Namespace = "https://fhir.joinedup.org.uk"

// Code systems of JoinedUp's own concepts.
const (
	// SystemTier is the code system of the tiers: red, amber, green.
	SystemTier = Namespace + "/CodeSystem/tier"
	// SystemCohort is the code system of cohort membership: in-cohort,
	// not-in-cohort.
	SystemCohort = Namespace + "/CodeSystem/cohort"
	// SystemFlagCategory holds the Flag category "tier".
	SystemFlagCategory = Namespace + "/CodeSystem/flag-category"
	// SystemTaskKind is the code system of task kinds.
	SystemTaskKind = Namespace + "/CodeSystem/task-kind"
	// SystemTaskEvent identifies the event a task was raised for (its
	// dedupe key), so a JoinedUp importing the task does not raise it again.
	SystemTaskEvent = Namespace + "/Id/task-event"
	// SystemSharing names the parties a consent shares with.
	SystemSharing = Namespace + "/CodeSystem/sharing"
	// SystemShareField names the fields of a referral a consent lets a
	// voluntary organisation see (joinedup.ShareableFields).
	SystemShareField = Namespace + "/CodeSystem/referral-share-field"
	// SystemPolicyVersion identifies the policy version an assessment ran.
	SystemPolicyVersion = Namespace + "/Id/policy-version"
)

// UK Core profiles the resources JoinedUp writes conform to.
const (
	ProfilePatient             = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
	ProfileOrganization        = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"
	ProfileCondition           = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Condition"
	ProfileObservation         = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation"
	ProfileEncounter           = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter"
	ProfileAppointment         = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Appointment"
	ProfileMedicationRequest   = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationRequest"
	ProfileMedicationStatement = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationStatement"
	ProfileRelatedPerson       = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-RelatedPerson"
	ProfileFlag                = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Flag"
	ProfileTask                = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Task"
	ProfileServiceRequest      = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"
)

// Base gives the elements every resource has; every resource struct has it
// through the embedded Resource, so code handling resources of any type
// can set their meta.
func (r *Resource) Base() *Resource { return r }

// Based is any resource JoinedUp writes.
type Based interface{ Base() *Resource }

// SetProfile records the profile a resource conforms to in meta.profile.
func SetProfile(r Based, profile string) {
	b := r.Base()
	if b.Meta == nil {
		b.Meta = &Meta{}
	}
	b.Meta.Profile = []string{profile}
}

// sourcePrefix starts the meta.source URI that carries a record's
// provenance (its sending system and its id there) out of JoinedUp.
const sourcePrefix = "urn:joinedup:source:"

// SourceURI is the meta.source JoinedUp writes for a record it holds from a
// source system: "urn:joinedup:source:SYSTEM/ID". A JoinedUp importing the
// record reads the provenance back from it, so the record keeps its
// identity (and its id) however many times it is exported and imported.
func SourceURI(src joinedup.Source) string {
	if src.System == "" || src.ID == "" {
		return ""
	}
	return sourcePrefix + url.QueryEscape(src.System) + "/" + url.QueryEscape(src.ID)
}

// ParseSourceURI reads a SourceURI back; ok is false for any other URI.
func ParseSourceURI(s string) (system, id string, ok bool) {
	rest, found := strings.CutPrefix(s, sourcePrefix)
	if !found {
		return "", "", false
	}
	a, b, found := strings.Cut(rest, "/")
	if !found {
		return "", "", false
	}
	system, err1 := url.QueryUnescape(a)
	id, err2 := url.QueryUnescape(b)
	if err1 != nil || err2 != nil || system == "" || id == "" {
		return "", "", false
	}
	return system, id, true
}

// SetSource records a record's provenance in meta.source (see SourceURI).
func SetSource(r Based, src joinedup.Source) {
	u := SourceURI(src)
	if u == "" {
		return
	}
	b := r.Base()
	if b.Meta == nil {
		b.Meta = &Meta{}
	}
	b.Meta.Source = u
}

// SetLastUpdated sets meta.lastUpdated when it is not set already: records
// JoinedUp makes carry the time they last changed.
func SetLastUpdated(r Based, t time.Time) {
	if t.IsZero() {
		return
	}
	b := r.Base()
	if b.Meta == nil {
		b.Meta = &Meta{}
	}
	if b.Meta.LastUpdated == "" {
		b.Meta.LastUpdated = FormatInstant(t)
	}
}

func tierConcept(t joinedup.Tier) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemTier, Code: string(t), Display: t.String()}}, Text: t.String()}
}

// factTypes maps the kinds of fact evidence points at to resource types.
var factTypes = map[joinedup.FactKind]string{
	joinedup.FactPatient: "Patient", joinedup.FactCondition: "Condition", joinedup.FactObservation: "Observation",
	joinedup.FactMedication: "MedicationRequest", joinedup.FactEncounter: "Encounter", joinedup.FactAppointment: "Appointment",
}

// FromAssessment writes an assessment as a RiskAssessment. Its first
// prediction says whether the person is in the cohort (SystemCohort:
// in-cohort or not-in-cohort); the second is the suggested tier (text Red,
// Amber or Green), which for someone outside the cohort is worked out only
// to compare policies and acts on nothing. Each LTC
// and risk factor found is a note, the facts that show them are the basis
// (references to the Condition, Observation, … resources), and the policy
// version is the method. medicationTypes, when not nil, gives the resource
// type of each medication fact by id (MedicationStatement for a statement);
// otherwise MedicationRequest is assumed.
func FromAssessment(id string, a joinedup.Assessment, created time.Time, medicationTypes map[string]string) *RiskAssessment {
	out := &RiskAssessment{DomainResource: DomainResource{Resource: Resource{ResourceType: "RiskAssessment", ID: id}}}
	out.Status = "final"
	out.Subject = reference("Patient", a.PatientID)
	out.OccurrenceDateTime = FormatDateTime(a.AsOf)
	out.Code = &CodeableConcept{Coding: []Coding{{System: SystemTier, Code: "tier", Display: "Care tier"}}, Text: "Suggested care tier"}
	if a.PolicyVersion != "" {
		out.Method = &CodeableConcept{Coding: []Coding{{System: SystemPolicyVersion, Code: a.PolicyVersion}},
			Text: "JoinedUp stratification policy " + a.PolicyVersion}
	}
	seen := map[string]bool{}
	addBasis := func(ev []joinedup.Evidence) {
		for _, e := range ev {
			typ := factTypes[e.Kind]
			if e.Kind == joinedup.FactMedication && medicationTypes[e.FactID] != "" {
				typ = medicationTypes[e.FactID]
			}
			ref := typ + "/" + e.FactID
			if typ == "" || e.FactID == "" || seen[ref] {
				continue
			}
			seen[ref] = true
			out.Basis = append(out.Basis, Reference{Reference: ref, Display: e.Display})
		}
	}
	for _, f := range a.LTCs {
		out.Note = append(out.Note, Annotation{Text: "Long-term condition: " + f.Name})
		addBasis(f.Evidence)
	}
	for _, f := range a.RiskFactors {
		out.Note = append(out.Note, Annotation{Text: "Risk factor: " + f.Name})
		addBasis(f.Evidence)
	}
	for _, g := range a.DataGaps {
		out.Note = append(out.Note, Annotation{Text: "Data gap: " + g.Description})
	}
	cohort := RiskPrediction{Outcome: &CodeableConcept{Coding: []Coding{{System: SystemCohort, Code: "in-cohort", Display: "In the cohort"}},
		Text: "In the cohort"}}
	if !a.Eligible {
		cohort.Outcome = &CodeableConcept{Coding: []Coding{{System: SystemCohort, Code: "not-in-cohort", Display: "Not in the cohort"}},
			Text: "Not in the cohort"}
	}
	out.Prediction = []RiskPrediction{cohort}
	if a.SuggestedTier.Valid() {
		p := RiskPrediction{Outcome: &CodeableConcept{Coding: tierConcept(a.SuggestedTier).Coding, Text: a.SuggestedTier.String()}}
		var why []string
		for _, r := range a.RulesFired {
			if r.Rationale != "" {
				why = append(why, r.Name+": "+r.Rationale)
			} else {
				why = append(why, r.Name)
			}
		}
		p.Rationale = strings.Join(why, "; ")
		if !a.Eligible {
			p.Rationale = "Not in the cohort: worked out only to compare policies. " + p.Rationale
		}
		out.Prediction = append(out.Prediction, p)
	}
	SetLastUpdated(out, created)
	return out
}

// FromTierDecision writes a tier decision as a Flag (category "tier"): the
// current decision is active from when it was made; an earlier one is
// inactive, its period ending where the next decision began (until, zero
// for the current one). author is the deciding clinician's name.
func FromTierDecision(d joinedup.TierDecision, until time.Time, author string) *Flag {
	out := &Flag{DomainResource: DomainResource{Resource: Resource{ResourceType: "Flag", ID: d.ID}}}
	out.Status = "active"
	if !until.IsZero() {
		out.Status = "inactive"
	}
	out.Category = []CodeableConcept{{Coding: []Coding{{System: SystemFlagCategory, Code: "tier", Display: "Care tier"}}}}
	out.Code = tierConcept(d.Tier)
	out.Code.Text = d.Tier.String() + " tier"
	if d.Overridden {
		out.Code.Text += fmt.Sprintf(" (suggested %s; overridden: %s)", d.SuggestedTier, d.Reason)
	}
	out.Subject = reference("Patient", d.PatientID)
	out.Period = &Period{Start: FormatDateTime(d.DecidedAt), End: FormatDateTime(until)}
	if author != "" {
		out.Author = &Reference{Type: "Practitioner", Display: author}
	}
	SetProfile(out, ProfileFlag)
	SetLastUpdated(out, d.DecidedAt)
	return out
}

// taskStatus maps JoinedUp task statuses to R4 Task.status.
func taskStatus(s string) string {
	switch s {
	case "open", "":
		return "requested"
	case "done", "closed":
		return "completed"
	case "cancelled":
		return "cancelled"
	case "in-progress":
		return "in-progress"
	}
	return "requested"
}

// FromTask writes a task as a Task for the patient, owned by its assignee
// (an organisation, or a person named in ownerName), due by
// restriction.period.end, identified by the event it was raised for.
func FromTask(t joinedup.Task, ownerName string) *Task {
	out := &Task{DomainResource: DomainResource{Resource: Resource{ResourceType: "Task", ID: t.ID}}}
	if t.DedupeKey != "" {
		out.Identifier = []Identifier{{System: SystemTaskEvent, Value: t.DedupeKey}}
	}
	out.Status = taskStatus(t.Status)
	out.BusinessStatus = &CodeableConcept{Text: t.Status}
	out.Intent = "order"
	switch t.Priority {
	case 1:
		out.Priority = "urgent"
	default:
		out.Priority = "routine"
	}
	out.Code = &CodeableConcept{Coding: []Coding{{System: SystemTaskKind, Code: t.Kind}}, Text: t.Title}
	out.Description = t.Title
	out.For = reference("Patient", t.PatientID)
	out.AuthoredOn = FormatDateTime(t.CreatedAt)
	out.LastModified = FormatDateTime(t.ClosedAt)
	switch {
	case t.AssigneeOrg != "":
		out.Owner = reference("Organization", t.AssigneeOrg)
	case ownerName != "":
		out.Owner = &Reference{Type: "Practitioner", Display: ownerName}
	}
	if t.Reason != "" {
		out.ReasonCode = &CodeableConcept{Text: t.Reason}
	}
	if !t.Due.IsZero() {
		out.Restriction = &TaskRestriction{Period: &Period{End: FormatDate(t.Due)}}
	}
	SetProfile(out, ProfileTask)
	last := t.CreatedAt
	if t.ClosedAt.After(last) {
		last = t.ClosedAt
	}
	SetLastUpdated(out, last)
	return out
}

// Referral is what FromReferral needs of a referral (the store's record,
// without depending on the store).
type Referral struct {
	ID             string
	PatientID      string
	OrganisationID string
	Reason         string
	WhatMatters    string
	Requester      string // the referrer's name, when made in JoinedUp
	Created        time.Time
	Closed         time.Time
	// Status is the closed loop's state of a referral to a directory
	// service; empty for a referral to an organisation as a whole.
	Status joinedup.ReferralStatus
	// ServiceID is the directory service referred to, if any.
	ServiceID string
}

// FromReferral writes a referral as a ServiceRequest to the organisation
// referred to (and the directory service, when it is to one): active while open, completed once closed; what matters to
// the patient is a note, in their words.
func FromReferral(r Referral) *ServiceRequest {
	out := &ServiceRequest{DomainResource: DomainResource{Resource: Resource{ResourceType: "ServiceRequest", ID: r.ID}}}
	out.Status = "active"
	if !r.Closed.IsZero() {
		out.Status = "completed"
	}
	if r.Status != "" {
		out.Status, _ = ReferralStatus(r.Status)
	}
	out.Intent = "order"
	out.Category = []CodeableConcept{{Coding: []Coding{{System: joinedup.SystemSNOMED, Code: "3457005", Display: "Patient referral"}}}}
	out.Subject = reference("Patient", r.PatientID)
	out.AuthoredOn = FormatDateTime(r.Created)
	if r.Requester != "" {
		out.Requester = &Reference{Type: "Practitioner", Display: r.Requester}
	}
	if p := reference("Organization", r.OrganisationID); p != nil {
		out.Performer = []Reference{*p}
	}
	if s := reference("HealthcareService", r.ServiceID); s != nil {
		out.Performer = append(out.Performer, *s)
	}
	if r.Reason != "" {
		out.ReasonCode = []CodeableConcept{{Text: r.Reason}}
	}
	if r.WhatMatters != "" {
		out.Note = []Annotation{{Text: "What matters to me: " + r.WhatMatters}}
	}
	if !r.Closed.IsZero() {
		out.Occurrence = &Period{Start: FormatDateTime(r.Created), End: FormatDateTime(r.Closed)}
	}
	SetProfile(out, ProfileServiceRequest)
	last := r.Created
	if r.Closed.After(last) {
		last = r.Closed
	}
	SetLastUpdated(out, last)
	return out
}

// ConsentRecord is what FromConsent needs of a recorded consent.
type ConsentRecord struct {
	ID         string
	PatientID  string
	SocialCare bool
	Voluntary  bool
	// VoluntaryFields limits what voluntary organisations see of a
	// referral; empty, all shareable fields.
	VoluntaryFields []string
	Note            string
	RecordedBy      string // name of who recorded it
	RecordedAt      time.Time
	Current         bool // the consent in force (the latest recorded)
}

// FromConsent writes the patient's sharing decisions as a Consent (scope
// patient-privacy): the NHS shares by default, and two nested provisions
// permit or deny sharing with social care and with voluntary
// organisations, the latter limited to the fields of a referral listed
// as its codes, when it lists some. A superseded consent is inactive. R4 Consent has no note,
// so the note recorded with it stays in JoinedUp.
func FromConsent(c ConsentRecord) *Consent {
	out := &Consent{DomainResource: DomainResource{Resource: Resource{ResourceType: "Consent", ID: c.ID}}}
	out.Status = "inactive"
	if c.Current {
		out.Status = "active"
	}
	out.Scope = CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/consentscope", Code: "patient-privacy", Display: "Privacy Consent"}}}
	out.Category = []CodeableConcept{{Coding: []Coding{{System: "http://loinc.org", Code: "59284-0", Display: "Patient Consent"}}}}
	out.Patient = reference("Patient", c.PatientID)
	out.DateTime = FormatDateTime(c.RecordedAt)
	if c.RecordedBy != "" {
		out.Performer = []Reference{{Type: "Practitioner", Display: c.RecordedBy}}
	}
	out.PolicyRule = &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "OPTIN", Display: "opt-in"}}}
	party := func(allowed bool, code, display string) ConsentProvision {
		typ := "deny"
		if allowed {
			typ = "permit"
		}
		return ConsentProvision{Type: typ, Actor: []ConsentActor{{
			Role:      CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", Code: "IRCP", Display: "information recipient"}}},
			Reference: Reference{Type: "Organization", Identifier: &Identifier{System: SystemSharing, Value: code}, Display: display},
		}}}
	}
	voluntary := party(c.Voluntary, "voluntary", "Voluntary organisations")
	if c.Voluntary {
		for _, f := range c.VoluntaryFields {
			voluntary.Code = append(voluntary.Code, CodeableConcept{Coding: []Coding{{System: SystemShareField, Code: f}}})
		}
	}
	out.Provision = &ConsentProvision{Type: "permit", Provision: []ConsentProvision{
		party(c.SocialCare, "social-care", "Social care"),
		voluntary,
	}}
	SetLastUpdated(out, c.RecordedAt)
	return out
}

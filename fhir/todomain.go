package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// MappingError reports a resource that could not be mapped, naming the
// resource type, its id and the element at fault, e.g.
// "Observation/abc: effectiveDateTime: parsing "2020-13-01": month out of range".
type MappingError struct {
	ResourceType string
	ID           string
	Field        string // FHIR element path; empty when the resource as a whole is at fault
	Err          error
}

// Error implements error.
func (e *MappingError) Error() string {
	var b strings.Builder
	b.WriteString(e.ResourceType)
	if e.ID != "" {
		b.WriteByte('/')
		b.WriteString(e.ID)
	} else {
		b.WriteString(" (no id)")
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *MappingError) Unwrap() error { return e.Err }

// Links are the references a mapped resource makes to other resources. The
// domain ids they stand for are assigned by the caller, so they are
// returned here rather than set on the domain value.
type Links struct {
	Subject         Ref // facts and carers: the patient
	Practice        Ref // Patient: the registered GP practice (generalPractitioner → Organization)
	ServiceProvider Ref // Encounter: the organisation providing the service
	PartOf          Ref // Organization: the parent organisation
	// Author is the name of the person a record says made it or holds it
	// (a care plan's author, a decision's, a task's owner): JoinedUp names
	// people by display only, and the caller finds the user so named.
	Author string
	// Performer is the organisation a record is for or from: a task's
	// owner, a referral's performer, a service's provider.
	Performer Ref
}

// mapper carries the identity of the resource being mapped so every error
// names it.
type mapper struct {
	typ, id string
}

func (m mapper) fail(field string, err error) error {
	return &MappingError{ResourceType: m.typ, ID: m.id, Field: field, Err: err}
}

// Status value sets of FHIR R4 (required bindings): a code outside them is
// not a status anyone can act on, so the record is rejected rather than
// counted or ignored by a guess.
var (
	conditionClinical     = []string{"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
	conditionVerification = []string{"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
	observationStatuses   = []string{"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
	requestStatuses       = []string{"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"}
	statementStatuses     = []string{"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}
	encounterStatuses     = []string{"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"}
	appointmentStatuses   = []string{"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error", "checked-in", "waitlist"}
)

// inValueSet checks an optional code against its value set.
func (m mapper) inValueSet(field, code string, set []string) error {
	if code == "" || slices.Contains(set, code) {
		return nil
	}
	return m.fail(field, fmt.Errorf("unknown code %q (one of %s)", code, strings.Join(set, ", ")))
}

// date parses an optional date element; "" gives the zero time.
func (m mapper) date(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return time.Time{}, m.fail(field, err)
	}
	return d.Time, nil
}

// source builds the domain Source from the resource's id and meta. A
// record JoinedUp exported carries its original provenance in meta.source
// (see SourceURI), which is kept, so the record keeps its identity.
func (m mapper) source(r *Resource, system string) (joinedup.Source, error) {
	src := joinedup.Source{System: system, ID: r.ID}
	if r.Meta != nil {
		if sys, id, ok := ParseSourceURI(r.Meta.Source); ok {
			src.System, src.ID = sys, id
		}
		src.VersionID = r.Meta.VersionID
		t, err := m.date("meta.lastUpdated", r.Meta.LastUpdated)
		if err != nil {
			return src, err
		}
		src.LastUpdated = t
	}
	return src, nil
}

// subject resolves a mandatory reference to a Patient.
func (m mapper) subject(field string, refs *Refs, r *Reference) (Ref, error) {
	ref, err := refs.resolveReference(r)
	if err != nil {
		return Ref{}, m.fail(field, err)
	}
	if ref.Type != "" && ref.Type != "Patient" {
		return Ref{}, m.fail(field, fmt.Errorf("%s is not a Patient", ref))
	}
	ref.Type = "Patient"
	return ref, nil
}

// optionalRef resolves a reference JoinedUp can do without: one that cannot
// be resolved (a conditional or contained reference, say) is dropped rather
// than rejecting the whole record.
func optionalRef(refs *Refs, r *Reference, wantType string) Ref {
	if r == nil {
		return Ref{}
	}
	ref, err := refs.resolveReference(r)
	if err != nil || (wantType != "" && ref.Type != "" && ref.Type != wantType) {
		return Ref{}
	}
	if ref.Type == "" {
		ref.Type = wantType
	}
	return ref
}

// codings copies every coding of a CodeableConcept.
func codings(cc *CodeableConcept) joinedup.Codings {
	if cc == nil || len(cc.Coding) == 0 {
		return nil
	}
	out := make(joinedup.Codings, len(cc.Coding))
	for i, c := range cc.Coding {
		out[i] = joinedup.Coding{System: c.System, Code: c.Code, Display: c.Display}
	}
	return out
}

// codingsOf copies every coding of several CodeableConcepts.
func codingsOf(ccs []CodeableConcept) joinedup.Codings {
	var out joinedup.Codings
	for i := range ccs {
		out = append(out, codings(&ccs[i])...)
	}
	return out
}

// requiredCodes returns the codings of a mandatory coded element. A concept
// given as text alone (as free-text problem entries are) is kept as a
// coding with only a display term: no code list will match it, but it is
// shown to clinicians and counted as a data gap rather than lost.
func (m mapper) requiredCodes(field string, cc *CodeableConcept) (joinedup.Codings, error) {
	cs := codings(cc)
	if len(cs) == 0 {
		switch {
		case cc == nil:
			return nil, m.fail(field, ErrMissing)
		case cc.Text != "":
			return joinedup.Codings{{Display: cc.Text}}, nil
		}
		return nil, m.fail(field, errors.New("no coding or text"))
	}
	return cs, nil
}

// firstCode returns the code of the first coding, preferring system when given.
func firstCode(cc *CodeableConcept, system string) string {
	if cc == nil {
		return ""
	}
	for _, c := range cc.Coding {
		if c.System == system && c.Code != "" {
			return c.Code
		}
	}
	for _, c := range cc.Coding {
		if c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// ConditionToDomain maps a Condition. The code and subject are required.
func ConditionToDomain(c *Condition, system string, refs *Refs) (joinedup.Condition, Links, error) {
	if c == nil {
		return joinedup.Condition{}, Links{}, errors.New("Condition: nil resource")
	}
	m := mapper{"Condition", c.ID}
	var out joinedup.Condition
	var links Links
	var err error
	if out.Source, err = m.source(&c.Resource, system); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, c.Subject); err != nil {
		return out, links, err
	}
	if out.Codes, err = m.requiredCodes("code", c.Code); err != nil {
		return out, links, err
	}
	out.ClinicalStatus = firstCode(c.ClinicalStatus, SystemConditionClinical)
	out.VerificationStatus = firstCode(c.VerificationStatus, SystemConditionVerification)
	if err := m.inValueSet("clinicalStatus", out.ClinicalStatus, conditionClinical); err != nil {
		return out, links, err
	}
	if err := m.inValueSet("verificationStatus", out.VerificationStatus, conditionVerification); err != nil {
		return out, links, err
	}
	switch {
	case c.OnsetDateTime != "":
		out.Onset, err = m.date("onsetDateTime", c.OnsetDateTime)
	case c.OnsetPeriod != nil:
		out.Onset, err = m.date("onsetPeriod.start", c.OnsetPeriod.Start)
	}
	if err != nil {
		return out, links, err
	}
	switch {
	case c.AbatementDateTime != "":
		out.Abated, err = m.date("abatementDateTime", c.AbatementDateTime)
	case c.AbatementPeriod != nil:
		field, s := "abatementPeriod.end", c.AbatementPeriod.End
		if s == "" {
			field, s = "abatementPeriod.start", c.AbatementPeriod.Start
		}
		out.Abated, err = m.date(field, s)
	}
	if err != nil {
		return out, links, err
	}
	if out.Recorded, err = m.date("recordedDate", c.RecordedDate); err != nil {
		return out, links, err
	}
	return out, links, nil
}

// ObservationToDomain maps an Observation, with a quantity or coded value
// and components. The code and subject are required.
func ObservationToDomain(o *Observation, system string, refs *Refs) (joinedup.Observation, Links, error) {
	if o == nil {
		return joinedup.Observation{}, Links{}, errors.New("Observation: nil resource")
	}
	m := mapper{"Observation", o.ID}
	var out joinedup.Observation
	var links Links
	var err error
	if out.Source, err = m.source(&o.Resource, system); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, o.Subject); err != nil {
		return out, links, err
	}
	if out.Codes, err = m.requiredCodes("code", o.Code); err != nil {
		return out, links, err
	}
	out.Status = o.Status
	if err := m.inValueSet("status", o.Status, observationStatuses); err != nil {
		return out, links, err
	}
	switch {
	case o.EffectiveDateTime != "":
		out.Effective, err = m.date("effectiveDateTime", o.EffectiveDateTime)
	case o.EffectivePeriod != nil:
		out.Effective, err = m.date("effectivePeriod.start", o.EffectivePeriod.Start)
	case o.EffectiveInstant != "":
		out.Effective, err = m.date("effectiveInstant", o.EffectiveInstant)
	}
	if err != nil {
		return out, links, err
	}
	out.Value = quantity(o.ValueQuantity)
	if o.ValueInteger != nil && out.Value == nil {
		out.Value = &joinedup.Quantity{Value: float64(*o.ValueInteger)}
	}
	if cs := codings(o.ValueCodeableConcept); len(cs) > 0 {
		c := cs[0]
		out.ValueCode = &c
	}
	if len(o.Component) > 0 {
		out.Components = make([]joinedup.Component, len(o.Component))
		for i := range o.Component {
			comp := &o.Component[i]
			cs, err := m.requiredCodes(fmt.Sprintf("component[%d].code", i), &comp.Code)
			if err != nil {
				return out, links, err
			}
			out.Components[i] = joinedup.Component{Codes: cs, Value: quantity(comp.ValueQuantity)}
		}
	}
	return out, links, nil
}

// quantity maps a Quantity with a value; the unit is the human-readable
// unit, else the UCUM code.
func quantity(q *Quantity) *joinedup.Quantity {
	if q == nil || q.Value == nil {
		return nil
	}
	unit := q.Unit
	if unit == "" {
		unit = q.Code
	}
	return &joinedup.Quantity{Value: *q.Value, Unit: unit}
}

// MedicationRequestToDomain maps a MedicationRequest. It is a repeat when
// courseOfTherapyType is "continuous" or repeats are allowed.
func MedicationRequestToDomain(r *MedicationRequest, system string, refs *Refs) (joinedup.Medication, Links, error) {
	if r == nil {
		return joinedup.Medication{}, Links{}, errors.New("MedicationRequest: nil resource")
	}
	m := mapper{"MedicationRequest", r.ID}
	out := joinedup.Medication{Kind: joinedup.MedicationRequest, Status: r.Status}
	var links Links
	var err error
	if out.Source, err = m.source(&r.Resource, system); err != nil {
		return out, links, err
	}
	if err := m.inValueSet("status", r.Status, requestStatuses); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, r.Subject); err != nil {
		return out, links, err
	}
	if out.Codes, err = m.medication(r.MedicationCodeableConcept, r.MedicationReference, r.Contained); err != nil {
		return out, links, err
	}
	if out.Authored, err = m.date("authoredOn", r.AuthoredOn); err != nil {
		return out, links, err
	}
	out.Repeat = firstCode(r.CourseOfTherapyType, SystemCourseOfTherapy) == "continuous" ||
		r.DispenseRequest != nil && r.DispenseRequest.NumberOfRepeatsAllowed != nil && *r.DispenseRequest.NumberOfRepeatsAllowed > 0
	return out, links, nil
}

// MedicationStatementToDomain maps a MedicationStatement. Authored is the
// start of use (effective[x]), else the date the statement was made.
func MedicationStatementToDomain(s *MedicationStatement, system string, refs *Refs) (joinedup.Medication, Links, error) {
	if s == nil {
		return joinedup.Medication{}, Links{}, errors.New("MedicationStatement: nil resource")
	}
	m := mapper{"MedicationStatement", s.ID}
	out := joinedup.Medication{Kind: joinedup.MedicationStatement, Status: s.Status}
	var links Links
	var err error
	if out.Source, err = m.source(&s.Resource, system); err != nil {
		return out, links, err
	}
	if err := m.inValueSet("status", s.Status, statementStatuses); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, s.Subject); err != nil {
		return out, links, err
	}
	if out.Codes, err = m.medication(s.MedicationCodeableConcept, s.MedicationReference, s.Contained); err != nil {
		return out, links, err
	}
	switch {
	case s.EffectiveDateTime != "":
		out.Authored, err = m.date("effectiveDateTime", s.EffectiveDateTime)
	case s.EffectivePeriod != nil && s.EffectivePeriod.Start != "":
		out.Authored, err = m.date("effectivePeriod.start", s.EffectivePeriod.Start)
	default:
		out.Authored, err = m.date("dateAsserted", s.DateAsserted)
	}
	if err != nil {
		return out, links, err
	}
	return out, links, nil
}

// medication returns the codes of medication[x]. A medicationReference is
// followed only to a contained Medication: a Medication elsewhere in a
// Bundle would need a second pass the streaming import does not make.
func (m mapper) medication(cc *CodeableConcept, ref *Reference, contained []json.RawMessage) (joinedup.Codings, error) {
	if cc != nil {
		return m.requiredCodes("medicationCodeableConcept", cc)
	}
	if ref == nil {
		return nil, m.fail("medication[x]", ErrMissing)
	}
	if id, ok := strings.CutPrefix(ref.Reference, "#"); ok {
		for _, raw := range contained {
			var med Medication
			if json.Unmarshal(raw, &med) == nil && med.ResourceType == "Medication" && med.ID == id {
				return m.requiredCodes("medicationReference", med.Code)
			}
		}
	}
	return nil, m.fail("medicationReference", fmt.Errorf("%w %q: only contained medications are read", ErrUnresolvedReference, ref.Reference))
}

// ErrUnsupportedType is returned by ToDomain for resource types JoinedUp
// does not import (Claim, Procedure, …); callers usually skip those.
var ErrUnsupportedType = errors.New("resource type not imported")

// ToDomain decodes the raw JSON of a resource of the given type, as a
// BundleReader or NDJSONReader yields it, and maps it. The value is one of
// joinedup.Patient, joinedup.Condition, joinedup.Observation,
// joinedup.Medication, joinedup.Encounter, joinedup.Appointment,
// joinedup.Carer and joinedup.Organisation; and, for what JoinedUp itself
// records and exports, PlanVersion (CarePlan), PlanGoal (Goal),
// CareTeamPlaces (CareTeam), joinedup.TierDecision (Flag), joinedup.Task,
// joinedup.Consent, joinedup.Referral (ServiceRequest), AssessmentRecord
// (RiskAssessment) and joinedup.Service (HealthcareService). Resources of
// those types that JoinedUp did not write give ErrUnsupportedType.
func ToDomain(resourceType string, raw []byte, system string, refs *Refs) (any, Links, error) {
	m, ok := mappers[resourceType]
	if !ok {
		return nil, Links{}, fmt.Errorf("%s: %w", resourceType, ErrUnsupportedType)
	}
	return m(raw, system, refs)
}

// mappers are the importer's resource types, each with its mapping.
var mappers = map[string]func(raw []byte, system string, refs *Refs) (any, Links, error){
	"Patient":             mapTo(PatientToDomain),
	"Condition":           mapTo(ConditionToDomain),
	"Observation":         mapTo(ObservationToDomain),
	"MedicationRequest":   mapTo(MedicationRequestToDomain),
	"MedicationStatement": mapTo(MedicationStatementToDomain),
	"Encounter":           mapTo(EncounterToDomain),
	"Appointment":         mapTo(AppointmentToDomain),
	"RelatedPerson":       mapTo(RelatedPersonToDomain),
	"Organization":        mapTo(OrganizationToDomain),
	// What JoinedUp itself records and exports.
	"CarePlan":          mapTo(CarePlanToDomain),
	"Goal":              mapTo(GoalToDomain),
	"CareTeam":          mapTo(CareTeamToDomain),
	"Flag":              mapTo(FlagToDomain),
	"Task":              mapTo(TaskToDomain),
	"Consent":           mapTo(ConsentToDomain),
	"ServiceRequest":    mapTo(ReferralToDomain),
	"RiskAssessment":    mapTo(AssessmentToDomain),
	"HealthcareService": mapTo(ServiceToDomain),
}

// Imports reports whether ToDomain maps resources of this type.
func Imports(resourceType string) bool {
	_, ok := mappers[resourceType]
	return ok
}

// WithID returns the raw JSON of a resource with its id set to id. It is
// for resources sent without one (an empty id is overwritten too: with
// two "id" members, the last is the one decoded).
func WithID(raw []byte, id string) []byte {
	raw = bytes.TrimRight(raw, " \t\r\n")
	if len(raw) < 2 || raw[len(raw)-1] != '}' {
		return raw // not an object: decoding it fails and says so
	}
	q, _ := json.Marshal(id)
	out := make([]byte, 0, len(raw)+len(q)+8)
	out = append(out, raw[:len(raw)-1]...)
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"id":`...)
	out = append(out, q...)
	return append(out, '}')
}

func mapTo[R any, D any](fn func(*R, string, *Refs) (D, Links, error)) func([]byte, string, *Refs) (any, Links, error) {
	return func(raw []byte, system string, refs *Refs) (any, Links, error) {
		return decodeMap(raw, system, refs, fn)
	}
}

func decodeMap[R any, D any](raw []byte, system string, refs *Refs, fn func(*R, string, *Refs) (D, Links, error)) (any, Links, error) {
	r := new(R)
	if err := json.Unmarshal(raw, r); err != nil {
		var head resourceHead
		_ = json.Unmarshal(raw, &head)
		return nil, Links{}, &MappingError{ResourceType: head.ResourceType, ID: head.ID, Err: err}
	}
	d, links, err := fn(r, system, refs)
	if err != nil {
		return nil, links, err
	}
	return d, links, nil
}

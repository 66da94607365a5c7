package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
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
}

// mapper carries the identity of the resource being mapped so every error
// names it.
type mapper struct {
	typ, id string
}

func (m mapper) fail(field string, err error) error {
	return &MappingError{ResourceType: m.typ, ID: m.id, Field: field, Err: err}
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

// PatientToDomain maps a Patient. system names the sending system and
// becomes Source.System. The NHS number must pass the Modulus 11 check; the
// registered practice is returned in Links.Practice.
func PatientToDomain(p *Patient, system string, refs *Refs) (joinedup.Patient, Links, error) {
	if p == nil {
		return joinedup.Patient{}, Links{}, errors.New("Patient: nil resource")
	}
	m := mapper{"Patient", p.ID}
	var out joinedup.Patient
	var links Links
	var err error
	if out.Source, err = m.source(&p.Resource, system); err != nil {
		return out, links, err
	}
	for _, id := range p.Identifier {
		if id.System != joinedup.NHSNumberSystem || id.Use == "old" {
			continue
		}
		if out.NHSNumber, err = joinedup.ParseNHSNumber(id.Value); err != nil {
			return out, links, m.fail("identifier", err)
		}
		break
	}
	if n := pickName(p.Name); n != nil {
		out.GivenName = strings.Join(n.Given, " ")
		out.FamilyName = n.Family
		if out.GivenName == "" && out.FamilyName == "" {
			out.FamilyName = n.Text
		}
	}
	if out.BirthDate, err = m.date("birthDate", p.BirthDate); err != nil {
		return out, links, err
	}
	switch s := joinedup.Sex(p.Gender); s {
	case "", joinedup.SexFemale, joinedup.SexMale, joinedup.SexOther, joinedup.SexUnknown:
		out.Sex = s
	default:
		return out, links, m.fail("gender", fmt.Errorf("unknown value %q", p.Gender))
	}
	if p.DeceasedDateTime != "" {
		t, err := m.date("deceasedDateTime", p.DeceasedDateTime)
		if err != nil {
			return out, links, err
		}
		out.Deceased = &t
	} else if p.DeceasedBoolean != nil && *p.DeceasedBoolean {
		// Deceased, date unknown: a non-nil zero time.
		out.Deceased = new(time.Time)
	}
	out.Language = patientLanguage(p)
	out.InterpreterRequired = interpreterRequired(p.Extension)
	for i := range p.Address {
		a := &p.Address[i]
		if a.PostalCode != "" && a.Use != "old" {
			out.Postcode = a.PostalCode
			if a.Use == "home" || a.Use == "" {
				break
			}
		}
	}
	out.Phone = phone(p.Telecom)
	for i := range p.GeneralPractitioner {
		if ref := optionalRef(refs, &p.GeneralPractitioner[i], "Organization"); !ref.IsZero() && ref.Type == "Organization" {
			links.Practice = ref
			break
		}
	}
	return out, links, nil
}

// pickName chooses the official name, else the usual one, else the first.
func pickName(names []HumanName) *HumanName {
	var usual, first *HumanName
	for i := range names {
		n := &names[i]
		switch n.Use {
		case "official":
			return n
		case "usual":
			if usual == nil {
				usual = n
			}
		case "old", "maiden":
			continue
		}
		if first == nil {
			first = n
		}
	}
	if usual != nil {
		return usual
	}
	if first == nil && len(names) > 0 {
		return &names[0]
	}
	return first
}

// phone returns the first phone number, preferring home and mobile ones.
func phone(cps []ContactPoint) string {
	best := ""
	for _, cp := range cps {
		if cp.System != "phone" && cp.System != "sms" || cp.Value == "" || cp.Use == "old" {
			continue
		}
		if cp.Use == "home" || cp.Use == "mobile" {
			return cp.Value
		}
		if best == "" {
			best = cp.Value
		}
	}
	return best
}

// patientLanguage returns the preferred language: the preferred
// communication entry, else the first; else the UK Core NHSCommunication
// extension, read the same way.
func patientLanguage(p *Patient) string {
	lang := ""
	for i := range p.Communication {
		c := &p.Communication[i]
		code := firstCode(&c.Language, SystemBCP47)
		if code == "" {
			continue
		}
		if c.Preferred != nil && *c.Preferred {
			return code
		}
		if lang == "" {
			lang = code
		}
	}
	if lang != "" {
		return lang
	}
	for _, e := range p.Extension {
		if e.URL != ExtNHSCommunication {
			continue
		}
		code, preferred := "", false
		for _, sub := range e.Extension {
			switch sub.URL {
			case "language":
				code = firstCode(sub.ValueCodeableConcept, SystemBCP47)
			case "preferred":
				preferred = sub.ValueBoolean != nil && *sub.ValueBoolean
			}
		}
		if code != "" && preferred {
			return code
		}
		if lang == "" {
			lang = code
		}
	}
	return lang
}

// interpreterRequired reads the UK Core NHSCommunication extension and the
// core patient-interpreterRequired extension that UK Core STU2 replaced it
// with.
func interpreterRequired(exts []Extension) bool {
	for _, e := range exts {
		switch e.URL {
		case ExtInterpreterRequired:
			if e.ValueBoolean != nil && *e.ValueBoolean {
				return true
			}
		case ExtNHSCommunication:
			for _, sub := range e.Extension {
				if sub.URL == "interpreterRequired" && sub.ValueBoolean != nil && *sub.ValueBoolean {
					return true
				}
			}
		}
	}
	return false
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

// SNOMED CT concepts that mark an encounter or admission as an emergency.
var emergencySNOMED = map[string]bool{
	"4525004":   true, // Emergency department patient visit
	"50849002":  true, // Emergency room admission
	"183452005": true, // Emergency hospital admission
	"225728007": true, // Accident and Emergency department
}

// EncounterToDomain maps an Encounter. It is an emergency when its class is
// EMER, its admitSource is the emergency department (HL7 "emd" or an
// emergency SNOMED CT concept), or it is an admission whose UK Core
// admission method is an emergency one (codes 2x) or whose type is an
// emergency hospital admission.
func EncounterToDomain(e *Encounter, system string, refs *Refs) (joinedup.Encounter, Links, error) {
	if e == nil {
		return joinedup.Encounter{}, Links{}, errors.New("Encounter: nil resource")
	}
	m := mapper{"Encounter", e.ID}
	var out joinedup.Encounter
	var links Links
	var err error
	if out.Source, err = m.source(&e.Resource, system); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, e.Subject); err != nil {
		return out, links, err
	}
	if e.Class != nil {
		out.Class = e.Class.Code
	}
	out.Types = codingsOf(e.Type)
	out.Specialty = codings(e.ServiceType)
	if e.Period != nil {
		if out.Start, err = m.date("period.start", e.Period.Start); err != nil {
			return out, links, err
		}
		if out.End, err = m.date("period.end", e.Period.End); err != nil {
			return out, links, err
		}
	}
	if h := e.Hospitalization; h != nil {
		out.AdmitSource = codings(h.AdmitSource)
	}
	out.Emergency = isEmergency(e, out.AdmitSource, out.Types)
	links.ServiceProvider = optionalRef(refs, e.ServiceProvider, "Organization")
	return out, links, nil
}

func isEmergency(e *Encounter, admitSource, types joinedup.Codings) bool {
	if classCode(e) == joinedup.EncounterEmergency {
		return true
	}
	for _, c := range admitSource {
		if c.System == SystemAdmitSource && c.Code == "emd" || c.System == joinedup.SystemSNOMED && emergencySNOMED[c.Code] {
			return true
		}
	}
	if h := e.Hospitalization; h != nil {
		for _, x := range h.Extension {
			if x.URL != ExtAdmissionMethod {
				continue
			}
			if code := firstCode(x.ValueCodeableConcept, SystemAdmissionMethod); len(code) == 2 && code[0] == '2' {
				return true
			}
		}
	}
	if classCode(e) == joinedup.EncounterInpatient {
		for _, c := range types {
			if c.System == joinedup.SystemSNOMED && c.Code == "183452005" {
				return true
			}
		}
	}
	return false
}

// classCode returns the encounter's class code.
func classCode(e *Encounter) string {
	if e.Class == nil {
		return ""
	}
	return e.Class.Code
}

// AppointmentToDomain maps an Appointment; the patient is the participant
// whose actor is a Patient.
func AppointmentToDomain(a *Appointment, system string, refs *Refs) (joinedup.Appointment, Links, error) {
	if a == nil {
		return joinedup.Appointment{}, Links{}, errors.New("Appointment: nil resource")
	}
	m := mapper{"Appointment", a.ID}
	out := joinedup.Appointment{Status: a.Status}
	var links Links
	var err error
	if out.Source, err = m.source(&a.Resource, system); err != nil {
		return out, links, err
	}
	for i := range a.Participant {
		actor := a.Participant[i].Actor
		if actor == nil {
			continue
		}
		ref, err := refs.resolveReference(actor)
		if err != nil {
			if actor.Type == "Patient" || strings.HasPrefix(actor.Reference, "Patient/") {
				return out, links, m.fail(fmt.Sprintf("participant[%d].actor", i), err)
			}
			continue
		}
		if ref.Type == "Patient" {
			links.Subject = ref
			break
		}
	}
	if links.Subject.IsZero() {
		return out, links, m.fail("participant", errors.New("no patient actor"))
	}
	if out.Start, err = m.date("start", a.Start); err != nil {
		return out, links, err
	}
	if out.End, err = m.date("end", a.End); err != nil {
		return out, links, err
	}
	out.Specialty = codingsOf(a.Specialty)
	if len(a.ServiceType) > 0 {
		st := &a.ServiceType[0]
		out.Service = st.Text
		if out.Service == "" {
			if cs := codings(st); len(cs) > 0 {
				out.Service = cs.Text()
			}
		}
	}
	return out, links, nil
}

// RelatedPersonToDomain maps a RelatedPerson to a carer of the patient it
// refers to.
func RelatedPersonToDomain(r *RelatedPerson, system string, refs *Refs) (joinedup.Carer, Links, error) {
	if r == nil {
		return joinedup.Carer{}, Links{}, errors.New("RelatedPerson: nil resource")
	}
	m := mapper{"RelatedPerson", r.ID}
	var out joinedup.Carer
	var links Links
	var err error
	if out.Source, err = m.source(&r.Resource, system); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("patient", refs, r.Patient); err != nil {
		return out, links, err
	}
	if n := pickName(r.Name); n != nil {
		out.Name = n.Text
		if out.Name == "" {
			out.Name = strings.TrimSpace(strings.Join(n.Given, " ") + " " + n.Family)
		}
	}
	out.Relationship = codingsOf(r.Relationship)
	out.Phone = phone(r.Telecom)
	return out, links, nil
}

// OrganizationToDomain maps an Organization. The ODS code comes from the
// identifier system SystemODS; the kind is inferred from the shape of the
// ODS code (a letter and five digits is a GP practice, "R" and two
// characters an NHS trust) and is OrgOther otherwise, for the caller to set.
func OrganizationToDomain(o *Organization, system string, refs *Refs) (joinedup.Organisation, Links, error) {
	if o == nil {
		return joinedup.Organisation{}, Links{}, errors.New("Organization: nil resource")
	}
	m := mapper{"Organization", o.ID}
	out := joinedup.Organisation{Name: o.Name, Kind: joinedup.OrgOther}
	var links Links
	var err error
	if out.Source, err = m.source(&o.Resource, system); err != nil {
		return out, links, err
	}
	for _, id := range o.Identifier {
		if id.System == SystemODS && id.Value != "" {
			out.ODS = id.Value
			break
		}
	}
	out.Kind = kindFromODS(out.ODS)
	// A kind coded in JoinedUp's own code system says exactly what the
	// organisation is; the ODS code only suggests it.
	for _, t := range o.Type {
		for _, c := range t.Coding {
			if k := joinedup.OrgKind(c.Code); c.System == SystemOrganisationKind && k.Valid() {
				out.Kind = k
			}
		}
	}
	links.PartOf = optionalRef(refs, o.PartOf, "Organization")
	return out, links, nil
}

func kindFromODS(ods string) joinedup.OrgKind {
	isLetter := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	switch {
	case len(ods) == 6 && isLetter(ods[0]):
		if _, ok := digits(ods, 1, 5); ok {
			return joinedup.OrgPractice
		}
	case len(ods) == 3 && ods[0] == 'R':
		return joinedup.OrgTrust
	}
	return joinedup.OrgOther
}

// ErrUnsupportedType is returned by ToDomain for resource types JoinedUp
// does not import (Claim, Procedure, …); callers usually skip those.
var ErrUnsupportedType = errors.New("resource type not imported")

// ToDomain decodes the raw JSON of a resource of the given type, as a
// BundleReader or NDJSONReader yields it, and maps it. The value is one of
// joinedup.Patient, joinedup.Condition, joinedup.Observation,
// joinedup.Medication, joinedup.Encounter, joinedup.Appointment,
// joinedup.Carer and joinedup.Organisation.
func ToDomain(resourceType string, raw []byte, system string, refs *Refs) (any, Links, error) {
	switch resourceType {
	case "Patient":
		return decodeMap(raw, system, refs, PatientToDomain)
	case "Condition":
		return decodeMap(raw, system, refs, ConditionToDomain)
	case "Observation":
		return decodeMap(raw, system, refs, ObservationToDomain)
	case "MedicationRequest":
		return decodeMap(raw, system, refs, MedicationRequestToDomain)
	case "MedicationStatement":
		return decodeMap(raw, system, refs, MedicationStatementToDomain)
	case "Encounter":
		return decodeMap(raw, system, refs, EncounterToDomain)
	case "Appointment":
		return decodeMap(raw, system, refs, AppointmentToDomain)
	case "RelatedPerson":
		return decodeMap(raw, system, refs, RelatedPersonToDomain)
	case "Organization":
		return decodeMap(raw, system, refs, OrganizationToDomain)
	}
	return nil, Links{}, fmt.Errorf("%s: %w", resourceType, ErrUnsupportedType)
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

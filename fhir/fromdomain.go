package fhir

import (
	"github.com/joinedup/joinedup"
)

// The From functions write domain values as R4 resources for export. The
// resource id is the domain ID (JoinedUp is the source of an exported
// record), references use the domain ids of the patient and organisations,
// and Source.VersionID and Source.LastUpdated become meta.

// nullFlavorUnknown is written where R4 requires a code the domain does not
// hold.
var nullFlavorUnknown = Coding{System: "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", Code: "UNK", Display: "unknown"}

func resource(typ, id string, src joinedup.Source) Resource {
	r := Resource{ResourceType: typ, ID: id}
	if src.VersionID != "" || !src.LastUpdated.IsZero() {
		r.Meta = &Meta{VersionID: src.VersionID, LastUpdated: FormatInstant(src.LastUpdated)}
	}
	return r
}

func reference(typ, id string) *Reference {
	if id == "" {
		return nil
	}
	return &Reference{Reference: typ + "/" + id}
}

func concept(cs joinedup.Codings) *CodeableConcept {
	if len(cs) == 0 {
		return nil
	}
	cc := &CodeableConcept{Coding: make([]Coding, len(cs))}
	for i, c := range cs {
		cc.Coding[i] = Coding{System: c.System, Code: c.Code, Display: c.Display}
	}
	return cc
}

func concepts(cs joinedup.Codings) []CodeableConcept {
	if cc := concept(cs); cc != nil {
		return []CodeableConcept{*cc}
	}
	return nil
}

func fromQuantity(q *joinedup.Quantity) *Quantity {
	if q == nil {
		return nil
	}
	v := q.Value
	return &Quantity{Value: &v, Unit: q.Unit}
}

// FromPatient writes a patient as a Patient: NHS number identifier,
// official name, preferred language, interpreter need (the core
// patient-interpreterRequired extension UK Core STU2 uses), registered
// practice as generalPractitioner.
func FromPatient(p joinedup.Patient) *Patient {
	out := &Patient{DomainResource: DomainResource{Resource: resource("Patient", p.ID, p.Source)}}
	if p.NHSNumber != "" {
		out.Identifier = []Identifier{{System: joinedup.NHSNumberSystem, Value: string(p.NHSNumber)}}
	}
	if p.GivenName != "" || p.FamilyName != "" {
		n := HumanName{Use: "official", Family: p.FamilyName}
		if p.GivenName != "" {
			n.Given = []string{p.GivenName}
		}
		out.Name = []HumanName{n}
	}
	if p.Phone != "" {
		out.Telecom = []ContactPoint{{System: "phone", Value: p.Phone}}
	}
	out.Gender = string(p.Sex)
	out.BirthDate = FormatDate(p.BirthDate)
	if p.Deceased != nil {
		if p.Deceased.IsZero() {
			out.DeceasedBoolean = ptr(true)
		} else {
			out.DeceasedDateTime = FormatDateTime(*p.Deceased)
		}
	}
	if p.Postcode != "" {
		out.Address = []Address{{Use: "home", PostalCode: p.Postcode}}
	}
	if p.Language != "" {
		out.Communication = []Communication{{
			Language:  CodeableConcept{Coding: []Coding{{System: SystemBCP47, Code: p.Language}}},
			Preferred: ptr(true),
		}}
	}
	if p.InterpreterRequired {
		out.Extension = []Extension{{URL: ExtInterpreterRequired, ValueBoolean: ptr(true)}}
	}
	if r := reference("Organization", p.PracticeID); r != nil {
		out.GeneralPractitioner = []Reference{*r}
	}
	return out
}

// FromCondition writes a condition as a Condition.
func FromCondition(c joinedup.Condition) *Condition {
	out := &Condition{DomainResource: DomainResource{Resource: resource("Condition", c.ID, c.Source)}}
	if c.ClinicalStatus != "" {
		out.ClinicalStatus = &CodeableConcept{Coding: []Coding{{System: SystemConditionClinical, Code: c.ClinicalStatus}}}
	}
	if c.VerificationStatus != "" {
		out.VerificationStatus = &CodeableConcept{Coding: []Coding{{System: SystemConditionVerification, Code: c.VerificationStatus}}}
	}
	out.Code = concept(c.Codes)
	out.Subject = reference("Patient", c.PatientID)
	out.OnsetDateTime = FormatDateTime(c.Onset)
	out.AbatementDateTime = FormatDateTime(c.Abated)
	out.RecordedDate = FormatDateTime(c.Recorded)
	return out
}

// FromObservation writes an observation as an Observation. R4 requires a
// status; "unknown" is written when the domain has none. R4 allows one
// value, so an observation with both a quantity and a coded value is
// written with the quantity alone.
func FromObservation(o joinedup.Observation) *Observation {
	out := &Observation{DomainResource: DomainResource{Resource: resource("Observation", o.ID, o.Source)}}
	out.Status = o.Status
	if out.Status == "" {
		out.Status = "unknown"
	}
	out.Code = concept(o.Codes)
	out.Subject = reference("Patient", o.PatientID)
	out.EffectiveDateTime = FormatDateTime(o.Effective)
	// value[x] holds one value: a quantity when there is one, else the
	// coded value.
	out.ValueQuantity = fromQuantity(o.Value)
	if o.ValueCode != nil && o.Value == nil {
		out.ValueCodeableConcept = concept(joinedup.Codings{*o.ValueCode})
	}
	for _, c := range o.Components {
		comp := ObservationComponent{ValueQuantity: fromQuantity(c.Value)}
		if cc := concept(c.Codes); cc != nil {
			comp.Code = *cc
		}
		out.Component = append(out.Component, comp)
	}
	return out
}

// FromMedication writes a medication as a MedicationRequest or a
// MedicationStatement, following its Kind; the result is one of
// *MedicationRequest and *MedicationStatement.
func FromMedication(m joinedup.Medication) any {
	if m.Kind == joinedup.MedicationStatement {
		return FromMedicationStatement(m)
	}
	return FromMedicationRequest(m)
}

// FromMedicationRequest writes a medication as a MedicationRequest with
// intent "order". A repeat is written as courseOfTherapyType "continuous".
func FromMedicationRequest(m joinedup.Medication) *MedicationRequest {
	out := &MedicationRequest{DomainResource: DomainResource{Resource: resource("MedicationRequest", m.ID, m.Source)}}
	out.Status = m.Status
	if out.Status == "" {
		out.Status = "unknown"
	}
	out.Intent = "order"
	out.MedicationCodeableConcept = concept(m.Codes)
	out.Subject = reference("Patient", m.PatientID)
	out.AuthoredOn = FormatDateTime(m.Authored)
	if m.Repeat {
		out.CourseOfTherapyType = &CodeableConcept{Coding: []Coding{{System: SystemCourseOfTherapy, Code: "continuous", Display: "Continuous long term therapy"}}}
	}
	return out
}

// FromMedicationStatement writes a medication as a MedicationStatement,
// its date as effectiveDateTime.
func FromMedicationStatement(m joinedup.Medication) *MedicationStatement {
	out := &MedicationStatement{DomainResource: DomainResource{Resource: resource("MedicationStatement", m.ID, m.Source)}}
	out.Status = m.Status
	if out.Status == "" {
		out.Status = "unknown"
	}
	out.MedicationCodeableConcept = concept(m.Codes)
	out.Subject = reference("Patient", m.PatientID)
	out.EffectiveDateTime = FormatDateTime(m.Authored)
	return out
}

// FromEncounter writes an encounter as an Encounter. An emergency that its
// class and admit source do not already show is written with the UK Core
// admission method 28 (emergency admission, other means) so that reading
// it back gives the same answer.
func FromEncounter(e joinedup.Encounter) *Encounter {
	out := &Encounter{DomainResource: DomainResource{Resource: resource("Encounter", e.ID, e.Source)}}
	switch {
	case e.Status != "":
		out.Status = e.Status
	case !e.End.IsZero():
		out.Status = "finished"
	case !e.Start.IsZero():
		out.Status = "in-progress"
	default:
		out.Status = "unknown"
	}
	if e.Class != "" {
		out.Class = &Coding{System: SystemActCode, Code: e.Class}
	} else {
		c := nullFlavorUnknown
		out.Class = &c
	}
	out.Type = concepts(e.Types)
	out.ServiceType = concept(e.Specialty)
	out.Subject = reference("Patient", e.PatientID)
	if !e.Start.IsZero() || !e.End.IsZero() {
		out.Period = &Period{Start: FormatDateTime(e.Start), End: FormatDateTime(e.End)}
	}
	if len(e.AdmitSource) > 0 {
		out.Hospitalization = &Hospitalization{AdmitSource: concept(e.AdmitSource)}
	}
	if e.Emergency && !isEmergency(out, e.AdmitSource, e.Types) {
		if out.Hospitalization == nil {
			out.Hospitalization = &Hospitalization{}
		}
		out.Hospitalization.Extension = append(out.Hospitalization.Extension, Extension{
			URL: ExtAdmissionMethod,
			ValueCodeableConcept: &CodeableConcept{Coding: []Coding{{
				System: SystemAdmissionMethod, Code: "28", Display: "Emergency Admission: Other means",
			}}},
		})
	}
	out.ServiceProvider = reference("Organization", e.ServiceProvider)
	return out
}

// FromAppointment writes an appointment as an Appointment with the patient
// as its one participant. R4 requires a status; "booked" is written when
// the domain has none.
func FromAppointment(a joinedup.Appointment) *Appointment {
	out := &Appointment{DomainResource: DomainResource{Resource: resource("Appointment", a.ID, a.Source)}}
	out.Status = a.Status
	if out.Status == "" {
		out.Status = "booked"
	}
	if a.Service != "" {
		out.ServiceType = []CodeableConcept{{Text: a.Service}}
	}
	out.Specialty = concepts(a.Specialty)
	out.Start = FormatInstant(a.Start)
	out.End = FormatInstant(a.End)
	out.Participant = []AppointmentParticipant{{Actor: reference("Patient", a.PatientID), Status: "accepted"}}
	if a.Site != "" {
		out.Participant = append(out.Participant, AppointmentParticipant{Actor: &Reference{Type: "Location", Display: a.Site}, Status: "accepted"})
	}
	return out
}

// FromCarer writes a carer as a RelatedPerson.
func FromCarer(c joinedup.Carer) *RelatedPerson {
	out := &RelatedPerson{DomainResource: DomainResource{Resource: resource("RelatedPerson", c.ID, c.Source)}}
	out.Patient = reference("Patient", c.PatientID)
	out.Relationship = concepts(c.Relationship)
	if c.Name != "" {
		out.Name = []HumanName{{Text: c.Name}}
	}
	if c.Phone != "" {
		out.Telecom = []ContactPoint{{System: "phone", Value: c.Phone}}
	}
	return out
}

// FromOrganisation writes an organisation as an Organization with its ODS
// code and its parent as partOf.
func FromOrganisation(o joinedup.Organisation) *Organization {
	out := &Organization{DomainResource: DomainResource{Resource: resource("Organization", o.ID, o.Source)}}
	if o.ODS != "" {
		out.Identifier = []Identifier{{System: SystemODS, Value: o.ODS}}
	}
	out.Active = ptr(true)
	out.Name = o.Name
	if o.Kind != "" {
		out.Type = []CodeableConcept{{Coding: []Coding{{System: SystemOrganisationKind, Code: string(o.Kind)}}}}
	}
	out.PartOf = reference("Organization", o.ParentID)
	return out
}

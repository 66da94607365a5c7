package fhir

import (
	"errors"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup"
)

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
	out.Status = e.Status
	if err := m.inValueSet("status", e.Status, encounterStatuses); err != nil {
		return out, links, err
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
// whose actor is a Patient, the site the first whose actor is a Location.
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
	if err := m.inValueSet("status", a.Status, appointmentStatuses); err != nil {
		return out, links, err
	}
	for i := range a.Participant {
		actor := a.Participant[i].Actor
		if actor == nil {
			continue
		}
		if isLocation(actor) {
			// The site is kept as named: a Location resource is not
			// imported, and its name is what a person travels to.
			if out.Site == "" {
				out.Site = strings.TrimSpace(actor.Display)
			}
			continue
		}
		if !links.Subject.IsZero() {
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

// isLocation reports whether a participant's actor is a Location, by its
// type or its reference.
func isLocation(r *Reference) bool {
	return r.Type == "Location" || strings.HasPrefix(r.Reference, "Location/")
}

package fhir

import (
	"errors"
	"fmt"

	"github.com/joinedup/joinedup"
)

// HospitalEventOf reads an Encounter a hospital sends as what it reports:
// a stay or visit begun, planned, ended or cancelled. The patient must be
// named by NHS number (subject.identifier), as in an HL7 v2 PID-3: a
// hospital's own patient ids mean nothing here. The message id and sender
// are the caller's to set.
func HospitalEventOf(e *Encounter) (joinedup.HospitalEvent, error) {
	if e == nil {
		return joinedup.HospitalEvent{}, errors.New("Encounter: nil resource")
	}
	m := mapper{"Encounter", e.ID}
	var ev joinedup.HospitalEvent
	if !ValidID(e.ID) {
		return ev, m.fail("id", errors.New("the hospital's id of the stay or visit is required (1 to 64 letters, digits, '-' or '.')"))
	}
	ev.Visit = e.ID
	if e.Subject == nil || e.Subject.Identifier == nil || e.Subject.Identifier.System != joinedup.NHSNumberSystem || e.Subject.Identifier.Value == "" {
		return ev, m.fail("subject", fmt.Errorf("name the patient by NHS number (subject.identifier, system %s)", joinedup.NHSNumberSystem))
	}
	ev.NHSNumber = e.Subject.Identifier.Value
	if e.Class == nil || e.Class.Code == "" {
		return ev, m.fail("class", ErrMissing)
	}
	switch e.Class.Code {
	case joinedup.EncounterEmergency, joinedup.EncounterInpatient, joinedup.EncounterAmbulatory:
		ev.Class = e.Class.Code
	default:
		return ev, m.fail("class", fmt.Errorf("%q is not EMER, IMP or AMB", e.Class.Code))
	}
	ev.Emergency = ev.Class == joinedup.EncounterEmergency
	if e.Priority != nil {
		for _, c := range e.Priority.Coding {
			ev.Emergency = ev.Emergency || c.Code == "EM" // v3 ActPriority: emergency
		}
	}
	var err error
	if e.Period != nil {
		if ev.Start, err = m.date("period.start", e.Period.Start); err != nil {
			return ev, err
		}
		if ev.End, err = m.date("period.end", e.Period.End); err != nil {
			return ev, err
		}
	}
	if e.Meta != nil {
		if ev.At, err = m.date("meta.lastUpdated", e.Meta.LastUpdated); err != nil {
			return ev, err
		}
	}
	switch e.Status {
	case "planned":
		ev.Kind = joinedup.EventPreAdmission
	case "arrived", "triaged", "in-progress", "onleave":
		switch ev.Class {
		case joinedup.EncounterEmergency:
			ev.Kind = joinedup.EventAttendance
		case joinedup.EncounterInpatient:
			ev.Kind = joinedup.EventAdmission
		default:
			ev.Kind = joinedup.EventRegistration
		}
	case "finished":
		ev.Kind = joinedup.EventDischarge
	case "cancelled", "entered-in-error":
		ev.Kind = joinedup.EventCancelAdmission
	default:
		return ev, m.fail("status", fmt.Errorf("unknown code %q (one of %v)", e.Status, encounterStatuses))
	}
	if ev.At.IsZero() {
		ev.At = ev.End
		if ev.At.IsZero() {
			ev.At = ev.Start
		}
	}
	return ev, nil
}

package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// V2EventSystem is HL7 table 0003, the v2 event types, as FHIR names it: a
// hospital's message Bundle says its event with it, as MSH-9 does.
const V2EventSystem = "http://terminology.hl7.org/CodeSystem/v2-0003"

// messageKinds maps v2 events to what they report; A04 depends on the
// class of the visit.
var messageKinds = map[string]joinedup.HospitalEventKind{
	"A01": joinedup.EventAdmission, "A02": joinedup.EventTransfer, "A03": joinedup.EventDischarge,
	"A05": joinedup.EventPreAdmission, "A08": joinedup.EventUpdate, "A11": joinedup.EventCancelAdmission,
	"A12": joinedup.EventCancelTransfer, "A13": joinedup.EventCancelDischarge,
}

// HospitalMessageOf reads a FHIR message Bundle a hospital sends (type
// "message"; first entry a MessageHeader whose eventCoding is a v2 event
// and whose focus is the Encounter in the Bundle) as the event it reports,
// with the message's id: the Bundle's identifier, else its id. The event
// is the Encounter's, as HospitalEventOf reads it, with the kind the
// header says.
func HospitalMessageOf(raw []byte) (joinedup.HospitalEvent, string, error) {
	var b struct {
		ResourceType string      `json:"resourceType"`
		ID           string      `json:"id"`
		Identifier   *Identifier `json:"identifier"`
		Type         string      `json:"type"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	var ev joinedup.HospitalEvent
	if err := json.Unmarshal(raw, &b); err != nil {
		return ev, "", fmt.Errorf("not a FHIR message Bundle: %w", err)
	}
	m := mapper{"Bundle", b.ID}
	switch {
	case b.ResourceType != "Bundle":
		return ev, "", fmt.Errorf("resourceType %q: want a Bundle of type message", b.ResourceType)
	case b.Type != "message":
		return ev, "", m.fail("type", fmt.Errorf("%q: want message", b.Type))
	case len(b.Entry) == 0:
		return ev, "", m.fail("entry", errors.New("a message starts with its MessageHeader"))
	}
	id := b.ID
	if b.Identifier != nil && b.Identifier.Value != "" {
		id = b.Identifier.System + "|" + b.Identifier.Value
	}
	if id == "" {
		return ev, "", m.fail("identifier", errors.New("a message needs an identifier (or id) to be received once"))
	}
	var h struct {
		ResourceType string      `json:"resourceType"`
		EventCoding  *Coding     `json:"eventCoding"`
		Focus        []Reference `json:"focus"`
	}
	if err := json.Unmarshal(b.Entry[0].Resource, &h); err != nil || h.ResourceType != "MessageHeader" {
		return ev, "", m.fail("entry[0].resource", errors.New("a message starts with its MessageHeader"))
	}
	if h.EventCoding == nil || h.EventCoding.System != V2EventSystem {
		return ev, "", m.fail("entry[0].resource.eventCoding", fmt.Errorf("name the event in %s (A01, A03, …)", V2EventSystem))
	}
	event := h.EventCoding.Code
	kind, known := messageKinds[event]
	if !known && event != "A04" {
		return ev, "", m.fail("entry[0].resource.eventCoding.code", fmt.Errorf("%q is not an ADT event JoinedUp reads", event))
	}
	if len(h.Focus) != 1 {
		return ev, "", m.fail("entry[0].resource.focus", errors.New("the focus is the one Encounter the message is about"))
	}
	for i, e := range b.Entry[1:] {
		if h.Focus[0].Reference != e.FullURL && !strings.HasSuffix(e.FullURL, "/"+h.Focus[0].Reference) {
			continue
		}
		var enc Encounter
		if err := json.Unmarshal(e.Resource, &enc); err != nil || enc.ResourceType != "Encounter" {
			return ev, "", m.fail(fmt.Sprintf("entry[%d].resource", i+1), errors.New("the focus is not an Encounter"))
		}
		ev, err := HospitalEventOf(&enc)
		if err != nil {
			return ev, "", err
		}
		switch {
		case known:
			ev.Kind = kind
		case ev.Class == joinedup.EncounterEmergency:
			ev.Kind = joinedup.EventAttendance
		default:
			ev.Kind = joinedup.EventRegistration
		}
		return ev, id, nil
	}
	return ev, "", m.fail("entry[0].resource.focus", fmt.Errorf("%q is not an entry of the Bundle", h.Focus[0].Reference))
}

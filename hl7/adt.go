package hl7

import (
	"fmt"
	"strings"
	"time"
)

// ADT is what JoinedUp reads from an ADT (admission, discharge and transfer)
// message. Text is unescaped; HL7's explicit null `""` reads as empty. A
// time the message leaves out is the zero time.
type ADT struct {
	Event                                  string    // A01 A02 A03 A04 A05 A08 A11 A12 A13 A40
	ControlID, SendingApp, SendingFacility string    // MSH-10, MSH-3.1, MSH-4.1
	MessageTime                            time.Time // MSH-7, with its offset if given; else in Europe/London

	NHSNumber string       // the PID-3 repetition assigned by the NHS, digits only; not checksum-validated
	OtherIDs  []Identifier // every other PID-3 repetition
	Family    string       // PID-5.1 of the legal name (PID-5.7 "L"), else of the first
	Given     string       // PID-5.2 of the same name
	BirthDate time.Time    // PID-7
	Sex       string       // PID-8 (HL7 table 0001: F, M, O, U, …)

	PatientClass    string    // PV1-2 (HL7 table 0004: E emergency, I inpatient, O outpatient, …)
	VisitNumber     string    // PV1-19.1
	Location        string    // PV1-3 point of care, room, bed and facility, those given, joined by ", "
	HospitalService string    // PV1-10
	AdmitTime       time.Time // PV1-44
	DischargeTime   time.Time // PV1-45
	EventTime       time.Time // EVN-6 if set, else EVN-2, else MSH-7

	MergedNHSNumber string // A40: the NHS repetition of MRG-1, digits only
}

// Identifier is one patient identifier (HL7 CX): the id, the authority that
// assigned it (CX.4, its namespace or else its universal id) and its type
// (CX.5, HL7 table 0203: MR, NH, …).
type Identifier struct{ ID, Authority, Type string }

// nhsOID is the OID of the NHS number.
const nhsOID = "2.16.840.1.113883.2.1.4.1"

// adtEvents are the ADT events ParseADT reads.
var adtEvents = map[string]bool{
	"A01": true, // admit
	"A02": true, // transfer
	"A03": true, // discharge
	"A04": true, // register (an A&E attendance, an outpatient)
	"A05": true, // pre-admit
	"A08": true, // update patient information
	"A11": true, // cancel admit
	"A12": true, // cancel transfer
	"A13": true, // cancel discharge
	"A40": true, // merge patient
}

// ParseADT validates m as an ADT message of an event JoinedUp takes and reads
// it. Every failure is an *Error:
//
//   - MSH-9.1 not ADT: 200 unsupported message type;
//   - MSH-9.2 (or, when empty, EVN-1) not one of the events of ADT.Event:
//     201 unsupported event code;
//   - PID-3 empty or no PID segment, MRG-1 for A40, PV1-2 for A01, A03 and
//     A04: 101 required field missing;
//   - a time (MSH-7, EVN-2, EVN-6, PID-7, PV1-44, PV1-45) that is not an HL7
//     DTM: 102 data type error.
func ParseADT(m *Message) (ADT, error) {
	if m == nil {
		return ADT{}, &Error{Code: CodeInternal, Reason: "no message"}
	}
	var a ADT
	typ, ev := m.Type()
	switch {
	case typ == "":
		return ADT{}, missing("MSH", 9, 1)
	case typ != "ADT":
		return ADT{}, &Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 1, Code: CodeUnsupportedMessage, Reason: "unsupported message type " + clip(typ, 20)}
	}
	if ev == "" {
		ev = m.value("EVN-1")
	}
	switch {
	case ev == "":
		return ADT{}, missing("MSH", 9, 2)
	case !adtEvents[ev]:
		return ADT{}, &Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: CodeUnsupportedEvent, Reason: "unsupported event code " + clip(ev, 20)}
	}
	a.Event = ev
	a.ControlID = m.value("MSH-10")
	a.SendingApp = m.value("MSH-3")
	a.SendingFacility = m.value("MSH-4")

	var err *Error
	times := []struct {
		seg   string
		field int
		to    *time.Time
	}{
		{"MSH", 7, &a.MessageTime},
		{"EVN", 2, &a.EventTime},
		{"EVN", 6, nil},
		{"PID", 7, &a.BirthDate},
		{"PV1", 44, &a.AdmitTime},
		{"PV1", 45, &a.DischargeTime},
	}
	var recorded time.Time // EVN-6, the time the event happened
	for _, f := range times {
		to := f.to
		if to == nil {
			to = &recorded
		}
		if *to, err = m.time(f.seg, f.field); err != nil {
			return ADT{}, err
		}
	}
	switch {
	case !recorded.IsZero():
		a.EventTime = recorded
	case a.EventTime.IsZero():
		a.EventTime = a.MessageTime
	}

	if m.Repeats("PID", 3) == 0 {
		return ADT{}, missing("PID", 3, 0)
	}
	for r := 1; r <= m.Repeats("PID", 3); r++ {
		id, nhs := m.identifier(fmt.Sprintf("PID-3(%d)", r))
		switch {
		case id.ID == "":
		case a.NHSNumber == "" && nhs:
			a.NHSNumber = onlyDigits(id.ID)
		default:
			a.OtherIDs = append(a.OtherIDs, id)
		}
	}
	if a.NHSNumber == "" && len(a.OtherIDs) == 0 {
		return ADT{}, missing("PID", 3, 0)
	}
	name := 1
	for r := 1; r <= m.Repeats("PID", 5); r++ {
		if m.value(fmt.Sprintf("PID-5(%d).7", r)) == "L" {
			name = r
			break
		}
	}
	a.Family = m.value(fmt.Sprintf("PID-5(%d).1", name))
	a.Given = m.value(fmt.Sprintf("PID-5(%d).2", name))
	a.Sex = m.value("PID-8")

	a.PatientClass = m.value("PV1-2")
	if a.PatientClass == "" && (ev == "A01" || ev == "A03" || ev == "A04") {
		return ADT{}, missing("PV1", 2, 0)
	}
	var loc []string
	for c := 1; c <= 4; c++ {
		if v := m.value(fmt.Sprintf("PV1-3.%d", c)); v != "" {
			loc = append(loc, v)
		}
	}
	a.Location = strings.Join(loc, ", ")
	a.HospitalService = m.value("PV1-10")
	a.VisitNumber = m.value("PV1-19")

	if ev == "A40" {
		found := false
		for r := 1; r <= m.Repeats("MRG", 1); r++ {
			id, nhs := m.identifier(fmt.Sprintf("MRG-1(%d)", r))
			if id.ID == "" {
				continue
			}
			found = true
			if nhs {
				a.MergedNHSNumber = onlyDigits(id.ID)
				break
			}
		}
		if !found {
			return ADT{}, missing("MRG", 1, 0)
		}
	}
	return a, nil
}

// missing is the error of a required field left empty.
func missing(seg string, field, component int) *Error {
	return &Error{Segment: seg, Sequence: 1, Field: field, Component: component, Code: CodeRequiredField, Reason: "required field missing"}
}

// value is Get with HL7's explicit null `""` read as empty.
func (m *Message) value(path string) string {
	v := m.Get(path)
	if v == `""` {
		return ""
	}
	return v
}

// time reads a time field of the first segment seg; the zero time when it is
// empty.
func (m *Message) time(seg string, field int) (time.Time, *Error) {
	v := m.value(fmt.Sprintf("%s-%d", seg, field))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, &Error{Segment: seg, Sequence: 1, Field: field, Code: CodeDataType, Reason: err.Error()}
	}
	return t, nil
}

// identifier reads the CX at path, a field and its repetition, and whether
// it is an NHS number: assigned by the NHS (CX.4 namespace "NHS" or
// universal id the NHS number's OID) or of the type NH.
func (m *Message) identifier(path string) (Identifier, bool) {
	ns, oid := m.value(path+".4.1"), m.value(path+".4.2")
	id := Identifier{ID: m.value(path + ".1"), Authority: ns, Type: m.value(path + ".5")}
	if id.Authority == "" {
		id.Authority = oid
	}
	return id, strings.EqualFold(ns, "NHS") || ns == nhsOID || oid == nhsOID || id.Type == "NH"
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

package joinedup

import "time"

// HospitalEventKind is what a hospital reports happened.
type HospitalEventKind string

// Values of HospitalEventKind, with the HL7 v2 ADT event each comes from.
const (
	EventAttendance      HospitalEventKind = "attendance"       // A04 with patient class E: an A&E attendance
	EventRegistration    HospitalEventKind = "registration"     // A04 otherwise: an outpatient or other visit
	EventAdmission       HospitalEventKind = "admission"        // A01
	EventPreAdmission    HospitalEventKind = "pre-admission"    // A05: a planned admission
	EventTransfer        HospitalEventKind = "transfer"         // A02
	EventDischarge       HospitalEventKind = "discharge"        // A03
	EventUpdate          HospitalEventKind = "update"           // A08
	EventCancelAdmission HospitalEventKind = "cancel-admission" // A11 (also cancels a registration)
	EventCancelTransfer  HospitalEventKind = "cancel-transfer"  // A12
	EventCancelDischarge HospitalEventKind = "cancel-discharge" // A13
	EventMerge           HospitalEventKind = "merge"            // A40: the hospital merged two of its records
)

// HospitalEvent is one message from a hospital about one patient's stay or
// visit, as received: it becomes, or changes, an Encounter of the patient
// matched by NHS number.
type HospitalEvent struct {
	// MessageID is unique per sending system and message (for HL7 v2, the
	// sending facility and MSH-10), so a message sent twice is applied once.
	MessageID string
	Sender    string // the sending facility, the Encounter's source system
	Kind      HospitalEventKind
	NHSNumber string // as sent; checked, and matched, on receipt
	// Visit identifies the stay or visit the event is about (PV1-19): the
	// admission, transfer and discharge of one stay share it.
	Visit     string
	Class     string // EncounterEmergency, EncounterInpatient, EncounterAmbulatory
	Emergency bool   // an unplanned admission
	Start     time.Time
	End       time.Time
	At        time.Time // when the event happened (or the message was sent)
	Location  string
	Service   string
	// MergedNHSNumber is, for a merge, the NHS number of the record merged
	// away.
	MergedNHSNumber string
	Raw             []byte // the message as received, kept with its effects
}

// HospitalMessageStatus is what became of a received message.
type HospitalMessageStatus string

// Values of HospitalMessageStatus.
const (
	MessageApplied HospitalMessageStatus = "applied"
	// MessageHeld: the message is stored but not applied, for a person to
	// review: its NHS number is missing, invalid or matches nobody, or it
	// asks for a merge. Nothing is guessed.
	MessageHeld HospitalMessageStatus = "held"
	// MessageDismissed: a held message someone reviewed and set aside,
	// with why.
	MessageDismissed HospitalMessageStatus = "dismissed"
)

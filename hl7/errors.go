package hl7

import "strconv"

// Error codes from HL7 table 0357 (message error condition codes).
const (
	CodeSegmentSequence    = "100" // segment sequence error
	CodeRequiredField      = "101" // required field missing
	CodeDataType           = "102" // data type error
	CodeTableValue         = "103" // table value not found
	CodeUnsupportedMessage = "200" // unsupported message type
	CodeUnsupportedEvent   = "201" // unsupported event code
	CodeInternal           = "207" // application internal error
)

// codeText is the text of each code of table 0357 this package uses.
var codeText = map[string]string{
	"0":                    "Message accepted",
	CodeSegmentSequence:    "Segment sequence error",
	CodeRequiredField:      "Required field missing",
	CodeDataType:           "Data type error",
	CodeTableValue:         "Table value not found",
	CodeUnsupportedMessage: "Unsupported message type",
	CodeUnsupportedEvent:   "Unsupported event code",
	CodeInternal:           "Application internal error",
}

// Error is what is wrong with a message, where it is and its code from HL7
// table 0357. Parse and ParseADT return their errors as *Error, and ACK
// reports one in an ERR segment.
type Error struct {
	Segment   string // segment id, e.g. "PID"; empty when the error has no place
	Sequence  int    // 1-based occurrence of the segment in the message
	Field     int    // field number, 0 for the whole segment
	Component int    // component number, 0 for the whole field
	Code      string // HL7 table 0357
	Reason    string // plain English, e.g. "required field missing"
}

// Error gives the place and the reason: "PID-3: required field missing".
// A segment after its first occurrence is numbered: "OBX(2)-5: …".
func (e *Error) Error() string {
	loc := e.Location()
	reason := e.Reason
	if reason == "" {
		reason = codeText[e.Code]
	}
	if loc == "" {
		return "hl7: " + reason
	}
	return loc + ": " + reason
}

// Location is the error's place as a path Message.Get reads, e.g. "PID-3" or
// "MSH-9.2"; empty when the error has no place.
func (e *Error) Location() string {
	if e.Segment == "" {
		return ""
	}
	s := e.Segment
	if e.Sequence > 1 {
		s += "(" + strconv.Itoa(e.Sequence) + ")"
	}
	if e.Field > 0 {
		s += "-" + strconv.Itoa(e.Field)
		if e.Component > 0 {
			s += "." + strconv.Itoa(e.Component)
		}
	}
	return s
}

// CodeText is the text HL7 table 0357 gives a code, or "" for a code it
// does not hold.
func CodeText(code string) string { return codeText[code] }

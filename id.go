package joinedup

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// idSpace is the UUID namespace of JoinedUp record ids
// (6f1c2b9e-3d0a-5a4e-9b7c-2e51d0c4a8f3).
var idSpace = [16]byte{0x6f, 0x1c, 0x2b, 0x9e, 0x3d, 0x0a, 0x5a, 0x4e, 0x9b, 0x7c, 0x2e, 0x51, 0xd0, 0xc4, 0xa8, 0xf3}

// StableID derives a record's id from what identifies it at its source
// (e.g. "Condition", "synthea", "abc-123"): a name-based UUID (version 5,
// RFC 9562) in JoinedUp's namespace. The same record always gets the same
// id, so a re-import, or an import resumed after a crash, reaches exactly
// the state of one clean run, and the same data gives the same ids on every
// engine.
func StableID(parts ...string) string {
	h := sha1.New()
	h.Write(idSpace[:])
	h.Write([]byte(strings.Join(parts, "\x1f")))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// PatientID is the id a patient gets: from the NHS number when known, so the
// same person sent by two sources is one patient, else from the source.
func PatientID(p Patient) string {
	if p.NHSNumber != "" {
		return StableID("Patient", "nhs", string(p.NHSNumber))
	}
	return StableID("Patient", p.Source.System, p.Source.ID)
}

package joinedup

import "time"

// A PatientMerge is a patient record that arrived with an NHS number
// already held for another record (another id, from the same or another
// sending system). JoinedUp never decides such a case by itself: joining
// the two could put one person's diagnoses in another's record, and
// keeping both would split a person's care in two. The second record, and
// every record that refers to it, waits until someone who can check both
// resolves it.
type PatientMerge struct {
	ID        string
	NHSNumber NHSNumber
	PatientID string // the record held
	Other     Source // the record that arrived second
	// OtherName and OtherBirthDate are what the second record says, so
	// the two can be compared without the source system.
	OtherName      string
	OtherBirthDate time.Time
	File           string // where the second record was read
	FoundAt        time.Time
	Resolution     MergeResolution
	ResolvedBy     string // user id
	ResolvedAt     time.Time
	Note           string
}

// MergeResolution is how a PatientMerge was resolved.
type MergeResolution string

// Values of MergeResolution.
const (
	MergeOpen MergeResolution = ""
	// MergeSamePerson: both records are the one person's; the second
	// source's records are linked to the record held from then on.
	MergeSamePerson MergeResolution = "same-person"
	// MergeNotSamePerson: they are different people, so one NHS number is
	// wrong at its source, which must correct it; the second record stays
	// out.
	MergeNotSamePerson MergeResolution = "not-same-person"
)

// Valid reports whether r is a resolution (not MergeOpen).
func (r MergeResolution) Valid() bool { return r == MergeSamePerson || r == MergeNotSamePerson }

package joinedup

import "time"

// Consent is a patient's sharing decisions as recorded at one time.
type Consent struct {
	ID         string
	PatientID  string
	SocialCare bool // share with social care
	Voluntary  bool // share with voluntary organisations
	// VoluntaryFields are the fields a referral to a voluntary
	// organisation may share (ShareableFields); empty: all of
	// them, when Voluntary.
	VoluntaryFields []string
	Note            string
	RecordedBy      string // User.ID
	RecordedAt      time.Time
}

// BreakGlassGrant is emergency access to one patient for one user until
// Expires.
type BreakGlassGrant struct {
	ID        string
	PatientID string
	UserID    string
	Reason    string
	Granted   time.Time
	Expires   time.Time
}

package joinedup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReferralStatus is where a referral to a service stands in its closed
// loop: sent by the coordinator, accepted or declined by the service, in
// progress, and completed with an outcome reported back.
type ReferralStatus string

// Values of ReferralStatus.
const (
	ReferralSent       ReferralStatus = "sent"
	ReferralAccepted   ReferralStatus = "accepted"
	ReferralDeclined   ReferralStatus = "declined"
	ReferralInProgress ReferralStatus = "in-progress"
	ReferralCompleted  ReferralStatus = "completed"
	ReferralCancelled  ReferralStatus = "cancelled" // withdrawn by the referrer
)

// referralMoves are the moves each status allows.
var referralMoves = map[ReferralStatus][]ReferralStatus{
	ReferralSent:       {ReferralAccepted, ReferralDeclined, ReferralCancelled},
	ReferralAccepted:   {ReferralInProgress, ReferralCompleted, ReferralCancelled},
	ReferralInProgress: {ReferralInProgress, ReferralCompleted, ReferralCancelled},
}

// Closed reports whether the referral has ended: the service no longer
// sees the patient through it.
func (s ReferralStatus) Closed() bool {
	return s == ReferralDeclined || s == ReferralCompleted || s == ReferralCancelled
}

// Valid reports whether s is a known status.
func (s ReferralStatus) Valid() bool {
	switch s {
	case ReferralSent, ReferralAccepted, ReferralDeclined, ReferralInProgress, ReferralCompleted, ReferralCancelled:
		return true
	}
	return false
}

// ReferralUpdate is a change of a referral's status by the service or the
// referrer. A decline needs a reason, a completion an outcome.
type ReferralUpdate struct {
	Status  ReferralStatus
	Note    string // progress note or reason for declining
	Outcome string // what came of it, on completion
}

// CheckMove checks that a referral at from may move as u says.
func CheckMove(from ReferralStatus, u ReferralUpdate) error {
	e := FieldErrors{}
	switch {
	case !u.Status.Valid():
		e["status"] = fmt.Sprintf("%q is not a referral status", u.Status)
	case !slices.Contains(referralMoves[from], u.Status):
		e["status"] = fmt.Sprintf("a referral that is %s cannot become %s", from, u.Status)
	case u.Status == ReferralDeclined && strings.TrimSpace(u.Note) == "":
		e["note"] = "a reason for declining is required"
	case u.Status == ReferralCompleted && strings.TrimSpace(u.Outcome) == "":
		e["outcome"] = "the outcome is required when a referral is completed"
	}
	checkText(e, "note", u.Note, false)
	checkText(e, "outcome", u.Outcome, false)
	if len(e) > 0 {
		return e
	}
	return nil
}

// The fields a referral may share with a voluntary organisation, as the
// patient's consent lists them. Diagnoses, results and medicines are never
// among them.
const (
	ShareName        = "name"
	ShareContact     = "contact"
	ShareReason      = "reason"
	ShareWhatMatters = "what-matters"
)

// ShareableFields lists every field a referral may share, in the order
// they are shown.
func ShareableFields() []string {
	return []string{ShareName, ShareContact, ShareReason, ShareWhatMatters}
}

// Shareable reports whether a referral may share the field at all.
func Shareable(field string) bool { return slices.Contains(ShareableFields(), field) }

// ConsentedFields is what a consent to share with voluntary organisations
// covers: the fields it lists, or all shareable fields when it lists none;
// nothing without consent. Unknown names are dropped, so a clinical field
// can never be consented into a referral.
func ConsentedFields(voluntary bool, listed []string) []string {
	if !voluntary {
		return nil
	}
	if len(listed) == 0 {
		return ShareableFields()
	}
	var out []string
	for _, f := range ShareableFields() {
		if slices.Contains(listed, f) {
			out = append(out, f)
		}
	}
	return out
}

// ReferralShare is what a service sees of a referred patient: only the
// fields the referral shares, empty otherwise.
type ReferralShare struct {
	Name        string `json:"name,omitempty"`
	Contact     string `json:"contact,omitempty"`
	Reason      string `json:"reason,omitempty"`
	WhatMatters string `json:"what_matters,omitempty"`
}

// Share builds what a service sees from the patient and the referral,
// keeping only the shared fields.
func Share(p Patient, reason, whatMatters string, shared []string) ReferralShare {
	var s ReferralShare
	if slices.Contains(shared, ShareName) {
		s.Name = p.Name()
	}
	if slices.Contains(shared, ShareContact) {
		s.Contact = p.Phone
	}
	if slices.Contains(shared, ShareReason) {
		s.Reason = reason
	}
	if slices.Contains(shared, ShareWhatMatters) {
		s.WhatMatters = whatMatters
	}
	return s
}

// StallSettings say when a referral has stalled and its coordinator should
// chase it. An LCN sets them; DefaultStallSettings are the starting point.
type StallSettings struct {
	// AcceptWithinWorkingDays: a sent referral not accepted or declined
	// within this many working days (Monday to Friday) has stalled.
	AcceptWithinWorkingDays int
	// QuietDays: an accepted or in-progress referral with no update for
	// this many days has stalled.
	QuietDays int
}

// DefaultStallSettings: ten working days to respond, thirty days between
// updates.
var DefaultStallSettings = StallSettings{AcceptWithinWorkingDays: 10, QuietDays: 30}

// AddWorkingDays returns the day n working days (Monday to Friday) after t.
func AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// Stalled reports whether a referral at status, sent at sent and last
// updated at updated, has stalled at now, with why and since when.
func Stalled(status ReferralStatus, sent, updated, now time.Time, cfg StallSettings) (bool, string, time.Time) {
	switch status {
	case ReferralSent:
		due := AddWorkingDays(sent, cfg.AcceptWithinWorkingDays)
		if !now.Before(due) {
			return true, fmt.Sprintf("not accepted within %d working days", cfg.AcceptWithinWorkingDays), due
		}
	case ReferralAccepted, ReferralInProgress:
		due := updated.AddDate(0, 0, cfg.QuietDays)
		if !now.Before(due) {
			return true, fmt.Sprintf("no update for %d days", cfg.QuietDays), due
		}
	}
	return false, "", time.Time{}
}

// TaskReferralStalled is the kind of task a stalled referral raises for the
// coordinator who made it.
const TaskReferralStalled = "referral-stalled"

// Referral is a referral of a patient to an organisation, holding what the
// receiving organisation is shown.
type Referral struct {
	ID             string
	PatientID      string
	OrganisationID string // the organisation referred to
	Reason         string
	WhatMatters    string // what matters to the patient, in their words
	CreatedBy      string // User.ID, when made in JoinedUp
	Created        time.Time
	Closed         time.Time // zero while open
	// ServiceID is the directory service referred to; empty for a
	// referral to an organisation as a whole.
	ServiceID string
	Status    ReferralStatus // "sent" when not given
	Version   int
	// Shared are the fields the service sees (ShareableFields),
	// as the patient's consent allowed when the referral was made.
	Shared    []string
	Note      string // the latest progress note or reason for declining
	Outcome   string // what came of it, reported by the service
	UpdatedBy string
	Updated   time.Time // zero until first updated
}

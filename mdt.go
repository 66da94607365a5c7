package joinedup

import (
	"fmt"
	"strings"
	"time"
)

// MDTMeeting is a multi-disciplinary team meeting held by one organisation
// (a locality or a practice): the people who share a patient's care
// discuss them together and leave with actions.
type MDTMeeting struct {
	ID             string
	OrganisationID string
	Title          string
	Start          time.Time
	Location       string
	ChairID        string // the user who chairs
	// RepeatWeeks is the schedule: the meeting recurs every so many weeks
	// on the same weekday and time; 0 means it does not recur.
	RepeatWeeks int
	Attendees   []MDTAttendee
	CreatedBy   string
	CreatedAt   time.Time
}

// MDTAttendee is someone at a meeting: a user, or a guest who is not one,
// named with their organisation.
type MDTAttendee struct {
	UserID       string `json:"user_id,omitempty"`
	Name         string `json:"name,omitempty"`
	Organisation string `json:"organisation,omitempty"`
}

// MaxRepeatWeeks bounds a meeting's schedule: a year between meetings.
const MaxRepeatWeeks = 52

// MaxAttendees bounds the people listed at one meeting.
const MaxAttendees = 100

// Validate checks a meeting before it is stored.
func (m MDTMeeting) Validate() error {
	e := FieldErrors{}
	checkText(e, "title", m.Title, true)
	checkText(e, "location", m.Location, false)
	if m.OrganisationID == "" {
		e.add("organisation", "is required")
	}
	if m.Start.IsZero() {
		e.add("starts_at", "is required")
	}
	if m.ChairID == "" {
		e.add("chair", "is required")
	}
	if m.RepeatWeeks < 0 || m.RepeatWeeks > MaxRepeatWeeks {
		e.add("repeat_weeks", "want 0 (does not repeat) to %d weeks, not %d", MaxRepeatWeeks, m.RepeatWeeks)
	}
	if len(m.Attendees) > MaxAttendees {
		e.add("attendees", "at most %d attendees", MaxAttendees)
	}
	for i, a := range m.Attendees {
		f := fmt.Sprintf("attendees[%d].", i)
		if a.UserID == "" {
			checkText(e, f+"name", a.Name, true)
			checkText(e, f+"organisation", a.Organisation, true)
		}
	}
	return e.err()
}

// Next is the following meeting on the schedule: the same organisation,
// chair, place and attendees, RepeatWeeks later on the same weekday and
// time. A meeting that does not recur has no next one.
func (m MDTMeeting) Next() (MDTMeeting, error) {
	if m.RepeatWeeks <= 0 {
		return MDTMeeting{}, fmt.Errorf("meeting %s on %s does not repeat: it has no schedule", m.ID, m.Start.Format(time.DateOnly))
	}
	n := m
	n.ID, n.CreatedBy, n.CreatedAt = "", "", time.Time{}
	n.Start = m.Start.AddDate(0, 0, 7*m.RepeatWeeks)
	n.Attendees = append([]MDTAttendee(nil), m.Attendees...)
	return n, nil
}

// MDTReasonKind is why a patient is on a meeting's case list.
type MDTReasonKind string

// The reasons a patient is on a case list, in the order they are shown.
const (
	MDTRolledOver    MDTReasonKind = "rolled-over"    // not discussed at the last meeting
	MDTUnplannedCare MDTReasonKind = "unplanned-care" // A&E attendance or emergency admission since the last meeting
	MDTRequested     MDTReasonKind = "requested"      // a care-team member asked, with a reason
	MDTTierDue       MDTReasonKind = "tier-due"       // the tier's discussion interval has passed
	MDTAdded         MDTReasonKind = "added"          // added to the list by hand
)

// MDTReasonKinds lists the reasons in the order a case shows them.
func MDTReasonKinds() []MDTReasonKind {
	return []MDTReasonKind{MDTRolledOver, MDTUnplannedCare, MDTRequested, MDTTierDue, MDTAdded}
}

// Label is the reason in words.
func (k MDTReasonKind) Label() string {
	switch k {
	case MDTRolledOver:
		return "Rolled over"
	case MDTUnplannedCare:
		return "Unplanned care"
	case MDTRequested:
		return "Requested"
	case MDTTierDue:
		return "Due by tier"
	case MDTAdded:
		return "Added by hand"
	}
	return string(k)
}

// MDTReason is one reason a patient is on a case list, with its detail in
// words (e.g. "Amber: last discussed 14 Feb 2025, every 3 months").
type MDTReason struct {
	Kind   MDTReasonKind `json:"kind"`
	Detail string        `json:"detail"`
}

// MDTCaseStatus is where a case stands at its meeting.
type MDTCaseStatus string

// Values of MDTCaseStatus.
const (
	MDTPending      MDTCaseStatus = "pending"
	MDTDiscussed    MDTCaseStatus = "discussed"
	MDTNotDiscussed MDTCaseStatus = "not-discussed"
	// MDTWithdrawn is a case taken off the list before it was discussed:
	// the patient died.
	MDTWithdrawn MDTCaseStatus = "withdrawn"
)

// MDTCase is one patient on one meeting's case list, with every reason they
// are on it, and once recorded, the outcome.
type MDTCase struct {
	ID         string
	MeetingID  string
	PatientID  string
	Position   int
	Reasons    []MDTReason
	Status     MDTCaseStatus
	Outcome    string
	Decisions  string
	RecordedBy string
	RecordedAt time.Time
	Version    int
}

// MDTCaseAccess is how long after a meeting its organisation keeps access to
// its cases (Relationship.OnMDT): long enough to write up and follow the
// actions, not a standing right to the record.
const MDTCaseAccess = 30 * 24 * time.Hour

// TaskMDTAction is the kind of a task an MDT meeting agreed.
const TaskMDTAction = "mdt-action"

// MDTAction is something the meeting agreed someone does: it becomes a task
// on the owner's worklist.
type MDTAction struct {
	Description  string
	AssigneeUser string // a user, or
	AssigneeOrg  string // an organisation as a team
	Due          time.Time
	Priority     int // 1 urgent, 2 normal, 3 routine; 0 means normal
}

// MDTOutcome is what the chair records for a case.
type MDTOutcome struct {
	Discussed bool
	Outcome   string
	Decisions string
	Actions   []MDTAction
}

// Validate checks an outcome recorded on date today: a discussed case
// needs an outcome; an undiscussed one raises no actions; every action has
// a description, an owner and a due date not in the past.
func (o MDTOutcome) Validate(today time.Time) error {
	e := FieldErrors{}
	checkText(e, "outcome", o.Outcome, o.Discussed)
	checkText(e, "decisions", o.Decisions, false)
	if !o.Discussed && len(o.Actions) > 0 {
		e.add("actions", "a case not discussed agrees no actions")
	}
	if len(o.Actions) > MaxPlanItems {
		e.add("actions", "at most %d actions", MaxPlanItems)
	}
	for i, a := range o.Actions {
		f := fmt.Sprintf("actions[%d].", i)
		checkText(e, f+"description", a.Description, true)
		if strings.TrimSpace(a.AssigneeUser) == "" && strings.TrimSpace(a.AssigneeOrg) == "" {
			e.add(f+"owner", "is required: a user or an organisation")
		}
		switch {
		case a.Due.IsZero():
			e.add(f+"due", "is required")
		case day(a.Due).Before(day(today)):
			e.add(f+"due", "%s is in the past", a.Due.Format(time.DateOnly))
		}
		if a.Priority < 0 || a.Priority > 3 {
			e.add(f+"priority", "want 1 (urgent), 2 (normal) or 3 (routine), not %d", a.Priority)
		}
	}
	return e.err()
}

package joinedup

import (
	"fmt"
	"strings"
	"time"
)

// TierDecision is a clinician's confirmation or override of a suggested
// tier. A suggestion is never a decision; the current tier is the latest
// TierDecision.
type TierDecision struct {
	ID            string
	PatientID     string
	AssessmentID  string // the assessment whose suggestion was decided on
	SuggestedTier Tier
	Tier          Tier
	Overridden    bool
	Reason        string
	DecidedBy     string // user id
	DecidedAt     time.Time
}

// Decide records a clinician's decision on an assessment's suggestion. Choosing
// a tier other than the suggested one is an override and needs a reason:
// an override without one cannot be reviewed or learned from. Either fault
// is a FieldErrors naming "tier" or "reason".
func Decide(assessmentID string, a Assessment, tier Tier, reason, by string, at time.Time) (TierDecision, error) {
	if !tier.Valid() {
		return TierDecision{}, FieldErrors{"tier": fmt.Sprintf("want red, amber or green, not %q", tier)}
	}
	if by == "" {
		return TierDecision{}, fmt.Errorf("decide tier for patient %s: no clinician named", a.PatientID)
	}
	reason = strings.TrimSpace(reason)
	d := TierDecision{
		PatientID:     a.PatientID,
		AssessmentID:  assessmentID,
		SuggestedTier: a.SuggestedTier,
		Tier:          tier,
		Overridden:    tier != a.SuggestedTier,
		Reason:        reason,
		DecidedBy:     by,
		DecidedAt:     at.UTC(),
	}
	if d.Overridden && reason == "" {
		return TierDecision{}, FieldErrors{"reason": "is required to override the suggested tier"}
	}
	return d, nil
}

// Task kinds raised by stratification.
const (
	TaskReviewSuggestedTier = "review-suggested-tier"
	TaskTierReview          = "tier-review"
)

// Task statuses. Open and in-progress tasks are on worklists; done and
// cancelled ones are history.
const (
	TaskOpen       = "open"
	TaskInProgress = "in-progress"
	TaskDone       = "done"
	TaskCancelled  = "cancelled"
)

// TaskManual is the kind of a task raised by hand, unless the user gives one.
const TaskManual = "manual"

// Task is a work item on a worklist: raised by an event or by hand,
// assigned to a person or a team (organisation), with a due date.
type Task struct {
	ID           string
	PatientID    string
	Kind         string
	Title        string
	Reason       string
	AssigneeOrg  string
	AssigneeUser string
	// AssigneeRole is the pathway role the task is for (e.g.
	// "care-coordinator"), so it can follow the person into the role.
	AssigneeRole string
	Due          time.Time
	Priority     int // 1 urgent, 2 normal, 3 routine
	Status       string
	// DedupeKey identifies the event that raised the task, so the same
	// event raises it once however often it is seen.
	DedupeKey   string
	Source      string // "event", "manual" or "import"
	Note        string
	CloseReason string // why an event closed it
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedBy   string
	UpdatedAt   time.Time
	ClosedAt    time.Time
	Version     int
}

// Open reports whether the task is still to do.
func (t Task) Open() bool { return t.Status == TaskOpen || t.Status == TaskInProgress }

// ValidTaskStatus reports whether s is one of the task statuses.
func ValidTaskStatus(s string) bool {
	return s == TaskOpen || s == TaskInProgress || s == TaskDone || s == TaskCancelled
}

// ValidateManual checks a task raised by hand: a title, someone to do it
// (a user or a team), a due date and a priority of 1 to 3.
func (t Task) ValidateManual() error {
	e := FieldErrors{}
	checkText(e, "title", t.Title, true)
	checkText(e, "reason", t.Reason, false)
	checkText(e, "note", t.Note, false)
	if strings.TrimSpace(t.Kind) == "" || len(t.Kind) > 64 {
		e.add("kind", "is required (at most 64 characters)")
	}
	if t.AssigneeUser == "" && t.AssigneeOrg == "" {
		e.add("assignee", "a user or a team (organisation) is required")
	}
	if t.Due.IsZero() {
		e.add("due", "is required")
	}
	if t.Priority < 1 || t.Priority > 3 {
		e.add("priority", "want 1 (urgent), 2 (normal) or 3 (routine), not %d", t.Priority)
	}
	return e.err()
}

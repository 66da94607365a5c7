package joinedup

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrReasonRequired is returned when a clinician overrides a suggested tier
// without saying why: an override without a reason cannot be reviewed or
// learned from.
var ErrReasonRequired = errors.New("a reason is required to override the suggested tier")

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
// a tier other than the suggested one is an override and needs a reason.
func Decide(assessmentID string, a Assessment, tier Tier, reason, by string, at time.Time) (TierDecision, error) {
	if !tier.Valid() {
		return TierDecision{}, fmt.Errorf("decide tier for patient %s: tier %q is not red, amber or green", a.PatientID, tier)
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
		return TierDecision{}, fmt.Errorf("decide tier for patient %s: %w", a.PatientID, ErrReasonRequired)
	}
	return d, nil
}

// Task kinds raised by stratification.
const (
	TaskReviewSuggestedTier = "review-suggested-tier"
	TaskTierReview          = "tier-review"
)

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
	Due          time.Time
	Priority     int // 1 urgent, 2 normal, 3 routine
	Status       string
	// DedupeKey identifies the event that raised the task, so the same
	// event raises it once however often it is seen.
	DedupeKey string
	CreatedAt time.Time
	ClosedAt  time.Time
	Version   int
}

package joinedup

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldErrors reports bad input field by field: field path (as the API
// names it, e.g. "goals[0].owner") → what is wrong. Validation collects
// every problem at once so a form can show them all.
type FieldErrors map[string]string

// Error lists the problems in field order.
func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// add records the first problem found with a field.
func (e FieldErrors) add(field, format string, args ...any) {
	if _, ok := e[field]; !ok {
		e[field] = fmt.Sprintf(format, args...)
	}
}

// err returns e, or nil when there are no problems.
func (e FieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// MaxText is the longest free text JSON accepts in one field of a plan,
// task or care-team entry: long enough for what a person wants to say,
// short enough that a runaway paste is refused.
const MaxText = 10000

func checkText(e FieldErrors, field, s string, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		e.add(field, "is required")
	case utf8.RuneCountInString(s) > MaxText:
		e.add(field, "is longer than %d characters", MaxText)
	}
}

// CareTeamRole is the part someone plays in a patient's care.
type CareTeamRole string

// The care-team roles. Carers and family are people, not users: they never
// gain access to the record by being on the team.
const (
	CareNamedProfessional   CareTeamRole = "named-professional"
	CareCoordinator         CareTeamRole = "care-coordinator"
	CareLeadSpecialist      CareTeamRole = "lead-specialist"
	CareGP                  CareTeamRole = "gp"
	CareCommunity           CareTeamRole = "community"   // community nurse, therapist
	CareSocialCare          CareTeamRole = "social-care" // social worker
	CareVoluntaryLinkWorker CareTeamRole = "voluntary-link-worker"
	CareCarer               CareTeamRole = "carer"
	CareFamily              CareTeamRole = "family"
)

// CareTeamRoles lists the care-team roles in the order a team is shown.
func CareTeamRoles() []CareTeamRole {
	return []CareTeamRole{CareNamedProfessional, CareCoordinator, CareLeadSpecialist, CareGP, CareCommunity,
		CareSocialCare, CareVoluntaryLinkWorker, CareCarer, CareFamily}
}

// Valid reports whether r is a known care-team role.
func (r CareTeamRole) Valid() bool { return slices.Contains(CareTeamRoles(), r) }

// Person reports whether the role is held by a person outside the service
// (a carer or family member) rather than by staff or an organisation.
func (r CareTeamRole) Person() bool { return r == CareCarer || r == CareFamily }

// CareTeamMember is one place on a patient's care team, for a period: held
// by a user, by a whole organisation (a team), or, for carers and family, by
// a named person who is not a user.
type CareTeamMember struct {
	ID             string
	PatientID      string
	Role           CareTeamRole
	UserID         string // staff holding the place, if one person does
	OrganisationID string // the team or organisation holding it
	Name           string // a carer's or family member's name; for staff, an optional label
	Relationship   string // a carer's or family member's relationship, e.g. "daughter"
	Contact        string // phone or email
	Start          time.Time
	End            time.Time // zero while current
	AddedBy        string
	EndedBy        string
}

// CurrentAt reports whether the place is held at t.
func (m CareTeamMember) CurrentAt(t time.Time) bool {
	return !m.Start.After(t) && (m.End.IsZero() || m.End.After(t))
}

// Validate checks a place before it is stored.
func (m CareTeamMember) Validate() error {
	e := FieldErrors{}
	if !m.Role.Valid() {
		e.add("role", "unknown care-team role %q", m.Role)
	}
	if m.Role.Person() {
		checkText(e, "name", m.Name, true)
		checkText(e, "relationship", m.Relationship, true)
		if m.UserID != "" || m.OrganisationID != "" {
			e.add("user_id", "a carer or family member is a person, not a user or organisation")
		}
	} else {
		checkText(e, "name", m.Name, false)
		if m.Role.Valid() && m.UserID == "" && m.OrganisationID == "" {
			e.add("user_id", "a user or an organisation must hold the place")
		}
	}
	checkText(e, "contact", m.Contact, false)
	if m.Start.IsZero() {
		e.add("start", "is required")
	}
	if !m.End.IsZero() && !m.End.After(m.Start) {
		e.add("end", "must be after the start")
	}
	return e.err()
}

// GoalStatus is how far a goal has come.
type GoalStatus string

// Values of GoalStatus.
const (
	GoalNotStarted GoalStatus = "not-started"
	GoalInProgress GoalStatus = "in-progress"
	GoalAchieved   GoalStatus = "achieved"
	GoalStopped    GoalStatus = "no-longer-relevant"
)

// Goal is one of the person's goals, in their words, with the steps to it.
type Goal struct {
	Description string     `json:"description"`
	Steps       []string   `json:"steps"`
	Owner       string     `json:"owner"`
	TargetDate  time.Time  `json:"target_date"`
	Status      GoalStatus `json:"status"`
}

// ActionStatus is where an agreed action stands.
type ActionStatus string

// Values of ActionStatus.
const (
	ActionOpen      ActionStatus = "open"
	ActionDone      ActionStatus = "done"
	ActionCancelled ActionStatus = "cancelled"
)

// AgreedAction is something someone agreed to do for the plan.
type AgreedAction struct {
	Description string       `json:"description"`
	Owner       string       `json:"owner"`
	Due         time.Time    `json:"due"`
	Status      ActionStatus `json:"status"`
}

// CarePlan is a personalised care and support plan under the PRSB headings.
// Every save is a new Version; earlier versions are kept.
type CarePlan struct {
	PatientID string `json:"-"`
	Version   int    `json:"-"`
	// About me / what matters to me.
	AboutMe     string `json:"about_me"`
	WhatMatters string `json:"what_matters"`
	// My goals.
	Goals []Goal `json:"goals"`
	// Personal strengths and assets.
	Strengths string `json:"strengths"`
	// People who support me, and carers.
	SupportNetwork string `json:"support_network"`
	// Self-management, with the Patient Activation Measure level (1–4)
	// when one is recorded, 0 when not.
	SelfManagement  string `json:"self_management"`
	ActivationLevel int    `json:"activation_level"`
	// Agreed actions.
	Actions []AgreedAction `json:"actions"`
	// What to do if things get worse.
	Contingency string `json:"contingency"`
	// Next review date.
	NextReview time.Time `json:"next_review"`
	SavedBy    string    `json:"-"`
	SavedAt    time.Time `json:"-"`
}

// MaxPlanItems bounds the goals, steps and actions of one plan.
const MaxPlanItems = 50

// Validate checks a plan about to be saved on date today: what matters to
// the person and a next review date (not in the past) are required, and
// every goal and action has an owner and a valid status.
func (p CarePlan) Validate(today time.Time) error {
	e := FieldErrors{}
	checkText(e, "about_me", p.AboutMe, false)
	checkText(e, "what_matters", p.WhatMatters, true)
	checkText(e, "strengths", p.Strengths, false)
	checkText(e, "support_network", p.SupportNetwork, false)
	checkText(e, "self_management", p.SelfManagement, false)
	checkText(e, "contingency", p.Contingency, false)
	if p.ActivationLevel < 0 || p.ActivationLevel > 4 {
		e.add("activation_level", "a Patient Activation Measure level is 1 to 4 (0 when not recorded), not %d", p.ActivationLevel)
	}
	switch {
	case p.NextReview.IsZero():
		e.add("next_review", "is required")
	case day(p.NextReview).Before(day(today)):
		e.add("next_review", "%s is in the past", p.NextReview.Format(time.DateOnly))
	}
	if len(p.Goals) > MaxPlanItems {
		e.add("goals", "at most %d goals", MaxPlanItems)
	}
	for i, g := range p.Goals {
		f := fmt.Sprintf("goals[%d].", i)
		checkText(e, f+"description", g.Description, true)
		checkText(e, f+"owner", g.Owner, true)
		switch g.Status {
		case GoalNotStarted, GoalInProgress, GoalAchieved, GoalStopped:
		default:
			e.add(f+"status", "want not-started, in-progress, achieved or no-longer-relevant, not %q", g.Status)
		}
		if len(g.Steps) > MaxPlanItems {
			e.add(f+"steps", "at most %d steps", MaxPlanItems)
		}
		for j, s := range g.Steps {
			checkText(e, fmt.Sprintf("%ssteps[%d]", f, j), s, true)
		}
	}
	if len(p.Actions) > MaxPlanItems {
		e.add("actions", "at most %d actions", MaxPlanItems)
	}
	for i, a := range p.Actions {
		f := fmt.Sprintf("actions[%d].", i)
		checkText(e, f+"description", a.Description, true)
		checkText(e, f+"owner", a.Owner, true)
		if a.Due.IsZero() {
			e.add(f+"due", "is required")
		}
		switch a.Status {
		case ActionOpen, ActionDone, ActionCancelled:
		default:
			e.add(f+"status", "want open, done or cancelled, not %q", a.Status)
		}
	}
	return e.err()
}

// day is t's calendar date (UTC), for comparing dates without times.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ReviewKind says what kind of review or contact was held.
type ReviewKind string

// The kinds of review and contact recorded.
const (
	ReviewHolistic         ReviewKind = "holistic-review"        // the lead specialist's holistic annual review (Red)
	ReviewCarePlan         ReviewKind = "care-plan-review"       // the care plan reviewed with the person
	ReviewContactDischarge ReviewKind = "post-discharge-contact" // contact after an A&E attendance or emergency admission
)

// Valid reports whether k is a known kind.
func (k ReviewKind) Valid() bool {
	return k == ReviewHolistic || k == ReviewCarePlan || k == ReviewContactDischarge
}

// Review is a review or contact held with the patient; recording one closes
// the task that asked for it.
type Review struct {
	ID         string
	PatientID  string
	Kind       ReviewKind
	HeldOn     time.Time
	Note       string
	RecordedBy string
	RecordedAt time.Time
}

// Validate checks a review recorded on date today: a known kind, and held
// on a date not in the future.
func (r Review) Validate(today time.Time) error {
	e := FieldErrors{}
	if !r.Kind.Valid() {
		e.add("kind", "want holistic-review, care-plan-review or post-discharge-contact, not %q", r.Kind)
	}
	switch {
	case r.HeldOn.IsZero():
		e.add("held_on", "is required")
	case day(r.HeldOn).After(day(today)):
		e.add("held_on", "%s is in the future", r.HeldOn.Format(time.DateOnly))
	}
	checkText(e, "note", r.Note, false)
	return e.err()
}

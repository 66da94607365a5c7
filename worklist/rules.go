// Package worklist decides which tasks a patient's state calls for and
// keeps the tasks table in step with it.
//
// The rules are pure (Evaluate): given a patient's confirmed tier, care
// team, care plan, reviews and recent encounters at an as-of date, and the
// pathways the LCN configured in its policy, they return the tasks to raise
// and the task kinds to close. Sync reads that state from the database and
// applies the result. Each task carries a dedupe key naming the event that
// raised it, so running Sync again raises nothing new.
package worklist

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
)

// Task kinds raised by the date-driven rules. Pathway tasks take their
// kind from the pathway task's name in the policy.
const (
	KindCarePlanReview        = "care-plan-review"
	KindHolisticReviewOverdue = "holistic-review-overdue"
	KindContactAfterDischarge = "contact-after-discharge"
	KindInHospital            = "in-hospital"
)

// Config is what the rules need from the policy, and their timescales.
type Config struct {
	// Pathways are the policy's pathways per tier: the tasks raised on
	// entering the tier, who they are for, and the review interval.
	Pathways map[joinedup.Tier]policy.Pathway
	// ContactWindowDays: an A&E attendance or emergency admission ending
	// within this many days before the as-of date raises a contact task.
	ContactWindowDays int
	// ContactDueDays: the contact is due this many days after discharge.
	ContactDueDays int
	// Statuses say which records count: a cancelled or planned attendance
	// raises no contact.
	Statuses policy.RecordStatuses
}

// Defaults for Config's timescales.
const (
	DefaultContactWindowDays = 14
	DefaultContactDueDays    = 2
)

// ConfigFrom takes the pathways from a loaded policy (nil: no pathways) and
// the default timescales.
func ConfigFrom(p *policy.Policy) Config {
	c := Config{ContactWindowDays: DefaultContactWindowDays, ContactDueDays: DefaultContactDueDays, Statuses: policy.DefaultRecordStatuses()}
	if p != nil {
		c.Pathways, c.Statuses = p.Pathways, p.Statuses
	}
	return c
}

// State is what the rules look at for one patient.
type State struct {
	PatientID  string
	PracticeID string
	// Tier is the confirmed tier ("" when no clinician has decided) and
	// TierSince when the patient entered it (the first of the latest run of
	// decisions for that tier).
	Tier      joinedup.Tier
	TierSince time.Time
	// CareTeam holds the places current at AsOf.
	CareTeam []joinedup.CareTeamMember
	// Plan is the current care plan, nil when there is none.
	Plan       *joinedup.CarePlan
	Reviews    []joinedup.Review
	Encounters []joinedup.Encounter
	AsOf       time.Time
	// Died is when the patient died; zero while they live.
	Died time.Time
	// Elsewhere is the work practices other than PracticeID hold for the
	// patient: after a move, what the practice they left still holds.
	Elsewhere []Holding
}

// Closure closes the patient's open tasks of a kind, saying why.
type Closure struct {
	Kind   string
	Reason string
	// DueBefore, when set, closes only the tasks due before that day.
	DueBefore time.Time
	// Event, when set, closes only the task raised for that event (its
	// dedupe key): one stay ended while another goes on.
	Event string
	// Withdrawn: the event itself was withdrawn (a stay cancelled, a
	// discharge taken back), so its task is cancelled, not done.
	Withdrawn bool
}

// Outcome is what the rules decided: tasks to raise (each raised only if
// its dedupe key is new) and kinds to close.
type Outcome struct {
	PatientID string
	Raise     []joinedup.Task
	Close     []Closure
	// PracticeID is the practice the patient is registered with, and
	// Handover the work other practices hold that moves to it.
	PracticeID string
	Handover   []Holding
	// Died is set when the patient has died: every open task but the one
	// raised here closes, and what waits on the patient (MDT cases still
	// to be discussed, open referrals) is withdrawn.
	Died time.Time
}

// KindDeathInformCareTeam is the one task a death raises: the coordinator
// makes sure everyone on the care team knows.
const KindDeathInformCareTeam = "death-inform-care-team"

// ManagedKinds are the task kinds the rules raise and close under cfg:
// every pathway task name and the date-driven kinds. Other kinds (tier
// reviews, tasks raised by hand) are never closed by Sync.
func ManagedKinds(cfg Config) []string {
	kinds := []string{KindCarePlanReview, KindHolisticReviewOverdue, KindContactAfterDischarge, KindInHospital, KindRegisteredElsewhere, KindDeregistered}
	for _, pw := range cfg.Pathways {
		for _, t := range pw.Tasks {
			if !slices.Contains(kinds, t.Name) {
				kinds = append(kinds, t.Name)
			}
		}
	}
	slices.Sort(kinds)
	return kinds
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Evaluate applies the rules to one patient's state.
func Evaluate(s State, cfg Config) Outcome {
	out := Outcome{PatientID: s.PatientID, PracticeID: s.PracticeID}
	today := day(s.AsOf)
	if !s.Died.IsZero() && !day(s.Died).After(today) {
		// From the day of death no rule raises anything: one task, so the
		// people looking after the patient hear of it, and the rest ends.
		out.Died = s.Died
		t := joinedup.Task{PatientID: s.PatientID, Kind: KindDeathInformCareTeam,
			Title:  "Make sure everyone on the care team knows of the death",
			Reason: "Died on " + s.Died.Format("2 January 2006"), Due: today.AddDate(0, 0, 2), Priority: 1,
			DedupeKey: KindDeathInformCareTeam, Source: "event"}
		s.assign(&t, joinedup.CareCoordinator)
		out.Raise = []joinedup.Task{t}
		return out
	}
	s.registration(today, &out)
	s.pathwayTasks(cfg, &out)
	s.carePlanReview(today, &out)
	s.holisticReview(cfg, today, &out)
	s.contactAfterDischarge(cfg, today, &out)
	s.inHospital(cfg, today, &out)
	return out
}

// careRole turns a policy role ("lead_specialist") into a care-team role.
func careRole(role string) joinedup.CareTeamRole {
	return joinedup.CareTeamRole(strings.ReplaceAll(strings.TrimSpace(role), "_", "-"))
}

// holder returns the current place in role, preferring one held by a
// named user.
func (s State) holder(role joinedup.CareTeamRole) (joinedup.CareTeamMember, bool) {
	var found joinedup.CareTeamMember
	ok := false
	for _, m := range s.CareTeam {
		if m.Role != role || !m.CurrentAt(s.AsOf) {
			continue
		}
		if m.UserID != "" {
			return m, true
		}
		if !ok {
			found, ok = m, true
		}
	}
	return found, ok
}

// assign fills the task's assignee: the person (or team) holding the role
// on the care team, else the patient's practice, which then allocates it.
func (s State) assign(t *joinedup.Task, role joinedup.CareTeamRole) {
	t.AssigneeRole = string(role)
	if m, ok := s.holder(role); ok {
		t.AssigneeUser, t.AssigneeOrg = m.UserID, m.OrganisationID
		if t.AssigneeOrg == "" && t.AssigneeUser == "" {
			t.AssigneeOrg = s.PracticeID
		}
		return
	}
	t.AssigneeOrg = s.PracticeID
}

// completed reports whether a pathway task's condition is met, and how.
// "assign-ROLE" is met when someone holds ROLE on the care team; the
// care-planning conversation by a care plan saved since entering the tier;
// booking the holistic review by a holistic review held since then. Other
// pathway tasks are closed by hand.
func (s State) completed(name string) (bool, string) {
	if r, ok := strings.CutPrefix(name, "assign-"); ok {
		role := careRole(r)
		if _, held := s.holder(role); held && role.Valid() {
			return true, fmt.Sprintf("a %s is on the care team", strings.ReplaceAll(string(role), "-", " "))
		}
		return false, ""
	}
	switch name {
	case "care-planning-conversation":
		if s.Plan != nil && !s.Plan.SavedAt.Before(s.TierSince) {
			return true, fmt.Sprintf("care plan version %d saved", s.Plan.Version)
		}
	case "book-holistic-review":
		if r, ok := s.lastReview(joinedup.ReviewHolistic); ok && !r.HeldOn.Before(day(s.TierSince)) {
			return true, "holistic review held on " + date(r.HeldOn)
		}
	}
	return false, ""
}

// pathwayTasks raises the current tier's pathway tasks, once per entry into
// the tier, and closes those whose condition is met or whose pathway no
// longer applies.
func (s State) pathwayTasks(cfg Config, out *Outcome) {
	pw, inPathway := cfg.Pathways[s.Tier]
	if !s.Tier.Valid() {
		inPathway = false
	}
	current := map[string]bool{}
	if inPathway {
		for _, pt := range pw.Tasks {
			current[pt.Name] = true
			if done, why := s.completed(pt.Name); done {
				out.Close = append(out.Close, Closure{Kind: pt.Name, Reason: why})
				continue
			}
			since := day(s.TierSince)
			t := joinedup.Task{
				PatientID: s.PatientID, Kind: pt.Name, Title: pt.Title,
				Reason: fmt.Sprintf("%s pathway: confirmed %s on %s", s.Tier, s.Tier, date(since)),
				Due:    since.AddDate(0, 0, pt.DueWithinDays), Priority: 2,
				DedupeKey: fmt.Sprintf("%s:%s:%s", pt.Name, string(s.Tier), date(since)),
			}
			t.Priority = s.priority()
			s.assign(&t, careRole(pt.Role))
			out.Raise = append(out.Raise, t)
		}
	}
	var others []string
	for _, p := range cfg.Pathways {
		for _, pt := range p.Tasks {
			if !current[pt.Name] && !slices.Contains(others, pt.Name) {
				others = append(others, pt.Name)
			}
		}
	}
	slices.Sort(others)
	why := "no confirmed tier"
	if s.Tier.Valid() {
		why = "no longer in the pathway: tier is now " + s.Tier.String()
	}
	for _, k := range others {
		out.Close = append(out.Close, Closure{Kind: k, Reason: why})
	}
}

func (s State) lastReview(kind joinedup.ReviewKind) (joinedup.Review, bool) {
	var last joinedup.Review
	ok := false
	for _, r := range s.Reviews {
		if r.Kind == kind && !day(r.HeldOn).After(day(s.AsOf)) && (!ok || r.HeldOn.After(last.HeldOn)) {
			last, ok = r, true
		}
	}
	return last, ok
}

// carePlanReview raises a review when the plan's review date is reached and
// no care-plan review has been held since the plan was saved; it closes
// when a review is held or the plan is saved with a later review date.
func (s State) carePlanReview(today time.Time, out *Outcome) {
	if s.Plan == nil || s.Plan.NextReview.IsZero() {
		out.Close = append(out.Close, Closure{Kind: KindCarePlanReview, Reason: "no care plan review date"})
		return
	}
	if r, ok := s.lastReview(joinedup.ReviewCarePlan); ok && !day(r.HeldOn).Before(day(s.Plan.SavedAt)) {
		out.Close = append(out.Close, Closure{Kind: KindCarePlanReview, Reason: "care plan reviewed on " + date(r.HeldOn)})
		return
	}
	due := day(s.Plan.NextReview)
	if due.After(today) {
		out.Close = append(out.Close, Closure{Kind: KindCarePlanReview, Reason: "care plan next due for review on " + date(due)})
		return
	}
	t := joinedup.Task{
		PatientID: s.PatientID, Kind: KindCarePlanReview, Title: "Review the care plan",
		Reason: fmt.Sprintf("Care plan version %d set its review for %s", s.Plan.Version, date(due)),
		Due:    due, Priority: 2, DedupeKey: KindCarePlanReview + ":" + date(due),
	}
	s.assign(&t, joinedup.CareCoordinator)
	out.Raise = append(out.Raise, t)
}

// reviewEvery is the Red pathway's review interval (default 12 months).
func reviewEvery(cfg Config) policy.Window {
	if pw, ok := cfg.Pathways[joinedup.TierRed]; ok && pw.ReviewEvery != "" {
		if w, err := policy.ParseWindow(pw.ReviewEvery); err == nil && !w.IsZero() {
			return w
		}
	}
	return policy.Window{Months: 12}
}

// holisticReview raises "holistic review overdue" for a Red patient whose
// last holistic review (or, with none, entry into Red) is more than the
// pathway's review interval ago. It closes when a review is held or the
// patient leaves Red.
func (s State) holisticReview(cfg Config, today time.Time, out *Outcome) {
	if s.Tier != joinedup.TierRed {
		out.Close = append(out.Close, Closure{Kind: KindHolisticReviewOverdue, Reason: "not Red"})
		return
	}
	every := reviewEvery(cfg)
	from, what := day(s.TierSince), "confirmed Red on "+date(s.TierSince)
	if r, ok := s.lastReview(joinedup.ReviewHolistic); ok && !day(r.HeldOn).Before(from) {
		from, what = day(r.HeldOn), "last holistic review held on "+date(r.HeldOn)
	}
	due := from.AddDate(every.Years, every.Months, every.Days)
	if !due.Before(today) {
		out.Close = append(out.Close, Closure{Kind: KindHolisticReviewOverdue, Reason: "holistic review next due on " + date(due)})
		return
	}
	t := joinedup.Task{
		PatientID: s.PatientID, Kind: KindHolisticReviewOverdue, Title: "Holistic annual review overdue",
		Reason: fmt.Sprintf("%s; reviews are due every %s", what, every.Words()),
		Due:    due, Priority: 1, DedupeKey: KindHolisticReviewOverdue + ":" + date(due),
	}
	s.assign(&t, joinedup.CareLeadSpecialist)
	out.Raise = append(out.Raise, t)
}

// unplanned reports whether e is an A&E attendance or an emergency
// admission, whatever its status.
func unplanned(e joinedup.Encounter) bool {
	return e.Class == joinedup.EncounterEmergency || e.Class == joinedup.EncounterInpatient && e.Emergency
}

// emergency reports whether e is an A&E attendance or an emergency
// admission, and when the patient left.
func emergency(e joinedup.Encounter) (string, time.Time, bool) {
	left := e.End
	if left.IsZero() {
		switch e.Status {
		case "arrived", "triaged", "in-progress", "onleave":
			return "", left, false // still there, as a hospital's live feed says
		}
		// A record of an attendance without an end: over the day it began.
		left = e.Start
	}
	switch {
	case e.Class == joinedup.EncounterEmergency:
		return "A&E attendance", left, !left.IsZero()
	case e.Class == joinedup.EncounterInpatient && e.Emergency:
		if e.End.IsZero() {
			return "", left, false // still in hospital: contact after discharge
		}
		return "emergency admission", left, true
	}
	return "", left, false
}

// contactAfterDischarge raises a contact for each A&E attendance or
// emergency admission of a patient with a confirmed tier that ended within
// the contact window, unless a contact has been recorded since. It closes
// only when a contact is recorded after the latest such discharge, never
// because time passed, so a missed contact stays on the worklist.
func (s State) contactAfterDischarge(cfg Config, today time.Time, out *Outcome) {
	window := cfg.ContactWindowDays
	if window <= 0 {
		window = DefaultContactWindowDays
	}
	contact, hasContact := s.lastReview(joinedup.ReviewContactDischarge)
	var latest time.Time
	for _, e := range s.Encounters {
		what, left, ok := emergency(e)
		counts := cfg.Statuses.EncounterCounts(&e)
		if (!ok || !counts) && unplanned(e) && !day(e.Start).Before(today.AddDate(0, 0, -window)) {
			// A stay cancelled, or a discharge taken back: the contact
			// it raised, if any, goes with it.
			out.Close = append(out.Close, Closure{Kind: KindContactAfterDischarge, Event: KindContactAfterDischarge + ":" + e.ID,
				Withdrawn: true, Reason: "the hospital withdrew the stay or its discharge"})
			continue
		}
		if !ok || day(left).After(today) || !counts {
			continue
		}
		if left.After(latest) {
			latest = left
		}
		if !s.Tier.Valid() || day(left).Before(today.AddDate(0, 0, -window)) {
			continue
		}
		if hasContact && !day(contact.HeldOn).Before(day(left)) {
			continue
		}
		t := joinedup.Task{
			PatientID: s.PatientID, Kind: KindContactAfterDischarge, Title: "Contact after " + what,
			Reason: fmt.Sprintf("%s ended on %s", what, date(left)),
			Due:    day(left).AddDate(0, 0, cfg.ContactDueDays), Priority: 1,
			DedupeKey: KindContactAfterDischarge + ":" + e.ID,
		}
		s.assign(&t, joinedup.CareCoordinator)
		out.Raise = append(out.Raise, t)
	}
	if hasContact && !latest.IsZero() && !day(contact.HeldOn).Before(day(latest)) {
		out.Close = append(out.Close, Closure{Kind: KindContactAfterDischarge, Reason: "contacted on " + date(contact.HeldOn)})
	}
}

// inHospital tells the care coordinator, the day it happens, that an Amber
// or Red patient is in A&E or was admitted as an emergency: the people who
// know the patient can reach the ward, and the hospital can reach them. It
// closes when that stay ends (the discharge raises the contact after it
// instead) or is cancelled.
func (s State) inHospital(cfg Config, today time.Time, out *Outcome) {
	if s.Tier != joinedup.TierAmber && s.Tier != joinedup.TierRed {
		return
	}
	for _, e := range s.Encounters {
		if !unplanned(e) || e.Start.IsZero() || day(e.Start).After(today) || day(e.Start).Before(today.AddDate(0, 0, -cfg.ContactWindowDays)) {
			continue
		}
		key := KindInHospital + ":" + e.ID
		if counts := cfg.Statuses.EncounterCounts(&e); !counts || !e.End.IsZero() || e.Status == "finished" {
			out.Close = append(out.Close, Closure{Kind: KindInHospital, Event: key, Withdrawn: !counts, Reason: "no longer in hospital"})
			continue
		}
		what := "an emergency admission"
		if e.Class == joinedup.EncounterEmergency {
			what = "A&E"
		}
		t := joinedup.Task{
			PatientID: s.PatientID, Kind: KindInHospital, Title: "In hospital: " + what,
			Reason: fmt.Sprintf("%s since %s (%s tier)", what, e.Start.In(joinedup.London).Format("2 January 2006 15:04"), s.Tier),
			Due:    today, Priority: 1, DedupeKey: key,
		}
		s.assign(&t, joinedup.CareCoordinator)
		out.Raise = append(out.Raise, t)
	}
}

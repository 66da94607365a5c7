package fhir

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// Reading back what JoinedUp writes of care coordination: the care plan
// and its goals, the care team and tier decisions. Each is the inverse of
// its writer (FromCarePlan, FromGoal, FromCareTeam, FromTierDecision), so
// a JoinedUp export imports into another JoinedUp and exports again the
// same. JoinedUp has no Practitioner resources: a person is named in a
// reference's display, which the mapping returns (Links.Author,
// CareTeamPlace.UserName) for the caller to find the user so named.

// notJoinedUp is the error of a resource of a care type that is not one
// JoinedUp wrote (a hospital's care plan, say): it wraps
// ErrUnsupportedType, so the importer skips it as before, JoinedUp
// recording care coordination of its own.
func (m mapper) notJoinedUp(what string) error {
	return fmt.Errorf("%s/%s: %w: not %s JoinedUp writes", m.typ, m.id, ErrUnsupportedType, what)
}

// CarePlanTitle is the title of every plan JoinedUp writes, by which it
// knows its own on import.
const CarePlanTitle = "Personalised care and support plan"

// PlanVersion is a CarePlan as read: one saved version of a care plan.
type PlanVersion struct {
	ID   string            // the version's id
	Plan joinedup.CarePlan // with Version and SavedAt; PatientID is the caller's
	// Goals gives, for each of Plan.Goals, the id of the Goal resource
	// holding it: the current version's goals are resources of their own,
	// which the caller fills the goal from (only its description is in
	// the plan); "" for a goal contained in the plan, which is complete.
	Goals []string
}

// PlanGoal is a Goal as read: one goal of the current version of a plan.
type PlanGoal struct {
	ID   string
	Goal joinedup.Goal
}

// CareTeamPlace is one participant of a CareTeam as read. A staff place
// held by a person names them in UserName (as FromCareTeam writes it:
// "Name", or "Name (label)"); one held by an organisation refers to it in
// Organisation. The caller finds the user or organisation.
type CareTeamPlace struct {
	joinedup.CareTeamMember
	UserName     string
	Organisation Ref
}

// CareTeamPlaces is a CareTeam as read: every place on one patient's team.
type CareTeamPlaces struct {
	ID     string
	Places []CareTeamPlace
}

// requireID checks the resource has an id: records JoinedUp makes are
// recognised on re-import by it.
func (m mapper) requireID() error {
	if m.id == "" {
		return m.fail("id", ErrMissing)
	}
	if !ValidID(m.id) {
		return m.fail("id", fmt.Errorf("%q is not a FHIR id", m.id))
	}
	return nil
}

// oneOf fails unless s is one of the codes allowed.
func (m mapper) oneOf(field, s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	if s == "" {
		return m.fail(field, ErrMissing)
	}
	return m.fail(field, fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", ")))
}

// practitioner returns the name of a person a record names in a reference
// to a Practitioner by display ("" when there is no reference). A
// reference to anything else is an error: JoinedUp records a person here.
func (m mapper) practitioner(field string, r *Reference) (string, error) {
	if r == nil {
		return "", nil
	}
	if r.Reference != "" || r.Type != "" && r.Type != "Practitioner" {
		return "", m.fail(field, fmt.Errorf("not a person named by display (reference %q, type %q)", r.Reference, r.Type))
	}
	if strings.TrimSpace(r.Display) == "" {
		return "", m.fail(field, errors.New("no name in display"))
	}
	return r.Display, nil
}

// requiredDate parses a mandatory date element.
func (m mapper) requiredDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, m.fail(field, ErrMissing)
	}
	return m.date(field, s)
}

// CarePlanToDomain maps a CarePlan written by FromCarePlan back to the
// plan version it was written from. The id, subject, meta.versionId (the
// version number) and created (when it was saved) are required; the status
// is active (the current version) or revoked (an earlier one), which the
// order of versions decides again, so it is only checked.
func CarePlanToDomain(c *CarePlan, system string, refs *Refs) (PlanVersion, Links, error) {
	if c == nil {
		return PlanVersion{}, Links{}, errors.New("CarePlan: nil resource")
	}
	m := mapper{"CarePlan", c.ID}
	out := PlanVersion{ID: c.ID}
	var links Links
	var err error
	if c.Title != CarePlanTitle {
		return out, links, m.notJoinedUp("a personalised care and support plan (title \"" + CarePlanTitle + "\")")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, c.Subject); err != nil {
		return out, links, err
	}
	if err = m.oneOf("status", c.Status, "active", "revoked"); err != nil {
		return out, links, err
	}
	if c.Meta == nil || c.Meta.VersionID == "" {
		return out, links, m.fail("meta.versionId", fmt.Errorf("%w: the plan's version number", ErrMissing))
	}
	p := &out.Plan
	if p.Version, err = strconv.Atoi(c.Meta.VersionID); err != nil || p.Version < 1 {
		return out, links, m.fail("meta.versionId", fmt.Errorf("%q is not a version number", c.Meta.VersionID))
	}
	if p.SavedAt, err = m.requiredDate("created", c.Created); err != nil {
		return out, links, err
	}
	if links.Author, err = m.practitioner("author", c.Author); err != nil {
		return out, links, err
	}
	p.WhatMatters = strings.TrimPrefix(c.Description, "What matters to me: ")
	for _, e := range c.Extension {
		switch e.URL {
		case ExtActivationLevel:
			if e.ValueInteger == nil || *e.ValueInteger < 1 || *e.ValueInteger > 4 {
				return out, links, m.fail("extension("+ExtActivationLevel+")", errors.New("not a Patient Activation Measure level 1 to 4"))
			}
			p.ActivationLevel = *e.ValueInteger
		case ExtNextReview:
			if p.NextReview, err = m.date("extension("+ExtNextReview+")", e.ValueDateTime); err != nil {
				return out, links, err
			}
		}
	}
	for i, n := range c.Note {
		field := fmt.Sprintf("note[%d]", i)
		title, text, _ := strings.Cut(n.Text, ": ")
		switch title {
		case "About me":
			p.AboutMe = text
		case "My strengths and assets":
			p.Strengths = text
		case "People who support me":
			p.SupportNetwork = text
		case "Self-management":
			p.SelfManagement = selfManagement(text, p.ActivationLevel)
		case "What to do if things get worse":
			p.Contingency = text
		case "Next review":
			if p.NextReview.IsZero() {
				if p.NextReview, err = m.date(field, text); err != nil {
					return out, links, err
				}
			}
		default:
			// A heading JoinedUp does not write: kept with the person's
			// own words rather than lost.
			p.AboutMe = strings.TrimSpace(p.AboutMe + "\n" + n.Text)
		}
	}
	for i, a := range c.Activity {
		field := fmt.Sprintf("activity[%d].detail", i)
		if a.Detail == nil {
			return out, links, m.fail(field, ErrMissing)
		}
		var act joinedup.AgreedAction
		switch a.Detail.Status {
		case "scheduled", "not-started", "in-progress":
			act.Status = joinedup.ActionOpen
		case "completed":
			act.Status = joinedup.ActionDone
		case "cancelled", "stopped":
			act.Status = joinedup.ActionCancelled
		default:
			return out, links, m.oneOf(field+".status", a.Detail.Status, "scheduled", "completed", "cancelled")
		}
		act.Description = a.Detail.Description
		if a.Detail.ScheduledPeriod != nil {
			if act.Due, err = m.date(field+".scheduledPeriod.end", a.Detail.ScheduledPeriod.End); err != nil {
				return out, links, err
			}
		}
		if len(a.Detail.Performer) > 0 {
			act.Owner = a.Detail.Performer[0].Display
		}
		p.Actions = append(p.Actions, act)
	}
	for i, g := range c.Goal {
		field := fmt.Sprintf("goal[%d]", i)
		if id, ok := strings.CutPrefix(g.Reference, "#"); ok {
			var found *Goal
			for _, cg := range c.Contained {
				if cg != nil && cg.ID == id {
					found = cg
				}
			}
			if found == nil {
				return out, links, m.fail(field, fmt.Errorf("%w %q: no contained Goal has that id", ErrUnresolvedReference, g.Reference))
			}
			pg, err := goalToDomain(mapper{"CarePlan", c.ID}, field+" (contained Goal "+id+")", found)
			if err != nil {
				return out, links, err
			}
			p.Goals = append(p.Goals, pg)
			out.Goals = append(out.Goals, "")
			continue
		}
		ref, err := refs.Resolve(g.Reference)
		if err != nil || ref.Type != "Goal" {
			return out, links, m.fail(field, fmt.Errorf("%w %q: not a Goal", ErrUnresolvedReference, g.Reference))
		}
		p.Goals = append(p.Goals, joinedup.Goal{Description: g.Display})
		out.Goals = append(out.Goals, ref.ID)
	}
	return out, links, nil
}

// selfManagement takes the Patient Activation Measure level FromCarePlan
// adds back off the self-management heading.
func selfManagement(text string, level int) string {
	if level == 0 {
		return text
	}
	pam := fmt.Sprintf("Patient Activation Measure level %d", level)
	if text == pam {
		return ""
	}
	return strings.TrimSuffix(text, " ("+pam+")")
}

// GoalToDomain maps a Goal written by FromGoal: one goal of the current
// version of a plan, which the CarePlan refers to. The id and subject are
// required.
func GoalToDomain(g *Goal, system string, refs *Refs) (PlanGoal, Links, error) {
	if g == nil {
		return PlanGoal{}, Links{}, errors.New("Goal: nil resource")
	}
	m := mapper{"Goal", g.ID}
	out := PlanGoal{ID: g.ID}
	var links Links
	var err error
	if PlanOfGoal(g.ID) == "" {
		return out, links, m.notJoinedUp("a goal of a plan (id PLANVERSIONID-goal-N)")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, g.Subject); err != nil {
		return out, links, err
	}
	out.Goal, err = goalToDomain(m, "", g)
	return out, links, err
}

// goalToDomain maps the goal itself; prefix names it within its resource
// (a contained goal).
func goalToDomain(m mapper, prefix string, g *Goal) (joinedup.Goal, error) {
	field := func(f string) string {
		if prefix == "" {
			return f
		}
		return prefix + "." + f
	}
	var out joinedup.Goal
	switch g.LifecycleStatus {
	case "planned", "proposed", "accepted":
		out.Status = joinedup.GoalNotStarted
	case "active":
		out.Status = joinedup.GoalInProgress
	case "completed":
		out.Status = joinedup.GoalAchieved
	case "cancelled":
		out.Status = joinedup.GoalStopped
	default:
		return out, m.oneOf(field("lifecycleStatus"), g.LifecycleStatus, "planned", "active", "completed", "cancelled")
	}
	out.Description = g.Description.Text
	if out.Description == "" && len(g.Description.Coding) > 0 {
		out.Description = g.Description.Coding[0].Display
	}
	if out.Description == "" {
		return out, m.fail(field("description"), ErrMissing)
	}
	if len(g.Target) > 0 {
		var err error
		if out.TargetDate, err = m.date(field("target[0].dueDate"), g.Target[0].DueDate); err != nil {
			return out, err
		}
	}
	for _, e := range g.Extension {
		if e.URL == ExtGoalOwner {
			out.Owner = e.ValueString
		}
	}
	for i, n := range g.Note {
		step := n.Text
		if rest, ok := strings.CutPrefix(step, fmt.Sprintf("Step %d: ", i+1)); ok {
			step = rest
		}
		out.Steps = append(out.Steps, step)
	}
	return out, nil
}

// CareTeamToDomain maps a CareTeam written by FromCareTeam back to the
// places on the patient's team. Every participant needs a JoinedUp
// care-team role and a period start; a carer or family member is named
// "Name (relationship)", as FromCareTeam writes them.
func CareTeamToDomain(t *CareTeam, system string, refs *Refs) (CareTeamPlaces, Links, error) {
	if t == nil {
		return CareTeamPlaces{}, Links{}, errors.New("CareTeam: nil resource")
	}
	m := mapper{"CareTeam", t.ID}
	out := CareTeamPlaces{ID: t.ID}
	var links Links
	var err error
	ours := false
	for _, p := range t.Participant {
		for _, r := range p.Role {
			for _, c := range r.Coding {
				ours = ours || c.System == SystemCareTeamRole
			}
		}
	}
	if !ours {
		return out, links, m.notJoinedUp("a care team with roles of " + SystemCareTeamRole)
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, t.Subject); err != nil {
		return out, links, err
	}
	if err = m.oneOf("status", t.Status, "active", "inactive"); err != nil {
		return out, links, err
	}
	for i, p := range t.Participant {
		field := fmt.Sprintf("participant[%d]", i)
		var place CareTeamPlace
		for _, r := range p.Role {
			if c := firstCode(&r, SystemCareTeamRole); c != "" && joinedup.CareTeamRole(c).Valid() {
				place.Role = joinedup.CareTeamRole(c)
			}
		}
		if place.Role == "" {
			return out, links, m.fail(field+".role", fmt.Errorf("no care-team role of %s", SystemCareTeamRole))
		}
		if p.Period == nil {
			return out, links, m.fail(field+".period.start", ErrMissing)
		}
		if place.Start, err = m.requiredDate(field+".period.start", p.Period.Start); err != nil {
			return out, links, err
		}
		if place.End, err = m.date(field+".period.end", p.Period.End); err != nil {
			return out, links, err
		}
		if p.Member == nil {
			return out, links, m.fail(field+".member", ErrMissing)
		}
		switch {
		case place.Role.Person():
			if p.Member.Type != "" && p.Member.Type != "RelatedPerson" {
				return out, links, m.fail(field+".member", fmt.Errorf("a %s is a RelatedPerson, not a %s", place.Role, p.Member.Type))
			}
			name, rel, ok := cutLast(p.Member.Display)
			if !ok {
				return out, links, m.fail(field+".member.display", fmt.Errorf("%q is not \"Name (relationship)\"", p.Member.Display))
			}
			place.Name, place.Relationship = name, rel
		case p.Member.Reference != "":
			ref := optionalRef(refs, p.Member, "Organization")
			if ref.IsZero() {
				return out, links, m.fail(field+".member", fmt.Errorf("%w %q: not an Organization", ErrUnresolvedReference, p.Member.Reference))
			}
			place.Organisation, place.Name = ref, p.Member.Display
		default:
			if place.UserName, err = m.practitioner(field+".member", p.Member); err != nil {
				return out, links, err
			}
		}
		out.Places = append(out.Places, place)
	}
	if len(out.Places) == 0 {
		return out, links, m.fail("participant", ErrMissing)
	}
	return out, links, nil
}

// cutLast splits "Name (detail)" at its last parenthesis.
func cutLast(s string) (name, detail string, ok bool) {
	i := strings.LastIndex(s, " (")
	if i <= 0 || !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	return s[:i], s[i+2 : len(s)-1], true
}

// CutUserName splits a staff place's name as FromCareTeam writes it, "Name
// (label)", into the user's name and the place's label; ok is false when
// it has no label.
func CutUserName(s string) (name, label string, ok bool) { return cutLast(s) }

// FlagToDomain maps a Flag written by FromTierDecision back to the tier
// decision. The id, subject, tier (code) and the period's start (when it
// was decided) are required; an override's suggested tier and reason are
// read back from the code's text.
func FlagToDomain(f *Flag, system string, refs *Refs) (joinedup.TierDecision, Links, error) {
	if f == nil {
		return joinedup.TierDecision{}, Links{}, errors.New("Flag: nil resource")
	}
	m := mapper{"Flag", f.ID}
	out := joinedup.TierDecision{ID: f.ID}
	var links Links
	var err error
	tierFlag := false
	for _, c := range f.Category {
		for _, x := range c.Coding {
			tierFlag = tierFlag || x.System == SystemFlagCategory && x.Code == "tier"
		}
	}
	if !tierFlag {
		return out, links, m.notJoinedUp("a care tier flag (category " + SystemFlagCategory + "|tier)")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, f.Subject); err != nil {
		return out, links, err
	}
	if err = m.oneOf("status", f.Status, "active", "inactive"); err != nil {
		return out, links, err
	}
	out.Tier = joinedup.Tier(firstCode(&f.Code, SystemTier))
	if !out.Tier.Valid() {
		return out, links, m.fail("code", fmt.Errorf("%q is not a tier of %s (red, amber or green)", out.Tier, SystemTier))
	}
	out.SuggestedTier = out.Tier
	if over, ok := strings.CutPrefix(f.Code.Text, out.Tier.String()+" tier (suggested "); ok {
		suggested, reason, found := strings.Cut(over, "; overridden: ")
		if !found || !strings.HasSuffix(reason, ")") {
			return out, links, m.fail("code.text", fmt.Errorf("%q: the override is not \"(suggested TIER; overridden: REASON)\"", f.Code.Text))
		}
		out.Overridden, out.Reason = true, strings.TrimSuffix(reason, ")")
		out.SuggestedTier = tierNamed(suggested)
		if !out.SuggestedTier.Valid() {
			return out, links, m.fail("code.text", fmt.Errorf("suggested tier %q is not Red, Amber or Green", suggested))
		}
	}
	if f.Period == nil {
		return out, links, m.fail("period.start", ErrMissing)
	}
	if out.DecidedAt, err = m.requiredDate("period.start", f.Period.Start); err != nil {
		return out, links, err
	}
	if links.Author, err = m.practitioner("author", f.Author); err != nil {
		return out, links, err
	}
	return out, links, nil
}

// tierNamed is the tier people read as name ("Red").
func tierNamed(name string) joinedup.Tier {
	for _, t := range []joinedup.Tier{joinedup.TierRed, joinedup.TierAmber, joinedup.TierGreen} {
		if t.String() == name {
			return t
		}
	}
	return joinedup.Tier(name)
}

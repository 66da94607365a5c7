package fhir

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// The care team, the personalised care and support plan and its goals, as
// R4 CareTeam, CarePlan and Goal.

// Code systems and extensions of the care-planning resources.
const (
	// SystemCareTeamRole holds the care-team roles (joinedup.CareTeamRole
	// values). Every participant carries one; a SNOMED CT coding is added
	// where a concept says the same thing.
	SystemCareTeamRole = Namespace + "/CodeSystem/care-team-role"
	// ExtNextReview is the date a care plan is next to be reviewed.
	ExtNextReview = Namespace + "/StructureDefinition/care-plan-next-review"
	// ExtActivationLevel is the Patient Activation Measure level (1–4)
	// recorded with a care plan.
	ExtActivationLevel = Namespace + "/StructureDefinition/patient-activation-level"
	// ExtGoalOwner is who owns a goal, in the words the plan records
	// (often the person themselves): free text, so not expressedBy, which
	// must be a reference.
	ExtGoalOwner = Namespace + "/StructureDefinition/goal-owner"
)

// CareTeamParticipant is CareTeam.participant.
type CareTeamParticipant struct {
	Role   []CodeableConcept `json:"role,omitempty"`
	Member *Reference        `json:"member,omitempty"`
	Period *Period           `json:"period,omitempty"`
}

// CareTeam is an R4 CareTeam: the people and teams who look after one
// patient.
type CareTeam struct {
	DomainResource
	Status      string                `json:"status,omitempty"`
	Category    []CodeableConcept     `json:"category,omitempty"`
	Name        string                `json:"name,omitempty"`
	Subject     *Reference            `json:"subject,omitempty"`
	Period      *Period               `json:"period,omitempty"`
	Participant []CareTeamParticipant `json:"participant,omitempty"`
}

// CarePlanActivityDetail is CarePlan.activity.detail.
type CarePlanActivityDetail struct {
	Status          string      `json:"status"`
	Description     string      `json:"description,omitempty"`
	ScheduledPeriod *Period     `json:"scheduledPeriod,omitempty"`
	Performer       []Reference `json:"performer,omitempty"`
}

// CarePlanActivity is CarePlan.activity.
type CarePlanActivity struct {
	Detail *CarePlanActivityDetail `json:"detail,omitempty"`
}

// CarePlan is an R4 CarePlan: one version of a patient's personalised care
// and support plan.
type CarePlan struct {
	DomainResource
	// Contained holds the goals of a superseded version, which are not
	// served on their own (see FromCarePlan).
	Contained   []*Goal            `json:"contained,omitempty"`
	Status      string             `json:"status"`
	Intent      string             `json:"intent"`
	Category    []CodeableConcept  `json:"category,omitempty"`
	Title       string             `json:"title,omitempty"`
	Description string             `json:"description,omitempty"`
	Replaces    []Reference        `json:"replaces,omitempty"`
	Subject     *Reference         `json:"subject"`
	Period      *Period            `json:"period,omitempty"`
	Created     string             `json:"created,omitempty"`
	Author      *Reference         `json:"author,omitempty"`
	CareTeam    []Reference        `json:"careTeam,omitempty"`
	Goal        []Reference        `json:"goal,omitempty"`
	Activity    []CarePlanActivity `json:"activity,omitempty"`
	Note        []Annotation       `json:"note,omitempty"`
}

// GoalTarget is Goal.target.
type GoalTarget struct {
	DueDate string `json:"dueDate,omitempty"`
}

// Goal is an R4 Goal: one of the person's goals in their care plan.
type Goal struct {
	DomainResource
	LifecycleStatus   string           `json:"lifecycleStatus"`
	AchievementStatus *CodeableConcept `json:"achievementStatus,omitempty"`
	Description       CodeableConcept  `json:"description"`
	Subject           *Reference       `json:"subject"`
	Target            []GoalTarget     `json:"target,omitempty"`
	StatusDate        string           `json:"statusDate,omitempty"`
	Note              []Annotation     `json:"note,omitempty"`
}

// careTeamRoleSNOMED maps the roles that have a SNOMED CT concept saying
// the same thing; the others are coded in SystemCareTeamRole only, rather
// than forced onto a concept that means something else.
var careTeamRoleSNOMED = map[joinedup.CareTeamRole]Coding{
	joinedup.CareGP:         {System: joinedup.SystemSNOMED, Code: "62247001", Display: "General practitioner"},
	joinedup.CareSocialCare: {System: joinedup.SystemSNOMED, Code: "106328005", Display: "Social worker"},
	joinedup.CareCarer:      {System: joinedup.SystemSNOMED, Code: "133932002", Display: "Caregiver"},
	joinedup.CareFamily:     {System: joinedup.SystemSNOMED, Code: "125677006", Display: "Relative"},
}

// careTeamRoleNames are the roles as people say them.
var careTeamRoleNames = map[joinedup.CareTeamRole]string{
	joinedup.CareNamedProfessional: "Named professional", joinedup.CareCoordinator: "Care coordinator",
	joinedup.CareLeadSpecialist: "Lead specialist", joinedup.CareGP: "GP", joinedup.CareCommunity: "Community nurse or therapist",
	joinedup.CareSocialCare: "Social worker", joinedup.CareVoluntaryLinkWorker: "Voluntary-sector link worker",
	joinedup.CareCarer: "Carer", joinedup.CareFamily: "Family",
}

// CareTeamRoleConcept codes a care-team role: the JoinedUp code, and the
// SNOMED CT concept where there is one.
func CareTeamRoleConcept(r joinedup.CareTeamRole) CodeableConcept {
	name := careTeamRoleNames[r]
	if name == "" {
		name = string(r)
	}
	c := CodeableConcept{Coding: []Coding{{System: SystemCareTeamRole, Code: string(r), Display: name}}, Text: name}
	if s, ok := careTeamRoleSNOMED[r]; ok {
		c.Coding = append(c.Coding, s)
	}
	return c
}

// CareTeamMember is what FromCareTeam needs of one place on the team.
type CareTeamMember struct {
	joinedup.CareTeamMember
	// UserName is the name of the user holding the place, when one does.
	UserName string
}

// FromCareTeam writes a patient's care team, current and past places, as
// one CareTeam with the patient's id. JoinedUp has no Practitioner
// resources, so a person on the team is named in member.display, a team by
// a reference to its Organization; carers and family are named with their
// relationship. The team is active while anyone holds a place, and its
// period runs from the first place to the last one ended. at is now, to
// tell current places from past ones.
func FromCareTeam(patientID string, members []CareTeamMember, at time.Time) *CareTeam {
	out := &CareTeam{DomainResource: DomainResource{Resource: Resource{ResourceType: "CareTeam", ID: patientID}}}
	out.Status = "inactive"
	out.Category = []CodeableConcept{{Coding: []Coding{{System: "http://loinc.org", Code: "LA28865-6", Display: "Longitudinal care-coordination focused care team"}}}}
	out.Name = "Care team"
	out.Subject = reference("Patient", patientID)
	var start, end, last time.Time
	current := false
	for _, m := range members {
		p := CareTeamParticipant{Role: []CodeableConcept{CareTeamRoleConcept(m.Role)},
			Period: &Period{Start: FormatDateTime(m.Start), End: FormatDateTime(m.End)}}
		// A staff place's label ("District nurse") says what the person
		// does; both are shown when both are known.
		name := m.UserName
		switch {
		case name == "":
			name = m.Name
		case m.Name != "":
			name += " (" + m.Name + ")"
		}
		switch {
		case m.Role.Person():
			p.Member = &Reference{Type: "RelatedPerson", Display: fmt.Sprintf("%s (%s)", m.Name, m.Relationship)}
		case m.UserID != "":
			p.Member = &Reference{Type: "Practitioner", Display: name}
		case m.OrganisationID != "":
			p.Member = reference("Organization", m.OrganisationID)
			p.Member.Display = m.Name
		}
		out.Participant = append(out.Participant, p)
		if start.IsZero() || m.Start.Before(start) {
			start = m.Start
		}
		if m.CurrentAt(at) {
			current = true
		}
		if m.End.After(end) {
			end = m.End
		}
		for _, t := range []time.Time{m.Start, m.End} {
			if t.After(last) && !t.After(at) {
				last = t
			}
		}
	}
	if current {
		out.Status, end = "active", time.Time{}
	}
	if !start.IsZero() {
		out.Period = &Period{Start: FormatDateTime(start), End: FormatDateTime(end)}
	}
	SetLastUpdated(out, last)
	return out
}

// CarePlanRecord is what FromCarePlan needs of one saved version of a plan.
type CarePlanRecord struct {
	ID   string            // the version's id
	Plan joinedup.CarePlan // with its PatientID, Version and SavedAt
	// Author is the name of who saved it.
	Author string
	// Replaces is the id of the version before it ("" for the first).
	Replaces string
	// Until is when the next version replaced it; zero for the current
	// version.
	Until time.Time
	// CareTeam is the id of the patient's CareTeam, "" when there is none.
	CareTeam string
}

// carePlanCategory is the one category of every plan JoinedUp holds.
var carePlanCategory = Coding{System: joinedup.SystemSNOMED, Code: "734163000", Display: "Care plan"}

// CarePlanCategory is the category FromCarePlan writes, for searching.
func CarePlanCategory() joinedup.Coding {
	return joinedup.Coding{System: carePlanCategory.System, Code: carePlanCategory.Code, Display: carePlanCategory.Display}
}

// GoalID is the id of the i-th goal (from 0) of a plan version: goals
// have no identity of their own across versions, so each version's goals
// are its own.
func GoalID(planID string, i int) string { return planID + "-goal-" + strconv.Itoa(i+1) }

// PlanOfGoal returns the plan version id a GoalID was made from ("" for
// an id that is not one).
func PlanOfGoal(goalID string) string {
	plan, n, ok := strings.Cut(goalID, "-goal-")
	if !ok || plan == "" {
		return ""
	}
	if _, err := strconv.Atoi(n); err != nil {
		return ""
	}
	return plan
}

// actionStatus maps an agreed action's status to CarePlan.activity.detail.status.
func actionStatus(s joinedup.ActionStatus) string {
	switch s {
	case joinedup.ActionDone:
		return "completed"
	case joinedup.ActionCancelled:
		return "cancelled"
	}
	return "scheduled"
}

// heading is one PRSB heading carried as a note.
func heading(title, text string) []Annotation {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return []Annotation{{Text: title + ": " + text}}
}

// FromCarePlan writes one version of a care plan as a CarePlan. Every
// version is a resource of its own, so the history can be read: the
// current version is active, an earlier one is revoked (R4: "terminated
// prior to reaching completion … may have been replaced by a new plan"),
// replaced by the next, with the period ending where the next began; each
// replaces the one before it and meta.versionId is the plan's version
// number. What matters to the person is the description; the other PRSB
// headings are notes, in the order the plan shows them; the next review
// date and the Patient Activation Measure level are also extensions, for
// machines. The current version's goals are Goal resources; a revoked
// version's goals are contained in it, so its references still resolve
// without a search for goals returning every version's.
func FromCarePlan(r CarePlanRecord) *CarePlan {
	p := r.Plan
	out := &CarePlan{DomainResource: DomainResource{Resource: Resource{ResourceType: "CarePlan", ID: r.ID}}}
	out.Meta = &Meta{VersionID: strconv.Itoa(p.Version)}
	out.Status = "active"
	if !r.Until.IsZero() {
		out.Status = "revoked"
	}
	out.Intent = "plan"
	out.Category = []CodeableConcept{{Coding: []Coding{carePlanCategory}}}
	out.Title = CarePlanTitle
	if p.WhatMatters != "" {
		out.Description = "What matters to me: " + p.WhatMatters
	}
	if r.Replaces != "" {
		out.Replaces = []Reference{{Reference: "CarePlan/" + r.Replaces}}
	}
	out.Subject = reference("Patient", p.PatientID)
	out.Period = &Period{Start: FormatDateTime(p.SavedAt), End: FormatDateTime(r.Until)}
	out.Created = FormatDateTime(p.SavedAt)
	if r.Author != "" {
		out.Author = &Reference{Type: "Practitioner", Display: r.Author}
	}
	if r.CareTeam != "" {
		out.CareTeam = []Reference{{Reference: "CareTeam/" + r.CareTeam}}
	}
	for i, g := range p.Goals {
		id := GoalID(r.ID, i)
		if r.Until.IsZero() {
			out.Goal = append(out.Goal, Reference{Reference: "Goal/" + id, Display: g.Description})
			continue
		}
		cg := FromGoal(id, p.PatientID, g, p.SavedAt)
		cg.ID, cg.Meta = "goal-"+strconv.Itoa(i+1), nil
		out.Contained = append(out.Contained, cg)
		out.Goal = append(out.Goal, Reference{Reference: "#" + cg.ID, Display: g.Description})
	}
	for _, a := range p.Actions {
		d := &CarePlanActivityDetail{Status: actionStatus(a.Status), Description: a.Description}
		if !a.Due.IsZero() {
			d.ScheduledPeriod = &Period{End: FormatDate(a.Due)}
		}
		if a.Owner != "" {
			d.Performer = []Reference{{Display: a.Owner}}
		}
		out.Activity = append(out.Activity, CarePlanActivity{Detail: d})
	}
	var notes []Annotation
	notes = append(notes, heading("About me", p.AboutMe)...)
	notes = append(notes, heading("My strengths and assets", p.Strengths)...)
	notes = append(notes, heading("People who support me", p.SupportNetwork)...)
	selfMgmt := p.SelfManagement
	if p.ActivationLevel > 0 {
		level := fmt.Sprintf("Patient Activation Measure level %d", p.ActivationLevel)
		if selfMgmt == "" {
			selfMgmt = level
		} else {
			selfMgmt += " (" + level + ")"
		}
		out.Extension = append(out.Extension, Extension{URL: ExtActivationLevel, ValueInteger: ptr(p.ActivationLevel)})
	}
	notes = append(notes, heading("Self-management", selfMgmt)...)
	notes = append(notes, heading("What to do if things get worse", p.Contingency)...)
	if !p.NextReview.IsZero() {
		notes = append(notes, heading("Next review", FormatDate(p.NextReview))...)
		out.Extension = append(out.Extension, Extension{URL: ExtNextReview, ValueDateTime: FormatDate(p.NextReview)})
	}
	out.Note = notes
	last := p.SavedAt
	if r.Until.After(last) {
		last = r.Until
	}
	SetLastUpdated(out, last)
	return out
}

// goalStatus maps a goal's status to Goal.lifecycleStatus and
// achievementStatus (the latter "" when it says nothing more).
func goalStatus(s joinedup.GoalStatus) (lifecycle, achievement, display string) {
	switch s {
	case joinedup.GoalInProgress:
		return "active", "in-progress", "In Progress"
	case joinedup.GoalAchieved:
		return "completed", "achieved", "Achieved"
	case joinedup.GoalStopped:
		return "cancelled", "", ""
	}
	return "planned", "", ""
}

// FromGoal writes one goal of a plan version saved at savedAt as a Goal:
// the description in the person's words, the target date, the steps to it
// as notes, and its owner (free text, often the person) in the ExtGoalOwner
// extension.
func FromGoal(id, patientID string, g joinedup.Goal, savedAt time.Time) *Goal {
	out := &Goal{DomainResource: DomainResource{Resource: Resource{ResourceType: "Goal", ID: id}}}
	var ach, display string
	out.LifecycleStatus, ach, display = goalStatus(g.Status)
	if ach != "" {
		out.AchievementStatus = &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/goal-achievement", Code: ach, Display: display}}}
	}
	out.Description = CodeableConcept{Text: g.Description}
	out.Subject = reference("Patient", patientID)
	if !g.TargetDate.IsZero() {
		out.Target = []GoalTarget{{DueDate: FormatDate(g.TargetDate)}}
	}
	out.StatusDate = FormatDate(savedAt)
	if g.Owner != "" {
		out.Extension = []Extension{{URL: ExtGoalOwner, ValueString: g.Owner}}
	}
	for i, s := range g.Steps {
		out.Note = append(out.Note, Annotation{Text: fmt.Sprintf("Step %d: %s", i+1, s)})
	}
	SetLastUpdated(out, savedAt)
	return out
}

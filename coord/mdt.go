package coord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/mdt"
	"github.com/joinedup/joinedup/store"
)

// MeetingPlan is a new multi-disciplinary team meeting as a door reads it:
// the organisation holding it by ODS code, the chair and attendees by
// username (or an attendee from outside by name and organisation).
type MeetingPlan struct {
	OrganisationODS string
	Title           string
	Start           time.Time
	Location        string
	ChairUsername   string
	RepeatWeeks     int
	Attendees       []Attendee
}

// Attendee is someone expected at a meeting: a user, or a person from
// outside JoinedUp.
type Attendee struct {
	Username     string
	Name         string
	Organisation string
}

// CreateMeeting plans an MDT meeting.
func (s *Service) CreateMeeting(ctx context.Context, a Actor, in MeetingPlan) (joinedup.MDTMeeting, error) {
	m := joinedup.MDTMeeting{Title: strings.TrimSpace(in.Title), Start: in.Start, Location: strings.TrimSpace(in.Location),
		RepeatWeeks: in.RepeatWeeks, CreatedBy: a.User.ID, CreatedAt: a.At}
	err := s.change(ctx, a, joinedup.ActionManageMDT, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		fe := joinedup.FieldErrors{}
		var err error
		if in.OrganisationODS == "" {
			fe["organisation_ods"] = "is required"
		} else if m.OrganisationID, err = orgRef(ctx, tx, fe, "organisation_ods", in.OrganisationODS); err != nil {
			return err
		}
		if in.ChairUsername == "" {
			fe["chair_username"] = "is required"
		} else if m.ChairID, err = usernameRef(ctx, tx, fe, "chair_username", in.ChairUsername); err != nil {
			return err
		}
		for i, at := range in.Attendees {
			x := joinedup.MDTAttendee{Name: strings.TrimSpace(at.Name), Organisation: strings.TrimSpace(at.Organisation)}
			if at.Username != "" {
				id, err := usernameRef(ctx, tx, fe, fmt.Sprintf("attendees[%d].username", i), at.Username)
				if err != nil {
					return err
				}
				x = joinedup.MDTAttendee{UserID: id}
			}
			m.Attendees = append(m.Attendees, x)
		}
		if !m.Start.IsZero() && m.Start.Before(a.At.AddDate(0, 0, -1)) {
			fe["starts_at"] = "is in the past"
		}
		if err := fieldsErr(merge(fe, m.Validate())); err != nil {
			return err
		}
		if m, err = store.CreateMDTMeeting(ctx, tx, m); err != nil {
			return err
		}
		say(e, "meeting %s", m.ID)
		return nil
	})
	return m, err
}

// NextMeeting makes the meeting after this one on its schedule, once.
func (s *Service) NextMeeting(ctx context.Context, a Actor, meetingID string) (joinedup.MDTMeeting, error) {
	var n joinedup.MDTMeeting
	err := s.change(ctx, a, joinedup.ActionManageMDT, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		m, err := meeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if m.RepeatWeeks == 0 {
			return joinedup.FieldErrors{"repeat_weeks": "the meeting does not repeat, so it has no next meeting"}
		}
		if n, err = store.CreateNextMDTMeeting(ctx, tx, m, a.User.ID, a.At); err != nil {
			return err
		}
		say(e, "next meeting %s", n.ID)
		return nil
	})
	return n, err
}

// BuildCaseList selects and stores the meeting's case list from the
// patients' state now (cases already recorded are kept as they are).
func (s *Service) BuildCaseList(ctx context.Context, a Actor, meetingID string) ([]mdt.Case, error) {
	var cases []mdt.Case
	err := s.change(ctx, a, joinedup.ActionManageMDT, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		var err error
		cases, err = buildCaseList(ctx, tx, meetingID)
		say(e, "built: %d cases", len(cases))
		return err
	})
	return cases, err
}

func buildCaseList(ctx context.Context, tx *store.Tx, meetingID string) ([]mdt.Case, error) {
	m, err := meeting(ctx, tx, meetingID)
	if err != nil {
		return nil, err
	}
	cfg, err := mdt.LoadConfig(ctx, tx)
	if err != nil {
		return nil, err
	}
	return mdt.BuildCaseList(ctx, tx, cfg, m)
}

// AddCase puts the patient on the meeting's case list by hand, with the
// reason, and rebuilds the list.
func (s *Service) AddCase(ctx context.Context, a Actor, meetingID, patientID, reason string) (joinedup.MDTCase, error) {
	var k joinedup.MDTCase
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		if err := checkReason(reason); err != nil {
			return err
		}
		m, err := meeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if _, err := store.AddMDTRequest(ctx, tx, store.MDTRequest{PatientID: patientID, Kind: store.MDTRequestAdded, MeetingID: m.ID,
			Reason: strings.TrimSpace(reason), RequestedBy: a.User.ID, RequestedAt: a.At}); err != nil {
			return err
		}
		cases, err := buildCaseList(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if k, err = store.GetMDTCase(ctx, tx, m.ID, patientID); err != nil {
			return err
		}
		say(e, "added to meeting %s; %d cases", m.ID, len(cases))
		return nil
	})
	return k, err
}

// RequestDiscussion records a care-team member's request that the next
// meeting discuss the patient.
func (s *Service) RequestDiscussion(ctx context.Context, a Actor, patientID, reason string) (store.MDTRequest, error) {
	var r store.MDTRequest
	err := s.change(ctx, a, joinedup.ActionRequestMDT, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := checkReason(reason); err != nil {
			return err
		}
		var err error
		r, err = store.AddMDTRequest(ctx, tx, store.MDTRequest{PatientID: patientID, Kind: store.MDTRequestDiscuss,
			Reason: strings.TrimSpace(reason), RequestedBy: a.User.ID, RequestedAt: a.At})
		say(e, "request %s", r.ID)
		return err
	})
	return r, err
}

func checkReason(reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return joinedup.FieldErrors{"reason": "is required: why the meeting should discuss the patient"}
	case len(reason) > joinedup.MaxText:
		return joinedup.FieldErrors{"reason": fmt.Sprintf("is longer than %d characters", joinedup.MaxText)}
	}
	return nil
}

// Outcome is what the chair records for a case, as a door reads it.
type Outcome struct {
	// Version is the case version the chair read (nil: not given).
	Version   *int
	Discussed bool
	Outcome   string
	Decisions string
	Actions   []OutcomeAction
	// Plan changes the care plan (nil: unchanged).
	Plan   *PlanPart
	Unread joinedup.FieldErrors
}

// OutcomeAction is an action agreed for a case. Its owner is a user (by id,
// or by username) or a team (an organisation, by id or ODS code).
type OutcomeAction struct {
	Description      string
	AssigneeUser     string
	AssigneeUsername string
	AssigneeOrg      string
	AssigneeOrgODS   string
	Due              time.Time
	Priority         int
	// AddToPlan also adds the action to the care plan (which needs
	// Outcome.Plan, for the version the plan was read at), owned by
	// PlanOwner, or by the assignee's name when that is empty.
	AddToPlan bool
	PlanOwner string
}

// PlanPart is a change a meeting makes to the care plan, from the version
// read (nil: not given; 0 for a first plan).
type PlanPart struct {
	BaseVersion *int
	WhatMatters string
	NextReview  time.Time
}

// RecordOutcome records the outcome of the patient's case at the meeting,
// from the case version read: the case's status and outcome, a task for
// each action on its owner's worklist, the patient's open requests
// answered, plan changes as a new care-plan version, and the worklist in
// step. A case recorded meanwhile, or a plan saved meanwhile, is a
// conflict (code "plan_conflict" for the plan); nothing is half-applied.
func (s *Service) RecordOutcome(ctx context.Context, a Actor, meetingID, patientID string, in Outcome) (mdt.Recorded, error) {
	var rec mdt.Recorded
	err := s.change(ctx, a, joinedup.ActionRecordMDT, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		m, err := meeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		fe := merge(nil, in.Unread)
		if in.Version == nil {
			fe["version"] = "is required: the case version read"
		}
		o := joinedup.MDTOutcome{Discussed: in.Discussed, Outcome: strings.TrimSpace(in.Outcome), Decisions: strings.TrimSpace(in.Decisions)}
		var change *mdt.PlanChange
		if in.Plan != nil {
			change = &mdt.PlanChange{WhatMatters: strings.TrimSpace(in.Plan.WhatMatters), NextReview: in.Plan.NextReview}
			if in.Plan.BaseVersion == nil {
				fe["plan.base_version"] = "is required: the care-plan version the change was made from (0 for a new plan)"
			} else {
				change.BaseVersion = *in.Plan.BaseVersion
			}
		}
		for i, x := range in.Actions {
			f := fmt.Sprintf("actions[%d].", i)
			act := joinedup.MDTAction{Description: strings.TrimSpace(x.Description), AssigneeUser: x.AssigneeUser, AssigneeOrg: x.AssigneeOrg,
				Due: x.Due, Priority: x.Priority}
			if x.AssigneeUsername != "" {
				if act.AssigneeUser, err = usernameRef(ctx, tx, fe, f+"assignee_username", x.AssigneeUsername); err != nil {
					return err
				}
			}
			if x.AssigneeOrgODS != "" {
				if act.AssigneeOrg, err = orgRef(ctx, tx, fe, f+"assignee_organisation_ods", x.AssigneeOrgODS); err != nil {
					return err
				}
			}
			o.Actions = append(o.Actions, act)
			if !x.AddToPlan {
				continue
			}
			if change == nil {
				fe[f+"add_to_plan"] = "needs plan.base_version: the care-plan version the change was made from"
				continue
			}
			owner := strings.TrimSpace(x.PlanOwner)
			if owner == "" {
				if owner, err = ownerName(ctx, tx, act); err != nil {
					return err
				}
			}
			change.Actions = append(change.Actions, joinedup.AgreedAction{Description: act.Description, Owner: owner, Due: act.Due,
				Status: joinedup.ActionOpen})
		}
		if err := fieldsErr(fe); err != nil {
			// What the chair's form could not read comes with what the
			// outcome itself lacks, so every problem shows at once.
			if verr := o.Validate(a.At); verr != nil {
				return merge(fe, verr)
			}
			return err
		}
		rec, err = mdt.Record(ctx, tx, m, patientID, *in.Version, o, change, a.User.ID, a.At)
		var pc *mdt.PlanConflictError
		switch {
		case errors.As(err, &pc):
			return &joinedup.Error{Kind: joinedup.ErrConflict, Code: "plan_conflict",
				Message: err.Error() + "; nothing was recorded: read the plan again and record the outcome"}
		case errors.Is(err, joinedup.ErrNotFound):
			return joinedup.NotFound("the patient is not on this meeting's case list")
		case err != nil:
			return err
		}
		r, err := syncWorklist(ctx, tx, patientID, a.At)
		if err != nil {
			return err
		}
		plan := 0
		if rec.Plan != nil {
			plan = rec.Plan.Version
		}
		say(e, "meeting %s: %s, %d actions, plan version %d; %s", m.ID, rec.Case.Status, len(rec.Tasks), plan, tasks(r))
		return nil
	})
	return rec, err
}

// ownerName is how the care plan names an action's owner: the user's
// display name, or the team's (organisation's) name.
func ownerName(ctx context.Context, q store.Querier, act joinedup.MDTAction) (string, error) {
	if act.AssigneeUser != "" {
		u, err := store.GetUser(ctx, q, act.AssigneeUser)
		if errors.Is(err, joinedup.ErrNotFound) {
			return "", nil
		}
		return u.DisplayName, err
	}
	if act.AssigneeOrg == "" {
		return "", nil
	}
	names, err := store.OrganisationNames(ctx, q, []string{act.AssigneeOrg})
	return names[act.AssigneeOrg], err
}

func meeting(ctx context.Context, q store.Querier, id string) (joinedup.MDTMeeting, error) {
	m, _, err := store.GetMDTMeeting(ctx, q, id)
	if errors.Is(err, joinedup.ErrNotFound) {
		return m, joinedup.NotFound("no such MDT meeting")
	}
	return m, err
}

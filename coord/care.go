package coord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// DecideTier records a clinician's confirmation or override of the patient's
// current suggestion, closes the review tasks the decision answers, and
// brings the worklist in step with the confirmed tier (its pathway's tasks
// raised, another tier's closed). An override needs a reason (a
// joinedup.FieldErrors naming "reason"); a patient never assessed has
// nothing to decide on (joinedup.ErrNotFound).
func (s *Service) DecideTier(ctx context.Context, a Actor, patientID string, tier joinedup.Tier, reason string) (joinedup.TierDecision, error) {
	var d joinedup.TierDecision
	err := s.change(ctx, a, joinedup.ActionDecideTier, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		id, as, err := store.CurrentAssessment(ctx, tx, patientID)
		if err != nil {
			return err
		}
		if d, err = joinedup.Decide(id, as, tier, reason, a.User.ID, a.At); err != nil {
			return err
		}
		if err := store.SaveDecision(ctx, tx, &d); err != nil {
			return err
		}
		for _, kind := range []string{joinedup.TaskReviewSuggestedTier, joinedup.TaskTierReview} {
			if _, err := store.CloseTasks(ctx, tx, patientID, kind, a.At); err != nil {
				return err
			}
		}
		r, err := syncWorklist(ctx, tx, patientID, a.At)
		if err != nil {
			return err
		}
		e.Reason = d.Reason
		say(e, "tier %s, suggested %s, overridden %v; %s", d.Tier, d.SuggestedTier, d.Overridden, tasks(r))
		return nil
	})
	return d, err
}

// TeamPlace is a place on a care team as a door reads it. A staff place
// names a user or a team (an organisation, by ODS code); a carer or family
// member is a person: a name, relationship and contact. Start zero means
// the day of the change.
type TeamPlace struct {
	PatientID       string
	Role            joinedup.CareTeamRole
	UserID          string
	OrganisationODS string
	// OrganisationID names the team by id, for doors that hold it already.
	OrganisationID string
	Name           string
	Relationship   string
	Contact        string
	Start          time.Time
	// Unread are the problems the door found reading its input (a date
	// that is not a date): the change is refused with them and its own,
	// all at once.
	Unread joinedup.FieldErrors
}

// AddCareTeamMember puts someone on the patient's care team.
func (s *Service) AddCareTeamMember(ctx context.Context, a Actor, in TeamPlace) (joinedup.CareTeamMember, error) {
	m := joinedup.CareTeamMember{PatientID: in.PatientID, Role: in.Role, UserID: in.UserID, Name: in.Name,
		Relationship: in.Relationship, Contact: in.Contact, Start: in.Start, AddedBy: a.User.ID}
	if m.Start.IsZero() {
		m.Start = a.At
	}
	err := s.change(ctx, a, joinedup.ActionWritePatient, in.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := merge(nil, in.Unread)
		if err := userRef(ctx, tx, fe, "user_id", in.UserID); err != nil {
			return err
		}
		m.OrganisationID = in.OrganisationID
		if in.OrganisationODS != "" {
			var err error
			if m.OrganisationID, err = orgRef(ctx, tx, fe, "organisation_ods", in.OrganisationODS); err != nil {
				return err
			}
		}
		if err := fieldsErr(merge(fe, m.Validate())); err != nil {
			return err
		}
		var err error
		if m, err = store.AddCareTeamMember(ctx, tx, m); err != nil {
			return err
		}
		r, err := syncWorklist(ctx, tx, in.PatientID, a.At)
		if err != nil {
			return err
		}
		say(e, "added %s %s; %s", m.Role, m.ID, tasks(r))
		return nil
	})
	return m, err
}

// EndCareTeamMember ends a place on the care team on end (zero: the day of
// the change). A place already ended is a conflict.
func (s *Service) EndCareTeamMember(ctx context.Context, a Actor, patientID, memberID string, end time.Time, unread joinedup.FieldErrors) (joinedup.CareTeamMember, error) {
	if end.IsZero() {
		end = a.At
	}
	var m joinedup.CareTeamMember
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		if err := fieldsErr(unread); err != nil {
			return err
		}
		var err error
		m, err = store.EndCareTeamMember(ctx, tx, patientID, memberID, end, a.User.ID)
		if errors.Is(err, joinedup.ErrNotFound) {
			return joinedup.NotFound("no such care team member")
		}
		if errors.Is(err, joinedup.ErrConflict) {
			return joinedup.Conflict("that place on the care team has already ended")
		}
		if err != nil {
			return err
		}
		r, err := syncWorklist(ctx, tx, patientID, a.At)
		if err != nil {
			return err
		}
		say(e, "ended %s %s; %s", m.Role, m.ID, tasks(r))
		return nil
	})
	return m, err
}

// PlanEdit is a care plan as edited, and the version it was edited from
// (nil when the door was not told: refused; 0 for a first plan).
type PlanEdit struct {
	Plan        joinedup.CarePlan
	BaseVersion *int
	Unread      joinedup.FieldErrors
}

// SaveCarePlan saves the plan as the version after the one it was edited
// from, and brings the worklist in step (a first plan closes the
// care-planning conversation task). If someone saved in between, nothing
// is overwritten: what was typed is kept as a rejected draft, committed
// with the audit entry, and the result reports the conflict with the newer
// version (Conflict, with a nil error: it was answered, not failed).
func (s *Service) SaveCarePlan(ctx context.Context, a Actor, patientID string, in PlanEdit) (store.CarePlanSave, error) {
	var res store.CarePlanSave
	plan := in.Plan
	plan.PatientID = patientID
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := merge(nil, in.Unread)
		switch {
		case in.BaseVersion == nil:
			fe["base_version"] = "is required: the version the plan was edited from (0 for a new plan)"
		case *in.BaseVersion < 0:
			fe["base_version"] = "must not be negative"
		}
		if err := fieldsErr(merge(fe, plan.Validate(a.At))); err != nil {
			return err
		}
		var err error
		if res, err = store.SaveCarePlan(ctx, tx, plan, *in.BaseVersion, a.User.ID, a.At); err != nil {
			return err
		}
		if res.Conflict {
			say(e, "stale base version %d: kept as rejected draft %s", *in.BaseVersion, res.Draft.ID)
			return nil
		}
		r, err := syncWorklist(ctx, tx, patientID, a.At)
		if err != nil {
			return err
		}
		say(e, "saved version %d; %s", res.Saved.Version, tasks(r))
		return nil
	})
	return res, err
}

// NewTask is a task raised by hand, for a user or a team (an organisation,
// by ODS code). Kind defaults to a manual task, priority to normal.
type NewTask struct {
	Task           joinedup.Task
	AssigneeOrgODS string
	Unread         joinedup.FieldErrors
}

// CreateTask raises a task by hand.
func (s *Service) CreateTask(ctx context.Context, a Actor, in NewTask) (joinedup.Task, error) {
	t := in.Task
	t.CreatedBy, t.CreatedAt = a.User.ID, a.At
	if t.Kind == "" {
		t.Kind = joinedup.TaskManual
	}
	if t.Priority == 0 {
		t.Priority = 2
	}
	err := s.change(ctx, a, joinedup.ActionWritePatient, t.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := merge(nil, in.Unread)
		if err := userRef(ctx, tx, fe, "assignee_user_id", t.AssigneeUser); err != nil {
			return err
		}
		var err error
		if t.AssigneeOrg, err = orgRef(ctx, tx, fe, "assignee_organisation_ods", in.AssigneeOrgODS); err != nil {
			return err
		}
		if err := fieldsErr(merge(fe, t.ValidateManual())); err != nil {
			return err
		}
		if t, err = store.CreateTask(ctx, tx, t); err != nil {
			return err
		}
		say(e, "task %s", t.ID)
		return nil
	})
	return t, err
}

// TaskChange changes a task from the version read: its status, note or
// assignee (nil: unchanged).
type TaskChange struct {
	Version      *int
	Status       *string
	Note         *string
	AssigneeUser *string
}

// UpdateTask changes a task. A task changed by someone else since the
// version read is not touched: the error is a conflict and the task
// returned is the task as it now is.
func (s *Service) UpdateTask(ctx context.Context, a Actor, patientID, taskID string, in TaskChange) (joinedup.Task, error) {
	var t joinedup.Task
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := joinedup.FieldErrors{}
		if in.Version == nil {
			fe["version"] = "is required: the version of the task the change was made from"
		}
		if in.Status != nil && !joinedup.ValidTaskStatus(*in.Status) {
			fe["status"] = fmt.Sprintf("want open, in-progress, done or cancelled, not %q", *in.Status)
		}
		if in.Note != nil && len(*in.Note) > joinedup.MaxText {
			fe["note"] = fmt.Sprintf("is longer than %d characters", joinedup.MaxText)
		}
		if in.AssigneeUser != nil {
			if err := userRef(ctx, tx, fe, "assignee_user_id", *in.AssigneeUser); err != nil {
				return err
			}
		}
		if in.Status == nil && in.Note == nil && in.AssigneeUser == nil {
			fe["status"] = "nothing to change: give status, note or assignee_user_id"
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		var err error
		t, err = store.UpdateTask(ctx, tx, patientID, taskID, *in.Version,
			store.TaskUpdate{Status: in.Status, Note: in.Note, AssigneeUser: in.AssigneeUser}, a.User.ID, a.At)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
			return joinedup.NotFound("no such task")
		case errors.Is(err, joinedup.ErrConflict):
			return joinedup.Conflict("the task changed since version %d; it is now at version %d", *in.Version, t.Version)
		case err != nil:
			return err
		}
		say(e, "task %s → %s, version %d", t.ID, t.Status, t.Version)
		return nil
	})
	return t, err
}

// Reviewed is a review recorded, and how many tasks it closed.
type Reviewed struct {
	Review      joinedup.Review
	TasksClosed int
}

// RecordReview records a review held with the patient (a care-plan review,
// the annual holistic review) and brings the worklist in step: the review
// closes the task that asked for it.
func (s *Service) RecordReview(ctx context.Context, a Actor, r joinedup.Review, unread joinedup.FieldErrors) (Reviewed, error) {
	var out Reviewed
	r.RecordedBy, r.RecordedAt = a.User.ID, a.At
	err := s.change(ctx, a, joinedup.ActionWritePatient, r.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		if err := fieldsErr(merge(merge(nil, unread), r.Validate(a.At))); err != nil {
			return err
		}
		var err error
		if out.Review, err = store.RecordReview(ctx, tx, r); err != nil {
			return err
		}
		res, err := syncWorklist(ctx, tx, r.PatientID, a.At)
		if err != nil {
			return err
		}
		out.TasksClosed = res.Closed
		say(e, "%s held %s; %s", r.Kind, r.HeldOn.Format(time.DateOnly), tasks(res))
		return nil
	})
	return out, err
}

// ConsentDecision is a patient's sharing decisions as a door reads them:
// both choices are required, so a form never records one by omission.
type ConsentDecision struct {
	PatientID  string
	SocialCare *bool
	Voluntary  *bool
	// VoluntaryFields limits what a referral to a voluntary organisation
	// shares (joinedup.ShareableFields); empty: all of them.
	VoluntaryFields []string
	Note            string
}

// RecordConsent records the patient's sharing decisions as the ones now in
// force; earlier ones stay as the history. Withdrawing is recording false.
func (s *Service) RecordConsent(ctx context.Context, a Actor, in ConsentDecision) (joinedup.Consent, error) {
	var c joinedup.Consent
	err := s.change(ctx, a, joinedup.ActionWritePatient, in.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		fe := joinedup.FieldErrors{}
		if in.SocialCare == nil {
			fe["social_care"] = "is required: true or false"
		}
		if in.Voluntary == nil {
			fe["voluntary"] = "is required: true or false"
		}
		for i, f := range in.VoluntaryFields {
			if !joinedup.Shareable(f) {
				fe[fmt.Sprintf("voluntary_fields[%d]", i)] = fmt.Sprintf("want one of %s, not %q", strings.Join(joinedup.ShareableFields(), ", "), f)
			}
		}
		if len(in.Note) > joinedup.MaxText {
			fe["note"] = fmt.Sprintf("is longer than %d characters", joinedup.MaxText)
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		var err error
		c, err = store.RecordConsent(ctx, tx, joinedup.Consent{PatientID: in.PatientID, SocialCare: *in.SocialCare, Voluntary: *in.Voluntary,
			VoluntaryFields: in.VoluntaryFields, Note: strings.TrimSpace(in.Note), RecordedBy: a.User.ID, RecordedAt: a.At})
		if err != nil {
			return err
		}
		say(e, "social_care=%t voluntary=%t", c.SocialCare, c.Voluntary)
		return nil
	})
	return c, err
}

// BreakGlass grants the actor emergency access to the patient for
// joinedup.BreakGlassDuration. The reason is required, audited, and
// logged as a warning, for the IG lead to review.
func (s *Service) BreakGlass(ctx context.Context, a Actor, patientID, reason string) (joinedup.BreakGlassGrant, error) {
	var g joinedup.BreakGlassGrant
	err := s.change(ctx, a, joinedup.ActionBreakGlass, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := joinedup.CheckBreakGlassReason(reason); err != nil {
			return joinedup.FieldErrors{"reason": err.Error()}
		}
		var err error
		if g, err = store.GrantBreakGlass(ctx, tx, patientID, a.User.ID, reason, a.At); err != nil {
			return err
		}
		e.Reason, e.BreakGlass = "break-glass: "+g.Reason, true
		return nil
	})
	if err == nil {
		s.log.Warn("break-glass access granted", "user", a.User.Username, "patient", patientID, "expires", g.Expires)
	}
	return g, err
}

// userRef checks that a user id names an account, noting it in fe.
func userRef(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, field, id string) error {
	if id == "" {
		return nil
	}
	_, err := store.GetUser(ctx, q, id)
	if errors.Is(err, joinedup.ErrNotFound) {
		fe[field] = "no user with id " + id
		return nil
	}
	return err
}

// usernameRef resolves a username to the user's id, noting an unknown one
// in fe.
func usernameRef(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, field, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	u, _, err := store.UserByUsername(ctx, q, name)
	if errors.Is(err, joinedup.ErrNotFound) {
		fe[field] = fmt.Sprintf("no user %q", name)
		return "", nil
	}
	return u.ID, err
}

// orgRef resolves an ODS code to an organisation id, noting an unknown
// code in fe. An unknown code resolves to a placeholder, so validation that
// asks for an organisation does not also report it missing.
func orgRef(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, field, ods string) (string, error) {
	if ods == "" {
		return "", nil
	}
	id, err := store.OrganisationIDByODS(ctx, q, ods)
	if errors.Is(err, joinedup.ErrNotFound) {
		fe[field] = "no organisation with ODS code " + ods
		return "unresolved", nil
	}
	return id, err
}

// FollowRecords syncs the worklists of the patients whose registration or
// death changed since before (worklist.Standings taken before an import),
// so a death or a move that arrives in an import does what it calls for
// then. It returns what the syncs did and how many patients changed.
func (s *Service) FollowRecords(ctx context.Context, a Actor, before map[string]worklist.Standing) (worklist.Result, int, error) {
	after, err := worklist.Standings(ctx, s.db)
	if err != nil {
		return worklist.Result{}, 0, err
	}
	ids := worklist.Changed(before, after)
	r, err := s.SyncWorklists(ctx, a, ids)
	return r, len(ids), err
}

// SyncWorklists brings each patient's tasks in step with their record as
// of the actor's day: what changed in a record that came in from outside
// (an import, a death reported by the practice) raises, closes and
// withdraws what it calls for. A patient whose tasks change gets an audit
// entry saying what changed; one whose tasks stand gets none.
func (s *Service) SyncWorklists(ctx context.Context, a Actor, patientIDs []string) (worklist.Result, error) {
	var total worklist.Result
	for _, id := range patientIDs {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			r, err := syncWorklist(ctx, tx, id, a.At)
			if err != nil || r == (worklist.Result{}) {
				return err
			}
			total.Raised, total.Closed, total.Assigned = total.Raised+r.Raised, total.Closed+r.Closed, total.Assigned+r.Assigned
			e := a.entry(joinedup.ActionWritePatient, id)
			e.Outcome = joinedup.OutcomeAllowed
			say(&e, "%s, assigned %d", tasks(r), r.Assigned)
			_, err = store.AppendAudit(ctx, tx, e)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("worklist of patient %s: %w", id, err)
		}
	}
	return total, nil
}

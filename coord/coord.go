// Package coord is where JoinedUp changes things: every change to a
// person's care (a tier decided, a care team or plan changed, a review, a
// consent, a referral, an MDT outcome, a task) and every other change the
// service makes on someone's behalf (sign-in, accounts, the directory,
// system clients, exports). Each change is one function that validates its
// input, stores it in one transaction, brings the patient's worklist in
// step and appends its audit entry in that same transaction.
//
// Pages, the JSON API, FHIR, MDT meetings and the command line are thin
// adapters that read what they show directly from the store and call this
// package for anything they change, so the same action cannot behave
// differently depending on the door it came through.
package coord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/groupcommit"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// Service makes changes in one database.
type Service struct {
	db  *store.DB
	log *slog.Logger
	// hospital groups the hospital messages arriving at once, in lanes
	// by NHS number: a patient's messages always share a lane, so lanes
	// never wait for each other's patients.
	hospital []groupcommit.Queue[hospitalCall, Received]
}

// New returns the Service over db; log receives what the audit alone does
// not say (security warnings). A nil log is slog.Default().
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, log: log, hospital: make([]groupcommit.Queue[hospitalCall, Received], hospitalLanes())}
	for i := range s.hospital {
		s.hospital[i].Max = maxHospitalGroup
	}
	return s
}

// Actor is who makes a change, when, through which door, and what the
// access decision allowed them: the audit entry of the change starts from
// it. The door has already decided that the actor may make the change;
// Scope says how much of the patient's record that decision showed.
type Actor struct {
	User joinedup.User
	At   time.Time
	// Door names the way in, as the audit shows it: the route
	// ("PUT /api/patients/{id}/care-plan") or the command
	// ("joinedup demo").
	Door string
	// Scope is what the access decision showed of the patient; changes
	// that only the whole record allows refuse a narrower one.
	Scope joinedup.Scope
	// Reason and BreakGlass are the access decision's, carried into the
	// audit entry.
	Reason     string
	BreakGlass bool
}

// System is the actor of a change made by JoinedUp itself or by an
// operator at the command line, rather than by a signed-in user.
func System(door string, at time.Time) Actor {
	return Actor{User: joinedup.User{ID: "system", Username: "system", Role: joinedup.RoleAdmin}, At: at, Door: door,
		Scope: joinedup.ScopeFull, Reason: "run by an operator"}
}

// entry is the audit entry of a change by a about patientID.
func (a Actor) entry(action joinedup.Action, patientID string) joinedup.AuditEntry {
	return joinedup.AuditEntry{At: a.At, UserID: a.User.ID, Username: a.User.Username, Role: a.User.Role,
		OrganisationID: a.User.OrganisationID, PatientID: patientID, Action: action, What: a.Door, Reason: a.Reason,
		BreakGlass: a.BreakGlass}
}

// change runs fn in one transaction and appends the change's audit entry in
// that transaction, so a change is never stored without its entry nor an
// entry without its change. fn says what it did in the entry (say). A
// change that fails is rolled back and still recorded, as not completed,
// so the attempt is accountable.
func (s *Service) change(ctx context.Context, a Actor, action joinedup.Action, patientID string, fn func(tx *store.Tx, e *joinedup.AuditEntry) error) error {
	e := a.entry(action, patientID)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := fn(tx, &e); err != nil {
			return err
		}
		e.Outcome = joinedup.OutcomeAllowed
		_, err := store.AppendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		f := a.entry(action, patientID)
		f.Outcome = joinedup.OutcomeFailed
		f.Reason = a.Reason + "; not completed: " + err.Error()
		if _, aerr := s.db.Audit(context.WithoutCancel(ctx), f); aerr != nil {
			s.log.Error("audit of a change not completed", "door", a.Door, "err", aerr)
		}
	}
	return err
}

// Audit appends an entry that records a read or a refusal, not a change:
// the doors' record of who saw what.
func (s *Service) Audit(ctx context.Context, e joinedup.AuditEntry) (joinedup.AuditEntry, error) {
	return s.db.Audit(ctx, e)
}

// AuditAll appends entries that record reads, one per patient shown, in
// one transaction.
func (s *Service) AuditAll(ctx context.Context, es []joinedup.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error { return store.AppendAudits(ctx, tx, es) })
}

// syncWorklist brings the patient's tasks in step after a change, in the
// change's transaction.
func syncWorklist(ctx context.Context, tx *store.Tx, patientID string, at time.Time) (worklist.Result, error) {
	cfg, err := worklist.LoadConfig(ctx, tx)
	if err != nil {
		return worklist.Result{}, err
	}
	return worklist.Sync(ctx, tx, cfg, patientID, at, at)
}

// say adds what a change did, in a few words, to its audit entry.
func say(e *joinedup.AuditEntry, format string, args ...any) {
	e.What += " (" + fmt.Sprintf(format, args...) + ")"
}

// tasks says what a worklist sync did, for an audit entry.
func tasks(r worklist.Result) string {
	return fmt.Sprintf("tasks raised %d, closed %d", r.Raised, r.Closed)
}

// needFull refuses a change that only the whole record allows.
func needFull(a Actor) error {
	if a.Scope != joinedup.ScopeFull {
		return joinedup.Forbidden("not allowed at scope %s", a.Scope)
	}
	return nil
}

// fieldsErr is fe as an error, or nil when it holds no problem.
func fieldsErr(fe joinedup.FieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// merge adds the problems err names to fe, keeping fe's where both name a
// field: what the door could not read is said first.
func merge(fe joinedup.FieldErrors, err error) joinedup.FieldErrors {
	var more joinedup.FieldErrors
	if fe == nil {
		fe = joinedup.FieldErrors{}
	}
	if errors.As(err, &more) {
		for k, v := range more {
			if _, ok := fe[k]; !ok {
				fe[k] = v
			}
		}
	}
	return fe
}

package worklist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
)

// configCache holds the pathways of policy versions already parsed, by
// version id: a version is immutable, so it is parsed once per process.
var configCache sync.Map // version id → Config

// LoadConfig returns the configuration of the latest stored policy
// version. With no policy stored there are no pathway tasks, and the
// date-driven rules still run.
func LoadConfig(ctx context.Context, q store.Querier) (Config, error) {
	id, err := store.LatestPolicyVersionID(ctx, q)
	if errors.Is(err, joinedup.ErrNotFound) {
		return ConfigFrom(nil), nil
	}
	if err != nil {
		return Config{}, err
	}
	if c, ok := configCache.Load(id); ok {
		return c.(Config), nil
	}
	// A version is immutable (its id is its content's hash), so its files
	// are read once per process.
	v, err := store.GetPolicyVersion(ctx, q, id)
	if err != nil {
		return Config{}, err
	}
	p, err := policy.LoadFiles(v.Files)
	if err != nil {
		return Config{}, fmt.Errorf("policy version %s: %w", v.ID, err)
	}
	c := ConfigFrom(p)
	configCache.Store(v.ID, c)
	return c, nil
}

// LoadState reads what the rules look at for one patient at asOf.
func LoadState(ctx context.Context, q store.Querier, patientID string, asOf time.Time) (State, error) {
	p, err := store.GetPatient(ctx, q, patientID)
	if err != nil {
		return State{}, err
	}
	s := State{PatientID: p.ID, PracticeID: p.PracticeID, AsOf: asOf}
	if p.Deceased != nil {
		s.Died = *p.Deceased
	}
	ds, err := store.Decisions(ctx, q, patientID)
	if err != nil {
		return s, err
	}
	// Decisions come newest first; the tier was entered at the first of
	// the latest run of decisions for it, so re-confirming a tier does not
	// raise its pathway again. Decisions after asOf are not yet made.
	for _, d := range ds {
		if d.DecidedAt.After(asOf) {
			continue
		}
		if s.Tier == "" {
			s.Tier = d.Tier
		} else if d.Tier != s.Tier {
			break
		}
		s.TierSince = d.DecidedAt
	}
	if s.CareTeam, err = store.CurrentCareTeam(ctx, q, patientID, asOf); err != nil {
		return s, err
	}
	held, err := store.Holdings(ctx, q, patientID, p.PracticeID, asOf, KindRegisteredElsewhere)
	if err != nil {
		return s, err
	}
	for _, h := range held {
		s.Elsewhere = append(s.Elsewhere, Holding(h))
	}
	switch plan, err := store.CurrentCarePlan(ctx, q, patientID); {
	case err == nil:
		s.Plan = &plan.Plan
	case !errors.Is(err, joinedup.ErrNotFound):
		return s, err
	}
	if s.Reviews, err = store.Reviews(ctx, q, patientID); err != nil {
		return s, err
	}
	if s.Encounters, err = store.Encounters(ctx, q, patientID); err != nil {
		return s, err
	}
	return s, nil
}

// Result counts what Sync changed.
type Result struct {
	Raised int
	Closed int
	// Assigned counts open team tasks handed to the person who now holds
	// their role on the care team.
	Assigned int
}

// Sync brings the patient's tasks in step with their state at asOf: it
// raises the tasks the rules call for (each once) and closes those whose
// condition is met, stamping changes with now. Run it in the transaction
// of the change that prompted it (a tier decision, a care-team change, a
// care-plan save, a review), and daily for the date-driven events.
//
// A sync as of a day before now (catching up on a missed day) raises what
// that day called for, but closes a task only if its closing condition
// holds now too: a tier confirmed since, say, keeps the tasks it raised.
func Sync(ctx context.Context, q store.Writer, cfg Config, patientID string, asOf, now time.Time) (Result, error) {
	s, err := LoadState(ctx, q, patientID, asOf)
	if err != nil {
		return Result{}, fmt.Errorf("worklist for patient %s: %w", patientID, err)
	}
	o := Evaluate(s, cfg)
	if day(asOf).Before(day(now)) && (len(o.Close) > 0 || !o.Died.IsZero()) {
		cur, err := LoadState(ctx, q, patientID, now)
		if err != nil {
			return Result{}, fmt.Errorf("worklist for patient %s: %w", patientID, err)
		}
		o = closeOnlyIfStill(o, Evaluate(cur, cfg))
	}
	return Apply(ctx, q, o, now)
}

// closeOnlyIfStill keeps the closures of o that the outcome now also
// makes.
func closeOnlyIfStill(o, now Outcome) Outcome {
	var keep []Closure
	for _, c := range o.Close {
		for _, n := range now.Close {
			if n.Kind == c.Kind && n.Event == c.Event {
				keep = append(keep, c)
				break
			}
		}
	}
	o.Close = keep
	if now.Died.IsZero() {
		o.Died = time.Time{}
	}
	return o
}

// Apply stores an Outcome: closures first, so a task closed and raised
// again in one outcome (a new episode) is not blocked by the old one. A
// task already open with a team is handed to the person the rules now name.
func Apply(ctx context.Context, q store.Writer, o Outcome, now time.Time) (Result, error) {
	var r Result
	for _, c := range o.Close {
		for _, t := range o.Raise {
			if t.Kind == c.Kind && c.DueBefore.IsZero() && c.Event == "" {
				return r, fmt.Errorf("worklist rules both raise and close %s for patient %s", c.Kind, o.PatientID)
			}
		}
	}
	// What the patient's tasks are now spares the statements that would
	// change nothing: closing a kind none is open of, raising what is held.
	keys, err := store.TaskKeys(ctx, q, o.PatientID)
	if err != nil {
		return r, err
	}
	// closing marks the tasks a closure ends as closed, their keys given
	// up as the store does, and reports whether there were any.
	closing := func(match func(store.TaskKey) bool) bool {
		found := false
		for i := range keys {
			if keys[i].Open && match(keys[i]) {
				keys[i].Open, keys[i].DedupeKey, found = false, "", true
			}
		}
		return found
	}
	for _, c := range o.Close {
		var n int
		var err error
		switch {
		case c.Event != "":
			if !closing(func(k store.TaskKey) bool { return k.DedupeKey == c.Event }) {
				continue
			}
			status := "done"
			if c.Withdrawn {
				status = "cancelled"
			}
			n, err = store.EndEventTask(ctx, q, o.PatientID, c.Event, status, c.Reason, now)
		case c.DueBefore.IsZero():
			if !closing(func(k store.TaskKey) bool { return k.Kind == c.Kind }) {
				continue
			}
			n, err = store.CloseTasksBecause(ctx, q, o.PatientID, c.Kind, c.Reason, now)
		default:
			// Which are due before is the store's to say; the snapshot
			// only tells whether any of the kind is open. Those left open
			// are read again below.
			if !slices.ContainsFunc(keys, func(k store.TaskKey) bool { return k.Open && k.Kind == c.Kind }) {
				continue
			}
			n, err = store.CloseDueTasks(ctx, q, o.PatientID, c.Kind, c.Reason, c.DueBefore, now)
			if err == nil && n > 0 {
				if keys, err = store.TaskKeys(ctx, q, o.PatientID); err != nil {
					return r, err
				}
			}
		}
		if err != nil {
			return r, err
		}
		r.Closed += n
	}
	for _, h := range o.Handover {
		n, err := store.HandOver(ctx, q, o.PatientID, o.PracticeID, store.Holding(h), now)
		if err != nil {
			return r, err
		}
		r.Assigned += n
	}
	if !o.Died.IsZero() {
		n, err := store.WithdrawAfterDeath(ctx, q, o.PatientID, KindDeathInformCareTeam, o.Died, now)
		if err != nil {
			return r, err
		}
		r.Closed += n
	}
	if len(o.Handover) > 0 || !o.Died.IsZero() {
		// Tasks handed over or withdrawn above: read them again.
		if keys, err = store.TaskKeys(ctx, q, o.PatientID); err != nil {
			return r, err
		}
	}
	for _, t := range o.Raise {
		held := slices.IndexFunc(keys, func(k store.TaskKey) bool { return k.DedupeKey == t.DedupeKey })
		if held < 0 {
			t.CreatedAt = now
			raised, err := store.RaiseTask(ctx, q, &t)
			if err != nil {
				return r, err
			}
			if raised {
				r.Raised++
				keys = append(keys, store.TaskKey{Kind: t.Kind, DedupeKey: t.DedupeKey, Due: t.Due, Open: true, Unassigned: t.AssigneeUser == ""})
				continue
			}
		} else if !keys[held].Open || !keys[held].Unassigned {
			continue // held, and by someone already, or closed for this event
		}
		if t.AssigneeUser != "" {
			moved, err := store.AssignTeamTask(ctx, q, o.PatientID, t.DedupeKey, t.AssigneeUser, t.AssigneeOrg, now)
			if err != nil {
				return r, err
			}
			if moved {
				r.Assigned++
			}
		}
	}
	return r, nil
}

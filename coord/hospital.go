package coord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

// Received is what receiving a hospital event did.
type Received struct {
	// Duplicate: a message with this id was received before; nothing was
	// done again.
	Duplicate bool
	Status    joinedup.HospitalMessageStatus
	Reason    string // why a held message was not applied
	PatientID string
	Encounter joinedup.Encounter
	Tasks     worklist.Result
}

// ReceiveHospitalEvent stores a message from a hospital and applies it, in
// one transaction, so that once it returns without error the message may be
// acknowledged: it is durable, and a second delivery of it changes nothing.
// The patient is matched by NHS number only; a message whose number is
// missing, invalid or held for nobody is stored as held for review, never
// applied to a guess. Applying it creates or changes the Encounter of the
// stay or visit and brings the patient's worklist in step (a discharge
// raises the contact after it; a cancellation closes what it raised).
//
// Messages arriving while others are being stored (several connections of
// a busy feed) are stored together, in arrival order, in one transaction
// with one append to the audit chain, so they do not queue one by one for
// its head and a commit each. Should that transaction fail, each message is
// stored on its own, so one message cannot fail the others.
func (s *Service) ReceiveHospitalEvent(ctx context.Context, a Actor, ev joinedup.HospitalEvent) (Received, error) {
	if ev.MessageID == "" || ev.Sender == "" {
		return Received{}, joinedup.FieldErrors{"message": "a hospital message needs its sender and id"}
	}
	// The group runs with the first caller's context: one sender hanging
	// up must not fail the others' messages.
	ctx = context.WithoutCancel(ctx)
	lane := fnv.New32a()
	lane.Write([]byte(strings.Join(strings.Fields(ev.NHSNumber), "")))
	return s.hospital[lane.Sum32()%uint32(len(s.hospital))].Do(hospitalCall{a, ev}, func(calls []hospitalCall) ([]Received, []error) {
		return s.receiveHospitalEvents(ctx, calls)
	})
}

// hospitalCall is one message waiting to be stored, with its actor.
type hospitalCall struct {
	a  Actor
	ev joinedup.HospitalEvent
}

// receiveHospitalEvents stores and applies calls in one transaction, or
// each in its own if that fails.
func (s *Service) receiveHospitalEvents(ctx context.Context, calls []hospitalCall) ([]Received, []error) {
	rs, errs := make([]Received, len(calls)), make([]error, len(calls))
	if len(calls) > 1 {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			es := make([]joinedup.AuditEntry, len(calls))
			for i, c := range calls {
				es[i] = c.a.entry(joinedup.ActionWritePatient, "")
				r, err := receiveHospitalEvent(ctx, tx, c.a, c.ev, &es[i], false)
				if err != nil {
					return err
				}
				rs[i], es[i].Outcome = r, joinedup.OutcomeAllowed
			}
			return store.AppendAudits(ctx, tx, es)
		})
		if err == nil {
			return rs, errs
		}
		s.log.Warn("hospital messages stored one by one after their group failed", "messages", len(calls), "err", err)
	}
	for i, c := range calls {
		err := s.change(ctx, c.a, joinedup.ActionWritePatient, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
			var err error
			rs[i], err = receiveHospitalEvent(ctx, tx, c.a, c.ev, e, false)
			return err
		})
		if err != nil {
			rs[i], errs[i] = Received{}, err
		}
	}
	return rs, errs
}

// receiveHospitalEvent stores and applies one message in tx, saying what
// it did in its audit entry e. A retry is of a message held for review,
// stored already: it is matched again and applied if it now matches.
func receiveHospitalEvent(ctx context.Context, tx *store.Tx, a Actor, ev joinedup.HospitalEvent, e *joinedup.AuditEntry, retry bool) (Received, error) {
	var r Received
	var p joinedup.Patient
	held := ""
	n, perr := joinedup.ParseNHSNumber(ev.NHSNumber)
	switch {
	case ev.NHSNumber == "":
		held = "no NHS number"
	case perr != nil:
		held = perr.Error()
	default:
		var err error
		p, err = store.PatientByNHSNumber(ctx, tx, n)
		if errors.Is(err, joinedup.ErrNotFound) {
			held = fmt.Sprintf("NHS number %s is held for nobody here", n)
		} else if err != nil {
			return r, err
		}
	}
	if held == "" && ev.Kind == joinedup.EventMerge {
		held = fmt.Sprintf("the hospital merged its record of NHS number %s into that of %s: someone checks both records", ev.MergedNHSNumber, ev.NHSNumber)
	}
	r.Status, r.Reason, r.PatientID = joinedup.MessageApplied, held, p.ID
	if held != "" {
		r.Status, r.PatientID = joinedup.MessageHeld, ""
	}
	fresh := true
	var err error
	if retry {
		err = store.ResolveHeldMessage(ctx, tx, ev.MessageID, r.PatientID, r.Status, held)
	} else {
		fresh, err = store.RecordHospitalMessage(ctx, tx, store.HospitalMessage{ID: ev.MessageID, Sender: ev.Sender, Kind: ev.Kind,
			NHSNumber: ev.NHSNumber, PatientID: r.PatientID, Status: r.Status, Reason: held, ReceivedAt: a.At, Raw: string(ev.Raw)})
	}
	if err != nil {
		return r, err
	}
	e.PatientID = r.PatientID
	switch {
	case !fresh:
		r.Duplicate = true
		say(e, "hospital message %s received again: nothing done", ev.MessageID)
		return r, nil
	case held != "":
		say(e, "hospital message %s (%s) held for review: %s", ev.MessageID, ev.Kind, held)
		return r, nil
	}
	enc, err := hospitalEncounter(ctx, tx, p.ID, ev, a.At)
	if err != nil {
		return r, err
	}
	if enc.Source.ID != "" {
		if _, err := store.Write(ctx, tx, &store.Batch{Encounters: []joinedup.Encounter{enc}}); err != nil {
			return r, err
		}
	}
	r.Encounter = enc
	if r.Tasks, err = syncWorklist(ctx, tx, p.ID, a.At); err != nil {
		return r, err
	}
	say(e, "hospital %s from %s, message %s: %s", ev.Kind, ev.Sender, ev.MessageID, tasks(r.Tasks))
	return r, nil
}

// hospitalEncounter is the Encounter of the stay or visit an event is about,
// as the event leaves it; a zero Source means the event changes none.
func hospitalEncounter(ctx context.Context, tx *store.Tx, patientID string, ev joinedup.HospitalEvent, at time.Time) (joinedup.Encounter, error) {
	visit := ev.Visit
	if visit == "" {
		visit = ev.MessageID // a visit without a number is its own message's
	}
	src := joinedup.Source{System: "hospital:" + ev.Sender, ID: visit, LastUpdated: at}
	e, found, err := store.EncounterBySource(ctx, tx, patientID, src.System, src.ID)
	if err != nil {
		return joinedup.Encounter{}, err
	}
	if found {
		e.Source.LastUpdated = at
	} else {
		e = joinedup.Encounter{PatientID: patientID, Source: src}
	}
	when := ev.At
	first := func(ts ...time.Time) time.Time {
		for _, t := range ts {
			if !t.IsZero() {
				return t
			}
		}
		return time.Time{}
	}
	switch ev.Kind {
	case joinedup.EventAttendance, joinedup.EventRegistration, joinedup.EventAdmission, joinedup.EventPreAdmission:
		e.Class = ev.Class
		e.Emergency = ev.Emergency || ev.Class == joinedup.EncounterEmergency
		e.Start = first(ev.Start, e.Start, when)
		e.End = ev.End
		e.Status = "in-progress"
		if ev.Kind == joinedup.EventPreAdmission {
			e.Status = "planned"
		}
	case joinedup.EventDischarge:
		if !found {
			e.Class, e.Emergency = ev.Class, ev.Emergency || ev.Class == joinedup.EncounterEmergency
		}
		e.Start = first(e.Start, ev.Start, when)
		e.End = first(ev.End, when)
		e.Status = "finished"
	case joinedup.EventCancelAdmission:
		if !found {
			return joinedup.Encounter{}, nil // nothing to cancel
		}
		e.Status = "cancelled"
	case joinedup.EventCancelDischarge:
		if !found {
			return joinedup.Encounter{}, nil
		}
		e.End, e.Status = time.Time{}, "in-progress"
	case joinedup.EventTransfer, joinedup.EventCancelTransfer, joinedup.EventUpdate:
		if !found {
			return joinedup.Encounter{}, nil // a ward move changes nothing JoinedUp keeps
		}
		if ev.Class != "" {
			e.Class = ev.Class
		}
	default:
		return joinedup.Encounter{}, fmt.Errorf("hospital event %q: %w", ev.Kind, joinedup.ErrInvalid)
	}
	if ev.Service != "" {
		e.Specialty = joinedup.Codings{{System: "urn:joinedup:hospital-service", Code: ev.Service}}
	}
	return e, nil
}

// hospitalLanes is how many groups of hospital messages are stored at once:
// one per processor, so each keeps one busy.
func hospitalLanes() int { return max(1, runtime.GOMAXPROCS(0)) }

// maxHospitalGroup bounds the messages stored in one transaction, so a
// backlog is stored in steps that each commit soon.
const maxHospitalGroup = 64

// RetryHeldMessage matches a message held for review again, as decoded
// from what was stored (ev, with the stored id): applied once its NHS
// number matches someone (the patient imported since, say), held still
// with the new reason otherwise. Only a held message can be retried.
func (s *Service) RetryHeldMessage(ctx context.Context, a Actor, ev joinedup.HospitalEvent) (Received, error) {
	var r Received
	err := s.change(ctx, a, joinedup.ActionWritePatient, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		var err error
		r, err = receiveHospitalEvent(ctx, tx, a, ev, e, true)
		say(e, "retried after review")
		return err
	})
	return r, err
}

// DismissHeldMessage sets a held message aside after review, saying why:
// a test message, a patient not of this LCN, a merge checked by hand.
func (s *Service) DismissHeldMessage(ctx context.Context, a Actor, id, note string) error {
	if strings.TrimSpace(note) == "" {
		return joinedup.FieldErrors{"note": "say why the message is set aside"}
	}
	return s.change(ctx, a, joinedup.ActionWritePatient, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		say(e, "held hospital message %s dismissed: %s", id, note)
		return store.ResolveHeldMessage(ctx, tx, id, "", joinedup.MessageDismissed, note)
	})
}

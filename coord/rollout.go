package coord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// Limits on what a roll-out change may say.
const (
	maxWave          = 60
	maxRolloutReason = 500
)

// SetRollout sets a practice's pilot date, go-live date (optional) and
// wave (optional), keeping the values they replace in the practice's
// history. practice is the practice's id or ODS code; the dates are
// YYYY-MM-DD, and an empty pilot date with no go-live date records that the
// practice is not (or no longer) in the pilot. A change to a date already
// set needs a reason, since it moves the practice between the groups the
// dashboard compares. Problems come back as joinedup.FieldErrors under
// "practice", "pilot", "go_live", "wave" and "reason".
func (s *Service) SetRollout(ctx context.Context, a Actor, practice, pilot, goLive, wave, reason string) (store.Rollout, error) {
	var saved store.Rollout
	err := s.change(ctx, a, joinedup.ActionManageRollout, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		fe := joinedup.FieldErrors{}
		p, err := practiceRef(ctx, tx, fe, practice)
		if err != nil {
			return err
		}
		r := store.Rollout{PracticeID: p.PracticeID, Wave: strings.TrimSpace(wave), By: a.User.ID, At: a.At, Reason: strings.TrimSpace(reason)}
		r.Pilot = parseDay(fe, "pilot", "pilot date", pilot)
		r.GoLive = parseDay(fe, "go_live", "go-live date", goLive)
		switch {
		case fe["pilot"] != "" || fe["go_live"] != "":
		case r.Pilot.IsZero() && !r.GoLive.IsZero():
			fe["pilot"] = "a practice that goes live needs a pilot date: enter the date it joined the pilot (the go-live date, if it had no pilot)"
		case !r.GoLive.IsZero() && r.GoLive.Before(r.Pilot):
			fe["go_live"] = "the go-live date must be the same as or after the pilot date"
		}
		if utf8.RuneCountInString(r.Wave) > maxWave {
			fe["wave"] = fmt.Sprintf("a wave name is at most %d characters", maxWave)
		}
		if utf8.RuneCountInString(r.Reason) > maxRolloutReason {
			fe["reason"] = fmt.Sprintf("a reason is at most %d characters", maxRolloutReason)
		}
		if len(fe) == 0 {
			cur := p.Rollout
			switch {
			case r.Same(cur):
				fe["pilot"] = "the practice already has these dates and wave: nothing to change"
			case r.Reason == "" && datesChanged(cur, r):
				fe["reason"] = "enter why the dates already set are changing: the dashboard's comparison moves with them"
			}
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		if saved, err = store.SetRollout(ctx, tx, r); err != nil {
			return err
		}
		say(e, "practice %s roll-out version %d: pilot %s, go-live %s, wave %q", p.ODS, saved.Version, dayText(r.Pilot), dayText(r.GoLive), r.Wave)
		if r.Reason != "" {
			e.Reason = a.Reason + "; " + r.Reason
		}
		return nil
	})
	return saved, err
}

// practiceRef finds the practice ref names by id or ODS code, noting in fe
// when there is none.
func practiceRef(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, ref string) (store.PracticeRollout, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		fe["practice"] = "name the practice by its ODS code"
		return store.PracticeRollout{}, nil
	}
	p, err := store.PracticeRolloutOf(ctx, q, ref)
	if errors.Is(err, joinedup.ErrNotFound) {
		id, ierr := store.OrganisationIDByODS(ctx, q, strings.ToUpper(ref))
		switch {
		case errors.Is(ierr, joinedup.ErrNotFound):
			fe["practice"] = "no organisation with ODS code " + ref
			return p, nil
		case ierr != nil:
			return p, ierr
		}
		p, err = store.PracticeRolloutOf(ctx, q, id)
		if errors.Is(err, joinedup.ErrNotFound) {
			fe["practice"] = ref + " is not a GP practice"
			return p, nil
		}
	}
	return p, err
}

// parseDay reads a YYYY-MM-DD date; empty is the zero time.
func parseDay(fe joinedup.FieldErrors, field, name, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 1990 || d.Year() > 2100 {
		fe[field] = fmt.Sprintf("the %s must be a real date as YYYY-MM-DD, for example 2026-04-01", name)
		return time.Time{}
	}
	return d
}

// datesChanged reports whether next changes or clears a date cur had set.
func datesChanged(cur, next store.Rollout) bool {
	return (!cur.Pilot.IsZero() && !cur.Pilot.Equal(next.Pilot)) || (!cur.GoLive.IsZero() && !cur.GoLive.Equal(next.GoLive))
}

// dayText is a date for an audit entry, "none" when not set.
func dayText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.DateOnly)
}

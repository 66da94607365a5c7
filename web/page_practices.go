package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// practicesView is the administrator's roll-out page: every practice with
// its pilot and go-live dates and wave, a form to change them, and the
// history of changes.
type practicesView struct {
	Practices []practiceRow
	History   []rolloutChange
	Saved     string // the name of the practice just saved
}

// practiceRow is one practice and its form: the values stored, or those
// typed when the form came back with errors.
type practiceRow struct {
	store.PracticeRollout
	Form   rolloutForm
	Errors map[string]string // by form field: pilot, go_live, wave, reason
}

// rolloutForm is what the form holds.
type rolloutForm struct {
	Pilot, GoLive, Wave, Reason string
}

// rolloutChange is one row of the history, with the practice named.
type rolloutChange struct {
	store.Rollout
	Practice string
}

func formDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// loadPractices reads the page's practices and history; bad, when set,
// replaces the form of that practice.
func loadPractices(c *Call, bad *practiceRow) (*practicesView, error) {
	ps, err := store.PracticeRollouts(c.R.Context(), c.Q)
	if err != nil {
		return nil, err
	}
	hist, err := store.RolloutHistory(c.R.Context(), c.Q, "")
	if err != nil {
		return nil, err
	}
	v := &practicesView{}
	names := map[string]string{}
	for _, p := range ps {
		names[p.PracticeID] = p.Name
		row := practiceRow{PracticeRollout: p, Form: rolloutForm{Pilot: formDate(p.Rollout.Pilot), GoLive: formDate(p.Rollout.GoLive), Wave: p.Rollout.Wave}}
		if bad != nil && bad.PracticeID == p.PracticeID {
			row.Form, row.Errors = bad.Form, bad.Errors
		}
		v.Practices = append(v.Practices, row)
	}
	for _, h := range hist {
		v.History = append(v.History, rolloutChange{Rollout: h, Practice: names[h.PracticeID]})
	}
	// Newest first across practices.
	slices.SortStableFunc(v.History, func(a, b rolloutChange) int { return b.At.Compare(a.At) })
	return v, nil
}

// practicesPage lists the practices with their roll-out for the
// administrator.
func (s *Server) practicesPage(c *Call) error {
	v, err := loadPractices(c, nil)
	if err != nil {
		return err
	}
	if id := c.R.URL.Query().Get("saved"); id != "" {
		for _, p := range v.Practices {
			if p.PracticeID == id {
				v.Saved = p.Name
			}
		}
	}
	c.Audit.What += " (practices' roll-out)"
	return c.Page(http.StatusOK, "practices.html", "Practices and roll-out", v)
}

// setRolloutPage sets one practice's pilot and go-live dates and wave. A
// problem redisplays the page with the errors beside that practice's
// fields, keeping what was typed; nothing is recorded.
func (s *Server) setRolloutPage(c *Call) error {
	id := c.R.PathValue("practice")
	if _, err := store.PracticeRolloutOf(c.R.Context(), c.Q, id); err != nil {
		return err
	}
	f := rolloutForm{Pilot: c.R.PostFormValue("pilot"), GoLive: c.R.PostFormValue("go_live"), Wave: c.R.PostFormValue("wave"), Reason: c.R.PostFormValue("reason")}
	_, err := s.coord.SetRollout(c.R.Context(), c.Actor(), id, f.Pilot, f.GoLive, f.Wave, f.Reason)
	var fe joinedup.FieldErrors
	switch {
	case err == nil:
		return c.Redirect("/practices?saved=" + id + "#practice-" + id)
	case !errors.As(err, &fe):
		return err
	}
	bad := &practiceRow{PracticeRollout: store.PracticeRollout{PracticeID: id}, Form: f, Errors: map[string]string{}}
	var errs []fieldError
	for _, k := range []string{"pilot", "go_live", "wave", "reason", "practice"} {
		msg, ok := fe[k]
		if !ok {
			continue
		}
		field := k
		if k == "practice" {
			field = "pilot"
		}
		text := titleCase(msg)
		if _, dup := bad.Errors[field]; dup {
			continue
		}
		bad.Errors[field] = text
		errs = append(errs, fieldError{Field: field + "-" + id, Message: text})
	}
	v, lerr := loadPractices(c, bad)
	if lerr != nil {
		return lerr
	}
	return c.PageErrors(http.StatusUnprocessableEntity, "practices.html", "Practices and roll-out", v, errs)
}

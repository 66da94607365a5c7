package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
)

// heldView is the administrator's page of hospital messages held because
// they matched no one. It shows what identifies a message and why it was
// held, not the message itself: the person may not be anyone's here.
type heldView struct {
	Messages []store.HospitalMessage
	Done     string // what the last review did
	Note     map[string]string
}

func (s *Server) heldMessagesPage(c *Call) error {
	return s.showHeld(c, http.StatusOK, c.R.URL.Query().Get("done"), nil, nil)
}

func (s *Server) showHeld(c *Call, status int, done string, note map[string]string, errs []fieldError) error {
	ms, err := store.HospitalMessages(c.R.Context(), c.Q, joinedup.MessageHeld)
	if err != nil {
		return err
	}
	c.Audit.What += " (held hospital messages)"
	return c.PageErrors(status, "held-messages.html", "Held hospital messages", heldView{Messages: ms, Done: done, Note: note}, errs)
}

// retryHeldMessage matches a held message again, through the same
// hospitalfeed.Retry as joinedup hl7 retry.
func (s *Server) retryHeldMessage(c *Call) error {
	id := c.R.PathValue("message")
	// A message not held is told before anything is tried, and the
	// request audited as the look it was.
	if m, err := store.GetHospitalMessage(c.R.Context(), c.Q, id); errors.Is(err, joinedup.ErrNotFound) || (err == nil && m.Status != joinedup.MessageHeld) {
		return s.showHeld(c, http.StatusConflict, "", nil, []fieldError{{Field: "messages", Message: "That message is no longer held: someone reviewed it already"}})
	} else if err != nil {
		return err
	}
	r, err := hospitalfeed.Retry(c.R.Context(), s.coord, c.Q, c.Actor(), id)
	switch {
	case errors.Is(err, joinedup.ErrConflict):
		return s.showHeld(c, http.StatusConflict, "", nil, []fieldError{{Field: "messages", Message: "That message is no longer held: someone reviewed it already"}})
	case err != nil:
		return err
	case r.Status == joinedup.MessageApplied:
		return c.Redirect("/hospital-messages?done=" + url.QueryEscape("Message "+id+" matched its patient and was applied"))
	}
	return c.Redirect("/hospital-messages?done=" + url.QueryEscape("Message "+id+" is still held: "+r.Reason))
}

// dismissHeldMessage sets a held message aside with the reviewer's note.
func (s *Server) dismissHeldMessage(c *Call) error {
	id, note := c.R.PathValue("message"), c.R.PostFormValue("note")
	err := s.coord.DismissHeldMessage(c.R.Context(), c.Actor(), id, note)
	var fe joinedup.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.showHeld(c, http.StatusUnprocessableEntity, "", map[string]string{id: note},
			[]fieldError{{Field: "note-" + id, Message: "Say why the message is set aside"}})
	case errors.Is(err, joinedup.ErrConflict):
		return s.showHeld(c, http.StatusConflict, "", nil, []fieldError{{Field: "messages", Message: "That message is no longer held: someone reviewed it already"}})
	case err != nil:
		return err
	}
	return c.Redirect("/hospital-messages?done=" + url.QueryEscape("Message "+id+" was set aside"))
}

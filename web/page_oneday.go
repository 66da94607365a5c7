package web

import (
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/letters"
	"github.com/joinedup/joinedup/store"
)

// oneDayView is the patient page's "One day at hospital" section: the
// proposals not yet accepted, and the schedules that were.
type oneDayView struct {
	Proposals []joinedup.OneDayProposal
	Schedules []scheduleView
	CanAccept bool
	Phone     string // the form's phone, as last submitted
	Key       string // the proposal the last submission accepted
	Accepted  bool   // a schedule was just accepted
}

// scheduleView is an accepted schedule with who accepted it, by name.
type scheduleView struct {
	joinedup.OneDaySchedule
	By string
}

// oneDay gathers the section for a person whose confirmed tier is Red, or
// who has schedules from when they were; nil hides it.
func oneDay(c *Call, d *patientData, appts []joinedup.Appointment) (*oneDayView, error) {
	ctx := c.R.Context()
	schedules, err := store.OneDaySchedules(ctx, c.Q, d.Patient.ID)
	if err != nil {
		return nil, err
	}
	red := d.Current != nil && d.Current.Tier == joinedup.TierRed
	if !red && len(schedules) == 0 {
		return nil, nil
	}
	v := &oneDayView{CanAccept: red && joinedup.Authorize(c.User, joinedup.ActionWritePatient, joinedup.Relationship{CareTeam: true}).Allowed}
	// An appointment already asked for a day is not proposed for it again.
	asked := map[string]bool{}
	var ids []string
	for _, s := range schedules {
		for _, r := range s.Requests {
			asked[r.AppointmentID+"|"+s.Day.Format("2006-01-02")] = true
		}
		ids = append(ids, s.RequestedBy)
	}
	if red {
		for _, p := range joinedup.ProposeOneDay(appts, c.Now, 0) {
			if !slices.ContainsFunc(p.Moves, func(m joinedup.OneDayMove) bool {
				return asked[m.Appointment.ID+"|"+p.Day.Format("2006-01-02")]
			}) {
				v.Proposals = append(v.Proposals, p)
			}
		}
	}
	slices.Sort(ids)
	names, err := store.DisplayNames(ctx, c.Q, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	for _, s := range schedules {
		by, ok := names[s.RequestedBy]
		if !ok {
			by = s.RequestedBy
		}
		v.Schedules = append(v.Schedules, scheduleView{OneDaySchedule: s, By: by})
	}
	return v, nil
}

// acceptOneDay accepts a one-day proposal from the patient page.
func (s *Server) acceptOneDay(c *Call) error {
	in := coord.OneDayAcceptance{PatientID: c.Patient.ID, Key: c.R.PostFormValue("key"), Phone: c.R.PostFormValue("phone")}
	_, err := s.coord.AcceptOneDay(c.R.Context(), c.Actor(), in)
	var fe joinedup.FieldErrors
	var errs []fieldError
	status := http.StatusUnprocessableEntity
	switch {
	case err == nil:
		return c.Redirect("/patients/" + c.Patient.ID + "?accepted=1#one-day")
	case errors.As(err, &fe) && fe["phone"] != "":
		errs = []fieldError{{Field: "phone-" + in.Key, Message: "Enter the phone number the patient rings if the day does not suit them"}}
	case errors.As(err, &fe):
		errs = []fieldError{{Field: "one-day", Message: "Appointments are put on one day only for people whose confirmed tier is Red"}}
	case errors.Is(err, joinedup.ErrConflict):
		status = http.StatusConflict
		errs = []fieldError{{Field: "one-day", Message: "The appointments have changed since the proposal was shown, or it was accepted already. Check the proposals below again"}}
	default:
		return err
	}
	d, err := s.loadPatient(c)
	if err != nil {
		return err
	}
	if d.OneDay != nil {
		d.OneDay.Phone, d.OneDay.Key = in.Phone, in.Key
	}
	return c.PageErrors(status, "patient.html", d.Patient.Name(), d, errs)
}

// oneDayLetter shows the letter of an accepted schedule, written again
// from what was stored: the letter the patient was sent.
func (s *Server) oneDayLetter(c *Call) error {
	ctx := c.R.Context()
	schedules, err := store.OneDaySchedules(ctx, c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(schedules, func(s joinedup.OneDaySchedule) bool { return s.ID == c.R.PathValue("schedule") })
	if i < 0 {
		return joinedup.NotFound("one-day schedule %s of patient %s", c.R.PathValue("schedule"), c.Patient.ID)
	}
	practice, err := store.Organisation(ctx, c.Q, c.Patient.PracticeID)
	if err != nil {
		return err
	}
	r, err := letters.Render(coord.OneDayLetter(schedules[i], c.Patient, practice), letters.FormatHTML, letters.Options{})
	if err != nil {
		return err
	}
	c.Audit.What += " (one-day appointments letter " + schedules[i].LetterID + ")"
	return c.Stream(http.StatusOK, "text/html; charset=utf-8", func(w io.Writer) error {
		_, err := w.Write(r.Content)
		return err
	})
}

// accepted notes that a schedule was just accepted, for the page's banner.
func (v *oneDayView) accepted(yes bool) {
	if v != nil {
		v.Accepted = yes
	}
}

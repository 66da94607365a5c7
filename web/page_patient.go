package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// appointmentView is an upcoming appointment with the clashes it has with
// the patient's other upcoming appointments.
type appointmentView struct {
	joinedup.Appointment
	Specialty string
	Clashes   []string
}

// encounterView is an A&E attendance or an admission on the timeline.
type encounterView struct {
	Start, End time.Time
	Kind       string
	What       string
}

// careTeamView is a current place on the care team, with who holds it in
// words.
type careTeamView struct {
	Role  string
	Who   string
	Start time.Time
}

// decisionView is a tier decision with the decider's name.
type decisionView struct {
	joinedup.TierDecision
	By string
}

// tierForm is the confirm/override form as last submitted.
type tierForm struct {
	Tier   joinedup.Tier
	Reason string
}

// patientData is the patient page.
type patientData struct {
	Patient      joinedup.Patient
	Age          int
	PracticeName string
	Assessed     bool
	Assessment   joinedup.Assessment
	Current      *joinedup.TierDecision
	Decisions    []decisionView
	History      []store.PastAssessment
	CareTeam     []careTeamView
	Tasks        []joinedup.Task
	Appointments []appointmentView
	Timeline     []encounterView
	CanDecide    bool
	Form         tierForm
	Decided      bool                 // a decision was just recorded
	Plan         *store.CarePlanEntry // the current care plan, if there is one
	OneDay       *oneDayView          // for a Red person: appointments put on one day
	// Sections are what features add to the page (see patientSections).
	Sections []*patientSection
}

// patientSection is a table a feature adds to the patient page, under its
// own heading, so a feature extends the page without editing it.
type patientSection struct {
	ID, Title string
	Empty     string // shown when there are no rows
	Head      []string
	Rows      [][]string
}

// patientSections are the sections features add to the patient page, in
// order; each may add to the request's audit detail what it showed.
var patientSections = []func(c *Call) (*patientSection, error){mdtHistorySection}

// loadPatient gathers everything the patient page shows.
func (s *Server) loadPatient(c *Call) (*patientData, error) {
	ctx := c.R.Context()
	p := c.Patient
	d := &patientData{Patient: p, Age: age(p.BirthDate, c.Now)}
	_, a, err := store.CurrentAssessment(ctx, c.Q, p.ID)
	switch {
	case err == nil:
		d.Assessed, d.Assessment = true, a
	case !errors.Is(err, joinedup.ErrNotFound):
		return nil, err
	}
	cur, ok, err := store.CurrentDecision(ctx, c.Q, p.ID)
	if err != nil {
		return nil, err
	}
	if ok {
		d.Current = &cur
	}
	decs, err := store.Decisions(ctx, c.Q, p.ID)
	if err != nil {
		return nil, err
	}
	if d.History, err = store.PastAssessments(ctx, c.Q, p.ID); err != nil {
		return nil, err
	}
	team, err := store.CurrentCareTeam(ctx, c.Q, p.ID, c.Now)
	if err != nil {
		return nil, err
	}
	// Who decided and who is on the team, by name.
	var ids []string
	for _, dec := range decs {
		ids = append(ids, dec.DecidedBy)
	}
	for _, m := range team {
		if m.UserID != "" {
			ids = append(ids, m.UserID)
		}
	}
	slices.Sort(ids)
	names, err := store.DisplayNames(ctx, c.Q, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	// The practice and the organisations on the care team, by name.
	orgIDs := []string{p.PracticeID}
	for _, m := range team {
		orgIDs = append(orgIDs, m.OrganisationID)
	}
	slices.Sort(orgIDs)
	orgName, err := store.OrganisationNames(ctx, c.Q, slices.Compact(orgIDs))
	if err != nil {
		return nil, err
	}
	d.PracticeName = orgName[p.PracticeID]
	for i := len(decs) - 1; i >= 0; i-- { // oldest first
		dec := decs[i]
		by, ok := names[dec.DecidedBy]
		if !ok {
			by = dec.DecidedBy
		}
		d.Decisions = append(d.Decisions, decisionView{TierDecision: dec, By: by})
	}
	for _, m := range team {
		who := m.Name
		if n, ok := names[m.UserID]; ok && m.UserID != "" {
			who = n
		}
		switch org := orgName[m.OrganisationID]; {
		case org != "" && who != "":
			who += " (" + org + ")"
		case org != "":
			who = org
		}
		if m.Relationship != "" {
			who += ", " + m.Relationship
		}
		d.CareTeam = append(d.CareTeam, careTeamView{Role: strings.ReplaceAll(string(m.Role), "-", " "), Who: who, Start: m.Start})
	}
	if d.Tasks, err = store.OpenTasks(ctx, c.Q, p.ID); err != nil {
		return nil, err
	}
	switch plan, err := store.CurrentCarePlan(ctx, c.Q, p.ID); {
	case err == nil:
		d.Plan = &plan
	case !errors.Is(err, joinedup.ErrNotFound):
		return nil, err
	}
	// Only the part of the record the page shows: what is booked, and the
	// last two years' A&E attendances and admissions.
	appts, err := store.UpcomingAppointments(ctx, c.Q, p.ID, c.Now)
	if err != nil {
		return nil, err
	}
	since := c.Now.AddDate(-2, 0, 0)
	encs, err := store.UnplannedEncounters(ctx, c.Q, p.ID, since)
	if err != nil {
		return nil, err
	}
	d.Appointments = upcoming(appts, c.Now)
	if d.OneDay, err = oneDay(c, d, appts); err != nil {
		return nil, err
	}
	d.OneDay.accepted(c.R.URL.Query().Get("accepted") == "1")
	d.Timeline = unplanned(encs, since)
	d.CanDecide = d.Assessed && d.Assessment.Eligible &&
		joinedup.Authorize(c.User, joinedup.ActionDecideTier, joinedup.Relationship{CareTeam: true}).Allowed
	d.Form.Tier = d.Assessment.SuggestedTier
	c.Audit.What += " (demographics, assessment and evidence, tier history, care team, care plan, tasks, appointments, one-day schedules, A&E and admissions)"
	for _, section := range patientSections {
		sec, err := section(c)
		if err != nil {
			return nil, err
		}
		if sec != nil {
			d.Sections = append(d.Sections, sec)
		}
	}
	return d, nil
}

// upcoming lists the appointments from now on, soonest first, flagging
// clashes a coordinator would streamline: two in the same week, or the same
// specialty booked twice.
func upcoming(as []joinedup.Appointment, now time.Time) []appointmentView {
	var out []appointmentView
	for _, a := range as {
		if a.Start.Before(now) || a.Status == "cancelled" || a.Status == "entered-in-error" {
			continue
		}
		out = append(out, appointmentView{Appointment: a, Specialty: a.Specialty.Text()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	for i := range out {
		yi, wi := out[i].Start.ISOWeek()
		for j := range out {
			if i == j {
				continue
			}
			if yj, wj := out[j].Start.ISOWeek(); yi == yj && wi == wj {
				out[i].Clashes = append(out[i].Clashes, fmt.Sprintf("same week as %s on %s", orUnknown(out[j].Specialty), out[j].Start.Format("2 Jan")))
			}
			if out[i].Specialty != "" && strings.EqualFold(out[i].Specialty, out[j].Specialty) {
				out[i].Clashes = append(out[i].Clashes, fmt.Sprintf("%s also booked on %s", out[j].Specialty, out[j].Start.Format("2 Jan 2006")))
			}
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "another appointment"
	}
	return s
}

// unplanned is the A&E attendances and admissions since from, newest first.
func unplanned(es []joinedup.Encounter, from time.Time) []encounterView {
	var out []encounterView
	for _, e := range es {
		if e.Start.Before(from) {
			continue
		}
		var kind string
		switch {
		case e.Class == joinedup.EncounterEmergency:
			kind = "A&E attendance"
		case e.Class == joinedup.EncounterInpatient && e.Emergency:
			kind = "Emergency admission"
		case e.Class == joinedup.EncounterInpatient:
			kind = "Planned admission"
		default:
			continue
		}
		what := e.Types.Text()
		if sp := e.Specialty.Text(); sp != "" {
			what = strings.TrimPrefix(what+", "+sp, ", ")
		}
		out = append(out, encounterView{Start: e.Start, End: e.End, Kind: kind, What: what})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out
}

func (s *Server) patientPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return joinedup.Forbidden("%s", "nothing to show at scope "+string(c.Decision.Scope))
	}
	d, err := s.loadPatient(c)
	if err != nil {
		return err
	}
	d.Decided = c.R.URL.Query().Get("decided") == "1"
	return c.Page(http.StatusOK, "patient.html", d.Patient.Name(), d)
}

// decideTier records a clinician's confirmation or override of the
// suggested tier. A missing reason for an override redisplays the page with
// an error summary, keeping what was typed; nothing is recorded.
func (s *Server) decideTier(c *Call) error {
	form := tierForm{Tier: joinedup.Tier(c.R.PostFormValue("tier")), Reason: c.R.PostFormValue("reason")}
	_, err := s.coord.DecideTier(c.R.Context(), c.Actor(), c.Patient.ID, form.Tier, form.Reason)
	var fe joinedup.FieldErrors
	var errs []fieldError
	switch {
	case err == nil:
		return c.Redirect("/patients/" + c.Patient.ID + "?decided=1#tier")
	case errors.Is(err, joinedup.ErrNotFound):
		errs = []fieldError{{Field: "tier-red", Message: "This patient has no assessment to decide on yet"}}
	case errors.As(err, &fe) && fe["tier"] != "":
		errs = []fieldError{{Field: "tier-red", Message: "Select a tier: Red, Amber or Green"}}
	case errors.As(err, &fe) && fe["reason"] != "":
		errs = []fieldError{{Field: "reason", Message: "Enter why you are choosing a different tier from the suggested one"}}
	default:
		return err
	}
	d, err := s.loadPatient(c)
	if err != nil {
		return err
	}
	d.Form = form
	return c.PageErrors(http.StatusUnprocessableEntity, "patient.html", d.Patient.Name(), d, errs)
}

package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// referralPatient finds the patient of the referral a page form names.
func referralPatient(c *Call) (string, error) {
	r, err := store.GetReferral(c.R.Context(), c.Q, c.R.PathValue("referral"))
	return r.PatientID, err
}

// referralsView is a voluntary organisation's referrals: what each shares,
// and a form to report back.
type referralsView struct {
	Open   []sharedReferralJSON
	Closed []sharedReferralJSON
	Next   map[string][]joinedup.ReferralStatus
	Saved  bool
}

// statusLabel is how the page names a status.
func statusLabel(s joinedup.ReferralStatus) string {
	return map[joinedup.ReferralStatus]string{joinedup.ReferralSent: "New", joinedup.ReferralAccepted: "Accepted",
		joinedup.ReferralDeclined: "Declined", joinedup.ReferralInProgress: "In progress", joinedup.ReferralCompleted: "Completed",
		joinedup.ReferralCancelled: "Cancelled"}[s]
}

// nextStatuses are the moves a service may make from each open status.
var nextStatuses = map[joinedup.ReferralStatus][]joinedup.ReferralStatus{
	joinedup.ReferralSent:       {joinedup.ReferralAccepted, joinedup.ReferralDeclined},
	joinedup.ReferralAccepted:   {joinedup.ReferralInProgress, joinedup.ReferralCompleted},
	joinedup.ReferralInProgress: {joinedup.ReferralInProgress, joinedup.ReferralCompleted},
}

func (s *Server) referralsPage(c *Call) error {
	rs, err := store.ReferralsToOrganisation(c.R.Context(), c.Q, c.User.OrganisationID)
	if err != nil {
		return err
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.PatientID)
	}
	shown, err := shownPatients(c, ids)
	if err != nil {
		return err
	}
	names, err := serviceNames(c)
	if err != nil {
		return err
	}
	v := referralsView{Next: map[string][]joinedup.ReferralStatus{}, Saved: c.R.URL.Query().Get("saved") != ""}
	for _, r := range rs {
		if _, ok := shown[r.PatientID]; !ok || !r.Closed.IsZero() {
			// A closed referral no longer shares the patient: only its
			// outcome is listed, without the person.
			if !r.Closed.IsZero() {
				v.Closed = append(v.Closed, toSharedReferral(joinedup.Patient{}, r, names))
			}
			continue
		}
		p, err := store.GetPatient(c.R.Context(), c.Q, r.PatientID)
		if err != nil {
			return err
		}
		v.Open = append(v.Open, toSharedReferral(p, r, names))
		v.Next[r.ID] = nextStatuses[r.Status]
	}
	if err := s.auditListed(c, shown); err != nil {
		return err
	}
	c.Audit.What += " (referrals to the organisation)"
	return c.Page(http.StatusOK, "referrals.html", "Referrals to your organisation", v)
}

func (s *Server) updateReferralPage(c *Call) error {
	if err := c.R.ParseForm(); err != nil {
		return badRequest("form: %v", err)
	}
	f := c.R.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	_, err := s.coord.UpdateReferral(c.R.Context(), c.Actor(), c.Patient.ID, c.R.PathValue("referral"),
		coord.ReferralMove{Version: version, Status: joinedup.ReferralStatus(f.Get("status")), Note: f.Get("note"), Outcome: f.Get("outcome")})
	var fe joinedup.FieldErrors
	if errors.As(err, &fe) {
		keys := make([]string, 0, len(fe))
		for k := range fe {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		msg := make([]string, 0, len(keys))
		for _, k := range keys {
			msg = append(msg, fe[k])
		}
		return joinedup.Invalid("The referral was not updated: %s", strings.Join(msg, "; "))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/referrals?saved=1")
}

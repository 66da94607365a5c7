package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/store"
)

// ---- the directory ----

// serviceJSON is a directory service as the API shows it: the Open
// Referral UK record as JoinedUp keeps it (joinedup.Service), in the API's
// key style. Lists are never null; an age limit of 0 is no limit.
type serviceJSON struct {
	ID             string                `json:"id"`
	Version        int                   `json:"version"`
	OrganisationID string                `json:"organisation_id"`
	Organisation   serviceOrgJSON        `json:"organisation"`
	Name           string                `json:"name"`
	Description    string                `json:"description,omitempty"`
	URL            string                `json:"url,omitempty"`
	Email          string                `json:"email,omitempty"`
	Status         string                `json:"status"`
	Fees           string                `json:"fees,omitempty"`
	Costs          []serviceCostJSON     `json:"costs"`
	MinimumAge     int                   `json:"minimum_age"`
	MaximumAge     int                   `json:"maximum_age"`
	Areas          []string              `json:"areas"`
	Locations      []serviceLocationJSON `json:"locations"`
	Languages      []string              `json:"languages"`
	Terms          []serviceTermJSON     `json:"terms"`
	Contacts       []serviceContactJSON  `json:"contacts"`
	Schedules      []serviceScheduleJSON `json:"schedules"`
}

// serviceOrgJSON is the organisation providing a service, as Open
// Referral UK names it; ods is its ODS code when it has one.
type serviceOrgJSON struct {
	ID          string `json:"id"`
	ODS         string `json:"ods,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Website     string `json:"website,omitempty"`
	Email       string `json:"email,omitempty"`
}

type serviceCostJSON struct {
	Option      string  `json:"option,omitempty"`
	Amount      float64 `json:"amount"`
	Description string  `json:"description,omitempty"`
}

type serviceLocationJSON struct {
	Name     string `json:"name,omitempty"`
	Address  string `json:"address,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

type serviceTermJSON struct {
	Taxonomy string `json:"taxonomy"`
	Code     string `json:"code,omitempty"`
	Name     string `json:"name"`
}

type serviceContactJSON struct {
	Name  string `json:"name,omitempty"`
	Title string `json:"title,omitempty"`
	Phone string `json:"phone,omitempty"`
}

type serviceScheduleJSON struct {
	Description string `json:"description,omitempty"`
	ByDay       string `json:"by_day,omitempty"`
	OpensAt     string `json:"opens_at,omitempty"`
	ClosesAt    string `json:"closes_at,omitempty"`
}

// nonNil is s, or an empty list when s is nil, so a list is never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toServiceJSON(s joinedup.Service) serviceJSON {
	o := s.Organisation
	out := serviceJSON{ID: s.ID, Version: s.Version, OrganisationID: s.OrganisationID,
		Organisation: serviceOrgJSON{ID: o.ID, ODS: o.ODS, Name: o.Name, Description: o.Description, Website: o.Website, Email: o.Email},
		Name:         s.Name, Description: s.Description, URL: s.URL, Email: s.Email, Status: s.Status, Fees: s.Fees,
		Costs: []serviceCostJSON{}, MinimumAge: s.MinimumAge, MaximumAge: s.MaximumAge, Areas: nonNil(s.Areas),
		Locations: []serviceLocationJSON{}, Languages: nonNil(s.Languages), Terms: []serviceTermJSON{},
		Contacts: []serviceContactJSON{}, Schedules: []serviceScheduleJSON{}}
	for _, c := range s.Costs {
		out.Costs = append(out.Costs, serviceCostJSON(c))
	}
	for _, l := range s.Locations {
		out.Locations = append(out.Locations, serviceLocationJSON(l))
	}
	for _, t := range s.Terms {
		out.Terms = append(out.Terms, serviceTermJSON(t))
	}
	for _, c := range s.Contacts {
		out.Contacts = append(out.Contacts, serviceContactJSON(c))
	}
	for _, sc := range s.Schedules {
		out.Schedules = append(out.Schedules, serviceScheduleJSON(sc))
	}
	return out
}

// serviceQuery reads a search from the query string.
func serviceQuery(c *Call) (joinedup.ServiceQuery, error) {
	v := c.R.URL.Query()
	q := joinedup.ServiceQuery{Need: v.Get("need"), Area: v.Get("area"), District: v.Get("postcode"), Language: v.Get("language"),
		Eligibility: v.Get("eligibility"), IncludeClosed: v.Get("include_closed") == "true"}
	if a := v.Get("age"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 || n > 130 {
			return q, joinedup.FieldErrors{"age": fmt.Sprintf("%q is not an age in years", a)}
		}
		q.Age = n
	}
	return q, nil
}

func (s *Server) searchServices(c *Call) error {
	q, err := serviceQuery(c)
	if err != nil {
		return err
	}
	all, err := store.Services(c.R.Context(), c.Q)
	if err != nil {
		return err
	}
	out := []serviceJSON{}
	for _, svc := range all {
		if svc.Matches(q) {
			out = append(out, toServiceJSON(svc))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(out), "services": out})
}

func (s *Server) getService(c *Call) error {
	svc, err := store.GetService(c.R.Context(), c.Q, c.R.PathValue("service"))
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.NotFound("no such service")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toServiceJSON(svc))
}

// saveServiceRequest is an administrator's add or edit: the service as an
// Open Referral UK record, checked as an import is, and the version the
// edit started from (0 to add).
type saveServiceRequest struct {
	Version int             `json:"version"`
	Service json.RawMessage `json:"service"`
}

func (s *Server) saveService(c *Call) error {
	var req saveServiceRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	doc, err := directory.Parse(bytes.NewReader(req.Service))
	var inv *directory.InvalidError
	switch {
	case errors.As(err, &inv):
		fe := joinedup.FieldErrors{}
		for _, p := range inv.Problems {
			fe["service"+p.Field] = p.Reason
		}
		return fe
	case err != nil:
		return badRequest("service: %v", err)
	case len(doc.Services) != 1:
		return badRequest("service: give exactly one Open Referral UK service record")
	}
	svc := doc.Services[0]
	id := c.R.PathValue("service")
	if c.R.Method == http.MethodPut && svc.ID != id {
		return joinedup.FieldErrors{"service/id": "must be " + id + ", the service being edited"}
	}
	if c.R.Method == http.MethodPost && req.Version != 0 {
		return joinedup.FieldErrors{"version": "must be 0 when adding a service"}
	}
	saved, cur, err := s.coord.SaveService(c.R.Context(), c.Actor(), svc, req.Version)
	if errors.Is(err, joinedup.ErrConflict) && cur.ID != "" {
		p, _ := problemOf(err)
		return c.JSON(http.StatusConflict, map[string]any{"error": errorDetailJSON{Code: "conflict", Message: p.message}, "current": toServiceJSON(cur)})
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if saved.Version == 1 {
		status = http.StatusCreated
	}
	return c.JSON(status, toServiceJSON(saved))
}

// ---- suggestions and signposting ----

func (s *Server) suggestServices(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	ctx := c.R.Context()
	var plan joinedup.CarePlan
	if e, err := store.CurrentCarePlan(ctx, c.Q, c.Patient.ID); err == nil {
		plan = e.Plan
	} else if !errors.Is(err, joinedup.ErrNotFound) {
		return err
	}
	d, _, err := store.CurrentDecision(ctx, c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	all, err := store.Services(ctx, c.Q)
	if err != nil {
		return err
	}
	type suggestion struct {
		Service serviceJSON `json:"service"`
		Score   int         `json:"score"`
		Why     []string    `json:"why"`
	}
	out := []suggestion{}
	for _, sg := range joinedup.SuggestServices(all, plan, d.Tier, c.Patient.Language, 10) {
		out = append(out, suggestion{toServiceJSON(sg.Service), sg.Score, nonNil(sg.Why)})
	}
	c.Audit.What += " (service suggestions from the care plan)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "tier": d.Tier, "suggestions": out})
}

type signpostJSON struct {
	ID          string    `json:"id"`
	ServiceID   string    `json:"service_id"`
	ServiceName string    `json:"service_name,omitempty"`
	Note        string    `json:"note"`
	GivenBy     string    `json:"given_by"`
	GivenAt     time.Time `json:"given_at"`
}

func (s *Server) listSignposts(c *Call) error {
	if err := fullScope(c); err != nil {
		return err
	}
	ps, err := store.Signposts(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	out := []signpostJSON{}
	for _, p := range ps {
		out = append(out, signpostJSON{ID: p.ID, ServiceID: p.ServiceID, Note: p.Note, GivenBy: p.GivenBy, GivenAt: p.GivenAt})
	}
	c.Audit.What += " (signposts)"
	return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "signposts": out})
}

func (s *Server) signpost(c *Call) error {
	var req struct {
		ServiceID string `json:"service_id"`
		Note      string `json:"note"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	sp, svc, err := s.coord.Signpost(c.R.Context(), c.Actor(), c.Patient.ID, req.ServiceID, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, signpostJSON{ID: sp.ID, ServiceID: svc.ID, ServiceName: svc.Name, Note: sp.Note, GivenBy: sp.GivenBy, GivenAt: sp.GivenAt})
}

// ---- referrals ----

// referralJSON is a referral to a service as the referrer sees it; Share
// is what the service sees.
type serviceReferralJSON struct {
	ID          string                  `json:"id"`
	ServiceID   string                  `json:"service_id"`
	ServiceName string                  `json:"service_name,omitempty"`
	Status      joinedup.ReferralStatus `json:"status"`
	Version     int                     `json:"version"`
	Reason      string                  `json:"reason,omitempty"`
	WhatMatters string                  `json:"what_matters,omitempty"`
	Shared      []string                `json:"shared_fields"`
	Note        string                  `json:"note,omitempty"`
	Outcome     string                  `json:"outcome,omitempty"`
	Created     time.Time               `json:"created"`
	Updated     *time.Time              `json:"updated,omitempty"`
	Closed      *time.Time              `json:"closed,omitempty"`
}

// sharedReferralJSON is a referral as the service sees it: the shared
// fields of the patient and the referral, and the loop's state. No
// identifier, diagnosis or result is ever part of it.
type sharedReferralJSON struct {
	ID          string                  `json:"id"`
	ServiceID   string                  `json:"service_id"`
	ServiceName string                  `json:"service_name,omitempty"`
	Status      joinedup.ReferralStatus `json:"status"`
	Version     int                     `json:"version"`
	Patient     joinedup.ReferralShare  `json:"patient"`
	Note        string                  `json:"note,omitempty"`
	Outcome     string                  `json:"outcome,omitempty"`
	Created     time.Time               `json:"created"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toServiceReferral(r joinedup.Referral, names map[string]string) serviceReferralJSON {
	shared := r.Shared
	if shared == nil {
		shared = []string{}
	}
	return serviceReferralJSON{ID: r.ID, ServiceID: r.ServiceID, ServiceName: names[r.ServiceID], Status: r.Status, Version: r.Version,
		Reason: r.Reason, WhatMatters: r.WhatMatters, Shared: shared, Note: r.Note, Outcome: r.Outcome, Created: r.Created,
		Updated: timePtr(r.Updated), Closed: timePtr(r.Closed)}
}

func toSharedReferral(p joinedup.Patient, r joinedup.Referral, names map[string]string) sharedReferralJSON {
	return sharedReferralJSON{ID: r.ID, ServiceID: r.ServiceID, ServiceName: names[r.ServiceID], Status: r.Status, Version: r.Version,
		Patient: joinedup.Share(p, r.Reason, r.WhatMatters, r.Shared), Note: r.Note, Outcome: r.Outcome, Created: r.Created}
}

// serviceNames maps service ids to names.
func serviceNames(c *Call) (map[string]string, error) {
	all, err := store.Services(c.R.Context(), c.Q)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(all))
	for _, s := range all {
		m[s.ID] = s.Name
	}
	return m, nil
}

// listReferrals shows the referrer every referral to a service; a link
// worker sees only the referrals to their organisation, as shared.
func (s *Server) listReferrals(c *Call) error {
	rs, err := store.ServiceReferrals(c.R.Context(), c.Q, c.Patient.ID)
	if err != nil {
		return err
	}
	names, err := serviceNames(c)
	if err != nil {
		return err
	}
	switch c.Decision.Scope {
	case joinedup.ScopeFull:
		out := []serviceReferralJSON{}
		for _, r := range rs {
			out = append(out, toServiceReferral(r, names))
		}
		c.Audit.What += " (referrals to services)"
		return c.JSON(http.StatusOK, map[string]any{"patient_id": c.Patient.ID, "referrals": out})
	case joinedup.ScopeReferralShare:
		out := []sharedReferralJSON{}
		for _, r := range rs {
			if r.OrganisationID == c.User.OrganisationID && r.Closed.IsZero() {
				out = append(out, toSharedReferral(c.Patient, r, names))
			}
		}
		c.Audit.What += " (referral share: the consented fields only)"
		return c.JSON(http.StatusOK, map[string]any{"referrals": out})
	}
	return joinedup.Forbidden("%s", "nothing to show at scope "+string(c.Decision.Scope))
}

func (s *Server) refer(c *Call) error {
	var req struct {
		ServiceID   string `json:"service_id"`
		Reason      string `json:"reason"`
		WhatMatters string `json:"what_matters"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	r, svc, err := s.coord.Refer(c.R.Context(), c.Actor(), c.Patient.ID, req.ServiceID, req.Reason, req.WhatMatters)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toServiceReferral(r, map[string]string{svc.ID: svc.Name}))
}

// referralUpdateRequest moves a referral along, from the version read.
type referralUpdateRequest struct {
	Version int    `json:"version"`
	Status  string `json:"status"`
	Note    string `json:"note"`
	Outcome string `json:"outcome"`
}

func (s *Server) updateReferral(c *Call) error {
	var req referralUpdateRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	r, err := s.coord.UpdateReferral(c.R.Context(), c.Actor(), c.Patient.ID, c.R.PathValue("referral"),
		coord.ReferralMove{Version: req.Version, Status: joinedup.ReferralStatus(req.Status), Note: req.Note, Outcome: req.Outcome})
	if err != nil {
		return err
	}
	names, err := serviceNames(c)
	if err != nil {
		return err
	}
	if c.Decision.Scope == joinedup.ScopeFull {
		return c.JSON(http.StatusOK, toServiceReferral(r, names))
	}
	return c.JSON(http.StatusOK, toSharedReferral(c.Patient, r, names))
}

// ---- the link worker's page ----

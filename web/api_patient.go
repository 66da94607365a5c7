package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// conditionJSON is a condition in the patient summary.
type conditionJSON struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
	Status  string `json:"clinical_status,omitempty"`
	Onset   string `json:"onset,omitempty"`
}

// consentJSON is a patient's consent in force.
type consentJSON struct {
	SocialCare bool      `json:"social_care"`
	Voluntary  bool      `json:"voluntary"`
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// referralJSON is what a referral shares with the organisation it went to.
type referralJSON struct {
	Reason      string    `json:"reason,omitempty"`
	WhatMatters string    `json:"what_matters_to_me,omitempty"`
	Created     time.Time `json:"created"`
}

// patientFull is the summary for a user with full access.
type patientFull struct {
	ID                  string          `json:"id"`
	NHSNumber           string          `json:"nhs_number,omitempty"`
	Name                string          `json:"name"`
	BirthDate           string          `json:"birth_date,omitempty"`
	Sex                 string          `json:"sex"`
	Phone               string          `json:"phone,omitempty"`
	Postcode            string          `json:"postcode,omitempty"`
	Language            string          `json:"language,omitempty"`
	InterpreterRequired bool            `json:"interpreter_required"`
	PracticeID          string          `json:"practice_id,omitempty"`
	Conditions          []conditionJSON `json:"conditions"`
	Consent             *consentJSON    `json:"consent"`
}

// patientReferralShare is everything a voluntary-sector link worker sees:
// the fields a consented referral shares, and nothing clinical.
type patientReferralShare struct {
	ID        string         `json:"id"`
	Name      string         `json:"name,omitempty"`
	Phone     string         `json:"phone,omitempty"`
	Referrals []referralJSON `json:"referrals"`
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// patientSummary shows one patient, shaped by the decision's scope.
func (s *Server) patientSummary(c *Call) error {
	ctx := c.R.Context()
	p := c.Patient
	switch c.Decision.Scope {
	case joinedup.ScopeReferralShare:
		refs, err := store.OpenReferrals(ctx, c.Q, p.ID, c.User.OrganisationID, c.Now)
		if err != nil {
			return err
		}
		// Only what the patient's consent to share with voluntary
		// organisations covers: the same rule the referral itself follows.
		cons, err := store.LatestConsent(ctx, c.Q, p.ID)
		if err != nil && !errors.Is(err, joinedup.ErrNotFound) {
			return err
		}
		shared := joinedup.ConsentedFields(cons.Voluntary, cons.VoluntaryFields)
		who := joinedup.Share(p, "", "", shared)
		out := patientReferralShare{ID: p.ID, Name: who.Name, Phone: who.Contact, Referrals: []referralJSON{}}
		for _, r := range refs {
			sh := joinedup.Share(p, r.Reason, r.WhatMatters, shared)
			out.Referrals = append(out.Referrals, referralJSON{Reason: sh.Reason, WhatMatters: sh.WhatMatters, Created: r.Created})
		}
		c.Audit.What += " (referral share: " + strings.Join(shared, ", ") + ")"
		return c.JSON(http.StatusOK, out)
	case joinedup.ScopeFull:
		facts, err := store.LoadFacts(ctx, c.Q, p.ID)
		if err != nil {
			return err
		}
		out := patientFull{ID: p.ID, NHSNumber: string(p.NHSNumber), Name: p.Name(), BirthDate: dateOrEmpty(p.BirthDate),
			Sex: string(p.Sex), Phone: p.Phone, Postcode: p.Postcode, Language: p.Language,
			InterpreterRequired: p.InterpreterRequired, PracticeID: p.PracticeID, Conditions: []conditionJSON{}}
		for _, cd := range facts.Conditions {
			pc := cd.Codes.Primary()
			out.Conditions = append(out.Conditions, conditionJSON{System: pc.System, Code: pc.Code, Display: cd.Codes.Text(),
				Status: cd.ClinicalStatus, Onset: dateOrEmpty(cd.Date())})
		}
		cons, err := store.LatestConsent(ctx, c.Q, p.ID)
		switch {
		case err == nil:
			out.Consent = &consentJSON{SocialCare: cons.SocialCare, Voluntary: cons.Voluntary, Note: cons.Note,
				RecordedBy: cons.RecordedBy, RecordedAt: cons.RecordedAt}
		case !errors.Is(err, joinedup.ErrNotFound):
			return err
		}
		c.Audit.What += " (demographics, conditions, consent)"
		return c.JSON(http.StatusOK, out)
	}
	// Authorize allowed a scope this handler does not know how to show:
	// show nothing rather than guess.
	return joinedup.Forbidden("%s", "nothing to show at scope "+string(c.Decision.Scope))
}

// consentRequest is the body of POST /api/patients/{id}/consent. Both
// decisions are required, so a form never records a choice by omission.
type consentRequest struct {
	SocialCare      *bool    `json:"social_care"`
	Voluntary       *bool    `json:"voluntary"`
	VoluntaryFields []string `json:"voluntary_fields"`
	Note            string   `json:"note"`
}

func (s *Server) recordConsent(c *Call) error {
	var req consentRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	cons, err := s.coord.RecordConsent(c.R.Context(), c.Actor(), coord.ConsentDecision{PatientID: c.Patient.ID,
		SocialCare: req.SocialCare, Voluntary: req.Voluntary, VoluntaryFields: req.VoluntaryFields, Note: req.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, consentJSON{SocialCare: cons.SocialCare, Voluntary: cons.Voluntary, Note: cons.Note,
		RecordedBy: cons.RecordedBy, RecordedAt: cons.RecordedAt})
}

func (s *Server) breakGlass(c *Call) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	g, err := s.coord.BreakGlass(c.R.Context(), c.Actor(), c.Patient.ID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"patient_id": g.PatientID, "expires": g.Expires, "reason": g.Reason})
}

package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// auditEntryJSON is an audit entry as the IG lead sees it.
type auditEntryJSON struct {
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	UserID         string    `json:"user_id"`
	Username       string    `json:"username"`
	Role           string    `json:"role"`
	OrganisationID string    `json:"organisation_id"`
	PatientID      string    `json:"patient_id,omitempty"`
	Action         string    `json:"action"`
	What           string    `json:"what"`
	Reason         string    `json:"reason"`
	Outcome        string    `json:"outcome"`
	BreakGlass     bool      `json:"break_glass"`
	Hash           string    `json:"hash"`
}

func auditJSON(es []joinedup.AuditEntry) []auditEntryJSON {
	out := make([]auditEntryJSON, 0, len(es))
	for _, e := range es {
		out = append(out, auditEntryJSON{Seq: e.Seq, At: e.At, UserID: e.UserID, Username: e.Username, Role: string(e.Role),
			OrganisationID: e.OrganisationID, PatientID: e.PatientID, Action: string(e.Action), What: e.What, Reason: e.Reason,
			Outcome: string(e.Outcome), BreakGlass: e.BreakGlass, Hash: e.Hash})
	}
	return out
}

// auditLog lists audit entries: ?after=SEQ&limit=N&break_glass=true.
func (s *Server) auditLog(c *Call) error {
	q := c.R.URL.Query()
	var f store.AuditFilter
	var err error
	if v := q.Get("after"); v != "" {
		if f.AfterSeq, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest("after: %v", err)
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil {
			return badRequest("limit: %v", err)
		}
	}
	if v := q.Get("break_glass"); v != "" {
		if f.BreakGlassOnly, err = strconv.ParseBool(v); err != nil {
			return badRequest("break_glass: %v", err)
		}
	}
	es, err := store.AuditEntries(c.R.Context(), c.Q, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": auditJSON(es)})
}

// auditPatient lists who accessed one patient's record, for a subject
// access request. Reading it is itself audited against that patient.
func (s *Server) auditPatient(c *Call) error {
	n, err := joinedup.ParseNHSNumber(c.R.PathValue("nhs"))
	if err != nil {
		return badRequest("%v", err)
	}
	p, err := store.PatientByNHSNumber(c.R.Context(), c.Q, n)
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.NotFound("no patient with that NHS number")
	}
	if err != nil {
		return err
	}
	c.Audit.PatientID = p.ID
	var all []joinedup.AuditEntry
	f := store.AuditFilter{PatientID: p.ID, Limit: 1000}
	for {
		es, err := store.AuditEntries(c.R.Context(), c.Q, f)
		if err != nil {
			return err
		}
		all = append(all, es...)
		if len(es) < f.Limit {
			break
		}
		f.AfterSeq = es[len(es)-1].Seq
	}
	return c.JSON(http.StatusOK, map[string]any{"patient_id": p.ID, "nhs_number": string(n), "entries": auditJSON(all)})
}

// practiceAggregates counts patients per practice, suppressing small
// numbers so no one can be singled out.
func (s *Server) practiceAggregates(c *Call) error {
	counts, err := store.PatientCountsByPractice(c.R.Context(), c.Q)
	if err != nil {
		return err
	}
	type row struct {
		ODS      string `json:"ods"`
		Name     string `json:"name"`
		Patients string `json:"patients"`
	}
	out := make([]row, 0, len(counts))
	for _, pc := range counts {
		out = append(out, row{ODS: pc.ODS, Name: pc.Name, Patients: joinedup.Suppress(pc.Patients)})
	}
	return c.JSON(http.StatusOK, map[string]any{"practices": out, "suppressed_below": joinedup.SuppressBelow})
}

// userJSON is an account as the administrator sees it (never a hash).
type userJSON struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	DisplayName    string `json:"display_name"`
	Role           string `json:"role"`
	OrganisationID string `json:"organisation_id,omitempty"`
	Email          string `json:"email,omitempty"`
	OIDCSubject    string `json:"oidc_subject,omitempty"`
	Disabled       bool   `json:"disabled"`
}

func toUserJSON(u joinedup.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		OrganisationID: u.OrganisationID, Email: u.Email, OIDCSubject: u.OIDCSubject, Disabled: u.Disabled}
}

func (s *Server) listUsers(c *Call) error {
	us, err := store.ListUsers(c.R.Context(), c.Q)
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(us))
	for _, u := range us {
		out = append(out, toUserJSON(u))
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out})
}

// createUserRequest is the body of POST /api/users. Password is optional:
// an account for OpenID Connect sign-in needs none.
type createUserRequest struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	Organisation string `json:"organisation_ods"`
	Email        string `json:"email"`
	OIDCSubject  string `json:"oidc_subject"`
	Password     string `json:"password"`
}

func (s *Server) createUser(c *Call) error {
	var req createUserRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	u, err := s.coord.CreateUser(c.R.Context(), c.Actor(), coord.NewUser{Username: req.Username, DisplayName: req.DisplayName,
		Role: joinedup.Role(req.Role), OrganisationODS: req.Organisation, Email: req.Email, OIDCSubject: req.OIDCSubject, Password: req.Password})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toUserJSON(u))
}

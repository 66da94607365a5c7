package web

import (
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// meeting reads the meeting the path names.
func meeting(c *Call) (joinedup.MDTMeeting, string, error) {
	m, next, err := store.GetMDTMeeting(c.R.Context(), c.Q, c.R.PathValue("meeting"))
	if errors.Is(err, joinedup.ErrNotFound) {
		return m, "", joinedup.NotFound("no such MDT meeting")
	}
	return m, next, err
}

// caseView is a case as the user may see it.
type caseView struct {
	store.MDTCaseRow
	// Share: the user sees only the name (a link worker's referral-share
	// scope), not the NHS number, reasons or outcome.
	Share bool
}

// meetingView is a meeting with the cases the user may see and how many
// others there are.
type meetingView struct {
	Meeting          joinedup.MDTMeeting
	OrganisationName string
	ChairName        string
	Attendees        []string
	Next             string
	Cases            []caseView
	Hidden           int
	Total            int
	Discussed        int
	NotDiscussed     int
	Aggregate        bool // counts only (LCN manager)
	CanManage        bool
	Print            []printCase
}

// shownCases decides case by case which of a meeting's cases the user may
// see (joinedup.ActionReadMDTCase; break-glass grants never list a case).
func shownCases(c *Call, rows []store.MDTCaseRow) (map[string]joinedup.Decision, error) {
	out := map[string]joinedup.Decision{}
	for _, r := range rows {
		rel, err := store.RelationshipFor(c.R.Context(), c.Q, c.User, r.Case.PatientID, c.Now)
		if err != nil {
			return nil, err
		}
		rel.BreakGlass = false
		if d := joinedup.Authorize(c.User, joinedup.ActionReadMDTCase, rel); d.Allowed {
			out[r.Case.PatientID] = d
		}
	}
	return out, nil
}

// loadMeeting gathers a meeting and the cases the user may see, auditing
// each patient shown.
func (s *Server) loadMeeting(c *Call) (*meetingView, error) {
	ctx := c.R.Context()
	m, next, err := meeting(c)
	if err != nil {
		return nil, err
	}
	v := &meetingView{Meeting: m, Next: next, Aggregate: c.Decision.Scope == joinedup.ScopeAggregate,
		CanManage: joinedup.Authorize(c.User, joinedup.ActionManageMDT, joinedup.Relationship{}).Allowed}
	if v.OrganisationName, err = orgName(c, m.OrganisationID); err != nil {
		return nil, err
	}
	v.ChairName = userName(c, m.ChairID)
	for _, a := range m.Attendees {
		if a.UserID != "" {
			v.Attendees = append(v.Attendees, userName(c, a.UserID))
		} else {
			v.Attendees = append(v.Attendees, a.Name+" ("+a.Organisation+")")
		}
	}
	rows, err := store.MDTCases(ctx, c.Q, m.ID)
	if err != nil {
		return nil, err
	}
	v.Total = len(rows)
	for _, r := range rows {
		switch r.Case.Status {
		case joinedup.MDTDiscussed:
			v.Discussed++
		case joinedup.MDTNotDiscussed:
			v.NotDiscussed++
		}
	}
	c.Audit.What += fmt.Sprintf(" (meeting %s, %d cases)", m.ID, len(rows))
	if v.Aggregate {
		return v, nil
	}
	shown, err := shownCases(c, rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		d, ok := shown[r.Case.PatientID]
		if !ok {
			v.Hidden++
			continue
		}
		cv := caseView{MDTCaseRow: r, Share: d.Scope != joinedup.ScopeFull}
		if cv.Share {
			cv.NHSNumber, cv.Case.Reasons, cv.Case.Outcome, cv.Case.Decisions, cv.Tier = "", nil, "", "", ""
		}
		v.Cases = append(v.Cases, cv)
	}
	return v, s.auditCases(c, shown)
}

// auditCases writes one audit entry per patient whose case was shown, as
// auditListed does.
func (s *Server) auditCases(c *Call, shown map[string]joinedup.Decision) error {
	return s.auditShown(c, shown, joinedup.ActionReadMDTCase)
}

func orgName(c *Call, id string) (string, error) {
	orgs, err := store.Organisations(c.R.Context(), c.Q)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if o.ID == id {
			return o.Name, nil
		}
	}
	return "", nil
}

func userName(c *Call, id string) string {
	if u, err := store.GetUser(c.R.Context(), c.Q, id); err == nil {
		return u.DisplayName
	}
	return id
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

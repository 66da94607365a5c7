package web

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/mdt"
	"github.com/joinedup/joinedup/store"
)

// fixtureMDTTitle names the meeting the full fixture holds: at PRACA, with
// R added to its case list by hand.
const fixtureMDTTitle = "Fixture MDT"

// addMDTFixture gives the full fixture a meeting of PRACA chaired by the GP
// with R on its case list.
func addMDTFixture(t *testing.T, f *fixture) {
	t.Helper()
	now := f.clock.Now()
	m, err := store.CreateMDTMeeting(ctx, f.db, joinedup.MDTMeeting{OrganisationID: f.orgs["PRACA"], Title: fixtureMDTTitle,
		Start: now.Add(24 * time.Hour), ChairID: f.users[joinedup.RoleGP].ID, RepeatWeeks: 4, CreatedBy: f.users[joinedup.RoleGP].ID, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddMDTRequest(ctx, f.db, store.MDTRequest{PatientID: f.R.ID, Kind: store.MDTRequestAdded, MeetingID: m.ID,
		Reason: "carer unwell", RequestedBy: f.users[joinedup.RoleGP].ID, RequestedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := mdt.BuildCaseList(ctx, f.db, mdt.DefaultConfig(), m); err != nil {
		t.Fatal(err)
	}
}

func init() { fixtureHooks = append(fixtureHooks, addMDTFixture) }

// fixtureMeeting is the id of the full fixture's meeting.
func (f *fixture) fixtureMeeting() string {
	rows, err := store.MDTMeetings(ctx, f.db, time.Time{}, f.clock.Now().AddDate(1, 0, 0))
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		if r.Meeting.Title == fixtureMDTTitle {
			return r.Meeting.ID
		}
	}
	panic("no fixture MDT meeting")
}

// caseVersion is the current version of R's case at the fixture meeting.
func (f *fixture) caseVersion() int {
	k, err := store.GetMDTCase(ctx, f.db, f.fixtureMeeting(), f.R.ID)
	if err != nil {
		panic(err)
	}
	return k.Version
}

func meetingPath(prefix, suffix string) func(*fixture, bool) string {
	return func(f *fixture, _ bool) string { return prefix + "/mdt/meetings/" + f.fixtureMeeting() + suffix }
}

func meetingPatientPath(prefix, suffix string) func(*fixture, bool) string {
	return func(f *fixture, with bool) string {
		p := f.U
		if with {
			p = f.R
		}
		return prefix + "/mdt/meetings/" + f.fixtureMeeting() + "/patients/" + p.ID + suffix
	}
}

func init() {
	carers := []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator, joinedup.RoleLeadSpecialist, joinedup.RoleCommunitySocialCare}
	readers := append(append([]joinedup.Role(nil), carers...), joinedup.RoleVoluntaryLinkWorker, joinedup.RoleLCNManager)
	// The case itself: the GP through the meeting of their practice, the
	// coordinator and social care through the care team; the specialist
	// and link worker only have referrals, which do not open an MDT case.
	caseRoles := []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator, joinedup.RoleCommunitySocialCare}
	page := func(c cell, roles ...joinedup.Role) map[joinedup.Role]cell { return only(c, roles...) }
	rows := map[string]matrixRow{
		"GET /api/mdt/meetings": {path: fixed("/api/mdt/meetings"), anon: 401, def: forbidden, want: only(cell{200, 200}, readers...)},
		"POST /api/mdt/meetings": {path: fixed("/api/mdt/meetings"), anon: 401, def: forbidden, want: only(cell{201, 201}, carers...),
			body: func(f *fixture) string {
				return fmt.Sprintf(`{"organisation_ods":"PRACA","title":"PRACA MDT","starts_at":%q,"chair_username":"user-gp","repeat_weeks":4,
					"attendees":[{"username":"user-care-coordinator"},{"name":"Jo Guest","organisation":"Age UK Lambeth"}]}`,
					f.clock.Now().AddDate(0, 0, 7).Format(time.RFC3339))
			}},
		"GET /api/mdt/meetings/{meeting}": {path: meetingPath("/api", ""), anon: 401, def: forbidden, want: only(cell{200, 200}, readers...)},
		"POST /api/mdt/meetings/{meeting}/case-list": {path: meetingPath("/api", "/case-list"), anon: 401, def: forbidden,
			want: only(cell{200, 200}, carers...)},
		"POST /api/mdt/meetings/{meeting}/next": {path: func(f *fixture, _ bool) string {
			// A fresh recurring meeting each time: the next one is made once.
			m, err := store.CreateMDTMeeting(ctx, f.db, joinedup.MDTMeeting{OrganisationID: f.orgs["PRACB"], Title: "Series",
				Start: f.clock.Now(), ChairID: f.users[joinedup.RoleGP].ID, RepeatWeeks: 4, CreatedBy: "t", CreatedAt: f.clock.Now()})
			if err != nil {
				panic(err)
			}
			return "/api/mdt/meetings/" + m.ID + "/next"
		}, anon: 401, def: forbidden, want: only(cell{201, 201}, carers...)},
		"POST /api/mdt/meetings/{meeting}/patients/{id}": {path: meetingPatientPath("/api", ""), anon: 401, def: forbidden,
			want: only(cell{201, 403}, carers...), body: func(*fixture) string { return `{"reason":"worried about falls"}` }},
		"POST /api/mdt/meetings/{meeting}/patients/{id}/outcome": {path: meetingPatientPath("/api", "/outcome"), anon: 401, def: forbidden,
			want: only(cell{200, 403}, caseRoles...),
			body: func(f *fixture) string { return fmt.Sprintf(`{"version":%d,"discussed":false}`, f.caseVersion()) }},
		"POST /api/patients/{id}/mdt-requests": {path: patientPath("/mdt-requests", false), anon: 401, def: forbidden,
			want: only(cell{201, 403}, joinedup.RoleCareCoordinator, joinedup.RoleCommunitySocialCare),
			body: func(*fixture) string { return `{"reason":"two falls this month"}` }},
		"GET /api/patients/{id}/mdt":  {path: patientPath("/mdt", false), anon: 401, def: forbidden, want: only(cell{200, 403}, carers...)},
		"GET /mdt":                    {path: fixed("/mdt"), anon: 303, def: forbidden, want: page(cell{200, 200}, readers...)},
		"GET /mdt/meetings/{meeting}": {path: meetingPath("", ""), anon: 303, def: forbidden, want: page(cell{200, 200}, readers...)},
		"POST /mdt/meetings/{meeting}/case-list": {path: meetingPath("", "/case-list"), anon: 303, def: forbidden,
			want: page(cell{303, 303}, carers...)},
		"GET /mdt/meetings/{meeting}/print":   {path: meetingPath("", "/print"), anon: 303, def: forbidden, want: page(cell{200, 200}, readers...)},
		"GET /mdt/meetings/{meeting}/summary": {path: meetingPath("", "/summary"), anon: 303, def: forbidden, want: page(cell{200, 200}, readers...)},
		"GET /mdt/meetings/{meeting}/patients/{id}": {path: meetingPatientPath("", ""), anon: 303, def: forbidden,
			want: page(cell{200, 403}, caseRoles...)},
		"POST /mdt/meetings/{meeting}/patients/{id}": {path: meetingPatientPath("", ""), anon: 303, def: forbidden,
			want: page(cell{303, 403}, caseRoles...),
			body: func(f *fixture) string {
				return url.Values{"version": {fmt.Sprint(f.caseVersion())}, "discussed": {"no"}}.Encode()
			}},
	}
	for k, v := range rows {
		accessMatrix[k] = v
	}
}

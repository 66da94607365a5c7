package mdt_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/mdt"
	"github.com/joinedup/joinedup/policy"
)

var (
	meeting  = time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC) // a Monday
	previous = meeting.AddDate(0, 0, -28)
	days     = func(n int) time.Time { return meeting.AddDate(0, 0, n) }
)

// summary writes a list as "id:kind,kind id:kind" for comparison.
func summary(cs []mdt.Case) string {
	var parts []string
	for _, c := range cs {
		var kinds []string
		for _, r := range c.Reasons {
			kinds = append(kinds, string(r.Kind))
		}
		parts = append(parts, c.PatientID+":"+strings.Join(kinds, ","))
	}
	return strings.Join(parts, " ")
}

func TestSelect(t *testing.T) {
	red, amber, green := joinedup.TierRed, joinedup.TierAmber, joinedup.TierGreen
	ae := func(d int) []mdt.Unplanned { return []mdt.Unplanned{{Start: days(d), What: "A&E attendance"}} }
	req := []mdt.Request{{By: "Dr Jones", Reason: "carer breakdown", At: days(-3)}}
	monthly := mdt.DefaultConfig()
	monthly.Discuss[red] = policy.MDTFrequency{Every: policy.Window{Months: 1}}
	tests := []struct {
		name     string
		cfg      mdt.Config
		previous time.Time
		cands    []mdt.Candidate
		want     string
	}{
		{"red every meeting, even if discussed last time", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "r", Tier: red, LastDiscussed: previous}}, "r:tier-due"},
		{"red monthly: discussed 4 weeks ago is due within the grace week", monthly, previous,
			[]mdt.Candidate{{PatientID: "r", Tier: red, LastDiscussed: previous}}, "r:tier-due"},
		{"red monthly: discussed a week ago is not due", monthly, previous,
			[]mdt.Candidate{{PatientID: "r", Tier: red, LastDiscussed: days(-7)}}, ""},
		{"amber never discussed is due", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber}}, "a:tier-due"},
		{"amber discussed 4 weeks ago drops off", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber, LastDiscussed: previous}}, ""},
		{"amber discussed 3 months ago is due", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber, LastDiscussed: meeting.AddDate(0, -3, 0)}}, "a:tier-due"},
		{"amber due in 5 days counts (grace)", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber, LastDiscussed: meeting.AddDate(0, -3, 5)}}, "a:tier-due"},
		{"amber due in 10 days waits", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber, LastDiscussed: meeting.AddDate(0, -3, 10)}}, ""},
		{"green is not routinely discussed", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green}}, ""},
		{"no tier is not routinely discussed", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "n"}}, ""},
		{"A&E since the last meeting", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green, Unplanned: ae(-10)}}, "g:unplanned-care"},
		{"A&E before the last meeting does not count", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green, Unplanned: ae(-30)}}, ""},
		{"A&E on the meeting day after it starts does not count", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green, Unplanned: []mdt.Unplanned{{Start: meeting.Add(time.Hour), What: "A&E attendance"}}}}, ""},
		{"first meeting looks back 28 days", mdt.DefaultConfig(), time.Time{},
			[]mdt.Candidate{{PatientID: "g", Tier: green, Unplanned: ae(-27)}, {PatientID: "h", Tier: green, Unplanned: ae(-29)}}, "g:unplanned-care"},
		{"unplanned care without a confirmed tier is not listed", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "n", Unplanned: ae(-3)}}, ""},
		{"requested by a care-team member", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green, Requests: req}}, "g:requested"},
		{"added by hand, even without a tier", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "n", Added: req}}, "n:added"},
		{"not discussed last time rolls over", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "g", Tier: green, NotDiscussedAt: previous}}, "g:rolled-over"},
		{"rolled over and still due keeps both reasons", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "a", Tier: amber, NotDiscussedAt: previous}}, "a:rolled-over,tier-due"},
		{"one entry per patient with every reason", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "r", Tier: red, Unplanned: ae(-2), Requests: req},
				{PatientID: "r", Tier: red, Added: req, NotDiscussedAt: previous},
				{PatientID: "r", Tier: red, Requests: req}},
			"r:rolled-over,unplanned-care,requested,tier-due,added"},
		{"order: most pressing reason, then tier, then id", mdt.DefaultConfig(), previous,
			[]mdt.Candidate{{PatientID: "b", Tier: amber}, {PatientID: "a", Tier: red}, {PatientID: "c", Tier: green, Unplanned: ae(-1)},
				{PatientID: "d", Tier: green, NotDiscussedAt: previous}, {PatientID: "e", Tier: green, Requests: req}},
			"d:rolled-over c:unplanned-care e:requested a:tier-due b:tier-due"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(mdt.Select(tt.cfg, meeting, tt.previous, tt.cands)); got != tt.want {
				t.Errorf("Select = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSelectReasonsInWords: each reason says why in words a meeting reads.
func TestSelectReasonsInWords(t *testing.T) {
	cs := mdt.Select(mdt.DefaultConfig(), meeting, previous, []mdt.Candidate{{PatientID: "a", Tier: joinedup.TierAmber,
		LastDiscussed: meeting.AddDate(0, -4, 0), NotDiscussedAt: previous,
		Unplanned: []mdt.Unplanned{{Start: days(-5), What: "emergency admission"}, {Start: days(-9), What: "A&E attendance"}},
		Requests:  []mdt.Request{{By: "Sam Coordinator", Reason: "falls at home", At: days(-2)}}}})
	got := fmt.Sprint(cs[0].Reasons)
	for _, want := range []string{"Not discussed at the meeting of 5 May 2025: rolled over",
		"A&E attendance on 24 May 2025; emergency admission on 28 May 2025 since the last meeting",
		"Requested by Sam Coordinator on 31 May 2025: falls at home", "Amber: last discussed 2 Feb 2025 (every 3 months)"} {
		if !strings.Contains(got, want) {
			t.Errorf("reasons %s lack %q", got, want)
		}
	}
}

// TestConfigFrom: the policy's mdt section configures selection; without
// one the defaults apply.
func TestConfigFrom(t *testing.T) {
	if got := mdt.ConfigFrom(nil); !got.Discuss[joinedup.TierRed].EveryMeeting || got.Discuss[joinedup.TierAmber].String() != "3m" {
		t.Fatalf("default config %+v", got)
	}
	p := &policy.Policy{MDT: &policy.MDT{Discuss: map[joinedup.Tier]policy.MDTFrequency{joinedup.TierAmber: {Every: policy.Window{Months: 6}}}}}
	got := mdt.ConfigFrom(p)
	if _, ok := got.Discuss[joinedup.TierRed]; ok || got.Discuss[joinedup.TierAmber].String() != "6m" || got.FirstLookback.String() != "28d" {
		t.Fatalf("config from policy %+v", got)
	}
}

// TestMeetingNext: the schedule makes the next meeting on the same weekday
// and time; a one-off meeting has none.
func TestMeetingNext(t *testing.T) {
	m := joinedup.MDTMeeting{ID: "m1", OrganisationID: "o", Title: "LOC1 MDT", Start: meeting, ChairID: "u", RepeatWeeks: 4,
		Attendees: []joinedup.MDTAttendee{{Name: "Jo Guest", Organisation: "Age UK"}}}
	n, err := m.Next()
	if err != nil || !n.Start.Equal(time.Date(2025, 6, 30, 13, 0, 0, 0, time.UTC)) || n.Start.Weekday() != time.Monday || n.ID != "" || len(n.Attendees) != 1 {
		t.Fatalf("Next = %+v, %v", n, err)
	}
	m.RepeatWeeks = 0
	if _, err := m.Next(); err == nil {
		t.Fatal("a one-off meeting has a next one")
	}
}

func TestMeetingAndOutcomeValidate(t *testing.T) {
	ok := joinedup.MDTMeeting{OrganisationID: "o", Title: "MDT", Start: meeting, ChairID: "u", RepeatWeeks: 4}
	bad := ok
	bad.RepeatWeeks, bad.Title, bad.Attendees = 60, " ", []joinedup.MDTAttendee{{Name: "Jo"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	fe, _ := bad.Validate().(joinedup.FieldErrors)
	for _, f := range []string{"repeat_weeks", "title", "attendees[0].organisation"} {
		if fe[f] == "" {
			t.Errorf("meeting: no error for %s in %v", f, fe)
		}
	}
	tests := []struct {
		name  string
		o     joinedup.MDTOutcome
		field string
	}{
		{"discussed needs an outcome", joinedup.MDTOutcome{Discussed: true}, "outcome"},
		{"not discussed agrees nothing", joinedup.MDTOutcome{Actions: []joinedup.MDTAction{{Description: "x", AssigneeOrg: "o", Due: meeting}}}, "actions"},
		{"action needs an owner", joinedup.MDTOutcome{Discussed: true, Outcome: "x", Actions: []joinedup.MDTAction{{Description: "x", Due: meeting}}}, "actions[0].owner"},
		{"action due in the past", joinedup.MDTOutcome{Discussed: true, Outcome: "x", Actions: []joinedup.MDTAction{{Description: "x", AssigneeUser: "u", Due: days(-1)}}}, "actions[0].due"},
		{"fine", joinedup.MDTOutcome{Discussed: true, Outcome: "x", Actions: []joinedup.MDTAction{{Description: "x", AssigneeUser: "u", Due: meeting}}}, ""},
		{"not discussed, nothing else", joinedup.MDTOutcome{}, ""},
	}
	for _, tt := range tests {
		err := tt.o.Validate(meeting)
		fe, _ := err.(joinedup.FieldErrors)
		if (tt.field == "" && err != nil) || (tt.field != "" && fe[tt.field] == "") {
			t.Errorf("%s: Validate = %v, want an error for %q", tt.name, err, tt.field)
		}
	}
}

// TestSelectMergesBeforeJudging: a patient known twice (a roll-over from
// the last meeting and their tier state) is judged on everything known, so
// a recent discussion is not forgotten by the other entry.
func TestSelectMergesBeforeJudging(t *testing.T) {
	got := summary(mdt.Select(mdt.DefaultConfig(), meeting, previous, []mdt.Candidate{
		{PatientID: "a", Tier: joinedup.TierAmber, NotDiscussedAt: previous},
		{PatientID: "a", Tier: joinedup.TierAmber, LastDiscussed: days(-60)}}))
	if got != "a:rolled-over" {
		t.Fatalf("Select = %q, want a:rolled-over only (discussed 60 days ago, Amber not yet due)", got)
	}
}

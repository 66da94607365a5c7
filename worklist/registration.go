package worklist

import (
	"fmt"
	"slices"
	"time"

	"github.com/joinedup/joinedup"
)

// Task kinds the registration rules raise.
const (
	// KindRegisteredElsewhere tells a practice the patient left that they
	// are registered elsewhere and its work has been handed over. The
	// practice can no longer open the record, so the notice closes itself
	// NoticeDays after it is raised.
	KindRegisteredElsewhere = "registered-elsewhere"
	// KindRegistrationHandover asks the practice the patient joined to take
	// on the work handed over: name a professional, review the care plan.
	KindRegistrationHandover = "registration-handover"
	// KindDeregistered asks the care coordinator to find out where a
	// patient no longer registered with any practice is registered now.
	KindDeregistered = "deregistered"
)

// NoticeDays is how long a notice to a practice the patient left stays on
// its worklist.
const NoticeDays = 14

// Holding is the work a practice other than the patient's own holds for
// them: open tasks held by its team or its people, and current care-team
// places held by it or its people.
type Holding struct {
	PracticeID   string
	PracticeName string
	Tasks        []string
	Places       []string
}

// registration applies the rules for a change of registered practice:
//
//   - Registered with a new practice: the tasks and care-team places a
//     practice the patient left holds go to the new practice's team (the
//     tasks move, the places end, so the old practice's staff lose access
//     they had through them); the new practice gets a task to take the care
//     on, the old one a notice that it has been handed over.
//   - Registered nowhere (deregistered): nothing moves, since there is no
//     one to move it to, and the care coordinator (else the practice left)
//     gets a task to find out where the patient is registered now.
//
// The places it ends are dropped from s.CareTeam so the other rules no
// longer name the people in them.
func (s *State) registration(today time.Time, out *Outcome) {
	out.Close = append(out.Close, Closure{Kind: KindRegisteredElsewhere, Reason: "notice period over", DueBefore: today})
	if s.PracticeID != "" {
		out.Close = append(out.Close, Closure{Kind: KindDeregistered, Reason: "registered with a practice again"})
	}
	for _, h := range s.Elsewhere {
		held := fmt.Sprintf("%d open %s and %d care-team %s", len(h.Tasks), plural(len(h.Tasks), "task"),
			len(h.Places), plural(len(h.Places), "place"))
		if s.PracticeID == "" {
			t := joinedup.Task{PatientID: s.PatientID, Kind: KindDeregistered,
				Title:  "Find out where the patient is registered now",
				Reason: fmt.Sprintf("No longer registered with %s, which still holds %s", h.PracticeName, held),
				Due:    today.AddDate(0, 0, 7), Priority: 1, Source: "event",
				DedupeKey: KindDeregistered + ":" + h.PracticeID}
			s.assign(&t, joinedup.CareCoordinator)
			if t.AssigneeOrg == "" && t.AssigneeUser == "" {
				t.AssigneeOrg = h.PracticeID
			}
			out.Raise = append(out.Raise, t)
			continue
		}
		out.Handover = append(out.Handover, h)
		out.Raise = append(out.Raise,
			joinedup.Task{PatientID: s.PatientID, Kind: KindRegistrationHandover,
				Title: "Take on the care of a patient registered from " + h.PracticeName,
				Reason: fmt.Sprintf("Registered here by %s: %s at %s handed to this practice; name a professional and review the care plan",
					date(today), held, h.PracticeName),
				Due: today.AddDate(0, 0, NoticeDays), Priority: s.priority(), Source: "event", AssigneeOrg: s.PracticeID,
				DedupeKey: KindRegistrationHandover + ":" + h.PracticeID + ":" + date(today)},
			joinedup.Task{PatientID: s.PatientID, Kind: KindRegisteredElsewhere,
				Title:  "Registered with another practice",
				Reason: fmt.Sprintf("Registered with another practice by %s: %s handed to it", date(today), held),
				Due:    today.AddDate(0, 0, NoticeDays), Priority: 3, Source: "event", AssigneeOrg: h.PracticeID,
				DedupeKey: KindRegisteredElsewhere + ":" + h.PracticeID + ":" + date(today)})
		s.CareTeam = slices.DeleteFunc(s.CareTeam, func(m joinedup.CareTeamMember) bool { return slices.Contains(h.Places, m.ID) })
	}
}

// priority is the priority of work for the patient: 1 in Red, else 2.
func (s *State) priority() int {
	if s.Tier == joinedup.TierRed {
		return 1
	}
	return 2
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

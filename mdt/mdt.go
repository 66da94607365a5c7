// Package mdt builds the case lists of multi-disciplinary team meetings:
// who is discussed, and why. Selection is a pure function of the patients'
// state (tier, when last discussed, unplanned care, requests, the previous
// meeting), so it is tested without a database; storage gathers the state
// and stores the list.
package mdt

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
)

// Config is how often each tier is discussed, and how far back unplanned
// care counts at a series' first meeting.
type Config struct {
	// Discuss is the routine frequency per tier; a tier missing from it
	// is not discussed routinely.
	Discuss map[joinedup.Tier]policy.MDTFrequency
	// FirstLookback is how far back an A&E attendance or emergency
	// admission puts a patient on the list when the organisation has held
	// no meeting before; otherwise the previous meeting is the limit.
	FirstLookback policy.Window
}

// DefaultConfig is the configuration when the policy has no mdt section:
// Red at every meeting, Amber every 3 months, Green not routinely; unplanned
// care in the 4 weeks before a first meeting.
func DefaultConfig() Config {
	return Config{
		Discuss: map[joinedup.Tier]policy.MDTFrequency{
			joinedup.TierRed:   {EveryMeeting: true},
			joinedup.TierAmber: {Every: policy.Window{Months: 3}},
			joinedup.TierGreen: {},
		},
		FirstLookback: policy.Window{Days: 28},
	}
}

// ConfigFrom is the policy's mdt section, or DefaultConfig when it has none
// (p may be nil: no policy stored).
func ConfigFrom(p *policy.Policy) Config {
	if p == nil || p.MDT == nil {
		return DefaultConfig()
	}
	cfg := Config{Discuss: map[joinedup.Tier]policy.MDTFrequency{}, FirstLookback: p.MDT.FirstLookback}
	for t, f := range p.MDT.Discuss {
		cfg.Discuss[t] = f
	}
	if cfg.FirstLookback.IsZero() {
		cfg.FirstLookback = DefaultConfig().FirstLookback
	}
	return cfg
}

// DueGrace is how early a tier's discussion counts as due: a patient due
// within a week after the meeting is discussed at it, so a 4-weekly series
// does not skip someone to be seen monthly by three days.
const DueGrace = 7 * 24 * time.Hour

// Unplanned is an A&E attendance or an emergency admission.
type Unplanned struct {
	Start time.Time
	What  string // "A&E attendance" or "emergency admission"
}

// Request is a request to discuss the patient, or a hand addition to the
// list, with who made it and why.
type Request struct {
	By     string // the person's name
	Reason string
	At     time.Time
}

// Candidate is what selection knows of one patient.
type Candidate struct {
	PatientID string
	Tier      joinedup.Tier // the confirmed tier; "" when none is confirmed
	// LastDiscussed is when the patient was last discussed at any MDT
	// meeting before this one; zero when never.
	LastDiscussed time.Time
	// Unplanned is the patient's A&E attendances and emergency
	// admissions (selection keeps those since the previous meeting).
	Unplanned []Unplanned
	// Requests are care-team requests not yet answered by a discussion.
	Requests []Request
	// Added are hand additions to this meeting's list.
	Added []Request
	// NotDiscussedAt is the start of the previous meeting when the patient
	// was on its list and not discussed there; zero otherwise.
	NotDiscussedAt time.Time
}

// Case is a patient on the list with every reason they are on it.
type Case struct {
	PatientID string
	Tier      joinedup.Tier
	Reasons   []joinedup.MDTReason
}

// Select builds the case list of a meeting starting at start, whose
// organisation's previous meeting started at previous (zero for a first
// meeting). A patient is on the list when their tier's interval since they
// were last discussed has passed (or the tier is discussed at every
// meeting), after an A&E attendance or emergency admission since the
// previous meeting (patients with a confirmed tier), on request, by hand, or
// because they were not discussed at the previous meeting. Each patient is
// listed once with all their reasons; the list is ordered by the most
// pressing reason (roll-over, unplanned care, request, tier, hand), then by
// tier, then by patient id.
func Select(cfg Config, start, previous time.Time, cands []Candidate) []Case {
	since := previous
	if since.IsZero() {
		since = cfg.FirstLookback.Since(start)
	}
	byID := map[string]*Case{}
	var order []string
	add := func(c Candidate, r joinedup.MDTReason) {
		k := byID[c.PatientID]
		if k == nil {
			k = &Case{PatientID: c.PatientID}
			byID[c.PatientID] = k
			order = append(order, c.PatientID)
		}
		if k.Tier == "" {
			k.Tier = c.Tier
		}
		if !slices.Contains(k.Reasons, r) {
			k.Reasons = append(k.Reasons, r)
		}
	}
	for _, c := range merge(cands) {
		if !c.NotDiscussedAt.IsZero() {
			add(c, joinedup.MDTReason{Kind: joinedup.MDTRolledOver,
				Detail: "Not discussed at the meeting of " + date(c.NotDiscussedAt) + ": rolled over"})
		}
		if c.Tier != "" {
			var seen []string
			for _, u := range c.Unplanned {
				if !u.Start.Before(since) && u.Start.Before(start) {
					seen = append(seen, u.What+" on "+date(u.Start))
				}
			}
			if len(seen) > 0 {
				slices.Sort(seen)
				add(c, joinedup.MDTReason{Kind: joinedup.MDTUnplannedCare, Detail: capitalise(strings.Join(seen, "; ")) + " since the last meeting"})
			}
		}
		for _, r := range c.Requests {
			add(c, joinedup.MDTReason{Kind: joinedup.MDTRequested, Detail: fmt.Sprintf("Requested by %s on %s: %s", r.By, date(r.At), r.Reason)})
		}
		if why, due := tierDue(cfg, c, start); due {
			add(c, joinedup.MDTReason{Kind: joinedup.MDTTierDue, Detail: why})
		}
		for _, r := range c.Added {
			add(c, joinedup.MDTReason{Kind: joinedup.MDTAdded, Detail: fmt.Sprintf("Added by %s: %s", r.By, r.Reason)})
		}
	}
	out := make([]Case, 0, len(order))
	for _, id := range order {
		k := byID[id]
		slices.SortStableFunc(k.Reasons, func(a, b joinedup.MDTReason) int { return cmp.Compare(rank(a.Kind), rank(b.Kind)) })
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b Case) int {
		return cmp.Or(cmp.Compare(rank(a.Reasons[0].Kind), rank(b.Reasons[0].Kind)), cmp.Compare(b.Tier.Rank(), a.Tier.Rank()),
			cmp.Compare(a.PatientID, b.PatientID))
	})
	return out
}

// merge combines what is known of each patient into one candidate, so a
// patient known from several sources is judged once, on all of it.
func merge(cands []Candidate) []Candidate {
	byID := map[string]int{}
	var out []Candidate
	for _, c := range cands {
		i, ok := byID[c.PatientID]
		if !ok {
			byID[c.PatientID] = len(out)
			out = append(out, c)
			continue
		}
		m := &out[i]
		m.Tier = cmp.Or(m.Tier, c.Tier)
		if c.LastDiscussed.After(m.LastDiscussed) {
			m.LastDiscussed = c.LastDiscussed
		}
		if c.NotDiscussedAt.After(m.NotDiscussedAt) {
			m.NotDiscussedAt = c.NotDiscussedAt
		}
		m.Unplanned = append(slices.Clip(m.Unplanned), c.Unplanned...)
		m.Requests = append(slices.Clip(m.Requests), c.Requests...)
		m.Added = append(slices.Clip(m.Added), c.Added...)
	}
	return out
}

// tierDue reports whether the patient's tier is due discussion at a
// meeting starting at start, and why in words.
func tierDue(cfg Config, c Candidate, start time.Time) (string, bool) {
	if c.Tier == "" {
		return "", false
	}
	f, ok := cfg.Discuss[c.Tier]
	switch {
	case !ok || (!f.EveryMeeting && f.Every.IsZero()):
		return "", false
	case f.EveryMeeting:
		return c.Tier.String() + ": discussed at every meeting", true
	case c.LastDiscussed.IsZero():
		return fmt.Sprintf("%s: never discussed (every %s)", c.Tier, f.Every.Words()), true
	}
	due := c.LastDiscussed.AddDate(f.Every.Years, f.Every.Months, f.Every.Days)
	if due.After(start.Add(DueGrace)) {
		return "", false
	}
	return fmt.Sprintf("%s: last discussed %s (every %s)", c.Tier, date(c.LastDiscussed), f.Every.Words()), true
}

func rank(k joinedup.MDTReasonKind) int { return slices.Index(joinedup.MDTReasonKinds(), k) }

func date(t time.Time) string { return t.Format("2 Jan 2006") }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

package stratify

import (
	"slices"

	"github.com/joinedup/joinedup/store"
)

// Agreement tallies how often clinicians confirmed or overrode the
// suggestions: the evidence an LCN needs to tune its policy.
type Agreement struct {
	Total   Tally
	ByGroup map[string]*Tally   // practice name, or rule name
	Reasons map[string][]string // override reasons per group
}

// Tally counts decisions.
type Tally struct {
	Confirmed  int
	Overridden int
	Up, Down   int // overrides to a higher or lower tier than suggested
}

// Rate is the share of decisions that confirmed the suggestion.
func (t Tally) Rate() float64 {
	n := t.Confirmed + t.Overridden
	if n == 0 {
		return 0
	}
	return float64(t.Confirmed) / float64(n)
}

func (t *Tally) add(d store.DecisionOutcome) {
	if !d.Overridden {
		t.Confirmed++
		return
	}
	t.Overridden++
	if d.Tier.Rank() > d.Suggested.Rank() {
		t.Up++
	} else {
		t.Down++
	}
}

// AgreementByPractice groups decisions by the patient's practice, named by
// name(practiceID).
func AgreementByPractice(ds []store.DecisionOutcome, name func(practiceID string) string) Agreement {
	return agreement(ds, func(d store.DecisionOutcome) []string { return []string{name(d.PracticeID)} })
}

// AgreementByRule groups decisions by the tier rule that chose the
// suggestion (the rule fired that carries a tier).
func AgreementByRule(ds []store.DecisionOutcome) Agreement {
	return agreement(ds, func(d store.DecisionOutcome) []string {
		var out []string
		for _, r := range d.RulesFired {
			if r.Tier != "" {
				out = append(out, r.Name)
			}
		}
		if len(out) == 0 {
			out = []string{"(no tier rule recorded)"}
		}
		return out
	})
}

func agreement(ds []store.DecisionOutcome, key func(store.DecisionOutcome) []string) Agreement {
	a := Agreement{ByGroup: map[string]*Tally{}, Reasons: map[string][]string{}}
	for _, d := range ds {
		a.Total.add(d)
		for _, k := range key(d) {
			t := a.ByGroup[k]
			if t == nil {
				t = &Tally{}
				a.ByGroup[k] = t
			}
			t.add(d)
			if d.Overridden && d.Reason != "" {
				a.Reasons[k] = append(a.Reasons[k], d.Reason)
			}
		}
	}
	return a
}

// Groups returns the group names, most overridden first.
func (a Agreement) Groups() []string {
	var ks []string
	for k := range a.ByGroup {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(x, y string) int {
		if d := a.ByGroup[y].Overridden - a.ByGroup[x].Overridden; d != 0 {
			return d
		}
		if x < y {
			return -1
		}
		return 1
	})
	return ks
}

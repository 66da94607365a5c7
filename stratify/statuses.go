package stratify

import (
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
)

// usable is f with only the records the policy counts, by their status
// (policy.RecordStatuses), so every rule sees the same record; and the
// diagnoses left out only for want of confirmation, to be shown. f itself
// comes back, unchanged and uncopied, when every record counts: the common
// case, at a population's scale.
func usable(s policy.RecordStatuses, f *joinedup.Facts) (*joinedup.Facts, []*joinedup.Condition) {
	var unconfirmed []*joinedup.Condition
	dropC := false
	for i := range f.Conditions {
		if ok, unsure := s.ConditionCounts(&f.Conditions[i]); !ok {
			dropC = true
			if unsure {
				unconfirmed = append(unconfirmed, &f.Conditions[i])
			}
		}
	}
	dropO := anyLeftOut(f.Observations, s.ObservationCounts)
	dropM := anyLeftOut(f.Medications, s.MedicationCounts)
	dropE := anyLeftOut(f.Encounters, s.EncounterCounts)
	if !dropC && !dropO && !dropM && !dropE {
		return f, nil
	}
	g := *f
	if dropC {
		g.Conditions = keep(f.Conditions, func(c *joinedup.Condition) bool { ok, _ := s.ConditionCounts(c); return ok })
	}
	if dropO {
		g.Observations = keep(f.Observations, s.ObservationCounts)
	}
	if dropM {
		g.Medications = keep(f.Medications, s.MedicationCounts)
	}
	if dropE {
		g.Encounters = keep(f.Encounters, s.EncounterCounts)
	}
	return &g, unconfirmed
}

func anyLeftOut[T any](xs []T, counts func(*T) bool) bool {
	for i := range xs {
		if !counts(&xs[i]) {
			return true
		}
	}
	return false
}

func keep[T any](xs []T, counts func(*T) bool) []T {
	out := make([]T, 0, len(xs))
	for i := range xs {
		if counts(&xs[i]) {
			out = append(out, xs[i])
		}
	}
	return out
}

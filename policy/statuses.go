package policy

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/joinedup/joinedup"
)

// RecordStatuses says which records count, by the status their source
// gave them, as a careful clinician reads a record. Every rule of the
// policy (LTCs, risk factors, measures, frailty, service use, data gaps)
// sees the same records.
type RecordStatuses struct {
	// ConditionsCounted are the verification statuses of a condition that
	// count; "unknown" stands for a condition whose source gave none (a GP
	// problem list records what it is sure of). A condition entered in
	// error or refuted never counts. A condition left out as unconfirmed,
	// provisional or differential is shown among the data gaps, so it can
	// be confirmed.
	ConditionsCounted []string
	// ObservationsLeftOut, MedicationsLeftOut and EncountersLeftOut are the
	// statuses of records that never count.
	ObservationsLeftOut []string
	MedicationsLeftOut  []string
	EncountersLeftOut   []string
}

// DefaultRecordStatuses is what a policy without a record_statuses section
// uses: confirmed (and unstated) diagnoses count; nothing entered in error
// or cancelled counts; nor does a prescription never issued (draft), nor an
// encounter that has not happened (planned).
func DefaultRecordStatuses() RecordStatuses {
	return RecordStatuses{
		ConditionsCounted:   []string{"confirmed", "unknown"},
		ObservationsLeftOut: []string{"entered-in-error", "cancelled"},
		MedicationsLeftOut:  []string{"entered-in-error", "cancelled", "draft"},
		EncountersLeftOut:   []string{"entered-in-error", "cancelled", "planned"},
	}
}

// The statuses FHIR R4 defines for each kind of record JoinedUp reads.
var (
	conditionVerification = []string{"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error", "unknown"}
	observationStatus     = []string{"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
	medicationStatus      = []string{"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown",
		"intended", "not-taken"} // the last two: MedicationStatement's
	encounterStatus = []string{"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"}
)

// ConditionCounts reports whether the condition counts; unconfirmed is set
// for one left out only for want of confirmation.
func (s RecordStatuses) ConditionCounts(c *joinedup.Condition) (counts, unconfirmed bool) {
	v := c.VerificationStatus
	if v == "" {
		v = "unknown"
	}
	switch v {
	case "entered-in-error", "refuted":
		return false, false
	}
	if slices.Contains(s.ConditionsCounted, v) {
		return true, false
	}
	return false, true
}

// ObservationCounts reports whether the observation counts.
func (s RecordStatuses) ObservationCounts(o *joinedup.Observation) bool {
	return !slices.Contains(s.ObservationsLeftOut, o.Status)
}

// MedicationCounts reports whether the prescription or statement counts.
func (s RecordStatuses) MedicationCounts(m *joinedup.Medication) bool {
	return !slices.Contains(s.MedicationsLeftOut, m.Status)
}

// EncounterCounts reports whether the encounter counts.
func (s RecordStatuses) EncounterCounts(e *joinedup.Encounter) bool {
	return !slices.Contains(s.EncountersLeftOut, e.Status)
}

// recordStatuses reads the record_statuses section.
func (b *builder) recordStatuses(root *yaml.Node) {
	b.p.Statuses = DefaultRecordStatuses()
	n := get(root, "record_statuses")
	if n == nil {
		return
	}
	const rule = "record_statuses"
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, rule, "record_statuses must be a mapping of conditions_counted, observations_left_out, medications_left_out and encounters_left_out")
		return
	}
	keys := []string{"conditions_counted", "observations_left_out", "medications_left_out", "encounters_left_out"}
	b.checkKeys(n, rule, keys)
	read := func(key string, known []string, into *[]string) {
		if get(n, key) == nil {
			return
		}
		vals := b.strs(n, rule, key)
		for _, v := range vals {
			if !slices.Contains(known, v) {
				b.errf(get(n, key).Line, rule, "%s: unknown status %q, want one of %s", key, v, strings.Join(known, ", "))
			}
		}
		*into = vals
	}
	s := &b.p.Statuses
	read("conditions_counted", conditionVerification, &s.ConditionsCounted)
	for _, v := range s.ConditionsCounted {
		if v == "refuted" || v == "entered-in-error" {
			b.errf(get(n, "conditions_counted").Line, rule, "conditions_counted: a %s condition never counts", v)
		}
	}
	read("observations_left_out", observationStatus, &s.ObservationsLeftOut)
	read("medications_left_out", medicationStatus, &s.MedicationsLeftOut)
	read("encounters_left_out", encounterStatus, &s.EncountersLeftOut)
	for key, must := range map[string][]string{"observations_left_out": s.ObservationsLeftOut, "medications_left_out": s.MedicationsLeftOut,
		"encounters_left_out": s.EncountersLeftOut} {
		if get(n, key) != nil && !slices.Contains(must, "entered-in-error") {
			b.errf(get(n, key).Line, rule, "%s: a record entered in error is never counted, so the list must hold entered-in-error", key)
		}
	}
}

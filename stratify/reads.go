package stratify

import (
	"time"

	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
)

// Reads returns the facts Assess can use when it evaluates p at asOf: the
// conditions and observations coded in one of the policy's code lists, the
// medications in the longest window a rule reads them over, and the
// encounters and appointments of the service-use features. Assessing the
// facts a load projected this way gives exactly the assessment a full load
// gives; loading only them skips most of the rows a population run would
// otherwise read and decode.
//
// It must change with Assess: a rule that reads a new kind of fact, or an
// existing kind over a longer window, is added here too (TestReadsProjection
// compares projected and full loads).
func Reads(p *policy.Policy, asOf time.Time) store.FactsProjection {
	out := store.FactsProjection{NoCarers: true}

	// Conditions and observations are only ever read through a code list
	// (LTCs, measures, frailty, risk-factor criteria, data gaps).
	out.Codes = []string{}
	for _, l := range p.CodeLists {
		for _, c := range l.Codes {
			out.Codes = append(out.Codes, c.Code)
		}
	}

	// Medications are read by risk-factor criteria only, each over its
	// window; one with no window reads them all.
	var since time.Time
	bounded := true
	for ri := range p.RiskFactors {
		for ci := range p.RiskFactors[ri].Criteria {
			c := &p.RiskFactors[ri].Criteria[ci]
			reads := c.Kind == policy.CurrentMedicinesCount ||
				((c.Kind == policy.Presence || c.Kind == policy.Count) && c.In&policy.InMedications != 0)
			if !reads {
				continue
			}
			s := c.Within.Since(asOf)
			if s.IsZero() {
				bounded = false
			} else if since.IsZero() || s.Before(since) {
				since = s
			}
		}
	}
	if bounded {
		// With no rule reading medications, none are needed; a bound at
		// the as-of date leaves out all but the newest few.
		out.MedicationsSince = since
		if since.IsZero() {
			out.MedicationsSince = asOf
		}
	}

	// Encounters and appointments feed the service-use features: twelve
	// months, and an A&E attendance just before an admission at the start
	// of them.
	out.EncountersSince = months12.Since(asOf).Add(-admissionAfterAE)
	out.AppointmentsSince = months12.Since(asOf)
	return out
}

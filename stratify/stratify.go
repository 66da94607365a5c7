// Package stratify evaluates a policy against one patient's facts at an
// as-of date and returns the assessment: the LTCs and risk factors found,
// each with the facts that show it, the features the tier rules read, the
// suggested tier and the rule that chose it, and the data gaps.
//
// Assess is pure: the same policy, facts and date give the same assessment,
// whatever the wall clock says and whatever order the facts arrive in. It
// looks back from the as-of date only, so a re-run for a past date sees what
// was known then (as far as the facts are dated). It is built to run over a
// whole population: code look-ups were prepared when the policy was loaded,
// and per-fact work is a map look-up and a few comparisons.
package stratify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
)

// Windows the built-in features use; their names carry them.
var (
	months12 = policy.Window{Months: 12}
	months6  = policy.Window{Months: 6}
)

// admissionAfterAE is how soon after an A&E attendance an inpatient stay
// starts for it to count as an emergency admission when the source does not
// flag it: admission from A&E is the usual route of an emergency admission.
const admissionAfterAE = 24 * time.Hour

// reading is one observation value in its measure's unit.
type reading struct {
	date      time.Time
	value     float64
	obs       int // index into Facts.Observations
	converted bool
}

// Assess evaluates p for the patient in f as of asOf. Facts dated after asOf
// are ignored. A tier is suggested for everyone, in or out of the cohort, so
// that "what if" runs and drift can compare tiers; Eligible says whether the
// person meets the cohort rule.
func Assess(p *policy.Policy, f *joinedup.Facts, asOf time.Time) joinedup.Assessment {
	f, unconfirmed := usable(p.Statuses, f)
	// The as-of date is a calendar day in London: a fact recorded at any
	// time that day counts, and the windows end with it.
	day := asOf
	asOf = joinedup.DayEnd(asOf)
	a := joinedup.Assessment{
		PatientID:     f.Patient.ID,
		PolicyVersion: p.Hash(),
		AsOf:          day,
		Features:      make(map[string]float64, 16),
	}
	if f.Patient.DiedBy(day) {
		// From the day of death a person is in no cohort, has no data
		// gaps and is suggested nothing to act on.
		a.SuggestedTier = p.Default.Tier
		a.RulesFired = []joinedup.RuleFired{{Name: "deceased", Tier: p.Default.Tier,
			Rationale: "Died on " + f.Patient.Deceased.Format("2 January 2006") + ": no longer assessed for the cohort."}}
		return a
	}
	var buf [16]int32
	readings := make([][]reading, len(p.Measures))

	// Conditions: LTCs, and frailty coded as a problem.
	var ltcEv [][]joinedup.Evidence
	fr := frailtyState{since: p.Frailty.Within.Since(asOf)}
	for i := range f.Conditions {
		c := &f.Conditions[i]
		d := c.Date()
		if d.After(asOf) {
			continue
		}
		ids := p.ListsOf(buf[:0], c.Codes)
		if len(ids) == 0 {
			continue
		}
		active := activeAt(c, asOf)
		for li := range p.LTCs {
			l := &p.LTCs[li]
			if (active || !l.RequireActive) && l.Lists.Any(ids) {
				if ltcEv == nil {
					ltcEv = make([][]joinedup.Evidence, len(p.LTCs))
				}
				ltcEv[li] = append(ltcEv[li], conditionEvidence(p, l.Lists, c))
			}
		}
		if active {
			fr.see(p, ids, d, asOf)
		}
	}
	for li := range ltcEv {
		if len(ltcEv[li]) > 0 {
			a.LTCs = append(a.LTCs, joinedup.Finding{ID: p.LTCs[li].ID, Name: p.LTCs[li].Name, Evidence: sortEvidence(ltcEv[li])})
		}
	}

	// Observations: measures, and frailty coded as a finding.
	for i := range f.Observations {
		o := &f.Observations[i]
		if o.Effective.After(asOf) {
			continue
		}
		ids := p.ListsOf(buf[:0], o.Codes)
		if len(ids) == 0 {
			continue
		}
		fr.see(p, ids, o.Effective, asOf)
		if o.Value == nil {
			continue
		}
		for mi := range p.Measures {
			m := &p.Measures[mi]
			if !m.Lists.Any(ids) {
				continue
			}
			if v, conv, ok := m.Normalise(*o.Value); ok {
				readings[mi] = append(readings[mi], reading{date: o.Effective, value: v, obs: i, converted: conv})
			}
		}
	}
	for mi := range readings {
		rs := readings[mi]
		slices.SortFunc(rs, func(x, y reading) int {
			if c := y.date.Compare(x.date); c != 0 {
				return c
			}
			return cmp.Compare(f.Observations[x.obs].ID, f.Observations[y.obs].ID)
		})
		if len(rs) > 0 {
			a.Features[p.Measures[mi].ID+"_latest"] = rs[0].value
		}
	}

	// Risk factors.
	for ri := range p.RiskFactors {
		rf := &p.RiskFactors[ri]
		var ev []joinedup.Evidence
		for ci := range rf.Criteria {
			if e := evalCriterion(p, &rf.Criteria[ci], f, readings, asOf); len(e) > 0 {
				ev = append(ev, e...)
			}
		}
		if len(ev) > 0 {
			a.RiskFactors = append(a.RiskFactors, joinedup.Finding{ID: rf.ID, Name: rf.Name, Evidence: ev})
		}
	}

	// Features the tier rules read.
	age := f.Patient.AgeAt(asOf)
	a.Features["age"] = float64(age)
	a.Features["ltc_count"] = float64(len(a.LTCs))
	a.Features["risk_factor_count"] = float64(len(a.RiskFactors))
	a.Features["frailty_level"] = float64(fr.level)
	serviceFeatures(a.Features, f, asOf)

	// Cohort and tier.
	c := p.Cohort
	a.Eligible = len(a.LTCs) >= c.MinLTCs && len(a.RiskFactors) >= c.MinRiskFactors && age >= c.MinAge
	if a.Eligible {
		a.RulesFired = append(a.RulesFired, joinedup.RuleFired{Name: "cohort", Rationale: c.Rationale})
	}
	env := make(map[string]any, len(a.Features)+len(p.Measures)+1)
	for _, name := range p.FeatureNames() {
		env[name] = a.Features[name] // a measure never recorded reads as 0
	}
	env[policy.FeatureFrailty] = frailtyNames[fr.level]
	a.SuggestedTier = p.Default.Tier
	fired := joinedup.RuleFired{Name: "default", Rationale: p.Default.Rationale, Tier: p.Default.Tier}
	for ti := range p.TierRules {
		r := &p.TierRules[ti]
		// The rules were type-checked against these features at load, so
		// a run-time error cannot come from the data; treat it as no match.
		if ok, err := r.Match(env); err == nil && ok {
			a.SuggestedTier = r.Tier
			fired = joinedup.RuleFired{Name: r.Name, Rationale: r.Rationale, Tier: r.Tier}
			break
		}
	}
	a.RulesFired = append(a.RulesFired, fired)

	a.DataGaps = dataGaps(p, f, &a, readings, asOf)
	a.DataGaps = append(a.DataGaps, unconfirmedGaps(p, unconfirmed, asOf)...)
	return a
}

// unconfirmedGaps shows each diagnosis of an LTC left out only because it
// is not yet confirmed (unconfirmed, provisional, differential): the
// policy does not count it, and a clinician may want to confirm it.
func unconfirmedGaps(p *policy.Policy, cs []*joinedup.Condition, asOf time.Time) []joinedup.DataGap {
	var out []joinedup.DataGap
	var buf [16]int32
	for _, c := range cs {
		if c.Date().After(asOf) {
			continue
		}
		ids := p.ListsOf(buf[:0], c.Codes)
		for li := range p.LTCs {
			l := &p.LTCs[li]
			if l.Lists.Any(ids) {
				out = append(out, joinedup.DataGap{Rule: "unconfirmed-diagnosis",
					Description: fmt.Sprintf("%s recorded as %s (%s), not counted until confirmed", l.Name, c.VerificationStatus, c.Codes.Primary().Display),
					LastSeen:    c.Date(), Because: l.ID})
				break
			}
		}
	}
	return out
}

// activeAt reports whether a condition counted as active at asOf. A
// condition that abated after asOf was still active then, whatever its
// status says today; one that abated on or before asOf was not.
func activeAt(c *joinedup.Condition, asOf time.Time) bool {
	if !c.Abated.IsZero() {
		return c.Abated.After(asOf)
	}
	return c.Active()
}

var frailtyNames = [...]string{"none", "mild", "moderate", "severe"}

// frailtyState keeps the latest coded frailty level.
type frailtyState struct {
	level int
	date  time.Time
	since time.Time // start of the policy's frailty window
}

func (s *frailtyState) see(p *policy.Policy, ids []int32, d, asOf time.Time) {
	fp := &p.Frailty
	lvl := 0
	switch {
	case fp.Severe.Any(ids):
		lvl = 3
	case fp.Moderate.Any(ids):
		lvl = 2
	case fp.Mild.Any(ids):
		lvl = 1
	}
	if lvl == 0 || !inWindow(d, s.since, asOf) {
		return
	}
	// The latest coding wins: frailty can improve. On the same day, the
	// higher level wins.
	if s.level == 0 || d.After(s.date) || (d.Equal(s.date) && lvl > s.level) {
		s.level, s.date = lvl, d
	}
}

// inWindow reports whether t is in [since, asOf]; a zero since means no
// lower bound. The bound is computed once per rule, not once per fact,
// because calendar arithmetic dominates the cost otherwise.
func inWindow(t, since, asOf time.Time) bool {
	return !t.After(asOf) && (since.IsZero() || !t.Before(since))
}

func evalCriterion(p *policy.Policy, c *policy.Criterion, f *joinedup.Facts, readings [][]reading, asOf time.Time) []joinedup.Evidence {
	since := c.Within.Since(asOf)
	switch c.Kind {
	case policy.LatestValue:
		rs := readings[c.Measure]
		if len(rs) == 0 || !inWindow(rs[0].date, since, asOf) || !c.Comparator.Compare(rs[0].value, c.Threshold) {
			return nil
		}
		m := &p.Measures[c.Measure]
		e := observationEvidence(p, m.Lists, &f.Observations[rs[0].obs])
		e.Note = fmt.Sprintf("latest %s %s %s %s", m.Name, trimFloat(rs[0].value)+" "+m.Unit, c.Comparator, trimFloat(c.Threshold))
		return []joinedup.Evidence{e}

	case policy.RangeLastN:
		rs := readings[c.Measure]
		n := 0
		for n < len(rs) && n < c.N && inWindow(rs[n].date, since, asOf) {
			n++
		}
		if n < c.N {
			return nil
		}
		lo, hi := rs[0].value, rs[0].value
		for _, r := range rs[:n] {
			lo, hi = min(lo, r.value), max(hi, r.value)
		}
		// Round away float noise from unit conversion before comparing.
		rng := float64(int64((hi-lo)*10+0.5)) / 10
		if !c.Comparator.Compare(rng, c.Threshold) {
			return nil
		}
		m := &p.Measures[c.Measure]
		out := make([]joinedup.Evidence, n)
		for i, r := range rs[:n] {
			out[i] = observationEvidence(p, m.Lists, &f.Observations[r.obs])
			out[i].Note = fmt.Sprintf("range %s %s across the last %d readings", trimFloat(rng), m.Unit, n)
		}
		return out

	case policy.Presence, policy.Count:
		var out []joinedup.Evidence
		if c.In&policy.InConditions != 0 {
			for i := range f.Conditions {
				x := &f.Conditions[i]
				if d := x.Date(); !d.After(asOf) && activeAt(x, asOf) && inWindow(d, since, asOf) && p.In(c.Lists, x.Codes) {
					out = append(out, conditionEvidence(p, c.Lists, x))
				}
			}
		}
		if c.In&policy.InObservations != 0 {
			for i := range f.Observations {
				x := &f.Observations[i]
				if inWindow(x.Effective, since, asOf) && p.In(c.Lists, x.Codes) {
					out = append(out, observationEvidence(p, c.Lists, x))
				}
			}
		}
		if c.In&policy.InMedications != 0 {
			for i := range f.Medications {
				x := &f.Medications[i]
				if inWindow(x.Authored, since, asOf) && p.In(c.Lists, x.Codes) {
					out = append(out, medicationEvidence(p, c.Lists, x))
				}
			}
		}
		if c.Kind == policy.Presence {
			return sortEvidence(out)
		}
		if !c.Comparator.Compare(float64(len(out)), c.Threshold) {
			return nil
		}
		out = sortEvidence(out)
		for i := range out {
			out[i].Note = fmt.Sprintf("%d in %s", len(out), c.Within.Words())
		}
		return out

	case policy.CurrentMedicinesCount:
		// Distinct medicines by their first code; a repeat issued twice is
		// one medicine.
		var seen []joinedup.Evidence
		for i := range f.Medications {
			x := &f.Medications[i]
			if !currentMedicine(x) || !inWindow(x.Authored, since, asOf) || len(x.Codes) == 0 {
				continue
			}
			pc := x.Codes.Primary()
			j := slices.IndexFunc(seen, func(e joinedup.Evidence) bool { return e.Code == pc.Code && e.CodeSystem == pc.System })
			e := medicationEvidence(p, nil, x)
			switch {
			case j < 0:
				seen = append(seen, e)
			case x.Authored.After(seen[j].Date):
				seen[j] = e
			}
		}
		if !c.Comparator.Compare(float64(len(seen)), c.Threshold) {
			return nil
		}
		seen = sortEvidence(seen)
		for i := range seen {
			seen[i].Note = fmt.Sprintf("%d current medicines", len(seen))
		}
		return seen

	case policy.CodedValue:
		var latest *joinedup.Observation
		for i := range f.Observations {
			x := &f.Observations[i]
			if !inWindow(x.Effective, since, asOf) || !p.In(c.Lists, x.Codes) {
				continue
			}
			if latest == nil || x.Effective.After(latest.Effective) || (x.Effective.Equal(latest.Effective) && x.ID < latest.ID) {
				latest = x
			}
		}
		if latest == nil {
			return nil
		}
		e := observationEvidence(p, c.Lists, latest)
		switch {
		case latest.ValueCode != nil && p.InCoding(c.Values, *latest.ValueCode):
			e.Note = "value: " + cmp.Or(latest.ValueCode.Display, latest.ValueCode.Code)
		case p.In(c.Values, latest.Codes):
			e.Note = "latest coded status"
		default:
			return nil
		}
		return []joinedup.Evidence{e}
	}
	return nil
}

// currentMedicine reports whether a medication was in use as far as its
// status tells; the status is as of today, the only one sources send.
func currentMedicine(m *joinedup.Medication) bool {
	switch m.Status {
	case "stopped", "cancelled", "completed", "entered-in-error", "on-hold", "not-taken":
		return false
	}
	return true
}

// serviceFeatures counts unplanned care, specialist care and all contacts.
func serviceFeatures(feat map[string]float64, f *joinedup.Facts, asOf time.Time) {
	var ae, adm, last6, prev6 int
	var specialties []joinedup.Coding
	since6, since12 := months6.Since(asOf), months12.Since(asOf)
	addSpecialty := func(cs joinedup.Codings) {
		if len(cs) == 0 {
			return
		}
		c := cs.Primary()
		if !slices.ContainsFunc(specialties, func(s joinedup.Coding) bool { return s.Code == c.Code && s.System == c.System }) {
			specialties = append(specialties, joinedup.Coding{System: c.System, Code: c.Code})
		}
	}
	for i := range f.Encounters {
		e := &f.Encounters[i]
		if !inWindow(e.Start, since12, asOf) {
			continue
		}
		if e.Start.Before(since6) {
			prev6++
		} else {
			last6++
		}
		switch e.Class {
		case joinedup.EncounterEmergency:
			ae++
		case joinedup.EncounterInpatient:
			if e.Emergency || afterAE(f.Encounters, e.Start) {
				adm++
			}
		case joinedup.EncounterAmbulatory, joinedup.EncounterVirtual:
			addSpecialty(e.Specialty)
		}
	}
	for i := range f.Appointments {
		ap := &f.Appointments[i]
		if inWindow(ap.Start, since12, asOf) && (ap.Status == "fulfilled" || ap.Status == "arrived" || ap.Status == "checked-in") {
			addSpecialty(ap.Specialty)
		}
	}
	feat[joinedup.FeatureAEAttendances12m] = float64(ae)
	feat["emergency_admissions_12m"] = float64(adm)
	feat["outpatient_specialties_12m"] = float64(len(specialties))
	feat["service_use_last_6m"] = float64(last6)
	feat["service_use_prev_6m"] = float64(prev6)
	feat["service_use_trend"] = float64(last6 - prev6)
}

// afterAE reports whether an A&E attendance started within
// admissionAfterAE before t.
func afterAE(es []joinedup.Encounter, t time.Time) bool {
	for i := range es {
		e := &es[i]
		if e.Class == joinedup.EncounterEmergency && !e.Start.After(t) && t.Sub(e.Start) <= admissionAfterAE {
			return true
		}
	}
	return false
}

func dataGaps(p *policy.Policy, f *joinedup.Facts, a *joinedup.Assessment, readings [][]reading, asOf time.Time) []joinedup.DataGap {
	var out []joinedup.DataGap
	for gi := range p.DataGaps {
		g := &p.DataGaps[gi]
		if g.WhenLTC != "" && !a.HasLTC(g.WhenLTC) {
			continue
		}
		var last time.Time
		if g.Measure >= 0 {
			if rs := readings[g.Measure]; len(rs) > 0 {
				last = rs[0].date
			}
		} else {
			for i := range f.Observations {
				o := &f.Observations[i]
				if !o.Effective.After(asOf) && o.Effective.After(last) && p.In(g.Lists, o.Codes) {
					last = o.Effective
				}
			}
			for i := range f.Conditions {
				c := &f.Conditions[i]
				if d := c.Date(); !d.After(asOf) && d.After(last) && p.In(g.Lists, c.Codes) {
					last = d
				}
			}
		}
		never := last.IsZero()
		if !never && (g.Within.IsZero() || g.Within.Contains(last, asOf)) {
			continue
		}
		out = append(out, joinedup.DataGap{Rule: g.Name, Description: g.Describe(p, never), LastSeen: last, Because: g.WhenLTC})
	}
	return out
}

func conditionEvidence(p *policy.Policy, s policy.ListSet, c *joinedup.Condition) joinedup.Evidence {
	code := matched(p, s, c.Codes)
	e := joinedup.Evidence{Kind: joinedup.FactCondition, FactID: c.ID, SourceSystem: c.Source.System, SourceID: c.Source.ID,
		CodeSystem: code.System, Code: code.Code, Display: code.Display, Date: c.Date()}
	if c.ClinicalStatus != "" {
		e.Note = c.ClinicalStatus
	}
	return e
}

func observationEvidence(p *policy.Policy, s policy.ListSet, o *joinedup.Observation) joinedup.Evidence {
	code := matched(p, s, o.Codes)
	e := joinedup.Evidence{Kind: joinedup.FactObservation, FactID: o.ID, SourceSystem: o.Source.System, SourceID: o.Source.ID,
		CodeSystem: code.System, Code: code.Code, Display: code.Display, Date: o.Effective}
	if o.Value != nil {
		v := o.Value.Value
		e.Value, e.Unit = &v, o.Value.Unit
	}
	return e
}

func medicationEvidence(p *policy.Policy, s policy.ListSet, m *joinedup.Medication) joinedup.Evidence {
	code := matched(p, s, m.Codes)
	return joinedup.Evidence{Kind: joinedup.FactMedication, FactID: m.ID, SourceSystem: m.Source.System, SourceID: m.Source.ID,
		CodeSystem: code.System, Code: code.Code, Display: code.Display, Date: m.Authored}
}

// matched returns the coding that matched the lists, else the first.
func matched(p *policy.Policy, s policy.ListSet, cs joinedup.Codings) joinedup.Coding {
	if s != nil {
		if c, ok := p.Match(s, cs); ok {
			return c
		}
	}
	return cs.Primary()
}

// sortEvidence puts the newest first, then by fact id, so the order does not
// depend on the order the facts arrived in.
func sortEvidence(es []joinedup.Evidence) []joinedup.Evidence {
	slices.SortFunc(es, func(x, y joinedup.Evidence) int {
		if c := y.Date.Compare(x.Date); c != 0 {
			return c
		}
		return strings.Compare(x.FactID, y.FactID)
	})
	return es
}

// trimFloat writes a value without trailing zeros: 58.5, 30, 7.25.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Diff returns the drift between an earlier and a later assessment of the
// same patient; see joinedup.Drift.
func Diff(old, cur joinedup.Assessment) []joinedup.DriftEvent {
	return joinedup.Drift(old, cur)
}

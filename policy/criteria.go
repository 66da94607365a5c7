package policy

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

func (b *builder) measure(n *yaml.Node) {
	if !b.mappingItem(n, "measure") {
		return
	}
	id, rule := b.id(n, "measure", func(s string) bool { return b.measureIndex(s) >= 0 })
	b.checkKeys(n, rule, []string{"id", "name", "codes", "unit", "same_as", "convert"})
	m := Measure{ID: id, Name: b.str(n, rule, "name", true), Lists: b.codes(n, rule, "codes", true), Unit: b.str(n, rule, "unit", true), Same: b.strs(n, rule, "same_as")}
	if strings.ContainsRune(id, '-') {
		b.errf(get(n, "id").Line, rule, "a measure id names a feature (%s_latest), so it cannot contain -", id)
	}
	for _, c := range b.seq(n, rule, "convert") {
		if !b.mappingItem(c, "conversion") {
			continue
		}
		b.checkKeys(c, rule, []string{"from", "scale", "offset"})
		conv := Conversion{From: b.str(c, rule, "from", true), Scale: 1}
		if f, ok := b.num(c, rule, "scale", true); ok {
			conv.Scale = f
		}
		conv.Offset, _ = b.num(c, rule, "offset", false)
		m.Convert = append(m.Convert, conv)
	}
	b.p.Measures = append(b.p.Measures, m)
}

func (b *builder) measureIndex(id string) int {
	return slices.IndexFunc(b.p.Measures, func(m Measure) bool { return m.ID == id })
}

func (b *builder) ltc(n *yaml.Node) {
	if !b.mappingItem(n, "LTC") {
		return
	}
	id, rule := b.id(n, "LTC", func(s string) bool {
		return slices.ContainsFunc(b.p.LTCs, func(l LTC) bool { return l.ID == s })
	})
	b.checkKeys(n, rule, []string{"id", "name", "codes", "require_active"})
	b.p.LTCs = append(b.p.LTCs, LTC{
		ID: id, Name: b.str(n, rule, "name", true), Lists: b.codes(n, rule, "codes", true),
		RequireActive: b.boolean(n, rule, "require_active"), Line: n.Line,
	})
}

var criterionKeys = map[Kind][]string{
	LatestValue:           {"kind", "measure", "within", "comparator", "threshold"},
	RangeLastN:            {"kind", "measure", "n", "within", "comparator", "threshold"},
	Presence:              {"kind", "codes", "within", "in"},
	Count:                 {"kind", "codes", "within", "in", "comparator", "threshold"},
	CurrentMedicinesCount: {"kind", "within", "comparator", "threshold"},
	CodedValue:            {"kind", "codes", "values", "within"},
}

func (b *builder) riskFactor(n *yaml.Node) {
	if !b.mappingItem(n, "risk factor") {
		return
	}
	id, rule := b.id(n, "risk factor", func(s string) bool {
		return slices.ContainsFunc(b.p.RiskFactors, func(r RiskFactor) bool { return r.ID == s })
	})
	b.checkKeys(n, rule, []string{"id", "name", "description", "any"})
	rf := RiskFactor{ID: id, Name: b.str(n, rule, "name", true), Line: n.Line}
	items := b.seq(n, rule, "any")
	if len(items) == 0 {
		b.errf(n.Line, rule, "any is required: a list of criteria, any of which finds the risk factor")
	}
	for _, c := range items {
		if !b.mappingItem(c, "criterion") {
			continue
		}
		rf.Criteria = append(rf.Criteria, b.criterion(c, rule))
	}
	b.p.RiskFactors = append(b.p.RiskFactors, rf)
}

func (b *builder) criterion(n *yaml.Node, rule string) Criterion {
	c := Criterion{Kind: Kind(b.str(n, rule, "kind", true)), Measure: -1, Line: n.Line}
	keys, ok := criterionKeys[c.Kind]
	if !ok {
		if c.Kind != "" {
			b.errf(get(n, "kind").Line, rule, "unknown kind %q, want one of latest_value, range_last_n, presence, count, current_medicines_count, coded_value", c.Kind)
		}
		return c
	}
	b.checkKeys(n, rule, keys)
	if slices.Contains(keys, "measure") {
		name := b.str(n, rule, "measure", true)
		if name != "" {
			if c.Measure = b.measureIndex(name); c.Measure < 0 {
				b.errf(get(n, "measure").Line, rule, "unknown measure %q", name)
			}
		}
	}
	if slices.Contains(keys, "codes") {
		c.Lists = b.codes(n, rule, "codes", true)
	}
	if c.Kind == CodedValue {
		c.Values = b.codes(n, rule, "values", true)
	}
	needWindow := c.Kind == LatestValue || c.Kind == Count
	c.Within = b.window(n, rule, "within", needWindow)
	if slices.Contains(keys, "threshold") {
		c.Threshold, _ = b.num(n, rule, "threshold", true)
		c.Comparator = Comparator(b.str(n, rule, "comparator", true))
		switch c.Comparator {
		case ">=", ">", "<=", "<", "==", "!=", "":
		default:
			b.errf(get(n, "comparator").Line, rule, "unknown comparator %q, want >=, >, <=, <, == or !=", c.Comparator)
		}
	}
	if c.Kind == RangeLastN {
		if c.N = b.integer(n, rule, "n", true); get(n, "n") != nil && c.N < 2 {
			b.errf(get(n, "n").Line, rule, "n must be at least 2 for a range")
		}
	}
	if slices.Contains(keys, "in") {
		in := b.strs(n, rule, "in")
		if len(in) == 0 {
			if c.Kind == Count {
				c.In = InMedications
			} else {
				c.In = InConditions | InObservations
			}
		}
		for _, s := range in {
			switch s {
			case "conditions":
				c.In |= InConditions
			case "observations":
				c.In |= InObservations
			case "medications":
				c.In |= InMedications
			default:
				b.errf(get(n, "in").Line, rule, "in: unknown fact kind %q, want conditions, observations or medications", s)
			}
		}
	}
	return c
}

func (b *builder) cohort(root *yaml.Node) {
	n := get(root, "cohort")
	const rule = "cohort"
	if n == nil {
		b.errf(root.Line, "", "cohort is required")
		return
	}
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, rule, "cohort must be a mapping")
		return
	}
	b.checkKeys(n, rule, []string{"min_ltcs", "min_risk_factors", "min_age", "rationale"})
	b.p.Cohort = Cohort{
		MinLTCs:        b.integer(n, rule, "min_ltcs", true),
		MinRiskFactors: b.integer(n, rule, "min_risk_factors", true),
		MinAge:         b.integer(n, rule, "min_age", false),
		Rationale:      b.str(n, rule, "rationale", true),
	}
}

func (b *builder) frailty(root *yaml.Node) {
	n := get(root, "frailty")
	const rule = "frailty"
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, rule, "frailty must be a mapping")
		return
	}
	b.checkKeys(n, rule, []string{"mild", "moderate", "severe", "within"})
	b.p.Frailty = Frailty{
		Mild:     b.codes(n, rule, "mild", true),
		Moderate: b.codes(n, rule, "moderate", true),
		Severe:   b.codes(n, rule, "severe", true),
		Within:   b.window(n, rule, "within", false),
	}
}

func (b *builder) dataGap(n *yaml.Node) {
	if !b.mappingItem(n, "data gap rule") {
		return
	}
	name := b.str(n, "", "name", false)
	rule := fmt.Sprintf("data gap %q", name)
	if name == "" {
		rule = fmt.Sprintf("data gap at line %d", n.Line)
		b.errf(n.Line, rule, "name is required")
	}
	b.checkKeys(n, rule, []string{"name", "when_ltc", "require", "codes", "label", "within", "description"})
	g := DataGapRule{Name: name, WhenLTC: b.str(n, rule, "when_ltc", false), Measure: -1, Within: b.window(n, rule, "within", false), Description: b.str(n, rule, "description", false), Line: n.Line}
	if g.WhenLTC != "" && !slices.ContainsFunc(b.p.LTCs, func(l LTC) bool { return l.ID == g.WhenLTC }) {
		b.errf(get(n, "when_ltc").Line, rule, "unknown LTC %q", g.WhenLTC)
	}
	req := b.str(n, rule, "require", false)
	switch {
	case req != "" && get(n, "codes") != nil:
		b.errf(n.Line, rule, "give require (a measure) or codes, not both")
	case req != "":
		if g.Measure = b.measureIndex(req); g.Measure < 0 {
			b.errf(get(n, "require").Line, rule, "unknown measure %q", req)
		} else {
			g.Label = b.p.Measures[g.Measure].Name
		}
	case get(n, "codes") != nil:
		g.Lists = b.codes(n, rule, "codes", true)
		if g.Label = b.str(n, rule, "label", false); g.Label == "" {
			b.errf(n.Line, rule, "label is required with codes: say what is expected, e.g. \"smoking status\"")
		}
	default:
		b.errf(n.Line, rule, "require (a measure) or codes is required")
	}
	if l := b.str(n, rule, "label", false); l != "" {
		g.Label = l
	}
	b.p.DataGaps = append(b.p.DataGaps, g)
}

// Describe says what is missing in words: the rule's own description if it
// has one, else "HbA1c never recorded" or "no HbA1c in 15 months for a
// person with diabetes".
func (g *DataGapRule) Describe(p *Policy, never bool) string {
	if g.Description != "" {
		return g.Description
	}
	who := ""
	if g.WhenLTC != "" {
		for _, l := range p.LTCs {
			if l.ID == g.WhenLTC {
				who = " for a person with " + strings.ToLower(l.Name)
			}
		}
	}
	if never || g.Within.IsZero() {
		return g.Label + " never recorded" + who
	}
	return "no " + g.Label + " in " + g.Within.Words() + who
}

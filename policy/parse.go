package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"gopkg.in/yaml.v3"

	"github.com/joinedup/joinedup"
)

// Error is one problem in a policy, located by file, line and rule.
type Error struct {
	File string // relative to the policy folder
	Line int    // 0 when the problem is with the file as a whole
	Rule string // e.g. `tier rule "red-admissions"`; empty for top-level problems
	Msg  string
}

// Error formats the problem as file:line: rule: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Rule != "" {
		b.WriteString(e.Rule + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem Load found, in the order found.
type ErrorList []*Error

// Error joins the problems one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors stops a badly broken file from producing pages of errors.
const maxErrors = 50

// builder turns the YAML tree into a Policy, collecting errors as it goes.
type builder struct {
	fsys  fs.FS // nil: code lists are not read (Parse)
	p     *Policy
	lists map[string]int // code list path → id
	errs  ErrorList
}

func (b *builder) errf(line int, rule, format string, args ...any) {
	if len(b.errs) < maxErrors {
		b.errs = append(b.errs, &Error{File: RulesFile, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
}

// Feature names every policy provides to tier rules, besides one
// "<measure>_latest" per measure.
var builtinFeatures = []string{
	"age",
	"ltc_count",
	"risk_factor_count",
	joinedup.FeatureAEAttendances12m,
	"emergency_admissions_12m",
	"outpatient_specialties_12m",
	"frailty_level",
	"service_use_prev_6m",
	"service_use_last_6m",
	"service_use_trend",
}

// FeatureFrailty is the one text feature: "none", "mild", "moderate" or
// "severe", so that rules can say frailty == "severe".
const FeatureFrailty = "frailty"

// FeatureNames returns every numeric feature this policy computes, sorted.
// The slice is shared; callers must not modify it.
func (p *Policy) FeatureNames() []string {
	if p.features != nil {
		return p.features
	}
	return p.computeFeatureNames()
}

func (p *Policy) computeFeatureNames() []string {
	out := slices.Clone(builtinFeatures)
	for _, m := range p.Measures {
		out = append(out, m.ID+"_latest")
	}
	slices.Sort(out)
	return out
}

var topKeys = []string{"name", "description", "measures", "ltcs", "risk_factors", "cohort", "frailty", "tier_rules", "default_tier", "data_gaps", "pathways", "mdt"}

func (b *builder) parse(src []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		b.errs = append(b.errs, &Error{File: RulesFile, Msg: strings.TrimPrefix(err.Error(), "yaml: ")})
		return
	}
	if len(doc.Content) == 0 {
		b.errf(0, "", "empty rules file")
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		b.errf(root.Line, "", "the rules file must be a mapping of sections (name, ltcs, risk_factors, …)")
		return
	}
	b.checkKeys(root, "", topKeys)
	b.p.Name = b.str(root, "", "name", true)
	b.p.Description = b.str(root, "", "description", false)
	for _, n := range b.seq(root, "", "measures") {
		b.measure(n)
	}
	for _, n := range b.seq(root, "", "ltcs") {
		b.ltc(n)
	}
	for _, n := range b.seq(root, "", "risk_factors") {
		b.riskFactor(n)
	}
	b.cohort(root)
	b.frailty(root)
	b.defaultTier(root)
	for _, n := range b.seq(root, "", "tier_rules") {
		b.tierRule(n)
	}
	for _, n := range b.seq(root, "", "data_gaps") {
		b.dataGap(n)
	}
	b.pathways(root)
	b.mdt(root)
	b.p.features = b.p.computeFeatureNames()
}

// get returns the value node of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func (b *builder) checkKeys(n *yaml.Node, rule string, allowed []string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch {
		case !slices.Contains(allowed, k.Value):
			b.errf(k.Line, rule, "unknown field %q", k.Value)
		case seen[k.Value]:
			b.errf(k.Line, rule, "field %q given twice", k.Value)
		}
		seen[k.Value] = true
	}
}

func (b *builder) str(n *yaml.Node, rule, key string, required bool) string {
	v := get(n, key)
	if v == nil {
		if required {
			b.errf(n.Line, rule, "%s is required", key)
		}
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		b.errf(v.Line, rule, "%s must be text", key)
		return ""
	}
	s := strings.TrimSpace(v.Value)
	if required && s == "" {
		b.errf(v.Line, rule, "%s is required", key)
	}
	return s
}

func (b *builder) num(n *yaml.Node, rule, key string, required bool) (float64, bool) {
	v := get(n, key)
	if v == nil {
		if required {
			b.errf(n.Line, rule, "%s is required", key)
		}
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.Value), 64)
	if v.Kind != yaml.ScalarNode || err != nil || f != f {
		b.errf(v.Line, rule, "%s must be a number, not %q", key, v.Value)
		return 0, false
	}
	return f, true
}

func (b *builder) integer(n *yaml.Node, rule, key string, required bool) int {
	f, ok := b.num(n, rule, key, required)
	if !ok {
		return 0
	}
	if f != float64(int(f)) || f < 0 || f > 1e6 {
		b.errf(get(n, key).Line, rule, "%s must be a whole number from 0, not %v", key, f)
		return 0
	}
	return int(f)
}

func (b *builder) boolean(n *yaml.Node, rule, key string) bool {
	v := get(n, key)
	if v == nil {
		return false
	}
	var out bool
	if v.Kind != yaml.ScalarNode || v.Decode(&out) != nil {
		b.errf(v.Line, rule, "%s must be true or false", key)
	}
	return out
}

func (b *builder) window(n *yaml.Node, rule, key string, required bool) Window {
	s := b.str(n, rule, key, required)
	if s == "" {
		return Window{}
	}
	w, err := ParseWindow(s)
	if err != nil {
		b.errf(get(n, key).Line, rule, "%s: %v", key, err)
	}
	return w
}

// seq returns the items of a sequence-valued key (or nil).
func (b *builder) seq(n *yaml.Node, rule, key string) []*yaml.Node {
	v := get(n, key)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		b.errf(v.Line, rule, "%s must be a list", key)
		return nil
	}
	return v.Content
}

// mappingItem reports whether n is a mapping, complaining if not.
func (b *builder) mappingItem(n *yaml.Node, what string) bool {
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, "", "each %s must be a mapping of fields", what)
		return false
	}
	return true
}

// strings reads a list of text values.
func (b *builder) strs(n *yaml.Node, rule, key string) []string {
	var out []string
	for _, it := range b.seq(n, rule, key) {
		if it.Kind != yaml.ScalarNode {
			b.errf(it.Line, rule, "%s must be a list of text", key)
			continue
		}
		out = append(out, strings.TrimSpace(it.Value))
	}
	return out
}

// codes reads a list of code list paths, loading each file once.
func (b *builder) codes(n *yaml.Node, rule, key string, required bool) ListSet {
	var set ListSet
	items := b.seq(n, rule, key)
	if len(items) == 0 && required {
		b.errf(n.Line, rule, "%s is required: a list of code list files", key)
	}
	for _, it := range items {
		if it.Kind != yaml.ScalarNode {
			b.errf(it.Line, rule, "%s must be a list of code list files", key)
			continue
		}
		p, err := cleanListPath(it.Value)
		if err != nil {
			b.errf(it.Line, rule, "%v", err)
			continue
		}
		id, ok := b.lists[p]
		if !ok {
			id, ok = b.loadList(it.Line, rule, p)
			if !ok {
				continue
			}
		}
		set.add(id)
	}
	return set
}

func (b *builder) loadList(line int, rule, p string) (int, bool) {
	var codes []joinedup.Coding
	if b.fsys != nil {
		f, err := b.fsys.Open(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				b.errf(line, rule, "code list %q does not exist", p)
			} else {
				b.errf(line, rule, "code list %q: %v", p, err)
			}
			return 0, false
		}
		codes, err = parseCodeList(p, f)
		f.Close()
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				pe = &Error{File: p, Msg: err.Error()}
			}
			if len(b.errs) < maxErrors {
				b.errs = append(b.errs, pe)
			}
			return 0, false
		}
	}
	id := len(b.p.CodeLists)
	b.lists[p] = id
	b.p.CodeLists = append(b.p.CodeLists, &CodeList{ID: id, Path: p, Codes: codes})
	for _, c := range codes {
		k := codeKey{c.System, c.Code}
		if !slices.Contains(b.p.index[k], int32(id)) {
			b.p.index[k] = append(b.p.index[k], int32(id))
		}
	}
	return id, true
}

func (b *builder) id(n *yaml.Node, what string, seen func(string) bool) (string, string) {
	id := b.str(n, "", "id", false)
	rule := fmt.Sprintf("%s %q", what, id)
	if id == "" {
		rule = fmt.Sprintf("%s at line %d", what, n.Line)
		b.errf(n.Line, rule, "id is required")
		return "", rule
	}
	if !validID(id) {
		b.errf(get(n, "id").Line, rule, "id must be lower-case letters, digits, - or _")
	} else if seen(id) {
		b.errf(get(n, "id").Line, rule, "duplicate id")
	}
	return id, rule
}

func validID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

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

func (b *builder) tier(n *yaml.Node, rule, key string) joinedup.Tier {
	s := b.str(n, rule, key, true)
	if s == "" {
		return ""
	}
	t, err := joinedup.ParseTier(s)
	if err != nil {
		b.errf(get(n, key).Line, rule, "%s: unknown tier %q, want red, amber or green", key, s)
	}
	return t
}

func (b *builder) defaultTier(root *yaml.Node) {
	n := get(root, "default_tier")
	const rule = "default tier"
	if n == nil {
		b.errf(root.Line, "", "default_tier is required")
		return
	}
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, rule, "default_tier must be a mapping with tier and rationale")
		return
	}
	b.checkKeys(n, rule, []string{"tier", "rationale"})
	b.p.Default = DefaultTier{Tier: b.tier(n, rule, "tier"), Rationale: b.str(n, rule, "rationale", true)}
}

// exprEnv is the type environment tier rules compile against: every feature
// is a number except frailty, which is text.
func (b *builder) exprEnv() map[string]any {
	env := map[string]any{FeatureFrailty: ""}
	for _, f := range b.p.FeatureNames() {
		env[f] = 0.0
	}
	return env
}

// identVisitor collects the names a rule refers to.
type identVisitor struct{ names []string }

// Visit records identifier nodes.
func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		v.names = append(v.names, id.Value)
	}
}

func (b *builder) tierRule(n *yaml.Node) {
	if !b.mappingItem(n, "tier rule") {
		return
	}
	name := b.str(n, "", "name", false)
	rule := fmt.Sprintf("tier rule %q", name)
	if name == "" {
		rule = fmt.Sprintf("tier rule at line %d", n.Line)
		b.errf(n.Line, rule, "name is required")
	} else if slices.ContainsFunc(b.p.TierRules, func(r TierRule) bool { return r.Name == name }) {
		b.errf(get(n, "name").Line, rule, "duplicate name")
	}
	b.checkKeys(n, rule, []string{"name", "tier", "when", "rationale"})
	r := TierRule{Name: name, Tier: b.tier(n, rule, "tier"), When: b.str(n, rule, "when", true), Rationale: b.str(n, rule, "rationale", true), Line: n.Line}
	if r.When != "" {
		line := get(n, "when").Line
		env := b.exprEnv()
		prog, err := expr.Compile(r.When, expr.Env(env), expr.AsBool())
		if err != nil {
			// Name the misspelt feature rather than pass on the engine's
			// message, since that is the usual mistake.
			reported := false
			if tree, perr := parser.Parse(r.When); perr == nil {
				v := &identVisitor{}
				ast.Walk(&tree.Node, v)
				for _, id := range v.names {
					if _, ok := env[id]; !ok {
						b.errf(line, rule, "unknown feature %q", id)
						reported = true
						break
					}
				}
			}
			if !reported {
				b.errf(line, rule, "when: %s", firstLine(err.Error()))
			}
		}
		r.program = prog
	}
	b.p.TierRules = append(b.p.TierRules, r)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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

func (b *builder) pathways(root *yaml.Node) {
	n := get(root, "pathways")
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, "pathways", "pathways must be a mapping from tier to pathway")
		return
	}
	b.p.Pathways = map[joinedup.Tier]Pathway{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		rule := fmt.Sprintf("pathway %q", k.Value)
		t, err := joinedup.ParseTier(k.Value)
		if err != nil {
			b.errf(k.Line, rule, "unknown tier %q, want red, amber or green", k.Value)
			continue
		}
		if v.Kind != yaml.MappingNode {
			b.errf(v.Line, rule, "a pathway must be a mapping")
			continue
		}
		b.checkKeys(v, rule, []string{"roles", "review_every", "tasks"})
		var pw Pathway
		if err := v.Decode(&pw); err != nil {
			b.errf(v.Line, rule, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			continue
		}
		if pw.ReviewEvery != "" {
			if _, err := ParseWindow(pw.ReviewEvery); err != nil {
				b.errf(get(v, "review_every").Line, rule, "review_every: %v", err)
			}
		}
		for j, task := range pw.Tasks {
			tn := b.seq(v, rule, "tasks")[j]
			b.checkKeys(tn, rule, []string{"name", "title", "role", "due_within_days"})
			if task.Name == "" || task.Title == "" {
				b.errf(tn.Line, rule, "a task needs a name and a title")
			}
			if task.DueWithinDays < 0 {
				b.errf(tn.Line, rule, "due_within_days must not be negative")
			}
		}
		b.p.Pathways[t] = pw
	}
}

// mdt reads the mdt section: how often each tier is discussed at MDT
// meetings, and how far back unplanned care counts at a first meeting.
func (b *builder) mdt(root *yaml.Node) {
	n := get(root, "mdt")
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		b.errf(n.Line, "mdt", "mdt must be a mapping with discuss and first_lookback")
		return
	}
	b.checkKeys(n, "mdt", []string{"discuss", "first_lookback"})
	m := &MDT{Discuss: map[joinedup.Tier]MDTFrequency{}}
	m.FirstLookback = b.window(n, "mdt", "first_lookback", false)
	if d := get(n, "discuss"); d != nil {
		if d.Kind != yaml.MappingNode {
			b.errf(d.Line, "mdt", "discuss must be a mapping from tier to frequency")
		} else {
			for i := 0; i+1 < len(d.Content); i += 2 {
				k, v := d.Content[i], d.Content[i+1]
				t, err := joinedup.ParseTier(k.Value)
				if err != nil {
					b.errf(k.Line, "mdt", "discuss: unknown tier %q, want red, amber or green", k.Value)
					continue
				}
				if _, dup := m.Discuss[t]; dup {
					b.errf(k.Line, "mdt", "discuss: tier %q given twice", k.Value)
					continue
				}
				f, err := ParseMDTFrequency(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					b.errf(v.Line, "mdt", "discuss %s: %v", k.Value, err)
					continue
				}
				m.Discuss[t] = f
			}
		}
	}
	b.p.MDT = m
}

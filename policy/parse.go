package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/joinedup/joinedup"
)

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

var topKeys = []string{"name", "description", "measures", "ltcs", "risk_factors", "cohort", "frailty", "tier_rules", "default_tier", "data_gaps", "pathways", "mdt", "record_statuses"}

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
	b.recordStatuses(root)
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

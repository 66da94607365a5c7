package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/joinedup/joinedup"
	"gopkg.in/yaml.v3"
)

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

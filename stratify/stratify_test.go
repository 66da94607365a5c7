package stratify_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/stratify"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

func loadDefault(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.Load("../policies/lcn-default")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(fs []joinedup.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestAssessGolden(t *testing.T) {
	p := loadDefault(t)
	seen := map[string]bool{}
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			if seen[fx.name] {
				t.Fatalf("duplicate fixture name %q", fx.name)
			}
			seen[fx.name] = true
			a := stratify.Assess(p, fx.facts, asOf)

			// The key facts are checked here, not only in the golden file,
			// so that -update cannot bless a wrong answer unnoticed.
			if a.Eligible != fx.eligible {
				t.Errorf("eligible = %v, want %v", a.Eligible, fx.eligible)
			}
			if a.SuggestedTier != fx.tier {
				t.Errorf("tier = %s (rules %+v), want %s", a.SuggestedTier, a.RulesFired, fx.tier)
			}
			if got := ids(a.LTCs); !slices.Equal(got, fx.ltcs) {
				t.Errorf("LTCs = %v, want %v", got, fx.ltcs)
			}
			if got := ids(a.RiskFactors); !slices.Equal(got, fx.rfs) {
				t.Errorf("risk factors = %v, want %v", got, fx.rfs)
			}
			var gaps []string
			for _, g := range a.DataGaps {
				gaps = append(gaps, g.Rule)
			}
			if !slices.Equal(gaps, fx.gaps) {
				t.Errorf("data gaps = %v, want %v", gaps, fx.gaps)
			}
			for _, fd := range append(slices.Clone(a.LTCs), a.RiskFactors...) {
				if len(fd.Evidence) == 0 {
					t.Errorf("%s has no evidence", fd.ID)
				}
				for _, e := range fd.Evidence {
					if e.FactID == "" || e.SourceID == "" || e.Date.After(asOf) {
						t.Errorf("%s: evidence %+v does not point at a fact known at as-of", fd.ID, e)
					}
				}
			}
			if last := a.RulesFired[len(a.RulesFired)-1]; last.Tier != a.SuggestedTier || last.Rationale == "" {
				t.Errorf("last rule fired %+v does not explain tier %s", last, a.SuggestedTier)
			}

			// The policy hash changes with every edit to the shipped policy;
			// the golden files pin behaviour, not the version id.
			a.PolicyVersion = "lcn-default"
			got, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", fx.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("assessment differs from %s (run go test -update and review the diff):\n%s", path, got)
			}
		})
	}
}

// TestAssessDeterministic checks the order of facts does not matter.
func TestAssessDeterministic(t *testing.T) {
	p := loadDefault(t)
	for _, fx := range fixtures() {
		a := stratify.Assess(p, fx.facts, asOf)
		f := *fx.facts
		f.Conditions = slices.Clone(f.Conditions)
		f.Observations = slices.Clone(f.Observations)
		f.Medications = slices.Clone(f.Medications)
		f.Encounters = slices.Clone(f.Encounters)
		slices.Reverse(f.Conditions)
		slices.Reverse(f.Observations)
		slices.Reverse(f.Medications)
		slices.Reverse(f.Encounters)
		b := stratify.Assess(p, &f, asOf)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: result depends on fact order", fx.name)
		}
	}
}

func TestDiff(t *testing.T) {
	p := loadDefault(t)
	before := stratify.Assess(p, base("d"), asOf)
	f := base("d")
	f.Encounters = []joinedup.Encounter{enc("ae", "EMER", asOf.AddDate(0, 1, 0), "")}
	f.Observations = append(f.Observations, obs("a1c-2", loinc, "4548-4", asOf.AddDate(0, 1, 0), 7.5, "%"))
	after := stratify.Assess(p, f, asOf.AddDate(0, 2, 0))
	var kinds []joinedup.DriftKind
	for _, e := range stratify.Diff(before, after) {
		kinds = append(kinds, e.Kind)
	}
	want := []joinedup.DriftKind{joinedup.DriftTierUp, joinedup.DriftNewRiskFactor, joinedup.DriftFirstAE, joinedup.DriftRisingHbA1c}
	if !slices.Equal(kinds, want) {
		t.Errorf("Diff kinds = %v, want %v", kinds, want)
	}
}

func BenchmarkAssess(b *testing.B) {
	p := loadDefault(b)
	// A busy record: the base person with ten years of readings,
	// prescriptions and contacts.
	f := base("bench")
	for i := range 40 {
		at := asOf.AddDate(0, -3*i, 0)
		f.Observations = append(f.Observations, obs("b", loinc, "39156-5", at, 31, "kg/m2"), obs("h", loinc, "4548-4", at, 7.1, "%"),
			obs("x", loinc, "8480-6", at, 130, "mm[Hg]"))
		f.Medications = append(f.Medications, med("m", rxnorm, "316672", at, "active"), med("n", rxnorm, "849574", at, "completed"))
		f.Encounters = append(f.Encounters, enc("e", "AMB", at, ""))
	}
	for i := range 20 {
		f.Conditions = append(f.Conditions, cond("c", "444814009", "Viral sinusitis", asOf.AddDate(0, -i*5, 0), "resolved"))
	}
	b.ReportAllocs()
	for b.Loop() {
		stratify.Assess(p, f, asOf)
	}
}

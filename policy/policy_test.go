package policy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
)

const shipped = "../policies/lcn-default"

func TestShippedPolicyLoads(t *testing.T) {
	p, err := policy.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hash()) != 64 {
		t.Errorf("Hash() = %q, want 64 hex digits", p.Hash())
	}
	if len(p.LTCs) != 18 {
		t.Errorf("%d LTCs, want 18", len(p.LTCs))
	}
	// Every CSV in the folder is referenced, and every referenced one exists
	// (Load fails on a missing one).
	var onDisk []string
	err = filepath.WalkDir(shipped, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".csv") {
			rel, _ := filepath.Rel(shipped, path)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(onDisk)
	if got := p.CodeListFiles(); !slices.Equal(got, onDisk) {
		t.Errorf("referenced code lists %v\ndiffer from files on disk %v", got, onDisk)
	}
	// The README documents every list.
	readme, err := os.ReadFile(filepath.Join(shipped, "codelists", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range onDisk {
		if !strings.Contains(string(readme), filepath.Base(f)) {
			t.Errorf("codelists/README.md does not mention %s", filepath.Base(f))
		}
	}
	if p.MDT == nil || !p.MDT.Discuss[tierOf("red")].EveryMeeting || p.MDT.Discuss[tierOf("amber")].String() != "3m" ||
		p.MDT.Discuss[tierOf("green")].String() != "never" || p.MDT.FirstLookback.String() != "28d" {
		t.Errorf("mdt section %+v, want red every meeting, amber 3m, green never, first look-back 28d", p.MDT)
	}
	for _, tier := range []string{"red", "amber", "green"} {
		pw, ok := p.Pathways[tierOf(tier)]
		if !ok || len(pw.Tasks) == 0 {
			t.Errorf("no pathway tasks for %s", tier)
		}
	}
}

func TestHashStable(t *testing.T) {
	a, err := policy.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	b, err := policy.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Fatal("hash differs between loads of the same folder")
	}
	m := minimal()
	h1 := mustLoad(t, m).Hash()
	m["codelists/a.csv"] = &fstest.MapFile{Data: []byte("system,code,term\nhttp://snomed.info/sct,2,Two\n")}
	if h2 := mustLoad(t, m).Hash(); h1 == h2 {
		t.Error("editing a code list did not change the hash")
	}
}

const minimalYAML = `name: test
ltcs:
  - id: a
    name: A
    codes: [codelists/a.csv]
risk_factors:
  - id: r
    name: R
    any:
      - kind: presence
        codes: [codelists/a.csv]
cohort:
  min_ltcs: 1
  min_risk_factors: 1
  rationale: test
default_tier:
  tier: green
  rationale: default
tier_rules:
  - name: red-admissions
    tier: red
    when: emergency_admissions_12m >= 2
    rationale: many admissions
`

func minimal() fstest.MapFS {
	return fstest.MapFS{
		"policy.yaml":     &fstest.MapFile{Data: []byte(minimalYAML)},
		"codelists/a.csv": &fstest.MapFile{Data: []byte("system,code,term\nhttp://snomed.info/sct,1,One\n")},
	}
}

func mustLoad(t *testing.T, fsys fs.FS) *policy.Policy {
	t.Helper()
	p, err := policy.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidationErrors(t *testing.T) {
	if _, err := policy.LoadFS(minimal()); err != nil {
		t.Fatalf("minimal policy: %v", err)
	}
	tests := []struct {
		name    string
		replace [2]string // in minimalYAML
		csv     string    // replaces codelists/a.csv when set
		want    string
	}{
		{"unknown feature", [2]string{"emergency_admissions_12m >= 2", "admisions >= 2"},
			"", `policy.yaml:22: tier rule "red-admissions": unknown feature "admisions"`},
		{"bad expression", [2]string{"emergency_admissions_12m >= 2", "emergency_admissions_12m >="},
			"", `policy.yaml:22: tier rule "red-admissions": when: unexpected token EOF (1:27)`},
		{"not boolean", [2]string{"emergency_admissions_12m >= 2", "emergency_admissions_12m + 1"},
			"", `policy.yaml:22: tier rule "red-admissions": when: expected bool, but got float64`},
		{"unknown tier", [2]string{"tier: red", "tier: purple"},
			"", `policy.yaml:21: tier rule "red-admissions": tier: unknown tier "purple", want red, amber or green`},
		{"missing rationale", [2]string{"    rationale: many admissions\n", ""},
			"", `policy.yaml:20: tier rule "red-admissions": rationale is required`},
		{"unknown field", [2]string{"    name: A\n", "    name: A\n    requre_active: true\n"},
			"", `policy.yaml:5: LTC "a": unknown field "requre_active"`},
		{"missing code list", [2]string{"codes: [codelists/a.csv]\nrisk", "codes: [codelists/b.csv]\nrisk"},
			"", `policy.yaml:5: LTC "a": code list "codelists/b.csv" does not exist`},
		{"path outside folder", [2]string{"codes: [codelists/a.csv]\nrisk", "codes: [../a.csv]\nrisk"},
			"", `policy.yaml:5: LTC "a": code list "../a.csv" is not a path inside the policy folder`},
		{"unknown kind", [2]string{"kind: presence", "kind: presense"},
			"", `policy.yaml:10: risk factor "r": unknown kind "presense", want one of latest_value, range_last_n, presence, count, current_medicines_count, coded_value`},
		{"unknown measure", [2]string{"      - kind: presence\n        codes: [codelists/a.csv]", "      - kind: latest_value\n        measure: bmi\n        within: 2y\n        comparator: \">=\"\n        threshold: 30"},
			"", `policy.yaml:11: risk factor "r": unknown measure "bmi"`},
		{"bad window", [2]string{"      - kind: presence\n        codes: [codelists/a.csv]", "      - kind: presence\n        codes: [codelists/a.csv]\n        within: 2 years"},
			"", `policy.yaml:12: risk factor "r": within: window "2 years": unknown unit ' ', want y, m, w or d`},
		{"duplicate id", [2]string{"risk_factors:", "  - id: a\n    name: A again\n    codes: [codelists/a.csv]\nrisk_factors:"},
			"", `policy.yaml:6: LTC "a": duplicate id`},
		{"cohort not a number", [2]string{"min_ltcs: 1", "min_ltcs: three"},
			"", `policy.yaml:13: cohort: min_ltcs must be a number, not "three"`},
		{"missing cohort", [2]string{"cohort:\n  min_ltcs: 1\n  min_risk_factors: 1\n  rationale: test\n", ""},
			"", `policy.yaml:1: cohort is required`},
		{"yaml syntax", [2]string{"name: test", "name: [test"},
			"", `policy.yaml: line 1: did not find expected ',' or ']'`},
		{"mdt unknown tier", [2]string{"    rationale: many admissions\n", "    rationale: many admissions\nmdt:\n  discuss:\n    purple: 3m\n"},
			"", `policy.yaml:26: mdt: discuss: unknown tier "purple", want red, amber or green`},
		{"mdt bad frequency", [2]string{"    rationale: many admissions\n", "    rationale: many admissions\nmdt:\n  discuss:\n    amber: quarterly\n"},
			"", `policy.yaml:26: mdt: discuss amber: want every-meeting, never or an interval such as 3m: window "quarterly": want a number and a unit (y, m, w, d), e.g. 12m`},
		{"mdt unknown field", [2]string{"    rationale: many admissions\n", "    rationale: many admissions\nmdt:\n  dicsuss:\n    amber: 3m\n"},
			"", `policy.yaml:25: mdt: unknown field "dicsuss"`},
		{"mdt bad lookback", [2]string{"    rationale: many admissions\n", "    rationale: many admissions\nmdt:\n  first_lookback: a month\n"},
			"", `policy.yaml:25: mdt: first_lookback: window "a month": want a number and a unit (y, m, w, d), e.g. 12m`},
		{"csv header", [2]string{}, "code,term\n1,One\n", `codelists/a.csv:1: header is "code,term", want system,code,term`},
		{"csv missing code", [2]string{}, "system,code,term\nhttp://snomed.info/sct,,One\n", `codelists/a.csv:2: system and code are required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := minimal()
			if tt.replace[0] != "" {
				if !strings.Contains(minimalYAML, tt.replace[0]) {
					t.Fatalf("bad test: %q not in the minimal policy", tt.replace[0])
				}
				m["policy.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(minimalYAML, tt.replace[0], tt.replace[1], 1))}
			}
			if tt.csv != "" {
				m["codelists/a.csv"] = &fstest.MapFile{Data: []byte(tt.csv)}
			}
			_, err := policy.LoadFS(m)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if got := strings.Split(err.Error(), "\n")[0]; got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]policy.Window{"12m": {Months: 12}, "2y": {Years: 2}, "6w": {Days: 42}, "1y6m": {Years: 1, Months: 6}, "90d": {Days: 90}} {
		if got, err := policy.ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "m", "12x", "0m", "99999999999999999999m"} {
		if _, err := policy.ParseWindow(in); err == nil {
			t.Errorf("ParseWindow(%q) gave no error", in)
		}
	}
}

// FuzzParse checks the rules-file parser never panics, whatever it is given.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimalYAML))
	if b, err := os.ReadFile(filepath.Join(shipped, policy.RulesFile)); err == nil {
		f.Add(b)
	}
	f.Add([]byte("tier_rules:\n  - name: x\n    when: 1 +\n"))
	f.Add([]byte("ltcs: {a: 1}\npathways:\n  red:\n    tasks: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_ = policy.Parse(src)
	})
}

func tierOf(s string) joinedup.Tier { return joinedup.Tier(s) }

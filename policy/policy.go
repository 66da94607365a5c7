// Package policy reads and validates a stratification policy: a folder with a
// rules file, policy.yaml, and code lists as CSV files (system,code,term).
//
// A policy is data an LCN edits: which long-term conditions count and by which
// codes, which risk factors count and by which rules, the cohort rule, the
// tier rules and the pathway for each tier. Load checks all of it up front and
// reports every problem with its file, line and rule, so that a bad edit is
// caught when the policy is loaded and never half-way through a run over a
// million patients. Everything the engine needs per fact (code look-ups, tier
// rule programs) is prepared once here.
package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/joinedup/joinedup"
)

// RulesFile is the name of the rules file inside a policy folder.
const RulesFile = "policy.yaml"

// Policy is a loaded, validated policy. It is read-only after Load, so one
// Policy can be shared by any number of goroutines.
type Policy struct {
	Name        string
	Description string

	CodeLists   []*CodeList
	Measures    []Measure
	LTCs        []LTC
	RiskFactors []RiskFactor
	Cohort      Cohort
	Frailty     Frailty
	TierRules   []TierRule
	Default     DefaultTier
	DataGaps    []DataGapRule
	Pathways    map[joinedup.Tier]Pathway
	// MDT is how often MDT meetings discuss each tier; nil when the policy
	// has no mdt section (the mdt package then uses its defaults).
	MDT *MDT
	// Statuses says which records count, by their status.
	Statuses RecordStatuses

	hash     string
	features []string            // sorted feature names, computed once
	index    map[codeKey][]int32 // (system, code) → ids of the code lists holding it
}

// Hash returns the policy's version id: the hex SHA-256 of the rules file and
// every CSV file in the folder, taken in sorted path order with their paths,
// so any edit that can change a result makes a new version.
func (p *Policy) Hash() string { return p.hash }

// Version returns the first 12 hex digits of Hash, enough to tell versions
// apart on screen.
func (p *Policy) Version() string { return p.hash[:12] }

// CodeListFiles returns the paths of the code lists the rules file refers to,
// relative to the policy folder, in sorted order.
func (p *Policy) CodeListFiles() []string {
	out := make([]string, len(p.CodeLists))
	for i, l := range p.CodeLists {
		out[i] = l.Path
	}
	slices.Sort(out)
	return out
}

// Measure is a numeric observation a policy reads, such as BMI or HbA1c,
// with the unit its rules are written in and how to convert other units.
type Measure struct {
	ID      string
	Name    string
	Lists   ListSet // observation codes
	Unit    string  // canonical unit, e.g. "mmol/mol"
	Same    []string
	Convert []Conversion
}

// Conversion turns a value in unit From into the measure's unit as
// (value + Offset) × Scale. HbA1c % (DCCT) to mmol/mol (IFCC) is
// offset −2.15, scale 10.929.
type Conversion struct {
	From   string
	Scale  float64
	Offset float64
}

// Normalise returns q's value in the measure's unit. A value with no unit is
// taken to be in the measure's unit, as GP systems often send it. ok is
// false for a unit the measure does not know, so such a value is never
// compared against a threshold written in another unit. Converted values are
// rounded to one decimal place, the precision laboratories report, so that a
// conversion cannot turn 58.5 into 58.49999.
func (m *Measure) Normalise(q joinedup.Quantity) (v float64, converted, ok bool) {
	u := strings.TrimSpace(q.Unit)
	if u == "" || strings.EqualFold(u, m.Unit) {
		return q.Value, false, true
	}
	for _, s := range m.Same {
		if strings.EqualFold(u, s) {
			return q.Value, false, true
		}
	}
	for _, c := range m.Convert {
		if strings.EqualFold(u, c.From) {
			return math.Round((q.Value+c.Offset)*c.Scale*10) / 10, true, true
		}
	}
	return 0, false, false
}

// LTC is a long-term condition defined by code lists.
type LTC struct {
	ID            string
	Name          string
	Lists         ListSet
	RequireActive bool // only an active (not resolved or inactive) condition counts
	Line          int
}

// RiskFactor is found when any of its criteria holds.
type RiskFactor struct {
	ID       string
	Name     string
	Criteria []Criterion
	Line     int
}

// Kind is the kind of a risk factor criterion.
type Kind string

// The criterion kinds.
const (
	// LatestValue: the latest reading of a measure within the window
	// compares against the threshold.
	LatestValue Kind = "latest_value"
	// RangeLastN: max − min of the last N readings of a measure (within the
	// window, if set) compares against the threshold.
	RangeLastN Kind = "range_last_n"
	// Presence: a fact with a code in the lists exists within the window.
	Presence Kind = "presence"
	// Count: the number of facts with a code in the lists within the window
	// compares against the threshold.
	Count Kind = "count"
	// CurrentMedicinesCount: the number of distinct current medicines
	// compares against the threshold.
	CurrentMedicinesCount Kind = "current_medicines_count"
	// CodedValue: the latest observation with a code in Lists, within the
	// window, has a value (or is itself a code) in Values, e.g. a smoking
	// status that says "current smoker".
	CodedValue Kind = "coded_value"
)

// FactSet says which kinds of fact a presence or count criterion looks at.
type FactSet uint8

// Bits of FactSet.
const (
	InConditions FactSet = 1 << iota
	InObservations
	InMedications
)

// Criterion is one rule within a risk factor.
type Criterion struct {
	Kind       Kind
	Measure    int // index into Policy.Measures, for latest_value and range_last_n
	Lists      ListSet
	Values     ListSet // for coded_value
	Within     Window
	Comparator Comparator
	Threshold  float64
	N          int // readings, for range_last_n
	In         FactSet
	Line       int
}

// Comparator is a comparison written in a rule: >=, >, <=, <, ==, !=.
type Comparator string

// Compare reports whether a (comparator) b.
func (c Comparator) Compare(a, b float64) bool {
	switch c {
	case ">=":
		return a >= b
	case ">":
		return a > b
	case "<=":
		return a <= b
	case "<":
		return a < b
	case "==":
		return a == b
	case "!=":
		return a != b
	}
	return false
}

// Cohort is the rule for who is in the cohort: values, not code.
type Cohort struct {
	MinLTCs        int
	MinRiskFactors int
	MinAge         int
	Rationale      string
}

// Frailty holds the code lists for each frailty level. The latest coded
// level within the window is the person's level.
type Frailty struct {
	Mild, Moderate, Severe ListSet
	Within                 Window
}

// TierRule is one tier rule: when its condition holds, it suggests its tier.
// Rules are tried in order; the first that holds wins.
type TierRule struct {
	Name      string
	Tier      joinedup.Tier
	When      string
	Rationale string
	Line      int
	program   *vm.Program
}

// DefaultTier is the tier suggested when no tier rule holds.
type DefaultTier struct {
	Tier      joinedup.Tier
	Rationale string
}

// DataGapRule says what the policy expects to be recorded, for whom and how
// recently.
type DataGapRule struct {
	Name        string
	WhenLTC     string  // only for people with this LTC; empty for everyone
	Measure     int     // index into Policy.Measures, or −1 when Lists is used
	Lists       ListSet // codes any of which would do, when no measure is named
	Label       string  // what is required, in words, e.g. "HbA1c"
	Within      Window  // zero: ever recorded
	Description string  // as written, or built from the rule
	Line        int
}

// Pathway is what the LCN expects to happen for people in a tier.
type Pathway struct {
	Roles       []string      `yaml:"roles"`
	ReviewEvery string        `yaml:"review_every"`
	Tasks       []PathwayTask `yaml:"tasks"`
}

// MDT is the mdt section of a policy.
type MDT struct {
	// Discuss is the routine discussion frequency per tier; a tier not
	// named is not discussed routinely.
	Discuss map[joinedup.Tier]MDTFrequency
	// FirstLookback is how far back unplanned care puts a patient on the
	// list of an organisation's first meeting (zero: the default).
	FirstLookback Window
}

// MDTFrequency is how often a tier is discussed: at every meeting, every
// interval since the patient was last discussed, or (the zero value) not
// routinely.
type MDTFrequency struct {
	EveryMeeting bool
	Every        Window
}

// String writes the frequency as a policy file does.
func (f MDTFrequency) String() string {
	switch {
	case f.EveryMeeting:
		return "every-meeting"
	case f.Every.IsZero():
		return "never"
	}
	return f.Every.String()
}

// ParseMDTFrequency reads "every-meeting", "never" (not routinely) or an
// interval such as "3m".
func ParseMDTFrequency(s string) (MDTFrequency, error) {
	switch strings.TrimSpace(s) {
	case "every-meeting":
		return MDTFrequency{EveryMeeting: true}, nil
	case "never":
		return MDTFrequency{}, nil
	}
	w, err := ParseWindow(s)
	if err != nil {
		return MDTFrequency{}, fmt.Errorf("want every-meeting, never or an interval such as 3m: %w", err)
	}
	return MDTFrequency{Every: w}, nil
}

// PathwayTask is a task raised when a person enters a tier.
type PathwayTask struct {
	Name          string `yaml:"name"`
	Title         string `yaml:"title"`
	Role          string `yaml:"role"`
	DueWithinDays int    `yaml:"due_within_days"`
}

// Load reads, validates and prepares the policy in dir. Validation errors
// come back together as an ErrorList, each naming the file (relative to dir),
// the line and the rule.
func Load(dir string) (*Policy, error) {
	return LoadFS(os.DirFS(dir))
}

// LoadFS is Load over any file system whose root is the policy folder.
func LoadFS(fsys fs.FS) (*Policy, error) {
	src, err := fs.ReadFile(fsys, RulesFile)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	b := &builder{fsys: fsys, p: &Policy{index: map[codeKey][]int32{}}, lists: map[string]int{}}
	b.parse(src)
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	h, err := hashFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	b.p.hash = h
	return b.p, nil
}

// Parse validates a rules file on its own, without reading code lists; every
// code list it names is taken to exist and be empty. It is for editors and
// tests that want the rules-file checks alone.
func Parse(src []byte) error {
	b := &builder{p: &Policy{index: map[codeKey][]int32{}}, lists: map[string]int{}}
	b.parse(src)
	if len(b.errs) > 0 {
		return b.errs
	}
	return nil
}

// hashFS hashes policy.yaml and every .csv file, in sorted path order.
func hashFS(fsys fs.FS) (string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if p == RulesFile || strings.HasSuffix(p, ".csv") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return "", fmt.Errorf("hash: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cleanListPath checks a code list path names a file inside the folder.
func cleanListPath(p string) (string, error) {
	p = filepath.ToSlash(strings.TrimSpace(p))
	if p == "" {
		return "", fmt.Errorf("empty code list path")
	}
	c := path.Clean(p)
	if !fs.ValidPath(c) || c == "." {
		return "", fmt.Errorf("code list %q is not a path inside the policy folder", p)
	}
	if !strings.HasSuffix(c, ".csv") {
		return "", fmt.Errorf("code list %q is not a .csv file", p)
	}
	return c, nil
}

// Match runs the rule's condition over the features. env maps every feature
// name to its value (float64, or string for frailty).
func (r *TierRule) Match(env map[string]any) (bool, error) {
	out, err := expr.Run(r.program, env)
	if err != nil {
		return false, fmt.Errorf("tier rule %q: %w", r.Name, err)
	}
	ok, _ := out.(bool)
	return ok, nil
}

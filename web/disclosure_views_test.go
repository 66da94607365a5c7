package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestNoViewGivesAwayAnother: the LCN manager sees the cohort and its
// work as counts in several views at once — the dashboard and its CSV, the
// cohort page under each tier filter, the counts of overdue work and of
// registered patients, and a what-if. Every count any of them shows is a
// count of a set of people (or tasks); together they are linear equations
// over those people. The test builds the equations from the database's
// own truth, not from the views' sums, and fails if a count withheld as
// small (1 to 4) in any view can be worked out exactly from everything
// the views show: differences of totals across views, checked
// mechanically. A count shown as 0 tells that each of its people is not
// there, and is taken as that.
func TestNoViewGivesAwayAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		storetest.Dashboard(t, db)
		tok := f.session(t, joinedup.RoleLCNManager)
		truth := managerTruth(t, f)
		var figs []figure

		// The dashboard, as its CSV has it (the page shows the same cells).
		w := f.do("GET", "/dashboard.csv", "", tok)
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil || w.Code != 200 {
			t.Fatalf("dashboard CSV: %d %v", w.Code, err)
		}
		for _, r := range recs[1:] {
			section, kind, locality, practice, period, measure, shown := r[0], r[1], r[2], r[3], r[4], r[5], r[6]
			switch section {
			case "practices":
				in := truth.rowPractices(kind, locality, practice)
				if pred := truth.measure(measure); pred != nil {
					figs = append(figs, figure{"dashboard " + kind + " " + locality + practice + " " + measure, shown, truth.atoms(in, pred)})
				}
			case "hospital use":
				if strings.HasSuffix(measure, "per 1,000") {
					continue // a rate is shown only beside its count and denominator
				}
				parts := map[string][]string{"All practices": {"pilot", "not-yet"}, "In the pilot": {"pilot"}, "Not yet in the pilot": {"not-yet"}}[locality]
				var atoms []string
				for _, p := range parts {
					atoms = append(atoms, "use|"+period+"|"+measure+"|"+p)
				}
				figs = append(figs, figure{"dashboard use " + locality + " " + period + " " + measure, shown, atoms})
			case "tier movement":
				figs = append(figs, figure{"dashboard moves " + period + " " + measure, shown, []string{"moves|" + period + "|" + measure}})
			}
		}

		// The cohort page, under each tier filter.
		for _, tier := range []string{"", "red", "amber", "green"} {
			w := f.do("GET", "/cohort?tier="+tier, "", tok)
			if w.Code != 200 {
				t.Fatalf("cohort: %d", w.Code)
			}
			for _, r := range cohortCountRows(t, w.Body.String()) {
				cut := strings.LastIndex(r[1], " (")
				if cut < 0 {
					t.Fatalf("cohort row %q: practice without its ODS code", r)
				}
				practice := r[1][:cut]
				in := truth.rowPractices("practice", r[0], practice)
				for i, col := range []string{"Red", "Amber", "Green", "In cohort"} {
					measure := col
					if col == "In cohort" && tier != "" {
						measure = map[string]string{"red": "Red", "amber": "Amber", "green": "Green"}[tier]
					}
					figs = append(figs, figure{fmt.Sprintf("cohort?tier=%s %s %s", tier, practice, col), r[2+i], truth.atoms(in, truth.measure(measure))})
				}
			}
		}

		// Overdue work by locality, kind and practice.
		var overdue struct {
			Localities []struct {
				Name      string
				Overdue   string
				ByKind    map[string]string `json:"by_kind"`
				Practices []struct{ Name, Overdue string }
			}
		}
		if w := f.do("GET", "/api/aggregates/overdue", "", tok); w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &overdue) != nil {
			t.Fatalf("overdue: %d %s", w.Code, w.Body)
		}
		for _, l := range overdue.Localities {
			in := truth.rowPractices("locality", l.Name+" (all practices)", "")
			figs = append(figs, figure{"overdue " + l.Name, l.Overdue, truth.taskAtoms(in, "")})
			for k, v := range l.ByKind {
				figs = append(figs, figure{"overdue " + l.Name + " " + k, v, truth.taskAtoms(in, k)})
			}
			for _, p := range l.Practices {
				figs = append(figs, figure{"overdue " + p.Name, p.Overdue, truth.taskAtoms(truth.rowPractices("practice", l.Name, p.Name), "")})
			}
		}

		// Registered patients by practice.
		var practices struct {
			Practices []struct{ Name, Patients string }
		}
		if w := f.do("GET", "/api/aggregates/practices", "", tok); w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &practices) != nil {
			t.Fatalf("practices: %d %s", w.Code, w.Body)
		}
		for _, p := range practices.Practices {
			figs = append(figs, figure{"registered " + p.Name, p.Patients, truth.registered(p.Name)})
		}

		// A what-if of the shipped policy.
		w = f.do("POST", "/policy/what-if", "version="+shippedPolicy, tok)
		if w.Code != 200 {
			t.Fatalf("what-if: %d %s", w.Code, w.Body)
		}
		for _, r := range tableRows(t, w.Body.String(), "what-if-table") {
			kind, cells := r[0], r[len(r)-4:]
			locality, practice := strings.Replace(r[1], "(no locality)", "No locality", 1), ""
			if kind == "practice" {
				practice = r[2][:strings.LastIndex(r[2], " (")] // without its ODS code
			}
			in := truth.rowPractices(kind, locality, practice)
			for i, cat := range []string{"enter", "leave", "change", "same"} {
				figs = append(figs, figure{"what-if " + kind + " " + locality + practice + " " + cat, cells[i], truth.whatIfAtoms(in, cat)})
			}
		}

		if len(figs) < 100 {
			t.Fatalf("only %d figures read", len(figs))
		}
		if leaks := derivable(figs); len(leaks) > 0 {
			t.Errorf("withheld counts that can be worked out from the views together:\n%s", strings.Join(leaks, "\n"))
		}
	})
}

// figure is one count a view shows: what it is, as shown, and the atoms
// (people, tasks, months' use) it counts.
type figure struct {
	what, shown string
	atoms       []string
}

// withheld reports whether a figure hides a count.
func (f figure) withheld() bool { return f.shown == "<5" || f.shown == "[c]" }

// derivable names every figure shown as "<5" whose count is a linear
// combination of the figures shown (exact rational arithmetic); a figure
// shown as 0 also says each of its atoms is none.
func derivable(figs []figure) []string {
	col := map[string]int{}
	index := func(a string) int {
		if i, ok := col[a]; ok {
			return i
		}
		col[a] = len(col)
		return col[a]
	}
	for _, f := range figs {
		for _, a := range f.atoms {
			index(a)
		}
	}
	vec := func(atoms []string) []*big.Rat {
		v := make([]*big.Rat, len(col))
		for i := range v {
			v[i] = new(big.Rat)
		}
		for _, a := range atoms {
			v[col[a]].SetInt64(1)
		}
		return v
	}
	var basis [][]*big.Rat // rows in echelon form, with their pivot columns
	var pivots []int
	reduce := func(v []*big.Rat) []*big.Rat {
		for i, b := range basis {
			p := pivots[i]
			if v[p].Sign() == 0 {
				continue
			}
			k := new(big.Rat).Quo(v[p], b[p])
			for j := range v {
				if b[j].Sign() != 0 {
					v[j].Sub(v[j], new(big.Rat).Mul(k, b[j]))
				}
			}
		}
		return v
	}
	add := func(v []*big.Rat) {
		v = reduce(v)
		for j := range v {
			if v[j].Sign() != 0 {
				basis, pivots = append(basis, v), append(pivots, j)
				return
			}
		}
	}
	for _, f := range figs {
		if f.withheld() || f.shown == "–" { // "–": no figure there
			continue
		}
		add(vec(f.atoms))
		if f.shown == "0" {
			for _, a := range f.atoms {
				add(vec([]string{a}))
			}
		}
	}
	var out []string
	for _, f := range figs {
		if f.shown != "<5" {
			continue
		}
		zero := true
		for _, x := range reduce(vec(f.atoms)) {
			if x.Sign() != 0 {
				zero = false
				break
			}
		}
		if zero {
			out = append(out, fmt.Sprintf("  %s (%d)", f.what, len(f.atoms)))
		}
	}
	sort.Strings(out)
	return out
}

// truth is the structure the views are counts over, as a viewer can know
// it: the practices (their names, localities and pilot), and the kinds of
// overdue work. The people are not atoms of their own: a viewer does not
// know who is in which group, only that everyone at a practice falls in
// exactly one cubeCell of a cube — in the cohort or not; if in it, their tier,
// whether it was decided, their care plan (none, current, review overdue);
// and where the what-if puts them (enter, leave, change of tier, same).
// Each count a view shows is the sum of some of those cells, empty or not;
// a count shown as 0 says each of its cells is empty.
type truth struct {
	practiceName map[string]string // id → name
	locality     map[string]string // practice id → locality name
	pilot        map[string]bool   // practice id → in the pilot
	kinds        []string          // of overdue work
}

// cubeCell is one cubeCell of a practice's cube.
type cubeCell struct {
	practice string
	cohort   bool
	tier     joinedup.Tier
	decided  bool
	plan     string // none, current, late
	whatIf   string // enter, leave, change, same
}

func (c cubeCell) String() string {
	return fmt.Sprintf("%s|%v|%s|%v|%s|%s", c.practice, c.cohort, c.tier, c.decided, c.plan, c.whatIf)
}

func managerTruth(t *testing.T, f *fixture) *truth {
	t.Helper()
	ctx := context.Background()
	today := f.clock.Now().Truncate(24 * time.Hour)
	tr := &truth{practiceName: map[string]string{}, locality: map[string]string{}, pilot: map[string]bool{}}
	ps, err := store.DashboardPractices(ctx, f.db, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		tr.practiceName[p.PracticeID], tr.locality[p.PracticeID], tr.pilot[p.PracticeID] = p.PracticeName, p.LocalityName, p.InPilot(f.clock.Now())
	}
	counts, err := store.OverdueCounts(ctx, f.db, today)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range counts {
		if !seen[c.Kind] {
			seen[c.Kind] = true
			tr.kinds = append(tr.kinds, c.Kind)
		}
	}
	return tr
}

// cells are every cubeCell of the practices' cubes.
func (tr *truth) cells(practices []string) []cubeCell {
	var out []cubeCell
	for _, p := range practices {
		for _, w := range []string{"enter", "leave", "change", "same"} {
			out = append(out, cubeCell{practice: p, whatIf: w})
		}
		for _, tier := range []joinedup.Tier{joinedup.TierRed, joinedup.TierAmber, joinedup.TierGreen} {
			for _, decided := range []bool{false, true} {
				for _, plan := range []string{"none", "current", "late"} {
					// In the cohort now, so not entering it.
					for _, w := range []string{"leave", "change", "same"} {
						out = append(out, cubeCell{p, true, tier, decided, plan, w})
					}
				}
			}
		}
	}
	return out
}

// rowPractices are the practices a row of a view covers: a practice (by
// locality and name), a locality ("Name (all practices)"), a group of the
// pilot, or every practice.
func (tr *truth) rowPractices(kind, locality, practice string) []string {
	var out []string
	for id, name := range tr.practiceName {
		loc := tr.locality[id]
		if loc == "" {
			loc = "No locality"
		}
		switch kind {
		case "practice":
			if name == practice && (locality == "" || locality == loc || locality == tr.locality[id]) {
				out = append(out, id)
			}
		case "locality":
			if loc+" (all practices)" == locality {
				out = append(out, id)
			}
		case "group":
			if tr.pilot[id] == (locality == "In the pilot") {
				out = append(out, id)
			}
		case "total":
			out = append(out, id)
		}
	}
	return out
}

// measure is whom a dashboard measure counts, among the cohort; nil for a
// measure that is not a count of people.
func (tr *truth) measure(m string) func(cubeCell) bool {
	aor := func(x cubeCell) bool { return x.tier == joinedup.TierRed || x.tier == joinedup.TierAmber }
	return map[string]func(cubeCell) bool{
		"In cohort":                 func(cubeCell) bool { return true },
		"Red":                       func(x cubeCell) bool { return x.tier == joinedup.TierRed },
		"Amber":                     func(x cubeCell) bool { return x.tier == joinedup.TierAmber },
		"Green":                     func(x cubeCell) bool { return x.tier == joinedup.TierGreen },
		"Tier decided":              func(x cubeCell) bool { return x.decided },
		"Amber or Red":              aor,
		"With a care plan":          func(x cubeCell) bool { return aor(x) && x.plan != "none" },
		"Care-plan reviews overdue": func(x cubeCell) bool { return x.plan == "late" },
		"Tasks overdue":             nil, // tasks, not people: see atoms
	}[m]
}

// atoms are the cells of the practices' cohort that pred counts; a
// measure of tasks counts the practices' overdue work.
func (tr *truth) atoms(practices []string, pred func(cubeCell) bool) []string {
	if pred == nil {
		return tr.taskAtoms(practices, "")
	}
	var out []string
	for _, c := range tr.cells(practices) {
		if c.cohort && pred(c) {
			out = append(out, c.String())
		}
	}
	return out
}

// taskAtoms are the practices' overdue work, of one kind or all.
func (tr *truth) taskAtoms(practices []string, kind string) []string {
	var out []string
	for _, p := range practices {
		for _, k := range tr.kinds {
			if kind == "" || k == kind {
				out = append(out, "tasks|"+p+"|"+k)
			}
		}
	}
	return out
}

// registered are everyone registered at the practices of that name.
func (tr *truth) registered(name string) []string {
	var out []string
	for id, n := range tr.practiceName {
		if n == name {
			for _, c := range tr.cells([]string{id}) {
				out = append(out, c.String())
			}
		}
	}
	return out
}

// whatIfAtoms are the cells of the practices the dry run puts in cat.
func (tr *truth) whatIfAtoms(practices []string, cat string) []string {
	var out []string
	for _, c := range tr.cells(practices) {
		if c.whatIf == cat {
			out = append(out, c.String())
		}
	}
	return out
}

// cohortCountRows reads the aggregate cohort table: locality, practice
// (with its ODS code), Red, Amber, Green and In cohort.
func cohortCountRows(t *testing.T, page string) [][]string {
	t.Helper()
	i := strings.Index(page, `id="results"`)
	if i < 0 {
		t.Fatal("no results")
	}
	page = page[i:]
	var out [][]string
	for _, m := range regexpRow.FindAllStringSubmatch(page, -1) {
		var r []string
		for _, c := range tableCell.FindAllStringSubmatch(m[1], -1) {
			r = append(r, html.UnescapeString(strings.TrimSpace(tags.ReplaceAllString(c[1], ""))))
		}
		if len(r) == 6 && r[0] != "Locality" { // not the heading
			out = append(out, r)
		}
	}
	return out
}

// regexpRow is a row of a table without a data-row attribute.
var regexpRow = regexp.MustCompile(`(?s)<tr class="nhsuk-table__row">(.*?)</tr>`)

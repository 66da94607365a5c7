package web

import (
	"fmt"
	"sort"
	"time"

	"github.com/joinedup/joinedup/disclosure"
	"github.com/joinedup/joinedup/store"
)

// managerFigures are the counts the LCN manager's views show of the cohort
// and its work, protected together. The dashboard's practice table (and
// its CSV), the cohort page's counts and the counts of overdue work all
// show their figures from this one table, so no figure one of them shows
// can be set against another's to work out a count a view withholds.
type managerFigures struct {
	t disclosure.Table
	// rows are the practices of each locality followed by the
	// locality's total, in the dashboard's order; total is the LCN's.
	rows  []*dashRow
	total *dashRow
	// groups are the LCN total and, when some practice is in the pilot,
	// the practices in the pilot and those not yet.
	groups   [3]*dashRow
	hasPilot bool
	// kinds are each locality row's overdue tasks by kind: cell indices.
	kinds map[*dashRow]map[string]int
}

// groupNames name the dashboard's groups of practices.
var groupNames = [3]string{"All practices", "In the pilot", "Not yet in the pilot"}

// loadManagerFigures reads and protects the figures as of the call's day.
func loadManagerFigures(c *Call) (*managerFigures, error) {
	ctx := c.R.Context()
	today := c.Now.Truncate(24 * time.Hour)
	practices, err := store.DashboardPractices(ctx, c.Q, today)
	if err != nil {
		return nil, err
	}
	overdue, err := store.OverdueCounts(ctx, c.Q, today)
	if err != nil {
		return nil, err
	}
	byKind := map[string]map[string]int{} // practice → kind → tasks
	for _, o := range overdue {
		if byKind[o.PracticeID] == nil {
			byKind[o.PracticeID] = map[string]int{}
		}
		byKind[o.PracticeID][o.Kind] += o.Tasks
	}
	f := &managerFigures{kinds: map[*dashRow]map[string]int{}}
	t := &f.t
	addRow := func(r *dashRow, vals [nCols]int) {
		for k := range nCols {
			r.cells[k] = t.Cell(vals[k])
		}
		t.Sum(r.cells[colCohort], r.cells[colRed], r.cells[colAmber], r.cells[colGreen])
		t.Sum(r.cells[colHighTier], r.cells[colRed], r.cells[colAmber])
	}
	valsOf := func(p store.PracticeFigures) [nCols]int {
		return [nCols]int{p.Cohort, p.Red, p.Amber, p.Green, p.Decided, p.HighTier, p.WithPlan, p.OverdueReviews, p.OverdueTasks}
	}
	plus := func(a, b [nCols]int) [nCols]int {
		for k := range a {
			a[k] += b[k]
		}
		return a
	}
	tieSum := func(total *dashRow, parts []*dashRow) {
		if len(parts) == 0 {
			return
		}
		for k := range nCols {
			idx := make([]int, len(parts))
			for i, p := range parts {
				idx[i] = p.cells[k]
			}
			t.Sum(total.cells[k], idx...)
		}
	}
	var (
		localities              []*dashRow
		pilot, notYet, locParts []*dashRow
		locVals, allVals        [nCols]int
		pilotVals, notYetVals   [nCols]int
		locKinds                map[string]int
		current                 = "\x00"
		currentID               string
	)
	closeLocality := func() {
		if current == "\x00" {
			return
		}
		name := current
		if name == "" {
			name = "No locality"
		}
		lr := &dashRow{Kind: "locality", Locality: name + " (all practices)", LocalityID: currentID}
		addRow(lr, locVals)
		tieSum(lr, locParts)
		// The locality's overdue work by kind adds up to its total.
		kinds := make([]string, 0, len(locKinds))
		for k := range locKinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		f.kinds[lr] = map[string]int{}
		var parts []int
		for _, k := range kinds {
			i := t.Cell(locKinds[k])
			f.kinds[lr][k] = i
			parts = append(parts, i)
		}
		t.Sum(lr.cells[colOverdueTasks], parts...)
		f.rows = append(f.rows, lr)
		localities = append(localities, lr)
	}
	for _, p := range practices {
		if p.LocalityName != current {
			closeLocality()
			current, currentID, locVals, locParts, locKinds = p.LocalityName, p.LocalityID, [nCols]int{}, nil, map[string]int{}
		}
		r := &dashRow{Kind: "practice", Locality: p.LocalityName, Practice: p.PracticeName, PracticeID: p.PracticeID, ODS: p.ODS,
			LocalityID: p.LocalityID}
		if p.InPilot(c.Now) {
			r.Pilot = p.PilotSince.Format("Jan 2006")
			pilot = append(pilot, r)
			pilotVals = plus(pilotVals, valsOf(p))
		} else {
			notYet = append(notYet, r)
			notYetVals = plus(notYetVals, valsOf(p))
		}
		addRow(r, valsOf(p))
		f.rows = append(f.rows, r)
		locParts = append(locParts, r)
		locVals = plus(locVals, valsOf(p))
		allVals = plus(allVals, valsOf(p))
		for k, n := range byKind[p.PracticeID] {
			locKinds[k] += n
		}
	}
	closeLocality()
	f.total = &dashRow{Kind: "total", Locality: "All localities"}
	addRow(f.total, allVals)
	tieSum(f.total, localities)
	f.hasPilot = len(pilot) > 0
	f.groups = [3]*dashRow{f.total}
	if f.hasPilot {
		f.groups[1] = &dashRow{Kind: "group", Locality: groupNames[1]}
		f.groups[2] = &dashRow{Kind: "group", Locality: groupNames[2]}
		addRow(f.groups[1], pilotVals)
		addRow(f.groups[2], notYetVals)
		tieSum(f.groups[1], pilot)
		tieSum(f.groups[2], notYet)
		tieSum(f.total, f.groups[1:])
	}
	t.Protect()
	for _, r := range append(append([]*dashRow(nil), f.rows...), f.groups[:]...) {
		if r != nil {
			f.show(r)
		}
	}
	return f, nil
}

// show sets a row's cells as shown, and its care-plan coverage where both
// counts behind it are shown (else it would give a withheld one away).
func (f *managerFigures) show(r *dashRow) {
	for k := range nCols {
		r.Cells[k] = f.t.Show(r.cells[k])
	}
	hi, wp := r.cells[colHighTier], r.cells[colWithPlan]
	if f.t.Visible(hi) && f.t.Visible(wp) && f.t.Value(hi) > 0 {
		r.covered = true
		r.coverage = 100 * float64(f.t.Value(wp)) / float64(f.t.Value(hi))
		r.Coverage = fmt.Sprintf("%.0f%%", r.coverage)
	} else {
		r.Coverage = "–"
	}
}

// practices are the practice rows, in order.
func (f *managerFigures) practices() []*dashRow {
	var out []*dashRow
	for _, r := range f.rows {
		if r.Kind == "practice" {
			out = append(out, r)
		}
	}
	return out
}

package web

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/disclosure"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/web/chart"
)

// dashboardMonths is how far back the monthly figures go.
const dashboardMonths = 24

// The count columns of the dashboard's practice table.
const (
	colCohort = iota
	colRed
	colAmber
	colGreen
	colDecided
	colHighTier
	colWithPlan
	colOverdueReviews
	colOverdueTasks
	nCols
)

// dashColumns are the practice table's headings, in column order.
var dashColumns = [nCols]string{"In cohort", "Red", "Amber", "Green", "Tier decided", "Amber or Red", "With a care plan",
	"Care-plan reviews overdue", "Tasks overdue"}

// dashRow is a row of the practice table: a practice, a locality total, a
// pilot group or the LCN total, with its counts as shown.
type dashRow struct {
	Kind               string // "practice", "locality", "group" or "total"
	Locality, Practice string
	// PracticeID and ODS name a practice row's practice; LocalityID the
	// locality of a practice or locality row.
	PracticeID, ODS, LocalityID string
	Pilot                       string // the pilot date of a practice, or "" if none
	Cells                       [nCols]string
	// Coverage is the share of the Amber/Red with a care plan, shown only
	// when both counts are shown (else it would give a hidden one away).
	Coverage string

	cells    [nCols]int // indices into the disclosure table
	coverage float64
	covered  bool
}

// Name is the row's label.
func (r dashRow) Name() string {
	if r.Kind == "practice" {
		return r.Practice
	}
	return r.Locality
}

// useRow is one month of unplanned hospital use, per 1,000 of the cohort.
type useRow struct {
	Month string
	// Per group (all, pilot, not yet): counts and rates as shown.
	AE, Emergency         [3]string
	AERate, EmergencyRate [3]string

	ae, em       [3]int
	aeOK, emOK   [3]bool
	aeVal, emVal [3]float64
}

// moveRow is one month of tier movement.
type moveRow struct {
	Month    string
	Up, Down string
	up, down int
}

// dashboardData is the dashboard page and its CSV.
type dashboardData struct {
	AsOf      time.Time
	Rows      []dashRow
	Groups    []dashRow // pilot, not yet (only when some practice is in the pilot)
	HasPilot  bool
	GroupName [3]string
	Use       []useRow
	Moves     []moveRow
	Charts    struct{ Tiers, Coverage, AE, Emergency, Moves chart.Chart }
	OneDay    oneDayFigures
}

// oneDayFigures is the dashboard's view of store.OneDayUse: per person, and
// withheld when few people have a schedule.
type oneDayFigures struct {
	People   int
	Withheld bool
	// Per person: appointments and hospital days, the year before the
	// first schedule and the year from it.
	ApptsBefore, ApptsAfter, DaysBefore, DaysAfter string
}

func newOneDayFigures(u store.OneDayUse) oneDayFigures {
	f := oneDayFigures{People: u.People, Withheld: disclosure.Small(u.People)}
	if u.People == 0 || f.Withheld {
		return f
	}
	per := func(n int) string { return fmt.Sprintf("%.1f", float64(n)/float64(u.People)) }
	f.ApptsBefore, f.ApptsAfter, f.DaysBefore, f.DaysAfter = per(u.AppointmentsBefore), per(u.AppointmentsAfter), per(u.DaysBefore), per(u.DaysAfter)
	return f
}

// Columns are the practice table's count headings.
func (d *dashboardData) Columns() []string { return dashColumns[:] }

// buildDashboard gathers the dashboard's figures and protects small
// numbers across all of them.
func buildDashboard(c *Call) (*dashboardData, error) {
	ctx := c.R.Context()
	from := c.Now.AddDate(0, -(dashboardMonths - 1), 0)
	use, err := store.CohortMonthlyUse(ctx, c.Q, from, c.Now, c.Now)
	if err != nil {
		return nil, err
	}
	moves, err := store.TierMovement(ctx, c.Q, from, c.Now)
	if err != nil {
		return nil, err
	}
	f, err := loadManagerFigures(c)
	if err != nil {
		return nil, err
	}
	t, total, groups := &f.t, f.total, f.groups
	d := &dashboardData{AsOf: c.Now, GroupName: groupNames, HasPilot: f.hasPilot}
	oneDay, err := store.OneDayFigures(ctx, c.Q)
	if err != nil {
		return nil, err
	}
	d.OneDay = newOneDayFigures(oneDay)

	// Monthly use: counts per month and group, tied by all = pilot + not
	// yet. The denominators are the cohort cells above.
	var u disclosure.Table
	series := [3]store.UseSeries{use.All, use.Pilot, use.NotYet}
	d.Use = make([]useRow, len(use.All.Months))
	for i := range d.Use {
		r := &d.Use[i]
		r.Month = use.All.Months[i].Month.Format("Jan 2006")
		for g := range 3 {
			if g > 0 && !d.HasPilot {
				continue
			}
			r.ae[g] = u.Cell(series[g].Months[i].AE)
			r.em[g] = u.Cell(series[g].Months[i].Emergency)
		}
		if d.HasPilot {
			u.Sum(r.ae[0], r.ae[1], r.ae[2])
			u.Sum(r.em[0], r.em[1], r.em[2])
		}
	}
	var mv disclosure.Table // no sums are shown, so each month stands alone
	d.Moves = make([]moveRow, len(moves))
	for i, m := range moves {
		d.Moves[i] = moveRow{Month: m.Month.Format("Jan 2006"), up: mv.Cell(m.Up), down: mv.Cell(m.Down)}
	}

	u.Protect()
	for _, r := range f.rows {
		d.Rows = append(d.Rows, *r)
	}
	d.Rows = append(d.Rows, *total)
	if d.HasPilot {
		d.Groups = []dashRow{*groups[1], *groups[2]}
	}
	for i := range d.Use {
		r := &d.Use[i]
		for g := range 3 {
			if g > 0 && !d.HasPilot {
				r.AE[g], r.Emergency[g], r.AERate[g], r.EmergencyRate[g] = "–", "–", "–", "–"
				continue
			}
			size := groups[g].cells[colCohort]
			r.AE[g], r.Emergency[g] = u.Show(r.ae[g]), u.Show(r.em[g])
			r.AERate[g], r.aeVal[g], r.aeOK[g] = rate(&u, r.ae[g], t, size)
			r.EmergencyRate[g], r.emVal[g], r.emOK[g] = rate(&u, r.em[g], t, size)
		}
	}
	for i := range d.Moves {
		m := &d.Moves[i]
		m.Up, m.Down = mv.Show(m.up), mv.Show(m.down)
	}
	d.charts(t, &mv)
	return d, nil
}

// rate is a count per 1,000 of the cohort, shown only when the count and
// the cohort size are both shown: a rate beside its denominator gives the
// count away.
func rate(counts *disclosure.Table, n int, sizes *disclosure.Table, size int) (string, float64, bool) {
	if !counts.Visible(n) || !sizes.Visible(size) || sizes.Value(size) == 0 {
		return "–", 0, false
	}
	v := 1000 * float64(counts.Value(n)) / float64(sizes.Value(size))
	return fmt.Sprintf("%.1f", v), v, true
}

// charts draws the dashboard's charts from the figures as shown.
func (d *dashboardData) charts(t, mv *disclosure.Table) {
	var tiers, cover []chart.Bar
	for _, r := range d.Rows {
		if r.Kind != "practice" {
			continue
		}
		tiers = append(tiers, chart.Bar{Label: r.Practice, Note: fmt.Sprintf("%s red, %s amber, %s green", r.Cells[colRed], r.Cells[colAmber], r.Cells[colGreen]),
			Segs: []chart.Seg{
				{Value: float64(t.Value(r.cells[colRed])), Shown: t.Visible(r.cells[colRed]), Fill: chart.Red},
				{Value: float64(t.Value(r.cells[colAmber])), Shown: t.Visible(r.cells[colAmber]), Fill: chart.Amber},
				{Value: float64(t.Value(r.cells[colGreen])), Shown: t.Visible(r.cells[colGreen]), Fill: chart.Green}}})
		cover = append(cover, chart.Bar{Label: r.Practice, Note: r.Coverage, Segs: []chart.Seg{{Value: r.coverage, Shown: r.covered, Fill: chart.Blue}}})
	}
	d.Charts.Tiers = chart.HBar("chart-tiers", "Cohort by practice and current tier",
		"Stacked bars, one per practice: people in the cohort by current tier (red, amber, green). Counts under 5 are not drawn. The figures are in the table below.",
		tiers, 0, "", []chart.Key{{Label: "Red", Fill: chart.Red}, {Label: "Amber", Fill: chart.Amber}, {Label: "Green", Fill: chart.Green}})
	d.Charts.Coverage = chart.HBar("chart-coverage", "Care-plan coverage of the Amber and Red cohort, by practice",
		"Bars, one per practice: the percentage of Amber and Red patients with a current care plan. Practices whose figures are withheld have no bar. The figures are in the table below.",
		cover, 100, "%", nil)
	var months []string
	for _, m := range d.Use {
		months = append(months, m.Month)
	}
	mk := func(vals func(useRow, int) (float64, bool)) []chart.Series {
		styles := []struct{ stroke, dash string }{{chart.Dark, ""}, {chart.Blue, "8 4"}, {chart.Purple, "2 3"}}
		var ss []chart.Series
		for g := range 3 {
			if g > 0 && !d.HasPilot {
				break
			}
			s := chart.Series{Name: d.GroupName[g], Stroke: styles[g].stroke, Dash: styles[g].dash}
			for _, r := range d.Use {
				v, ok := vals(r, g)
				s.Values, s.Shown = append(s.Values, v), append(s.Shown, ok)
			}
			ss = append(ss, s)
		}
		return ss
	}
	d.Charts.AE = chart.Lines("chart-ae", "A&E attendances per 1,000 in the cohort, by month",
		"Lines by month over the last 24 months, for all practices and, where there is a pilot, for pilot practices and the others. Gaps are months whose count is under 5. The figures are in the table below.",
		months, mk(func(r useRow, g int) (float64, bool) { return r.aeVal[g], r.aeOK[g] }), "")
	d.Charts.Emergency = chart.Lines("chart-emergency", "Emergency admissions per 1,000 in the cohort, by month",
		"Lines by month over the last 24 months, for all practices and, where there is a pilot, for pilot practices and the others. Gaps are months whose count is under 5. The figures are in the table below.",
		months, mk(func(r useRow, g int) (float64, bool) { return r.emVal[g], r.emOK[g] }), "")
	up := chart.Series{Name: "Moved up (towards Red)", Stroke: chart.Red}
	down := chart.Series{Name: "Moved down (towards Green)", Stroke: chart.Green}
	var moveMonths []string
	for _, m := range d.Moves {
		moveMonths = append(moveMonths, m.Month)
		up.Values, up.Shown = append(up.Values, float64(mv.Value(m.up))), append(up.Shown, mv.Visible(m.up))
		down.Values, down.Shown = append(down.Values, float64(mv.Value(m.down))), append(down.Shown, mv.Visible(m.down))
	}
	d.Charts.Moves = chart.Columns("chart-moves", "Tier moves by month",
		"Paired columns by month over the last 24 months: tier decisions that moved a patient up towards Red, and down towards Green. Months under 5 have no column. The figures are in the table below.",
		moveMonths, []chart.Series{up, down})
}

// dashboardPage is the LCN dashboard: aggregates only, small numbers
// suppressed, with charts and their tables.
func (s *Server) dashboardPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeAggregate {
		return joinedup.Forbidden("%s", "the dashboard shows aggregates only")
	}
	d, err := buildDashboard(c)
	if err != nil {
		return err
	}
	c.Audit.What += " (aggregates, small numbers suppressed)"
	return c.Page(http.StatusOK, "dashboard.html", "LCN dashboard", d)
}

// dashboardCSV is the dashboard's figures as CSV: the same cells, protected
// the same way, so the download never shows what the page withholds.
func (s *Server) dashboardCSV(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeAggregate {
		return joinedup.Forbidden("%s", "the dashboard shows aggregates only")
	}
	d, err := buildDashboard(c)
	if err != nil {
		return err
	}
	c.Audit.What += " (aggregates, small numbers suppressed)"
	c.W.Header().Set("Content-Disposition", `attachment; filename="lcn-dashboard-`+c.Now.Format(time.DateOnly)+`.csv"`)
	return c.Stream(http.StatusOK, "text/csv; charset=utf-8", func(w io.Writer) error { return d.writeCSV(w) })
}

// writeCSV writes the figures in long form: one figure a line.
func (d *dashboardData) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := func(fields ...string) {
		for i, f := range fields {
			fields[i] = csvSafe(f)
		}
		_ = cw.Write(fields)
	}
	rec("section", "row", "locality", "practice", "period", "measure", "value")
	asOf := d.AsOf.Format(time.DateOnly)
	for _, r := range append(append([]dashRow(nil), d.Rows...), d.Groups...) {
		practice := ""
		if r.Kind == "practice" {
			practice = r.Practice
			pilot := r.Pilot
			if pilot == "" {
				pilot = "not in pilot"
			}
			rec("practices", r.Kind, r.Locality, practice, asOf, "Pilot since", pilot)
		}
		loc := r.Locality
		for k := range nCols {
			rec("practices", r.Kind, loc, practice, asOf, dashColumns[k], r.Cells[k])
		}
		rec("practices", r.Kind, loc, practice, asOf, "Care-plan coverage", r.Coverage)
	}
	for _, m := range d.Use {
		for g := range 3 {
			if g > 0 && !d.HasPilot {
				break
			}
			rec("hospital use", "group", d.GroupName[g], "", m.Month, "A&E attendances", m.AE[g])
			rec("hospital use", "group", d.GroupName[g], "", m.Month, "A&E attendances per 1,000", m.AERate[g])
			rec("hospital use", "group", d.GroupName[g], "", m.Month, "Emergency admissions", m.Emergency[g])
			rec("hospital use", "group", d.GroupName[g], "", m.Month, "Emergency admissions per 1,000", m.EmergencyRate[g])
		}
	}
	for _, m := range d.Moves {
		rec("tier movement", "total", "All localities", "", m.Month, "Moved up", m.Up)
		rec("tier movement", "total", "All localities", "", m.Month, "Moved down", m.Down)
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a name from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

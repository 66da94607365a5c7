package web

import (
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func init() {
	manager := only(cell{200, 200}, joinedup.RoleLCNManager)
	accessMatrix["GET /dashboard"] = matrixRow{path: fixed("/dashboard"), anon: 303, def: forbidden, want: manager}
	accessMatrix["GET /dashboard.csv"] = matrixRow{path: fixed("/dashboard.csv"), anon: 401, def: forbidden, want: manager}
	accessMatrix["GET /policy/what-if"] = matrixRow{path: fixed("/policy/what-if"), anon: 303, def: forbidden, want: manager}
	accessMatrix["POST /policy/what-if"] = matrixRow{path: fixed("/policy/what-if"), anon: 303, def: forbidden, want: manager,
		body: func(*fixture) string { return "version=" + shippedPolicy }}
}

var (
	tableRow  = regexp.MustCompile(`(?s)<tr class="nhsuk-table__row" data-row="(\w+)">(.*?)</tr>`)
	tableCell = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tags      = regexp.MustCompile(`<[^>]+>`)
)

// tableRows reads the rows of the table with id from a page, as the text of
// their cells.
func tableRows(t *testing.T, page, id string) [][]string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no table %s", id)
	}
	page = page[i:]
	page = page[:strings.Index(page, "</table>")]
	var out [][]string
	for _, m := range tableRow.FindAllStringSubmatch(page, -1) {
		r := []string{m[1]}
		for _, c := range tableCell.FindAllStringSubmatch(m[2], -1) {
			r = append(r, html.UnescapeString(strings.TrimSpace(tags.ReplaceAllString(c[1], ""))))
		}
		out = append(out, r)
	}
	return out
}

// TestDashboard: the LCN dashboard shows exact figures, small numbers
// suppressed, and withholds what would let a small number be worked out;
// the CSV holds the same cells.
func TestDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		storetest.Dashboard(t, db)
		tok := f.session(t, joinedup.RoleLCNManager)
		w := f.do("GET", "/dashboard", "", tok)
		if w.Code != 200 {
			t.Fatalf("dashboard: %d %s", w.Code, w.Body)
		}
		page := w.Body.String()
		lt := "<5"
		want := [][]string{
			{"practice", "", "Org PRACA", "Not yet", "[c]", "[c]", "[c]", "[c]", "[c]", "[c]", "0", "[c]", "[c]", "–"},
			{"practice", "", "Org PRACB", "Not yet", "[c]", "[c]", "[c]", "[c]", "[c]", "[c]", "0", "[c]", "[c]", "–"},
			{"locality", "No locality (all practices)", "[c]", "[c]", "[c]", "[c]", "[c]", "[c]", "0", "[c]", "[c]", "–"},
			{"practice", "North", "Alpha Surgery", "Oct 2024", "[c]", "[c]", lt, lt, "[c]", "[c]", "12", lt, "[c]", "–"},
			{"practice", "North", "Beta Medical Centre", "Not yet", "[c]", "[c]", lt, "[c]", "[c]", "[c]", "7", "[c]", lt, "–"},
			{"locality", "North (all practices)", "[c]", "[c]", "[c]", lt, "[c]", "25", "19", lt, "[c]", "76%"},
			{"practice", "South", "Gamma Health Centre", "Jan 2025", "[c]", lt, "[c]", "[c]", lt, "[c]", "6", "[c]", "[c]", "–"},
			{"locality", "South (all practices)", "[c]", lt, "[c]", "[c]", lt, "[c]", "6", "[c]", "[c]", "–"},
			// Red 15 + 5 + 2, Amber or Red 16 + 9 + 8, with a plan
			// 12 + 7 + 6, tasks 7 + 4 + 9. No one is counted at the
			// practices without a locality: their 0s are shown.
			{"total", "All localities", "42", "22", "[c]", "[c]", "[c]", "33", "25", lt, "20", "76%"},
		}
		got := tableRows(t, page, "practice-table")
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("practice table:\n%s\nwant\n%s", rowsText(got), rowsText(want))
		}
		groups := tableRows(t, page, "pilot-table")
		wantGroups := [][]string{
			// Alpha and Gamma: 19 + 14 in the cohort, Red 15 + 2, Amber/Red
			// 16 + 8, with a plan 12 + 6: coverage 18 of 24.
			{"group", "In the pilot", "33", "[c]", "[c]", "[c]", "[c]", "24", "18", lt, "[c]", "75%"},
			{"group", "Not yet in the pilot", "[c]", "[c]", lt, "[c]", "[c]", "[c]", "7", "[c]", lt, "–"},
		}
		if !slices.EqualFunc(groups, wantGroups, slices.Equal) {
			t.Errorf("pilot table:\n%s\nwant\n%s", rowsText(groups), rowsText(wantGroups))
		}
		// An attacker's view: solve every sum the page shows that has one
		// unknown, repeatedly; no small number may come out.
		attack(t, append(got, groups...))
		csvBody := f.do("GET", "/dashboard.csv", "", tok)
		if csvBody.Code != 200 || !strings.HasPrefix(csvBody.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", csvBody.Code, csvBody.Header())
		}
		recs, err := csv.NewReader(csvBody.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		cells := map[string]string{}
		for _, r := range recs[1:] {
			cells[r[0]+"|"+r[2]+"|"+r[3]+"|"+r[4]+"|"+r[5]] = r[6]
		}
		for k, v := range map[string]string{
			"practices|North|Alpha Surgery|2025-06-02|Amber or Red":         "[c]",
			"practices|North|Alpha Surgery|2025-06-02|Green":                lt,
			"practices|North|Alpha Surgery|2025-06-02|Red":                  "[c]",
			"practices|All localities||2025-06-02|Red":                      "22",
			"practices|In the pilot||2025-06-02|In cohort":                  "33",
			"hospital use|All practices||Apr 2025|A&E attendances":          "12",
			"hospital use|In the pilot||Apr 2025|A&E attendances":           "7",
			"hospital use|In the pilot||Apr 2025|A&E attendances per 1,000": "212.1", // 7 of 33
			"hospital use|Not yet in the pilot||Apr 2025|A&E attendances":   "5",
			// 5 in all and none not yet: none is a fact about no one.
			"hospital use|In the pilot||Apr 2025|Emergency admissions":         "5",
			"hospital use|Not yet in the pilot||Apr 2025|Emergency admissions": "0",
			"hospital use|All practices||May 2025|A&E attendances":             lt,
			"tier movement|All localities||Mar 2025|Moved up":                  "5",
			"tier movement|All localities||Apr 2025|Moved up":                  lt,
		} {
			if cells[k] != v {
				t.Errorf("CSV %s = %q, want %q", k, cells[k], v)
			}
		}
		// The page shows what the CSV does.
		for _, r := range recs[1:] {
			if r[0] == "practices" && r[1] == "practice" && r[5] == "Red" {
				found := false
				for _, g := range got {
					found = found || (g[2] == r[3] && g[5] == r[6])
				}
				if !found {
					t.Errorf("CSV %v is not what the page shows", r)
				}
			}
		}
	})
}

func rowsText(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(fmt.Sprintf("%q\n", r))
	}
	return b.String()
}

// attack works out what it can from the dashboard's practice and pilot
// tables: in each row, cohort = red + amber + green and Amber/Red = red +
// amber; in each column, a locality is the sum of its practices, the LCN
// the sum of its localities, and each pilot group the sum of its
// practices. A sum with exactly one unknown gives that unknown; it must
// never be a small number.
func attack(t *testing.T, rows [][]string) {
	t.Helper()
	type ref struct{ row, col int }
	val := map[ref]int{}
	known := map[ref]bool{}
	first := func(r []string) int { // first count column
		if r[0] == "practice" {
			return 4
		}
		return 2
	}
	for i, r := range rows {
		for k := range nCols {
			if n, err := strconv.Atoi(r[first(r)+k]); err == nil {
				val[ref{i, k}], known[ref{i, k}] = n, true
			}
		}
	}
	type sum struct {
		total ref
		parts []ref
	}
	var sums []sum
	var locs, pilot, notYet []int
	var parts []int
	total := -1
	for i, r := range rows {
		sums = append(sums, sum{ref{i, colCohort}, []ref{{i, colRed}, {i, colAmber}, {i, colGreen}}},
			sum{ref{i, colHighTier}, []ref{{i, colRed}, {i, colAmber}}})
		switch r[0] {
		case "practice":
			parts = append(parts, i)
			if r[3] == "Not yet" {
				notYet = append(notYet, i)
			} else {
				pilot = append(pilot, i)
			}
		case "locality":
			for k := range nCols {
				s := sum{total: ref{i, k}}
				for _, p := range parts {
					s.parts = append(s.parts, ref{p, k})
				}
				sums = append(sums, s)
			}
			locs, parts = append(locs, i), nil
		case "total":
			total = i
		case "group":
			members := pilot
			if r[1] == "Not yet in the pilot" {
				members = notYet
			}
			for k := range nCols {
				s := sum{total: ref{i, k}}
				for _, p := range members {
					s.parts = append(s.parts, ref{p, k})
				}
				sums = append(sums, s)
			}
		}
	}
	for k := range nCols {
		s := sum{total: ref{total, k}}
		for _, l := range locs {
			s.parts = append(s.parts, ref{l, k})
		}
		sums = append(sums, s)
	}
	for changed := true; changed; {
		changed = false
		for _, s := range sums {
			cells := append([]ref{s.total}, s.parts...)
			var unknown []ref
			for _, c := range cells {
				if !known[c] {
					unknown = append(unknown, c)
				}
			}
			if len(unknown) != 1 {
				continue
			}
			u := unknown[0]
			v := val[s.total]
			if u == s.total {
				v = 0
				for _, p := range s.parts {
					v += val[p]
				}
			} else {
				for _, p := range s.parts {
					if p != u {
						v -= val[p]
					}
				}
			}
			val[u], known[u], changed = v, true, true
			if rows[u.row][first(rows[u.row])+u.col] == "<5" {
				t.Errorf("the small count at %q, %s can be worked out: %d", rows[u.row][1:3], dashColumns[u.col], v)
			}
		}
	}
}

// The one-day figures are per person, and withheld for a handful of people
// whom they would describe.
func TestOneDayFigures(t *testing.T) {
	tests := []struct {
		use  store.OneDayUse
		want oneDayFigures
	}{
		{store.OneDayUse{}, oneDayFigures{}},
		{store.OneDayUse{People: 3, AppointmentsBefore: 12, AppointmentsAfter: 11, DaysBefore: 10, DaysAfter: 4},
			oneDayFigures{People: 3, Withheld: true}},
		{store.OneDayUse{People: 8, AppointmentsBefore: 40, AppointmentsAfter: 38, DaysBefore: 34, DaysAfter: 17},
			oneDayFigures{People: 8, ApptsBefore: "5.0", ApptsAfter: "4.8", DaysBefore: "4.2", DaysAfter: "2.1"}},
	}
	for _, tt := range tests {
		if got := newOneDayFigures(tt.use); got != tt.want {
			t.Errorf("%+v: got %+v, want %+v", tt.use, got, tt.want)
		}
	}
}

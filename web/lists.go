package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// listRoutes are the pages that list patients: the worklist and the cohort.
func (s *Server) listRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/worklist", Action: joinedup.ActionListPatients, Page: true, Handle: s.worklistPage},
		{Method: "GET", Pattern: "/cohort", Action: joinedup.ActionListPatients, Page: true, Handle: s.cohortPage},
	}
}

func init() { routeGroups = append(routeGroups, (*Server).listRoutes) }

// age is the whole years from birth to now.
func age(birth, now time.Time) int {
	if birth.IsZero() {
		return 0
	}
	y := now.Year() - birth.Year()
	if now.YearDay() < birth.YearDay() {
		y--
	}
	return y
}

// patientRow is a patient as lists show them.
type patientRow struct {
	store.CohortRow
	Age int
}

func rowsOf(rs []store.CohortRow, now time.Time) []patientRow {
	out := make([]patientRow, len(rs))
	for i, r := range rs {
		out[i] = patientRow{CohortRow: r, Age: age(r.Patient.BirthDate, now)}
	}
	return out
}

// worklistData is the worklist page.
type worklistData struct {
	Tasks         []store.WorkItem
	Overdue       map[string]bool // task id → past due
	Awaiting      []patientRow
	AwaitingTotal int
	Caseload      []patientRow
	CaseloadTotal int
}

// worklistPage is where a clinician's day starts: tasks due, patients whose
// suggested tier awaits a decision, and the caseload.
func (s *Server) worklistPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return c.Redirect("/cohort")
	}
	ctx := c.R.Context()
	tasks, err := store.WorklistTasks(ctx, c.Q, c.User, c.Now, 100)
	if err != nil {
		return err
	}
	d := worklistData{Tasks: tasks, Overdue: map[string]bool{}}
	today := c.Now.Truncate(24 * time.Hour)
	for _, t := range tasks {
		if !t.Task.Due.IsZero() && t.Task.Due.Before(today) {
			d.Overdue[t.Task.ID] = true
		}
	}
	awaiting, n, err := store.ListCohort(ctx, c.Q, store.CohortFilter{Viewer: c.User, Now: c.Now, Status: store.StatusSuggested, Limit: 20})
	if err != nil {
		return err
	}
	d.Awaiting, d.AwaitingTotal = rowsOf(awaiting, c.Now), n
	caseload, n, err := store.ListCohort(ctx, c.Q, store.CohortFilter{Viewer: c.User, Now: c.Now, Caseload: true, Limit: 100})
	if err != nil {
		return err
	}
	d.Caseload, d.CaseloadTotal = rowsOf(caseload, c.Now), n
	c.Audit.What += fmt.Sprintf(" (%d tasks, %d awaiting a decision, %d on the caseload listed)", len(tasks), len(awaiting), len(caseload))
	return c.Page(http.StatusOK, "worklist.html", "My worklist", d)
}

// cohortQuery is the cohort page's filter form, as submitted.
type cohortQuery struct {
	Locality, Practice, Tier, Status, Search string
	DataGaps                                 bool
	Page                                     int
}

func parseCohortQuery(q url.Values) cohortQuery {
	cq := cohortQuery{Locality: q.Get("locality"), Practice: q.Get("practice"), Tier: q.Get("tier"), Status: q.Get("status"),
		Search: q.Get("q"), DataGaps: q.Get("gaps") == "1"}
	cq.Page, _ = strconv.Atoi(q.Get("page"))
	cq.Page = max(cq.Page, 1)
	return cq
}

// url is the cohort page's address for this query at page n.
func (q cohortQuery) URL(n int) string {
	v := url.Values{}
	for k, x := range map[string]string{"locality": q.Locality, "practice": q.Practice, "tier": q.Tier, "status": q.Status, "q": q.Search} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if q.DataGaps {
		v.Set("gaps", "1")
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/cohort"
	}
	return "/cohort?" + v.Encode()
}

// option is a choice in a select box.
type option struct {
	Value, Label string
}

// pageLink is one link of the pagination.
type pageLink struct {
	N       int
	URL     string
	Current bool
}

// cohortData is the cohort page.
type cohortData struct {
	Query      cohortQuery
	Localities []option
	Practices  []option
	Aggregate  bool
	Rows       []patientRow
	Total      int
	From, To   int
	Prev, Next string
	Pages      []pageLink
	Counts     []countRow
}

// countRow is one practice's cohort by tier, for the aggregate view.
type countRow struct {
	Locality, Practice       string
	Red, Amber, Green, Total int
}

// cohortPage lists the cohort: the rows of the patients the user has a
// relationship with, or, for a role that sees aggregates only, counts by
// locality, practice and tier with small numbers suppressed.
func (s *Server) cohortPage(c *Call) error {
	ctx := c.R.Context()
	q := parseCohortQuery(c.R.URL.Query())
	d := cohortData{Query: q}
	orgs, err := store.Organisations(ctx, c.Q)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		switch o.Kind {
		case joinedup.OrgLocality:
			d.Localities = append(d.Localities, option{o.ID, o.Name})
		case joinedup.OrgPractice:
			d.Practices = append(d.Practices, option{o.ID, o.Name})
		}
	}
	if c.Decision.Scope == joinedup.ScopeAggregate {
		d.Aggregate = true
		counts, err := store.CohortCounts(ctx, c.Q)
		if err != nil {
			return err
		}
		d.Counts = pivotCounts(counts, q)
		c.Audit.What += " (counts only)"
		return c.Page(http.StatusOK, "cohort.html", "Cohort", d)
	}
	if c.Decision.Scope != joinedup.ScopeFull {
		return &apiError{http.StatusForbidden, "forbidden", "nothing to show at scope " + string(c.Decision.Scope)}
	}
	f := store.CohortFilter{Viewer: c.User, Now: c.Now, LocalityID: q.Locality, PracticeID: q.Practice, Tier: joinedup.Tier(q.Tier),
		Status: store.CohortStatus(q.Status), DataGaps: q.DataGaps, Search: q.Search, Offset: (q.Page - 1) * store.CohortPageSize}
	rows, total, err := store.ListCohort(ctx, c.Q, f)
	if err != nil {
		return err
	}
	d.Rows, d.Total = rowsOf(rows, c.Now), total
	if len(rows) > 0 {
		d.From, d.To = f.Offset+1, f.Offset+len(rows)
	}
	pages := (total + store.CohortPageSize - 1) / store.CohortPageSize
	if q.Page > 1 {
		d.Prev = q.URL(q.Page - 1)
	}
	if q.Page < pages {
		d.Next = q.URL(q.Page + 1)
	}
	for n := max(1, q.Page-3); n <= min(pages, q.Page+3) && pages > 1; n++ {
		d.Pages = append(d.Pages, pageLink{N: n, URL: q.URL(n), Current: n == q.Page})
	}
	c.Audit.What += fmt.Sprintf(" (%d of %d patients listed)", len(rows), total)
	return c.Page(http.StatusOK, "cohort.html", "Cohort", d)
}

// pivotCounts turns counts per practice, tier and status into one row per
// practice, keeping only what the query's filters select.
func pivotCounts(counts []store.CohortCount, q cohortQuery) []countRow {
	idx := map[string]*countRow{}
	var keys []string
	for _, cc := range counts {
		if (q.Locality != "" && cc.LocalityID != q.Locality) || (q.Practice != "" && cc.PracticeID != q.Practice) ||
			(q.Tier != "" && string(cc.Tier) != q.Tier) || (q.Status != "" && string(cc.Status) != q.Status) {
			continue
		}
		k := cc.LocalityName + "\x00" + cc.PracticeName + "\x00" + cc.PracticeID
		r := idx[k]
		if r == nil {
			r = &countRow{Locality: cc.LocalityName, Practice: cc.PracticeName}
			idx[k] = r
			keys = append(keys, k)
		}
		switch cc.Tier {
		case joinedup.TierRed:
			r.Red += cc.Patients
		case joinedup.TierAmber:
			r.Amber += cc.Patients
		case joinedup.TierGreen:
			r.Green += cc.Patients
		}
		r.Total += cc.Patients
	}
	sort.Strings(keys)
	out := make([]countRow, len(keys))
	for i, k := range keys {
		out[i] = *idx[k]
	}
	return out
}

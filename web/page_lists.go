package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/worklist"
)

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

// patientRow is a patient as lists show them, every cell already in
// words: a list renders tens of rows, and each template action costs a
// reflective call, so the row carries text rather than asking the template
// to format it.
type patientRow struct {
	ID, Name, NHSNumber, Practice string
	Age                           int
	// TierClass and TierLabel are the tag of the current tier; empty when
	// the patient was never assessed.
	TierClass, TierLabel string
	Status               string
	DataGaps             int
}

func rowsOf(rs []store.CohortRow, now time.Time) []patientRow {
	out := make([]patientRow, len(rs))
	for i, r := range rs {
		row := patientRow{ID: r.Patient.ID, Name: r.Patient.FamilyName + ", " + r.Patient.GivenName, NHSNumber: nhsText(r.Patient.NHSNumber),
			Practice: r.PracticeName, Age: age(r.Patient.BirthDate, now), Status: "Not eligible", DataGaps: r.DataGaps}
		if r.Tier != "" {
			row.TierClass, row.TierLabel = tierTag(r.Tier), r.Tier.String()
		}
		if r.Status != "" {
			row.Status = titleCase(string(r.Status))
		}
		out[i] = row
	}
	return out
}

// taskRow is an open task as the worklist shows it.
type taskRow struct {
	ID, Due, Title, Reason string
	Overdue                bool
	PatientID, Name        string
	NHSNumber              string
	// Notice is set for a notice to a practice the patient has left,
	// which can no longer open their record: the name is not a link.
	Notice bool
}

func taskRowsOf(items []store.WorkItem, now time.Time) []taskRow {
	today := now.Truncate(24 * time.Hour)
	out := make([]taskRow, len(items))
	for i, w := range items {
		out[i] = taskRow{ID: w.Task.ID, Due: dateText(w.Task.Due), Title: w.Task.Title, Reason: w.Task.Reason,
			Overdue:   !w.Task.Due.IsZero() && w.Task.Due.Before(today),
			PatientID: w.Patient.ID, Name: w.Patient.FamilyName + ", " + w.Patient.GivenName, NHSNumber: nhsText(w.Patient.NHSNumber),
			Notice: w.Task.Kind == worklist.KindRegisteredElsewhere}
	}
	return out
}

// worklistData is the worklist page.
type worklistData struct {
	Tasks []taskRow
	// MoreTasks is set when there are open tasks beyond those shown.
	MoreTasks     bool
	Awaiting      []patientRow
	AwaitingTotal int
	Caseload      []patientRow
	CaseloadTotal int
}

// worklistShown is how many rows each part of the worklist shows: the
// soonest tasks and the first patients, each with a link to the whole list.
const worklistShown = 20

// worklistPage is where a clinician's day starts: tasks due, patients whose
// tier awaits a decision, and the caseload, the first of each with a link
// to the rest.
func (s *Server) worklistPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return c.Redirect("/cohort")
	}
	ctx := c.R.Context()
	tasks, err := store.WorklistTasks(ctx, c.Q, c.User, c.Now, 0, worklistShown+1)
	if err != nil {
		return err
	}
	d := worklistData{MoreTasks: len(tasks) > worklistShown}
	tasks = tasks[:min(len(tasks), worklistShown)]
	d.Tasks = taskRowsOf(tasks, c.Now)
	awaiting, n, err := store.ListCohort(ctx, c.Q, store.CohortFilter{Viewer: c.User, Now: c.Now, Status: store.StatusSuggested, Limit: worklistShown})
	if err != nil {
		return err
	}
	d.Awaiting, d.AwaitingTotal = rowsOf(awaiting, c.Now), n
	caseload, n, err := store.ListCohort(ctx, c.Q, store.CohortFilter{Viewer: c.User, Now: c.Now, Caseload: true, Limit: worklistShown})
	if err != nil {
		return err
	}
	d.Caseload, d.CaseloadTotal = rowsOf(caseload, c.Now), n
	c.Audit.What += fmt.Sprintf(" (%d tasks, %d awaiting a decision, %d on the caseload listed)", len(tasks), len(awaiting), len(caseload))
	var ids []string
	for _, t := range tasks {
		ids = append(ids, t.Task.PatientID)
	}
	for _, r := range append(awaiting, caseload...) {
		ids = append(ids, r.Patient.ID)
	}
	if err := s.auditPage(c, ids); err != nil {
		return err
	}
	return c.Page(http.StatusOK, "worklist.html", "My worklist", d)
}

// tasksPageSize is how many tasks a page of all open tasks shows.
const tasksPageSize = 50

// tasksData is the page of all open tasks.
type tasksData struct {
	Tasks      []taskRow
	From, To   int
	Prev, Next string
	Pages      []pageLink // none: the tasks are paged by Previous and Next alone
}

// tasksPage lists all the open tasks of the user and the user's team,
// soonest due first, a page at a time.
func (s *Server) tasksPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeFull {
		return c.Redirect("/cohort")
	}
	page, _ := strconv.Atoi(c.R.URL.Query().Get("page"))
	page = max(page, 1)
	offset := (page - 1) * tasksPageSize
	tasks, err := store.WorklistTasks(c.R.Context(), c.Q, c.User, c.Now, offset, tasksPageSize+1)
	if err != nil {
		return err
	}
	var d tasksData
	if len(tasks) > tasksPageSize {
		tasks, d.Next = tasks[:tasksPageSize], "/worklist/tasks?page="+strconv.Itoa(page+1)
	}
	if page > 1 {
		d.Prev = "/worklist/tasks?page=" + strconv.Itoa(page-1)
	}
	d.Tasks = taskRowsOf(tasks, c.Now)
	if len(tasks) > 0 {
		d.From, d.To = offset+1, offset+len(tasks)
	}
	c.Audit.What += fmt.Sprintf(" (%d tasks listed)", len(tasks))
	var ids []string
	for _, t := range tasks {
		ids = append(ids, t.Task.PatientID)
	}
	if err := s.auditPage(c, ids); err != nil {
		return err
	}
	return c.Page(http.StatusOK, "tasks.html", "Open tasks", d)
}

// auditPage appends one audit entry for each patient a page lists, as the
// API's lists do, so a subject access request (joinedup audit patient)
// finds every page a person appeared on. The lists hold only patients the
// user has a relationship with, so the page's decision stands for each.
func (s *Server) auditPage(c *Call, ids []string) error {
	shown := make(map[string]joinedup.Decision, len(ids))
	for _, id := range ids {
		if id != "" {
			shown[id] = c.Decision
		}
	}
	if len(shown) == 0 {
		return nil
	}
	return s.auditListed(c, shown)
}

// cohortQuery is the cohort page's filter form, as submitted.
type cohortQuery struct {
	Locality, Practice, Tier, Status, Search string
	DataGaps                                 bool
	// Mine lists the user's own caseload: the patients the user is on the
	// care team of, in the cohort or not.
	Mine bool
	Page int
}

func parseCohortQuery(q url.Values) cohortQuery {
	cq := cohortQuery{Locality: q.Get("locality"), Practice: q.Get("practice"), Tier: q.Get("tier"), Status: q.Get("status"),
		Search: q.Get("q"), DataGaps: q.Get("gaps") == "1", Mine: q.Get("mine") == "1"}
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
	if q.Mine {
		v.Set("mine", "1")
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

// countRow is one practice's cohort by tier, for the aggregate view, as
// shown: small numbers and what would give them away withheld.
type countRow struct {
	Locality, Practice, ODS  string
	Red, Amber, Green, Total string
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
		f, err := loadManagerFigures(c)
		if err != nil {
			return err
		}
		d.Counts = f.cohortCounts(q)
		c.Audit.What += " (counts only)"
		return c.Page(http.StatusOK, "cohort.html", "Cohort", d)
	}
	if c.Decision.Scope != joinedup.ScopeFull {
		return joinedup.Forbidden("%s", "nothing to show at scope "+string(c.Decision.Scope))
	}
	f := store.CohortFilter{Viewer: c.User, Now: c.Now, LocalityID: q.Locality, PracticeID: q.Practice, Tier: joinedup.Tier(q.Tier),
		Status: store.CohortStatus(q.Status), DataGaps: q.DataGaps, Search: q.Search, Caseload: q.Mine, Offset: (q.Page - 1) * store.CohortPageSize}
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
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Patient.ID
	}
	if err := s.auditPage(c, ids); err != nil {
		return err
	}
	return c.Page(http.StatusOK, "cohort.html", "Cohort", d)
}

// cohortCounts are the practices' rows of the cohort by tier, as the
// dashboard shows them, keeping only the locality, practice and tier the
// query selects. The counts by status are not shown as counts: the
// dashboard's "Tier decided" is what the LCN sees of them.
func (f *managerFigures) cohortCounts(q cohortQuery) []countRow {
	var out []countRow
	for _, r := range f.practices() {
		if (q.Locality != "" && r.LocalityID != q.Locality) || (q.Practice != "" && r.PracticeID != q.Practice) {
			continue
		}
		row := countRow{Locality: r.Locality, Practice: r.Practice, ODS: r.ODS, Red: r.Cells[colRed], Amber: r.Cells[colAmber],
			Green: r.Cells[colGreen], Total: r.Cells[colCohort]}
		switch q.Tier {
		case "red":
			row.Amber, row.Green, row.Total = "–", "–", r.Cells[colRed]
		case "amber":
			row.Red, row.Green, row.Total = "–", "–", r.Cells[colAmber]
		case "green":
			row.Red, row.Amber, row.Total = "–", "–", r.Cells[colGreen]
		}
		out = append(out, row)
	}
	return out
}

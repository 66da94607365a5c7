package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// The pages are server-rendered with html/template, which escapes whatever
// a page shows; no page marks user data as template.HTML.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed all:static
var staticFS embed.FS

// vendorCSS is the NHS.UK frontend stylesheet `make assets` copies in; its
// absence means the pages would be unstyled.
const vendorCSS = "static/vendor/nhsuk-frontend.min.css"

// assetsBuilt reports whether `make assets` has copied the front-end
// packages into the binary.
var assetsBuilt = func() bool {
	_, err := fs.Stat(staticFS, vendorCSS)
	return err == nil
}()

// funcs are the helpers the page templates use.
var funcs = template.FuncMap{
	"nhs":  nhsText,
	"date": dateText,
	"dateOf": func(t *time.Time) string {
		if t == nil {
			return "–"
		}
		return dateText(*t)
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.Format("2 Jan 2006 15:04")
	},
	"isodate":        func(t time.Time) string { return t.Format(time.DateOnly) },
	"pathEscape":     url.PathEscape,
	"tierTag":        tierTag,
	"planText":       planText,
	"planHeadings":   func() any { return planHeadings },
	"goalStatuses":   goalStatuses,
	"actionStatuses": actionStatuses,
	"fieldID":        func(prefix string, i int, name string) string { return fmt.Sprintf("%s-%d-%s", prefix, i, name) },
	"fieldName":      func(prefix string, i int, name string) string { return fmt.Sprintf("%s[%d].%s", prefix, i, name) },
	// tierValue is the form value of a tier (its String is the label).
	"tierValue": func(t joinedup.Tier) string { return string(t) },
	"tierName": func(t joinedup.Tier) string {
		if t == "" {
			return "None"
		}
		return t.String()
	},
	"suppress":    joinedup.Suppress,
	"statusLabel": statusLabel,
	"add":         func(a, b int) int { return a + b },
	"list":        func(xs ...string) []string { return xs },
	"pair":        func(a, b any) struct{ A, B any } { return struct{ A, B any }{a, b} },
	"value": func(v *float64) string {
		if v == nil {
			return ""
		}
		return trimFloat(*v)
	},
	"title": titleCase,
}

// nhsText is an NHS number as pages show it, spaced 3-3-4.
func nhsText(n joinedup.NHSNumber) string {
	if n == "" {
		return "not known"
	}
	return n.String()
}

// dateText is a date as pages show it.
func dateText(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("2 Jan 2006")
}

// titleCase capitalises the first letter.
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// tierTag is the NHS.UK tag colour of a tier.
func tierTag(t joinedup.Tier) string {
	switch t {
	case joinedup.TierRed:
		return "nhsuk-tag--red"
	case joinedup.TierAmber:
		return "nhsuk-tag--orange"
	case joinedup.TierGreen:
		return "nhsuk-tag--green"
	}
	return "nhsuk-tag--grey"
}

// pageSets holds one template set per page: the shared layout and
// partials, plus the page's own file, so every page can define its own
// "content" block.
var pageSets = func() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	sets := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		sets[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return sets
}()

// navItem is a link in the header's navigation.
type navItem struct {
	Href, Label string
	Current     bool
}

// view is what every page template receives: the layout's needs and the
// page's own Data.
type view struct {
	Title string
	User  *joinedup.User
	Nav   []navItem
	// AssetsMissing shows a note that the front-end packages were not
	// built into this binary.
	AssetsMissing bool
	// Errors fill the error summary at the top of the page.
	Errors []fieldError
	Data   any
	Now    time.Time
}

// fieldError is one entry of an error summary, linking to the field.
type fieldError struct {
	Field, Message string
}

// navFor is the navigation a role sees: only the pages it may open.
func navFor(u *joinedup.User, current string) []navItem {
	if u == nil {
		return nil
	}
	var items []navItem
	d := joinedup.Authorize(*u, joinedup.ActionListPatients, joinedup.Relationship{})
	if d.Allowed && d.Scope == joinedup.ScopeFull {
		items = append(items, navItem{Href: "/worklist", Label: "My worklist"})
	}
	if d.Allowed {
		items = append(items, navItem{Href: "/cohort", Label: "Cohort"})
	}
	if joinedup.Authorize(*u, joinedup.ActionReadMDT, joinedup.Relationship{}).Allowed {
		items = append(items, navItem{Href: "/mdt", Label: "MDT meetings"})
	}
	if joinedup.Authorize(*u, joinedup.ActionReadAggregate, joinedup.Relationship{}).Allowed {
		items = append(items, navItem{Href: "/dashboard", Label: "LCN dashboard"}, navItem{Href: "/policy/what-if", Label: "Policy what if"})
	}
	if joinedup.Authorize(*u, joinedup.ActionManageRollout, joinedup.Relationship{}).Allowed {
		items = append(items, navItem{Href: "/practices", Label: "Practices and roll-out"})
	}
	if joinedup.Authorize(*u, joinedup.ActionReviewHospitalMessages, joinedup.Relationship{}).Allowed {
		items = append(items, navItem{Href: "/hospital-messages", Label: "Held hospital messages"})
	}
	for i := range items {
		items[i].Current = items[i].Href == current
	}
	return items
}

// Page sets the response to the named page template with data; the server
// renders it once the request's audit entry (and, on Write routes, the
// transaction) is committed.
func (c *Call) Page(status int, name, title string, data any) error {
	c.status, c.page, c.pageName = status, &view{Title: title, Data: data}, name
	return nil
}

// PageErrors is Page with an error summary.
func (c *Call) PageErrors(status int, name, title string, data any, errs []fieldError) error {
	c.Page(status, name, title, data)
	c.page.Errors = errs
	return nil
}

// Redirect sets a 303 See Other to a page of this server, written once the
// request is committed: the pattern after a form post.
func (c *Call) Redirect(to string) error {
	c.redirect = to
	return nil
}

// renderPage writes a page, rendered to a buffer first so a template
// failure becomes a clean error page rather than half a page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	set, ok := pageSets[name]
	if !ok {
		s.log.Error("no such page template", "name", name)
		set, name, status = pageSets["error.html"], "error.html", http.StatusInternalServerError
		v = &view{Title: "Sorry, there is a problem with the service", Data: errorPage{Status: status}}
	}
	v.AssetsMissing = !assetsBuilt
	if v.User != nil && v.Nav == nil {
		v.Nav = navFor(v.User, r.URL.Path)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		buf.Reset()
		status = http.StatusInternalServerError
		ev := &view{Title: "Sorry, there is a problem with the service", Data: errorPage{Status: status}, AssetsMissing: !assetsBuilt}
		if err := pageSets["error.html"].ExecuteTemplate(&buf, "layout", ev); err != nil {
			http.Error(w, "Sorry, there is a problem with the service.", status)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is what the error page shows.
type errorPage struct {
	Status  int
	Message string
}

// writePageError shows an error as an NHS.UK-style page: never a stack
// trace, and for a 500 nothing of the cause (that goes to the log).
func (s *Server) writePageError(w http.ResponseWriter, r *http.Request, u *joinedup.User, p problem) {
	title := map[int]string{
		http.StatusBadRequest:          "There is a problem with your request",
		http.StatusUnprocessableEntity: "There is a problem with your request",
		http.StatusForbidden:           "You cannot see this page",
		http.StatusNotFound:            "Page not found",
		http.StatusConflict:            "Someone else changed this first",
		http.StatusGone:                "This is no longer available",
		http.StatusTooManyRequests:     "Too many requests",
		http.StatusServiceUnavailable:  "Sorry, the service is unavailable",
	}[p.status]
	msg := p.message
	if title == "" || p.status == http.StatusInternalServerError {
		title, msg = "Sorry, there is a problem with the service", ""
	}
	s.renderPage(w, r, p.status, "error.html", &view{Title: title, User: u, Data: errorPage{Status: p.status, Message: msg}})
}

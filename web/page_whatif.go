package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/disclosure"
	"github.com/joinedup/joinedup/policies"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/stratify"
)

// shippedPolicy is the form value of the policy shipped in the binary.
const shippedPolicy = "shipped-default"

// whatIfData is the policy "what if" page.
type whatIfData struct {
	Versions []option
	Selected string
	Ran      bool
	Policy   string // the name and version run
	AsOf     time.Time
	Rows     []whatIfRow
	Caseload []caseloadRow
}

// whatIfRow is one practice, locality or the LCN: how many would enter the
// cohort, leave it, change tier or stay as they are.
type whatIfRow struct {
	Kind, Locality, Practice   string
	Enter, Leave, Change, Same string
	enter, leave, change, same int
}

// caseloadRow is the Amber and Red people one care coordinator (or a
// practice, where no coordinator is on the care team yet) has now, and
// would have with the policy.
type caseloadRow struct {
	Name               string
	Now, After, Change string
	Total              bool
	now, after         int
}

// whatIfVersions lists the policies a dry run can use: the shipped default
// and every stored version, newest first.
func whatIfVersions(c *Call) ([]option, []store.PolicyVersion, error) {
	vs, err := store.PolicyVersions(c.R.Context(), c.Q)
	if err != nil {
		return nil, nil, err
	}
	opts := []option{{shippedPolicy, "LCN default, as shipped"}}
	for _, v := range vs {
		opts = append(opts, option{v.ID, fmt.Sprintf("%s (version %.12s, loaded %s by %s)", v.Name, v.ID, v.LoadedAt.Format("2 Jan 2006"), v.LoadedBy)})
	}
	return opts, vs, nil
}

// whatIfPage shows the form: which policy to try.
func (s *Server) whatIfPage(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeAggregate {
		return joinedup.Forbidden("%s", "the what if shows aggregates only")
	}
	opts, _, err := whatIfVersions(c)
	if err != nil {
		return err
	}
	return c.Page(http.StatusOK, "whatif.html", "Policy what if", whatIfData{Versions: opts, Selected: shippedPolicy})
}

// whatIfRun evaluates the chosen policy against everyone's current facts,
// writing nothing, and shows how the cohort and caseloads would change.
func (s *Server) whatIfRun(c *Call) error {
	if c.Decision.Scope != joinedup.ScopeAggregate {
		return joinedup.Forbidden("%s", "the what if shows aggregates only")
	}
	ctx := c.R.Context()
	opts, vs, err := whatIfVersions(c)
	if err != nil {
		return err
	}
	d := whatIfData{Versions: opts, Selected: c.R.PostFormValue("version"), AsOf: c.Now.Truncate(24 * time.Hour)}
	// Only a listed version is accepted: a policy is never read from a
	// path or text the form sends.
	var pol *policy.Policy
	switch d.Selected {
	case shippedPolicy:
		files, err := policy.FilesFS(policies.LCNDefault())
		if err == nil {
			pol, err = policy.LoadFiles(files)
		}
		if err != nil {
			return fmt.Errorf("shipped policy: %w", err)
		}
		d.Policy = pol.Name + ", as shipped"
	default:
		for _, v := range vs {
			if v.ID == d.Selected {
				if pol, err = policy.LoadFiles(v.Files); err != nil {
					return fmt.Errorf("stored policy version %s: %w", v.ID, err)
				}
				d.Policy = fmt.Sprintf("%s, version %.12s", v.Name, v.ID)
			}
		}
	}
	if pol == nil {
		return c.PageErrors(http.StatusUnprocessableEntity, "whatif.html", "Policy what if", d,
			[]fieldError{{Field: "version", Message: "Choose a policy to try"}})
	}
	after := map[string]string{} // patient → practice, Amber or Red with the policy
	sum, err := stratify.Run(ctx, s.db, stratify.RunOptions{Policy: pol, AsOf: d.AsOf, DryRun: true, Now: s.opt.Now,
		Assessed: func(f *joinedup.Facts, a *joinedup.Assessment) {
			if a.Eligible && (a.SuggestedTier == joinedup.TierRed || a.SuggestedTier == joinedup.TierAmber) {
				after[f.Patient.ID] = f.Patient.PracticeID
			}
		}})
	if err != nil {
		return fmt.Errorf("dry run of %s: %w", d.Policy, err)
	}
	before, err := store.HighTierPractices(ctx, c.Q)
	if err != nil {
		return err
	}
	coordinators, err := store.CoordinatorOf(ctx, c.Q, c.Now)
	if err != nil {
		return err
	}
	orgs, err := store.Organisations(ctx, c.Q)
	if err != nil {
		return err
	}
	practiceName := map[string]string{}
	for _, o := range orgs {
		practiceName[o.ID] = o.Name
	}
	d.Ran = true
	counts, err := store.PatientCountsByPractice(ctx, c.Q)
	if err != nil {
		return err
	}
	registered := map[string]int{} // by the dry run's name for a practice
	for _, pc := range counts {
		name := pc.Name
		if pc.ODS != "" {
			name += " (" + pc.ODS + ")"
		}
		registered[name] = pc.Patients
	}
	d.Rows = whatIfRows(sum.WhatIf, registered)
	d.Caseload = caseloads(before, after, coordinators, practiceName)
	c.Audit.What += fmt.Sprintf(" (dry run of %s, aggregates only)", d.Policy)
	return c.Page(http.StatusOK, "whatif.html", "Policy what if", d)
}

// whatIfRows turns the dry run's changes per "Locality / Practice" into
// practice rows, locality totals and an LCN total, with small numbers
// protected across them.
//
// A dry run walks everyone registered, so a practice's four counts add up
// to its registered list, which the counts of patients by practice show or
// withhold: that count joins the table as it was left there (known, or
// secret), and the dry run's counts are protected knowing it.
func whatIfRows(changes map[string]*stratify.Change, registered map[string]int) []whatIfRow {
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var t disclosure.Table
	cells := func(r *whatIfRow, c stratify.Change) {
		r.enter, r.leave, r.change, r.same = t.Cell(c.Enter), t.Cell(c.Leave), t.Cell(c.TierChange), t.Cell(c.Unchanged)
		if r.Kind != "practice" {
			return
		}
		n, ok := registered[r.Practice]
		all := t.Secret(n)
		if ok && !disclosure.Small(n) {
			all = t.Known(n)
		}
		t.Sum(all, r.enter, r.leave, r.change, r.same)
	}
	tie := func(total whatIfRow, parts []whatIfRow) {
		pick := func(f func(whatIfRow) int) []int {
			var out []int
			for _, p := range parts {
				out = append(out, f(p))
			}
			return out
		}
		t.Sum(total.enter, pick(func(r whatIfRow) int { return r.enter })...)
		t.Sum(total.leave, pick(func(r whatIfRow) int { return r.leave })...)
		t.Sum(total.change, pick(func(r whatIfRow) int { return r.change })...)
		t.Sum(total.same, pick(func(r whatIfRow) int { return r.same })...)
	}
	var (
		rows, locs, parts []whatIfRow
		loc               stratify.Change
		all               stratify.Change
		current           = "\x00"
	)
	closeLoc := func() {
		if current == "\x00" {
			return
		}
		name := current
		if name == "" {
			name = "No locality"
		}
		lr := whatIfRow{Kind: "locality", Locality: name + " (all practices)"}
		cells(&lr, loc)
		tie(lr, parts)
		rows = append(rows, lr)
		locs = append(locs, lr)
	}
	for _, k := range keys {
		locality, practice, _ := strings.Cut(k, " / ")
		if locality != current {
			closeLoc()
			current, loc, parts = locality, stratify.Change{}, nil
		}
		c := *changes[k]
		r := whatIfRow{Kind: "practice", Locality: locality, Practice: practice}
		cells(&r, c)
		rows = append(rows, r)
		parts = append(parts, r)
		for _, x := range []*stratify.Change{&loc, &all} {
			x.Enter, x.Leave, x.TierChange, x.Unchanged = x.Enter+c.Enter, x.Leave+c.Leave, x.TierChange+c.TierChange, x.Unchanged+c.Unchanged
		}
	}
	closeLoc()
	total := whatIfRow{Kind: "total", Locality: "All localities"}
	cells(&total, all)
	tie(total, locs)
	rows = append(rows, total)
	t.Protect()
	for i := range rows {
		r := &rows[i]
		r.Enter, r.Leave, r.Change, r.Same = t.Show(r.enter), t.Show(r.leave), t.Show(r.change), t.Show(r.same)
	}
	return rows
}

// caseloads counts the Amber and Red people per care coordinator now and
// with the policy; people with no coordinator on their care team count
// against their practice. A change is shown only where both counts are,
// since it would give a withheld one away.
func caseloads(before, after, coordinators, practiceName map[string]string) []caseloadRow {
	holder := func(patient, practice string) string {
		if name, ok := coordinators[patient]; ok {
			return name
		}
		p := practiceName[practice]
		if p == "" {
			p = "no practice"
		}
		return "No coordinator yet: " + p
	}
	now, then := map[string]int{}, map[string]int{}
	names := map[string]bool{}
	for p, practice := range before {
		h := holder(p, practice)
		now[h]++
		names[h] = true
	}
	for p, practice := range after {
		h := holder(p, practice)
		then[h]++
		names[h] = true
	}
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	// Named coordinators first, then the practices without one.
	sort.Slice(keys, func(i, j int) bool {
		a, b := strings.HasPrefix(keys[i], "No coordinator"), strings.HasPrefix(keys[j], "No coordinator")
		if a != b {
			return b
		}
		return keys[i] < keys[j]
	})
	var t disclosure.Table
	rows := make([]caseloadRow, 0, len(keys)+1)
	var nowCells, afterCells []int
	totalNow, totalAfter := 0, 0
	for _, k := range keys {
		r := caseloadRow{Name: k, now: t.Cell(now[k]), after: t.Cell(then[k])}
		nowCells, afterCells = append(nowCells, r.now), append(afterCells, r.after)
		totalNow, totalAfter = totalNow+now[k], totalAfter+then[k]
		rows = append(rows, r)
	}
	total := caseloadRow{Name: "All", now: t.Cell(totalNow), after: t.Cell(totalAfter), Total: true}
	t.Sum(total.now, nowCells...)
	t.Sum(total.after, afterCells...)
	rows = append(rows, total)
	t.Protect()
	for i := range rows {
		r := &rows[i]
		r.Now, r.After, r.Change = t.Show(r.now), t.Show(r.after), "–"
		if t.Visible(r.now) && t.Visible(r.after) {
			r.Change = fmt.Sprintf("%+d", t.Value(r.after)-t.Value(r.now))
		}
	}
	return rows
}

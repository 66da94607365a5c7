package fhirapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// ErrBadParam wraps every error in a search's parameters (a 400).
var ErrBadParam = errors.New("bad search parameter")

// Paging limits: the default page size and the largest a client may ask for.
const (
	DefaultCount = 50
	MaxCount     = 1000
)

// CommonParams are accepted by every type's search (patient and subject by
// patient-scoped types only).
var CommonParams = []Param{
	{Name: "_id", Doc: "logical id; several separated by commas"},
	{Name: "_lastUpdated", Doc: "meta.lastUpdated (eq, gt, ge, lt, le prefixes)"},
}

// PatientParams are the reference parameters of patient-scoped types.
var PatientParams = []Param{
	{Name: "patient", Doc: "the patient: Patient/ID or ID"},
	{Name: "subject", Doc: "the same as patient"},
}

// cond is one parsed search parameter: its values are ORed, conditions ANDed.
type cond struct {
	name   string
	field  Field
	last   bool // _lastUpdated
	tokens []token
	dates  []dateCond
	names  []string
}

type token struct {
	system, code string
	anySystem    bool
}

type dateCond struct {
	prefix string
	lo, hi time.Time // [lo, hi): the range the given precision covers
}

// Query is a parsed search.
type Query struct {
	Type    *Type
	Patient string   // from patient= or subject= (a patient id), "" when not given
	IDs     []string // _id
	conds   []cond
	Count   int
	Offset  int    // paging within one patient or the directory
	Cursor  string // paging through the population
}

// ParseQuery parses a search's parameters for type t. An unknown parameter
// is an error rather than ignored, so a client never takes an unfiltered
// answer for a filtered one.
func ParseQuery(t *Type, v url.Values) (*Query, error) {
	q := &Query{Type: t, Count: DefaultCount}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadParam, fmt.Sprintf(format, args...))
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, val := range v[name] {
			switch name {
			case "_format", "_pretty":
				continue // JSON is the one format served
			case "_count":
				n, err := strconv.Atoi(val)
				if err != nil || n < 0 {
					return nil, bad("_count: %q is not a count", val)
				}
				q.Count = min(n, MaxCount)
				continue
			case "_offset":
				n, err := strconv.Atoi(val)
				if err != nil || n < 0 {
					return nil, bad("_offset: %q is not an offset", val)
				}
				q.Offset = n
				continue
			case "_cursor":
				if _, _, err := parseCursor(val); err != nil {
					return nil, bad("_cursor: %v", err)
				}
				q.Cursor = val
				continue
			case "_id":
				q.IDs = append(q.IDs, splitList(val)...)
				continue
			case "patient", "subject":
				if !t.PatientScoped() || t.Name == "Patient" {
					return nil, bad("%s: %s has no patient parameter", name, t.Name)
				}
				id := strings.TrimPrefix(val, "Patient/")
				if id == "" || strings.Contains(id, "/") || strings.Contains(id, ",") {
					return nil, bad("%s: %q is not one patient reference", name, val)
				}
				if q.Patient != "" && q.Patient != id {
					return nil, bad("%s: more than one patient", name)
				}
				q.Patient = id
				continue
			case "_lastUpdated":
				d, err := parseDateCond(val)
				if err != nil {
					return nil, bad("_lastUpdated: %v", err)
				}
				q.conds = append(q.conds, cond{name: name, last: true, dates: []dateCond{d}})
				continue
			}
			p, ok := t.Param(name)
			if !ok {
				return nil, bad("%s does not support the search parameter %q", t.Name, name)
			}
			c := cond{name: name, field: p.Field}
			switch p.Field {
			case FieldDate:
				d, err := parseDateCond(val)
				if err != nil {
					return nil, bad("%s: %v", name, err)
				}
				c.dates = []dateCond{d}
			case FieldName:
				for _, s := range splitList(val) {
					c.names = append(c.names, strings.ToLower(s))
				}
			default:
				for _, s := range splitList(val) {
					c.tokens = append(c.tokens, parseToken(s))
				}
			}
			q.conds = append(q.conds, c)
		}
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseToken(s string) token {
	sys, code, found := strings.Cut(s, "|")
	if !found {
		return token{code: s, anySystem: true}
	}
	return token{system: sys, code: code}
}

func parseDateCond(s string) (dateCond, error) {
	d := dateCond{prefix: "eq"}
	if len(s) > 2 && s[0] >= 'a' && s[0] <= 'z' {
		d.prefix, s = s[:2], s[2:]
	}
	switch d.prefix {
	case "eq", "gt", "ge", "lt", "le":
	default:
		return d, fmt.Errorf("prefix %q is not one of eq, gt, ge, lt, le", d.prefix)
	}
	v, err := fhir.ParseDate(s)
	if err != nil {
		return d, err
	}
	d.lo = v.Time
	switch v.Precision {
	case fhir.PrecisionYear:
		d.hi = d.lo.AddDate(1, 0, 0)
	case fhir.PrecisionMonth:
		d.hi = d.lo.AddDate(0, 1, 0)
	case fhir.PrecisionDay:
		d.hi = d.lo.AddDate(0, 0, 1)
	default:
		d.hi = d.lo.Add(time.Second)
	}
	return d, nil
}

func (d dateCond) match(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	switch d.prefix {
	case "gt":
		return !t.Before(d.hi)
	case "ge":
		return !t.Before(d.lo)
	case "lt":
		return t.Before(d.lo)
	case "le":
		return t.Before(d.hi)
	}
	return !t.Before(d.lo) && t.Before(d.hi)
}

func (tk token) match(cs joinedup.Codings) bool {
	for _, c := range cs {
		if (tk.anySystem || c.System == tk.system) && (tk.code == "" || c.Code == tk.code) {
			return true
		}
	}
	return false
}

// Match reports whether an item meets every condition of the query.
func (q *Query) Match(it Item) bool {
	if len(q.IDs) > 0 && !contains(q.IDs, it.ID) {
		return false
	}
	if q.Patient != "" && it.PatientID != q.Patient {
		return false
	}
	for _, c := range q.conds {
		if !c.match(it) {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func (c cond) match(it Item) bool {
	if c.last {
		return c.dates[0].match(it.LastUpdated)
	}
	switch c.field {
	case FieldDate:
		return c.dates[0].match(it.Date)
	case FieldName:
		for _, n := range c.names {
			if strings.HasPrefix(strings.ToLower(it.Name), n) {
				return true
			}
		}
		return false
	}
	var cs joinedup.Codings
	switch c.field {
	case FieldStatus:
		for _, tk := range c.tokens {
			if tk.code == it.Status {
				return true
			}
		}
		return false
	case FieldCode:
		cs = it.Code
	case FieldCategory:
		cs = it.Category
	case FieldIdentifier:
		cs = it.Identifier
	}
	for _, tk := range c.tokens {
		if tk.match(cs) {
			return true
		}
	}
	return false
}

// PatientIdentifiers returns the NHS numbers a Patient search's identifier
// parameter names, for finding the patients without a walk. ok is false
// when the search has no identifier condition or one that is not an NHS
// number.
func (q *Query) PatientIdentifiers() (nhs []joinedup.NHSNumber, ok bool) {
	found := false
	for _, c := range q.conds {
		if c.field != FieldIdentifier || c.last {
			continue
		}
		found = true
		for _, tk := range c.tokens {
			if !tk.anySystem && tk.system != joinedup.NHSNumberSystem {
				continue
			}
			if n, err := joinedup.ParseNHSNumber(tk.code); err == nil {
				nhs = append(nhs, n)
			}
		}
	}
	return nhs, found
}

// Page is one page of search results.
type Page struct {
	Items      []Item
	Total      int    // -1 when not counted (population searches)
	Next       int    // offset of the next page, -1 when none
	Prev       int    // offset of the previous page, -1 when none
	NextCursor string // population searches: the cursor of the next page
}

// SearchRecords searches the records given (one patient's, or a few), or
// the directory for a type that is not patient-scoped: everything is built,
// so the total is counted and pages are by offset.
func SearchRecords(ctx context.Context, q *Query, recs []*Record) (Page, error) {
	var all []Item
	for _, r := range recs {
		items, err := q.Type.build(ctx, r)
		if err != nil {
			return Page{}, err
		}
		for _, it := range items {
			if q.Match(it) {
				all = append(all, it)
			}
		}
	}
	p := Page{Total: len(all), Next: -1, Prev: -1}
	start := min(q.Offset, len(all))
	end := min(start+q.Count, len(all))
	p.Items = all[start:end]
	if end < len(all) {
		p.Next = end
	}
	if start > 0 {
		p.Prev = max(0, start-q.Count)
	}
	return p, nil
}

// walkChunk is how many patients a population search loads at a time.
const walkChunk = 200

// SearchPopulation searches every patient's record, in patient id order,
// from the query's cursor: for system clients with population access. It
// stops as soon as the page is full, so a page costs the patients it
// visits, not the population; the total is not counted.
func SearchPopulation(ctx context.Context, db store.Querier, q *Query, names *Names) (Page, error) {
	p := Page{Total: -1, Next: -1, Prev: -1}
	from, skip, err := parseCursor(q.Cursor)
	if err != nil {
		return p, fmt.Errorf("%w: _cursor: %v", ErrBadParam, err)
	}
	if names == nil {
		names = &Names{}
	}
	after := ""
	var first []string
	if from != "" {
		first = []string{from}
		after = from
	}
	for {
		ids := first
		first = nil
		if ids == nil {
			if ids, err = store.PatientIDsAfter(ctx, db, after, walkChunk); err != nil {
				return p, err
			}
			if len(ids) == 0 {
				return p, nil
			}
			after = ids[len(ids)-1]
		}
		done := false
		err := store.EachFacts(ctx, db, store.FactsFilter{PatientIDs: ids}, func(f *joinedup.Facts, _ int64) error {
			if done {
				return nil
			}
			items, err := q.Type.build(ctx, NewRecord(db, f.Patient, f, names))
			if err != nil {
				return err
			}
			n := 0
			for _, it := range items {
				if !q.Match(it) {
					continue
				}
				n++
				if f.Patient.ID == from && n <= skip {
					continue
				}
				if len(p.Items) == q.Count {
					p.NextCursor = makeCursor(f.Patient.ID, n-1)
					done = true
					return nil
				}
				p.Items = append(p.Items, it)
			}
			return nil
		})
		if err != nil {
			return p, err
		}
		if done {
			return p, nil
		}
	}
}

// A cursor names where a population page starts: a patient id and how many
// of that patient's matches came before.
func makeCursor(patientID string, skip int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(patientID + " " + strconv.Itoa(skip)))
}

func parseCursor(c string) (string, int, error) {
	if c == "" {
		return "", 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, errors.New("not a cursor this server made")
	}
	id, n, ok := strings.Cut(string(b), " ")
	skip, err := strconv.Atoi(n)
	if !ok || err != nil || skip < 0 || id == "" {
		return "", 0, errors.New("not a cursor this server made")
	}
	return id, skip, nil
}

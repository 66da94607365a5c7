// Package directory reads the community and voluntary service directory
// in the Open Referral UK shape (HSDS 3.0 UK profile): it validates
// documents against the profile's JSON Schemas, maps them to
// joinedup.Service, imports them in one transaction and ships the demo
// directory for Lambeth and Southwark.
package directory

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed schema/*.json
var schemaFS embed.FS

// Kind is the kind of Open Referral UK record a document holds.
type Kind string

// The kinds of record Parse reads.
const (
	KindService           Kind = "service"
	KindOrganization      Kind = "organization"
	KindServiceAtLocation Kind = "service_at_location"
	KindTaxonomy          Kind = "taxonomy"
	KindTaxonomyTerm      Kind = "taxonomy_term"
)

var schemaFiles = map[Kind]string{KindService: "service.json", KindOrganization: "organization.json",
	KindServiceAtLocation: "service_at_location.json", KindTaxonomyTerm: "taxonomy_term.json"}

// schemas are the compiled UK profile schemas, one per kind (taxonomies
// are checked term by term).
var schemas = func() map[Kind]*jsonschema.Schema {
	c := jsonschema.NewCompiler()
	out := map[Kind]*jsonschema.Schema{}
	for k, f := range schemaFiles {
		b, err := schemaFS.ReadFile("schema/" + f)
		if err != nil {
			panic(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			panic(fmt.Sprintf("directory: schema %s: %v", f, err))
		}
		url := "https://openreferraluk.org/schema/" + f
		if err := c.AddResource(url, doc); err != nil {
			panic(err)
		}
		out[k] = c.MustCompile(url)
	}
	return out
}()

// Problem is one way a record breaks the profile or JoinedUp's needs.
type Problem struct {
	Record int    // position in the file, from 1
	ID     string // the record's id, when it has one
	Kind   Kind
	Field  string // JSON pointer into the record, e.g. /status
	Reason string
}

func (p Problem) String() string {
	id := ""
	if p.ID != "" {
		id = " " + p.ID
	}
	field := p.Field
	if field == "" {
		field = "/"
	}
	return fmt.Sprintf("record %d (%s%s) %s: %s", p.Record, p.Kind, id, field, p.Reason)
}

// InvalidError lists every problem found in a document; nothing of a
// document with problems is imported.
type InvalidError struct{ Problems []Problem }

func (e *InvalidError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, p.String())
	}
	return "invalid Open Referral UK data: " + strings.Join(parts, "; ")
}

// Document is what one file held: its services, mapped to JoinedUp's
// shape, and how many records of each kind it held.
type Document struct {
	Services []joinedup.Service
	Counts   map[Kind]int
}

// MaxSize is the largest document Parse reads.
const MaxSize = 32 << 20

// Parse reads an Open Referral UK document: one record (service,
// organization with its services, service at location, taxonomy or
// taxonomy term), a page of them ({"contents": […]}) or an array. Every
// record is validated against the UK profile's schema and the services
// mapped; all problems are reported together.
func Parse(r io.Reader) (*Document, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read directory document: %w", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("directory document is larger than %d MB", MaxSize>>20)
	}
	var top any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("directory document is not JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("directory document has more than one JSON value")
	}
	var records []any
	switch v := top.(type) {
	case []any:
		records = v
	case map[string]any:
		if c, ok := v["contents"]; ok {
			list, ok := c.([]any)
			if !ok {
				return nil, &InvalidError{[]Problem{{Record: 0, Field: "/contents", Reason: "must be an array of records"}}}
			}
			records = list
		} else {
			records = []any{v}
		}
	default:
		return nil, errors.New("directory document must be a record, a page of records or an array")
	}
	doc := &Document{Counts: map[Kind]int{}}
	var problems []Problem
	seen := map[string]int{}
	for i, rec := range records {
		n := i + 1
		m, ok := rec.(map[string]any)
		if !ok {
			problems = append(problems, Problem{Record: n, Reason: "must be a JSON object"})
			continue
		}
		k := detect(m)
		id, _ := m["id"].(string)
		ps := validate(n, id, k, rec)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		doc.Counts[k]++
		raw, _ := json.Marshal(rec)
		svcs, err := mapRecord(k, raw)
		if err != nil {
			problems = append(problems, Problem{Record: n, ID: id, Kind: k, Reason: err.Error()})
			continue
		}
		for _, s := range svcs {
			if err := s.Validate(); err != nil {
				var fe joinedup.FieldErrors
				if errors.As(err, &fe) {
					for _, f := range sortedKeys(fe) {
						problems = append(problems, Problem{Record: n, ID: s.ID, Kind: KindService, Field: "/" + strings.ReplaceAll(f, ".", "/"), Reason: fe[f]})
					}
					continue
				}
			}
			if prev, dup := seen[s.ID]; dup {
				problems = append(problems, Problem{Record: n, ID: s.ID, Kind: KindService, Field: "/id", Reason: fmt.Sprintf("service also in record %d", prev)})
				continue
			}
			seen[s.ID] = n
			doc.Services = append(doc.Services, s)
		}
	}
	if len(problems) > 0 {
		return nil, &InvalidError{problems}
	}
	return doc, nil
}

func sortedKeys(fe joinedup.FieldErrors) []string {
	ks := make([]string, 0, len(fe))
	for k := range fe {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// detect tells the kind of a record from its fields: the profile's
// records carry no type marker.
func detect(m map[string]any) Kind {
	has := func(k string) bool { _, ok := m[k]; return ok }
	switch {
	case has("taxonomy_terms") || has("version") && !has("status"):
		return KindTaxonomy
	case has("location") || has("service") && !has("name"):
		return KindServiceAtLocation
	case has("services") || has("organization_identifiers") || has("website") && !has("status"):
		return KindOrganization
	case has("term") || has("taxonomy") || has("parent_id") && !has("status"):
		return KindTaxonomyTerm
	}
	return KindService
}

var printer = message.NewPrinter(language.English)

// validate checks one record against its kind's schema, naming each field
// that fails.
func validate(n int, id string, k Kind, rec any) []Problem {
	var ps []Problem
	check := func(k Kind, v any, prefix string) {
		err := schemas[k].Validate(v)
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			for _, leaf := range leaves(ve) {
				ps = append(ps, Problem{Record: n, ID: id, Kind: k, Field: prefix + "/" + strings.Join(leaf.InstanceLocation, "/"),
					Reason: leaf.ErrorKind.LocalizedString(printer)})
			}
		} else if err != nil {
			ps = append(ps, Problem{Record: n, ID: id, Kind: k, Reason: err.Error()})
		}
	}
	if k == KindTaxonomy {
		m := rec.(map[string]any)
		if s, _ := m["name"].(string); s == "" {
			ps = append(ps, Problem{Record: n, ID: id, Kind: k, Field: "/name", Reason: "is required"})
		}
		terms, _ := m["taxonomy_terms"].([]any)
		for i, t := range terms {
			check(KindTaxonomyTerm, t, fmt.Sprintf("/taxonomy_terms/%d", i))
		}
		return ps
	}
	check(k, rec, "")
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Field < ps[j].Field })
	return ps
}

// leaves returns the errors at the bottom of the tree: the ones that name
// a field and what is wrong with it.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

package directory_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/directory"
)

// TestParseExamples accepts every Open Referral UK example: single
// records, pages and taxonomies.
func TestParseExamples(t *testing.T) {
	want := map[string]int{"service_full.json": 1, "service_list.json": 1, "organization_full.json": 1, "organization_list.json": 0,
		"service_at_location_full.json": 1, "service_at_location_list.json": 1, "taxonomy.json": 0, "taxonomy_list.json": 0,
		"taxonomy_term.json": 0, "taxonomy_term_list.json": 0}
	for name, n := range want {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := directory.Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Services) != n {
				t.Fatalf("%d services, want %d", len(doc.Services), n)
			}
			for _, s := range doc.Services {
				if s.Organisation.Name == "" || s.Name == "" {
					t.Fatalf("service mapped without name or organisation: %+v", s)
				}
			}
		})
	}
	b, _ := os.ReadFile("testdata/service_full.json")
	doc, _ := directory.Parse(bytes.NewReader(b))
	s := doc.Services[0]
	if s.MinimumAge != 12 || s.MaximumAge != 100 || len(s.Locations) != 1 || s.Locations[0].Postcode != "ABC 1234" || len(s.Terms) != 1 || len(s.Costs) != 1 {
		t.Fatalf("service_full mapped to %+v", s)
	}
}

// TestParseRejects names the record and field of each problem.
func TestParseRejects(t *testing.T) {
	svc := func(extra string) string {
		return `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"Befriending","organization":{"id":"o1","name":"Org","description":"d"}` + extra + `}`
	}
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "not JSON"},
		{"scalar", `42`, "must be a record"},
		{"status missing", svc(``), "record 1 (service ac148810-d857-441c-9679-408f346de14b) /: missing property 'status'"},
		{"bad status", svc(`,"status":"open"`), "/status"},
		{"age not a number", svc(`,"status":"active","minimum_age":"twelve"`), "/minimum_age"},
		{"second record bad", `[` + svc(`,"status":"active"`) + `,{"id":"x2","name":"Lunch club","status":"active","organization":{"id":"o2","name":"Org"}}]`,
			"record 2 (service x2) /organization: missing property 'description'"},
		{"organisation without name", `{"id":"s3","name":"Club","status":"active"}`, "record 1 (service s3) /organization/name: is required"},
		{"duplicate", `[` + svc(`,"status":"active"`) + `,` + svc(`,"status":"active"`) + `]`, "service also in record 1"},
		{"page contents not a list", `{"contents":{}}`, "/contents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := directory.Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDemoDirectory: the demo validates, covers the five localities and
// has Portuguese services in North Lambeth.
func TestDemoDirectory(t *testing.T) {
	doc, err := directory.Parse(bytes.NewReader(directory.DemoJSON()))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Services) < 25 {
		t.Fatalf("demo has %d services", len(doc.Services))
	}
	for _, area := range []string{"North Lambeth", "South West Lambeth", "South East Lambeth", "North Southwark", "South Southwark"} {
		n := 0
		for _, s := range doc.Services {
			if s.Matches(joinedup.ServiceQuery{Area: area}) {
				n++
			}
		}
		if n < 5 {
			t.Errorf("%s has %d services", area, n)
		}
	}
	pt := 0
	for _, s := range doc.Services {
		if s.Matches(joinedup.ServiceQuery{Area: "North Lambeth", Language: "Portuguese"}) {
			pt++
		}
	}
	if pt < 3 {
		t.Fatalf("%d Portuguese services in North Lambeth", pt)
	}
}

// FuzzParse: no input makes Parse panic, and whatever it accepts maps to
// services that pass validation.
func FuzzParse(f *testing.F) {
	for _, n := range []string{"service_full.json", "organization_full.json", "service_at_location_list.json", "taxonomy.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"id":"a","name":"n","status":"active","organization":{"id":"o","name":"o","description":"d"}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := directory.Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, s := range doc.Services {
			if err := s.Validate(); err != nil {
				t.Fatalf("accepted an invalid service: %v", err)
			}
		}
	})
}

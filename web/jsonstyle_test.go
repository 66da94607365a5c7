package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jsonAPIRoute reports whether a route answers in the JSON API's style: a
// JSON route under /api/, other than the OpenAPI document (whose keys are
// OpenAPI's own).
func jsonAPIRoute(rt Route) bool {
	return rt.Surface == SurfaceAPI && strings.HasPrefix(rt.Pattern, "/api/") && rt.Pattern != "/api/openapi.json"
}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	// countText is a count written as text: digits, or a withheld count
	// ("<5", "[c]").
	countText = regexp.MustCompile(`^(\d+|<\d+|\[[a-z]\])$`)
)

// dataKeys are the objects whose keys are data rather than field names
// (task kinds in the overdue counts), so only their values are checked.
var dataKeys = []string{"by_kind"}

// identifierKey reports whether a key names an identifier or code, whose
// value may be all digits without being a count (an NHS number, a SNOMED
// CT code, an id).
func identifierKey(k string) bool {
	return k == "id" || strings.HasSuffix(k, "_id") || k == "nhs_number" || k == "code" || k == "ods"
}

// disclosureText are the routes whose counts are disclosure-controlled
// aggregates, written as text so a withheld count can say so ("<5",
// "[c]"); their keys are still checked, and their answers are not held to
// the OpenAPI document's schemas, as disclosure control shapes them.
var disclosureText = []string{"GET /api/aggregates/practices", "GET /api/aggregates/overdue"}

// jsonStyleProblems lists where a JSON body departs from the API's style:
// an object key that is not snake_case (lower-case letters, digits and
// underscores), or a count written as a string rather than a number.
// countsAsText skips the second check.
func jsonStyleProblems(body []byte, countsAsText bool) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out []string
	var walk func(path, key string, v any, data bool)
	walk = func(path, key string, v any, data bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if !data && !snakeCase.MatchString(k) {
					out = append(out, fmt.Sprintf("%s: key %q is not snake_case", path, k))
				}
				walk(path+"."+k, k, e, slices.Contains(dataKeys, k))
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), key, e, false)
			}
		case string:
			if !countsAsText && countText.MatchString(v) && !identifierKey(key) {
				out = append(out, fmt.Sprintf("%s: count %q is a string, not a number", path, v))
			}
		}
	}
	walk("$", "", v, false)
	slices.Sort(out)
	return out, nil
}

// TestJSONStyleProblems: the style check finds Go field names, camelCase
// and counts as strings, and passes what the API writes.
func TestJSONStyleProblems(t *testing.T) {
	for _, c := range []struct {
		body string
		want string
	}{
		{`{"patient_id":"p1","nhs_number":"9000000009","tasks":[{"id":"123","open_tasks":2,"due":"2025-06-02"}],"cases":null}`, ""},
		{`{"services":[{"ID":"s1","Organisation":{"ODS":"VOL1"}}]}`, `$.services[0]: key "ID" is not snake_case`},
		{`{"meeting":{"startsAt":"2025-06-02T09:00:00Z"}}`, `$.meeting: key "startsAt" is not snake_case`},
		{`{"meeting":{"cases":"<5","discussed":"12"}}`, `$.meeting.cases: count "<5" is a string, not a number`},
		{`{"localities":[{"by_kind":{"assign-lead-specialist":"<5"}}]}`, `$.localities[0].by_kind.assign-lead-specialist: count "<5" is a string, not a number`},
	} {
		got, err := jsonStyleProblems([]byte(c.body), false)
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" && len(got) != 0 || c.want != "" && !slices.Contains(got, c.want) {
			t.Errorf("%s: %q; want %q", c.body, got, c.want)
		}
	}
	if got, _ := jsonStyleProblems([]byte(`{"localities":[{"overdue":"<5","by_kind":{"assign-lead-specialist":"<5"}}]}`), true); len(got) != 0 {
		t.Errorf("disclosure-controlled counts as text: %q", got)
	}
}

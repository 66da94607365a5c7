package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// openAPISchemas compiles the OpenAPI document's response schemas, for
// checking answers against what the document says of them.
type openAPISchemas struct {
	mu  sync.Mutex
	c   *jsonschema.Compiler
	doc map[string]any
	got map[string]*jsonschema.Schema
}

const openAPIURL = "https://joinedup.test/openapi.json"

// loadOpenAPISchemas reads web/openapi.yaml as JSON Schema (draft 4, the
// base of OpenAPI 3.0's schemas): "nullable" becomes null allowed, and an
// object takes only the properties the document names (an allOf is merged
// into one object first), so an answer with a key the document does not
// describe fails.
func loadOpenAPISchemas(t *testing.T) *openAPISchemas {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		t.Fatal(err)
	}
	// Through JSON, so numbers and maps are as the validator takes them.
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	v = allowNull(closeObjects(v, v))
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource(openAPIURL, v); err != nil {
		t.Fatal(err)
	}
	return &openAPISchemas{c: c, doc: v.(map[string]any), got: map[string]*jsonschema.Schema{}}
}

// closeObjects gives every object schema in v that names its properties,
// and says nothing of others, "additionalProperties": false; an allOf of
// object schemas (local $refs into doc followed) becomes one object with
// all their properties.
func closeObjects(v, doc any) any {
	switch v := v.(type) {
	case map[string]any:
		if parts, ok := v["allOf"].([]any); ok {
			props, required := map[string]any{}, []any{}
			for _, part := range parts {
				m, _ := closeObjects(deref(part, doc), doc).(map[string]any)
				ps, _ := m["properties"].(map[string]any)
				for k, p := range ps {
					props[k] = p
				}
				r, _ := m["required"].([]any)
				required = append(required, r...)
			}
			delete(v, "allOf")
			v["type"], v["properties"] = "object", props
			if len(required) > 0 {
				v["required"] = required
			}
		}
		for k, e := range v {
			if k != "example" {
				v[k] = closeObjects(e, doc)
			}
		}
		if _, ok := v["properties"].(map[string]any); ok && v["additionalProperties"] == nil {
			v["additionalProperties"] = false
		}
	case []any:
		for i, e := range v {
			v[i] = closeObjects(e, doc)
		}
	}
	return v
}

// deref returns a copy of what v's local $ref names in doc (v itself, copied,
// when it has none).
func deref(v, doc any) any {
	if m, ok := v.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok && strings.HasPrefix(ref, "#/") {
			at := doc
			for _, name := range strings.Split(ref[2:], "/") {
				mm, _ := at.(map[string]any)
				at = mm[name]
			}
			v = at
		}
	}
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// allowNull rewrites OpenAPI's "nullable: true" as JSON Schema: null is
// one more type, or one more choice beside a composed schema.
func allowNull(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = allowNull(e)
		}
		if v["nullable"] != true {
			return v
		}
		delete(v, "nullable")
		if typ, ok := v["type"].(string); ok {
			v["type"] = []any{typ, "null"}
			return v
		}
		return map[string]any{"anyOf": []any{v, map[string]any{"type": "null"}}}
	case []any:
		for i, e := range v {
			v[i] = allowNull(e)
		}
	}
	return v
}

// pointerEscape escapes a JSON Pointer token, and what a URL fragment
// cannot hold.
var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1", "{", "%7B", "}", "%7D")

// check reports how body departs from the schema the document gives the
// route's answer with status; an answer the document does not describe is
// itself a problem.
func (o *openAPISchemas) check(rt Route, status int, body []byte) []string {
	code := fmt.Sprint(status)
	paths, _ := o.doc["paths"].(map[string]any)
	path, _ := paths[rt.Pattern].(map[string]any)
	op, _ := path[strings.ToLower(rt.Method)].(map[string]any)
	responses, _ := op["responses"].(map[string]any)
	resp, _ := responses[code].(map[string]any)
	if resp == nil {
		return []string{fmt.Sprintf("the OpenAPI document describes no %s answer", code)}
	}
	loc := "#/paths/" + pointerEscape.Replace(rt.Pattern) + "/" + strings.ToLower(rt.Method) + "/responses/" + code
	if ref, ok := resp["$ref"].(string); ok {
		loc = ref
	}
	return o.checkAt(loc+"/content/application~1json/schema", body)
}

// checkAt reports how body departs from the schema at loc, a JSON Pointer
// fragment into the document ("#/components/schemas/Service").
func (o *openAPISchemas) checkAt(loc string, body []byte) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	sch, ok := o.got[loc]
	if !ok {
		var err error
		if sch, err = o.c.Compile(openAPIURL + loc); err != nil {
			return []string{fmt.Sprintf("the OpenAPI document's schema %s: %v", loc, err)}
		}
		o.got[loc] = sch
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{err.Error()}
	}
	if err := sch.Validate(v); err != nil {
		return []string{fmt.Sprintf("not as the OpenAPI document describes it (%s): %v", loc, err)}
	}
	return nil
}

// TestOpenAPISchemasFitFullShapes: the answers whose lists the fixtures
// leave empty (a service's costs, locations, contacts and schedules; a
// meeting's attendees; a plan's goals and actions), filled in, are as the
// document describes them and in the API's style.
func TestOpenAPISchemasFitFullShapes(t *testing.T) {
	o := loadOpenAPISchemas(t)
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	svc := joinedup.Service{ID: "s1", OrganisationID: "o1", Organisation: joinedup.ServiceOrganisation{ID: "oo1", ODS: "VOL1", Name: "Age UK",
		Description: "d", Website: "https://example.org", Email: "a@example.org"}, Name: "Lunch club", Description: "d", URL: "https://example.org/lunch",
		Email: "lunch@example.org", Status: "active", Fees: "£3 a session", Costs: []joinedup.ServiceCost{{Option: "per session", Amount: 3, Description: "lunch"}},
		MinimumAge: 60, MaximumAge: 0, Areas: []string{"North Lambeth"}, Locations: []joinedup.ServiceLocation{{Name: "Hall", Address: "1 High St", Postcode: "SE11 5AB"}},
		Languages: []string{"English"}, Terms: []joinedup.ServiceTerm{{Taxonomy: joinedup.TaxonomyNeeds, Code: "befriending", Name: "Befriending"}},
		Contacts:  []joinedup.ServiceContact{{Name: "Jo", Title: "Organiser", Phone: "020 7946 0000"}},
		Schedules: []joinedup.ServiceSchedule{{Description: "Weekly", ByDay: "MO,WE", OpensAt: "12:00", ClosesAt: "14:00"}}, Version: 3}
	meeting := joinedup.MDTMeeting{ID: "m1", OrganisationID: "o1", Title: "MDT", Start: day, Location: "Library", ChairID: "u1", RepeatWeeks: 4,
		Attendees: []joinedup.MDTAttendee{{UserID: "u2"}, {Name: "Jo Guest", Organisation: "Age UK"}}}
	plan := store.CarePlanEntry{ID: "p1", Status: "saved", Version: 2, BaseVersion: 1, SavedBy: "u1", SavedAt: day, Plan: joinedup.CarePlan{
		WhatMatters: "the choir", NextReview: day, ActivationLevel: 2,
		Goals:   []joinedup.Goal{{Description: "sing", Steps: []string{"ring the choir"}, Owner: "Rita", TargetDate: day, Status: joinedup.GoalNotStarted}},
		Actions: []joinedup.AgreedAction{{Description: "refer", Owner: "Sam", Due: day, Status: joinedup.ActionOpen}}}}
	for _, c := range []struct {
		loc string
		v   any
	}{
		{"#/components/schemas/Service", toServiceJSON(svc)},
		{"#/components/schemas/MDTMeeting", toMeetingJSON(meeting, "Org", "Dr Chair", 7, 2, true)},
		{"#/components/schemas/CarePlanVersion", toPlanJSON(plan)},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		problems, err := jsonStyleProblems(b, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(problems, o.checkAt(c.loc, b)...) {
			t.Errorf("%s: %s\n%s", c.loc, p, b)
		}
	}
}

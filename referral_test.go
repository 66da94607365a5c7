package joinedup_test

import (
	"slices"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

func TestCheckMove(t *testing.T) {
	tests := []struct {
		from joinedup.ReferralStatus
		u    joinedup.ReferralUpdate
		ok   bool
	}{
		{joinedup.ReferralSent, joinedup.ReferralUpdate{Status: joinedup.ReferralAccepted}, true},
		{joinedup.ReferralSent, joinedup.ReferralUpdate{Status: joinedup.ReferralDeclined}, false}, // no reason
		{joinedup.ReferralSent, joinedup.ReferralUpdate{Status: joinedup.ReferralDeclined, Note: "outside our area"}, true},
		{joinedup.ReferralSent, joinedup.ReferralUpdate{Status: joinedup.ReferralCompleted, Outcome: "x"}, false},
		{joinedup.ReferralAccepted, joinedup.ReferralUpdate{Status: joinedup.ReferralInProgress}, true},
		{joinedup.ReferralInProgress, joinedup.ReferralUpdate{Status: joinedup.ReferralInProgress, Note: "week 3"}, true},
		{joinedup.ReferralInProgress, joinedup.ReferralUpdate{Status: joinedup.ReferralCompleted}, false}, // no outcome
		{joinedup.ReferralInProgress, joinedup.ReferralUpdate{Status: joinedup.ReferralCompleted, Outcome: "joined the choir"}, true},
		{joinedup.ReferralCompleted, joinedup.ReferralUpdate{Status: joinedup.ReferralInProgress}, false},
		{joinedup.ReferralDeclined, joinedup.ReferralUpdate{Status: joinedup.ReferralAccepted}, false},
		{joinedup.ReferralSent, joinedup.ReferralUpdate{Status: "lost"}, false},
	}
	for _, tt := range tests {
		err := joinedup.CheckMove(tt.from, tt.u)
		if (err == nil) != tt.ok {
			t.Errorf("CheckMove(%s, %+v) = %v; want ok=%v", tt.from, tt.u, err, tt.ok)
		}
	}
}

func TestConsentedFieldsNeverClinical(t *testing.T) {
	if got := joinedup.ConsentedFields(false, nil); got != nil {
		t.Fatalf("no consent shares %v", got)
	}
	if got := joinedup.ConsentedFields(true, nil); !slices.Equal(got, joinedup.ShareableFields()) {
		t.Fatalf("consent with no list shares %v", got)
	}
	got := joinedup.ConsentedFields(true, []string{"contact", "diagnoses", "results", "name"})
	if !slices.Equal(got, []string{"name", "contact"}) {
		t.Fatalf("restricted consent shares %v", got)
	}
	p := joinedup.Patient{GivenName: "Rita", FamilyName: "Test", Phone: "020 7946 0000"}
	s := joinedup.Share(p, "lonely", "the choir", got)
	if s.Name != "Rita Test" || s.Contact == "" || s.Reason != "" || s.WhatMatters != "" {
		t.Fatalf("share %+v", s)
	}
}

func TestStalled(t *testing.T) {
	cfg := joinedup.StallSettings{AcceptWithinWorkingDays: 10, QuietDays: 30}
	mon := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC) // a Monday
	tests := []struct {
		name    string
		status  joinedup.ReferralStatus
		updated time.Time
		now     time.Time
		want    bool
	}{
		{"sent, 9 working days", joinedup.ReferralSent, mon, mon.AddDate(0, 0, 11), false},
		{"sent, 10 working days", joinedup.ReferralSent, mon, mon.AddDate(0, 0, 14), true},
		{"accepted, 29 days quiet", joinedup.ReferralAccepted, mon, mon.AddDate(0, 0, 29), false},
		{"in progress, 30 days quiet", joinedup.ReferralInProgress, mon, mon.AddDate(0, 0, 30), true},
		{"completed long ago", joinedup.ReferralCompleted, mon, mon.AddDate(1, 0, 0), false},
	}
	for _, tt := range tests {
		got, why, _ := joinedup.Stalled(tt.status, mon, tt.updated, tt.now, cfg)
		if got != tt.want || got && why == "" {
			t.Errorf("%s: stalled %v (%q), want %v", tt.name, got, why, tt.want)
		}
	}
	if d := joinedup.AddWorkingDays(time.Date(2025, 6, 6, 0, 0, 0, 0, time.UTC), 1); d.Weekday() != time.Monday {
		t.Fatalf("a working day after Friday is %s", d.Weekday())
	}
}

func demoServices() []joinedup.Service {
	needs := func(taxonomy string, names ...string) []joinedup.ServiceTerm {
		var out []joinedup.ServiceTerm
		for _, n := range names {
			out = append(out, joinedup.ServiceTerm{Taxonomy: taxonomy, Name: n})
		}
		return out
	}
	return []joinedup.Service{
		{ID: "walk", Name: "Walking for Health", Description: "Free led walks in the park", Status: "active", Areas: []string{"North Lambeth"},
			Languages: []string{"English"}, Locations: []joinedup.ServiceLocation{{Postcode: "SE11 5AB"}},
			Terms: needs(joinedup.TaxonomyNeeds, "Physical activity", "Wellbeing")},
		{ID: "carers", Name: "Carers' Hub", Description: "Support for unpaid carers", Status: "active", Areas: []string{"North Southwark"},
			Languages: []string{"English", "Portuguese"}, Locations: []joinedup.ServiceLocation{{Postcode: "SE1 7JN"}},
			Terms: append(needs(joinedup.TaxonomyNeeds, "Carers support"), needs(joinedup.TaxonomyCircumstances, "Carers")...)},
		{ID: "closed", Name: "Old walking group", Status: "defunct", Areas: []string{"North Lambeth"}, Terms: needs(joinedup.TaxonomyNeeds, "Physical activity")},
		{ID: "kids", Name: "Youth club", Status: "active", MaximumAge: 18, Areas: []string{"North Lambeth"}},
	}
}

func TestServiceMatches(t *testing.T) {
	tests := []struct {
		q    joinedup.ServiceQuery
		want []string
	}{
		{joinedup.ServiceQuery{}, []string{"walk", "carers", "kids"}},
		{joinedup.ServiceQuery{Need: "physical"}, []string{"walk"}},
		{joinedup.ServiceQuery{Need: "physical", IncludeClosed: true}, []string{"walk", "closed"}},
		{joinedup.ServiceQuery{Area: "north southwark"}, []string{"carers"}},
		{joinedup.ServiceQuery{District: "se11 9zz"}, []string{"walk"}},
		{joinedup.ServiceQuery{Language: "portuguese"}, []string{"carers"}},
		{joinedup.ServiceQuery{Eligibility: "carers"}, []string{"carers"}},
		{joinedup.ServiceQuery{Age: 70, Area: "North Lambeth"}, []string{"walk"}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range demoServices() {
			if s.Matches(tt.q) {
				got = append(got, s.ID)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSuggestServices(t *testing.T) {
	plan := joinedup.CarePlan{WhatMatters: "walking in the park with my dog", Goals: []joinedup.Goal{{Description: "more physical activity"}}}
	got := joinedup.SuggestServices(demoServices(), plan, joinedup.TierGreen, "en", 0)
	if len(got) != 1 || got[0].Service.ID != "walk" || len(got[0].Why) != 2 {
		t.Fatalf("suggestions %+v", got)
	}
	// A Portuguese speaker caring for someone, Amber: the carers' hub.
	plan = joinedup.CarePlan{WhatMatters: "a break from caring for my husband", Goals: []joinedup.Goal{{Description: "support as a carer"}}}
	got = joinedup.SuggestServices(demoServices(), plan, joinedup.TierAmber, "pt-PT", 0)
	if len(got) == 0 || got[0].Service.ID != "carers" || !slices.Contains(got[0].Why, "delivered in Portuguese") {
		t.Fatalf("suggestions %+v", got)
	}
}

func TestPostcodeDistrict(t *testing.T) {
	for in, want := range map[string]string{"SE11 5AB": "SE11", "se15ab": "SE1", "SW9 7AA": "SW9", "SE1": "SE1", "": ""} {
		if got := joinedup.PostcodeDistrict(in); got != want {
			t.Errorf("PostcodeDistrict(%q) = %q, want %q", in, got, want)
		}
	}
}

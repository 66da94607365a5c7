package fhir_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/fhir/fhirschema"
)

// TestServiceAndReferralLoopValidate writes a service as a
// HealthcareService and a referral at every state as a ServiceRequest,
// validates each against R4, and checks the loop's status mapping.
func TestServiceAndReferralLoopValidate(t *testing.T) {
	schema := fhirschema.Validator(t)
	s := joinedup.Service{ID: "svc-1", OrganisationID: "org-1", Organisation: joinedup.ServiceOrganisation{Name: "Portuguese Community Link"},
		Name: "Amigos de Stockwell", Description: "Befriending in Portuguese", Status: "active", MinimumAge: 55, Email: "a@example.org",
		Areas: []string{"North Lambeth"}, Languages: []string{"Portuguese"},
		Terms: []joinedup.ServiceTerm{{Taxonomy: joinedup.TaxonomyNeeds, Code: "befriending", Name: "Befriending"},
			{Taxonomy: joinedup.TaxonomyCircumstances, Code: "older-people", Name: "Older people"}},
		Contacts:  []joinedup.ServiceContact{{Name: "Referrals", Phone: "020 7946 0102"}},
		Schedules: []joinedup.ServiceSchedule{{ByDay: "TU", OpensAt: "10:00:00", ClosesAt: "12:00:00"}}}
	hs := fhir.FromService(s)
	b, _ := json.Marshal(hs)
	if err := schema.Validate(b); err != nil {
		t.Fatalf("HealthcareService: %v\n%s", err, b)
	}
	if len(hs.Eligibility) != 2 || hs.ProvidedBy == nil || hs.AvailabilityExceptions != "TU 10:00–12:00" {
		t.Fatalf("HealthcareService %s", b)
	}
	want := map[joinedup.ReferralStatus][2]string{joinedup.ReferralSent: {"active", "requested"}, joinedup.ReferralAccepted: {"active", "accepted"},
		joinedup.ReferralInProgress: {"active", "in-progress"}, joinedup.ReferralDeclined: {"revoked", "rejected"},
		joinedup.ReferralCompleted: {"completed", "completed"}, joinedup.ReferralCancelled: {"revoked", "cancelled"}}
	for st, w := range want {
		sr, task := fhir.ReferralStatus(st)
		if sr != w[0] || task != w[1] {
			t.Errorf("%s: %s/%s, want %v", st, sr, task, w)
		}
		res := fhir.FromReferral(fhir.Referral{ID: "r1", PatientID: "p1", OrganisationID: "org-1", Reason: "lonely", Status: st,
			Created: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)})
		b, _ := json.Marshal(res)
		if err := schema.Validate(b); err != nil || res.Status != w[0] {
			t.Errorf("ServiceRequest at %s: %v %s", st, err, b)
		}
	}
}

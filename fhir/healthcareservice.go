package fhir

import (
	"fmt"
	"strings"

	"github.com/joinedup/joinedup"
)

// HealthcareService is an R4 HealthcareService: JoinedUp writes a service
// of its community and voluntary directory as one.
type HealthcareService struct {
	DomainResource
	Identifier             []Identifier      `json:"identifier,omitempty"`
	Active                 *bool             `json:"active,omitempty"`
	ProvidedBy             *Reference        `json:"providedBy,omitempty"`
	Category               []CodeableConcept `json:"category,omitempty"`
	Type                   []CodeableConcept `json:"type,omitempty"`
	Name                   string            `json:"name,omitempty"`
	Comment                string            `json:"comment,omitempty"`
	Telecom                []ContactPoint    `json:"telecom,omitempty"`
	CoverageArea           []Reference       `json:"coverageArea,omitempty"`
	Eligibility            []Eligibility     `json:"eligibility,omitempty"`
	Communication          []CodeableConcept `json:"communication,omitempty"`
	ReferralMethod         []CodeableConcept `json:"referralMethod,omitempty"`
	AppointmentRequired    *bool             `json:"appointmentRequired,omitempty"`
	AvailabilityExceptions string            `json:"availabilityExceptions,omitempty"`
}

// Eligibility is HealthcareService.eligibility.
type Eligibility struct {
	Code    *CodeableConcept `json:"code,omitempty"`
	Comment string           `json:"comment,omitempty"`
}

// SystemOpenReferralService identifies a service by its Open Referral UK id.
const SystemOpenReferralService = "https://openreferraluk.org/Id/service"

// FromService writes a directory service as a HealthcareService: the
// provider, its needs as types, who it is for as eligibility, its
// languages (BCP 47 where known) and localities as coverage.
func FromService(s joinedup.Service) *HealthcareService {
	active := s.Status == "active"
	out := &HealthcareService{DomainResource: DomainResource{Resource: Resource{ResourceType: "HealthcareService", ID: s.ID}},
		Identifier: []Identifier{{System: SystemOpenReferralService, Value: s.ID}}, Active: &active, Name: s.Name, Comment: s.Description,
		ProvidedBy: reference("Organization", s.OrganisationID)}
	if out.ProvidedBy != nil {
		out.ProvidedBy.Display = s.Organisation.Name
	}
	for _, t := range s.Terms {
		cc := CodeableConcept{Text: t.Name}
		if t.Code != "" && t.Taxonomy != "" {
			cc.Coding = []Coding{{System: "https://openreferraluk.org/taxonomy/" + t.Taxonomy, Code: t.Code, Display: t.Name}}
		}
		switch t.Taxonomy {
		case joinedup.TaxonomyCircumstances:
			c := cc
			out.Eligibility = append(out.Eligibility, Eligibility{Code: &c})
		case joinedup.TaxonomyServiceTypes:
			out.Category = append(out.Category, cc)
		default:
			out.Type = append(out.Type, cc)
		}
	}
	if s.MinimumAge > 0 || s.MaximumAge > 0 {
		out.Eligibility = append(out.Eligibility, Eligibility{Comment: ageRange(s.MinimumAge, s.MaximumAge)})
	}
	for _, l := range s.Languages {
		out.Communication = append(out.Communication, CodeableConcept{Text: l})
	}
	for _, a := range s.Areas {
		out.CoverageArea = append(out.CoverageArea, Reference{Display: a})
	}
	if s.Email != "" {
		out.Telecom = append(out.Telecom, ContactPoint{System: "email", Value: s.Email})
	}
	if s.URL != "" {
		out.Telecom = append(out.Telecom, ContactPoint{System: "url", Value: s.URL})
	}
	for _, c := range s.Contacts {
		if c.Phone != "" {
			out.Telecom = append(out.Telecom, ContactPoint{System: "phone", Value: c.Phone, Use: "work"})
		}
	}
	var when []string
	for _, sch := range s.Schedules {
		if sch.ByDay != "" || sch.OpensAt != "" {
			when = append(when, strings.TrimSpace(fmt.Sprintf("%s %s–%s", sch.ByDay, strings.TrimSuffix(sch.OpensAt, ":00"), strings.TrimSuffix(sch.ClosesAt, ":00"))))
		}
	}
	out.AvailabilityExceptions = strings.Join(when, "; ")
	return out
}

func ageRange(lo, hi int) string {
	switch {
	case lo > 0 && hi > 0:
		return fmt.Sprintf("aged %d to %d", lo, hi)
	case lo > 0:
		return fmt.Sprintf("aged %d and over", lo)
	}
	return fmt.Sprintf("aged up to %d", hi)
}

// ReferralStatus maps a referral's state to ServiceRequest.status and to
// Task.status as the closed-loop referral pattern uses them (the Task
// carries the service's side of the loop).
func ReferralStatus(s joinedup.ReferralStatus) (serviceRequest, task string) {
	switch s {
	case joinedup.ReferralAccepted:
		return "active", "accepted"
	case joinedup.ReferralInProgress:
		return "active", "in-progress"
	case joinedup.ReferralDeclined:
		return "revoked", "rejected"
	case joinedup.ReferralCompleted:
		return "completed", "completed"
	case joinedup.ReferralCancelled:
		return "revoked", "cancelled"
	}
	return "active", "requested"
}

package directory

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup"
)

// The Open Referral UK record shapes JoinedUp reads. Fields the profile
// leaves out but HSDS 3.0 defines (a language's name and code, a
// contact's phones) are read when a publisher includes them.
type (
	orukTerm struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Taxonomy   string `json:"taxonomy"`
		TaxonomyID string `json:"taxonomy_id"`
		Term       string `json:"term"`
	}
	orukAttribute struct {
		TaxonomyTerm *orukTerm `json:"taxonomy_term"`
	}
	orukOrganization struct {
		ID          string        `json:"id"`
		Name        string        `json:"name"`
		Description string        `json:"description"`
		Email       string        `json:"email"`
		Website     string        `json:"website"`
		Services    []orukService `json:"services"`
		Identifiers []struct {
			Scheme     string `json:"identifier_scheme"`
			Type       string `json:"identifier_type"`
			Identifier string `json:"identifier"`
		} `json:"organization_identifiers"`
	}
	orukAddress struct {
		Address1   string `json:"address_1"`
		City       string `json:"city"`
		PostalCode string `json:"postal_code"`
	}
	orukLocation struct {
		Name      string        `json:"name"`
		Addresses []orukAddress `json:"addresses"`
	}
	orukServiceAtLocation struct {
		ID       string        `json:"id"`
		Location *orukLocation `json:"location"`
		Service  *orukService  `json:"service"`
	}
	orukService struct {
		ID           string            `json:"id"`
		Name         string            `json:"name"`
		Description  string            `json:"description"`
		URL          string            `json:"url"`
		Email        string            `json:"email"`
		Status       string            `json:"status"`
		Fees         string            `json:"fees"`
		MinimumAge   json.Number       `json:"minimum_age"`
		MaximumAge   json.Number       `json:"maximum_age"`
		Organization *orukOrganization `json:"organization"`
		Schedules    []struct {
			Description string `json:"description"`
			ByDay       string `json:"byday"`
			OpensAt     string `json:"opens_at"`
			ClosesAt    string `json:"closes_at"`
		} `json:"schedules"`
		ServiceAreas []struct {
			Name string `json:"name"`
		} `json:"service_areas"`
		ServiceAtLocations []orukServiceAtLocation `json:"service_at_locations"`
		Languages          []struct {
			Name string `json:"name"`
			Code string `json:"code"`
		} `json:"languages"`
		CostOptions []struct {
			Option            string      `json:"option"`
			Amount            json.Number `json:"amount"`
			AmountDescription string      `json:"amount_description"`
		} `json:"cost_options"`
		Contacts []struct {
			Name   string `json:"name"`
			Title  string `json:"title"`
			Phones []struct {
				Number string `json:"number"`
			} `json:"phones"`
		} `json:"contacts"`
		Attributes []orukAttribute `json:"attributes"`
	}
)

// mapRecord maps a validated record to the services it holds.
func mapRecord(k Kind, raw []byte) ([]joinedup.Service, error) {
	switch k {
	case KindService:
		var s orukService
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("read service: %w", err)
		}
		return []joinedup.Service{toService(s, nil)}, nil
	case KindOrganization:
		var o orukOrganization
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("read organization: %w", err)
		}
		var out []joinedup.Service
		for _, s := range o.Services {
			out = append(out, toService(s, &o))
		}
		return out, nil
	case KindServiceAtLocation:
		var sal orukServiceAtLocation
		if err := json.Unmarshal(raw, &sal); err != nil {
			return nil, fmt.Errorf("read service at location: %w", err)
		}
		if sal.Service == nil {
			return nil, nil
		}
		sal.Service.ServiceAtLocations = append(sal.Service.ServiceAtLocations, orukServiceAtLocation{Location: sal.Location})
		return []joinedup.Service{toService(*sal.Service, nil)}, nil
	}
	return nil, nil // taxonomies hold no services
}

func intOf(n json.Number) int {
	f, err := n.Float64()
	if err != nil {
		return 0
	}
	return int(f)
}

// toService maps an Open Referral UK service; org is its organisation when
// the service was nested in one.
func toService(s orukService, org *orukOrganization) joinedup.Service {
	out := joinedup.Service{ID: s.ID, Name: strings.TrimSpace(s.Name), Description: strings.TrimSpace(s.Description), URL: s.URL,
		Email: s.Email, Status: s.Status, Fees: s.Fees, MinimumAge: intOf(s.MinimumAge), MaximumAge: intOf(s.MaximumAge)}
	if org == nil {
		org = s.Organization
	}
	if org != nil {
		out.Organisation = joinedup.ServiceOrganisation{ID: org.ID, Name: org.Name, Description: org.Description, Website: org.Website, Email: org.Email}
		for _, id := range org.Identifiers {
			// The NHS's organisation codes, as Open Referral UK
			// publishers write the scheme.
			if id.Scheme == "GB-NHS-ODS" || strings.EqualFold(id.Type, "ODS code") {
				out.Organisation.ODS = id.Identifier
			}
		}
	}
	for _, a := range s.ServiceAreas {
		if a.Name != "" {
			out.Areas = append(out.Areas, a.Name)
		}
	}
	for _, sal := range s.ServiceAtLocations {
		if sal.Location == nil {
			continue
		}
		l := joinedup.ServiceLocation{Name: sal.Location.Name}
		if len(sal.Location.Addresses) > 0 {
			a := sal.Location.Addresses[0]
			l.Address = strings.Trim(a.Address1+", "+a.City, ", ")
			l.Postcode = a.PostalCode
		}
		out.Locations = append(out.Locations, l)
	}
	for _, l := range s.Languages {
		switch {
		case l.Name != "":
			out.Languages = append(out.Languages, l.Name)
		case l.Code != "":
			out.Languages = append(out.Languages, joinedup.LanguageName(l.Code))
		}
	}
	for _, c := range s.CostOptions {
		amount, _ := c.Amount.Float64()
		out.Costs = append(out.Costs, joinedup.ServiceCost{Option: c.Option, Amount: amount, Description: c.AmountDescription})
	}
	for _, c := range s.Contacts {
		sc := joinedup.ServiceContact{Name: c.Name, Title: c.Title}
		if len(c.Phones) > 0 {
			sc.Phone = c.Phones[0].Number
		}
		out.Contacts = append(out.Contacts, sc)
	}
	for _, sch := range s.Schedules {
		out.Schedules = append(out.Schedules, joinedup.ServiceSchedule{Description: sch.Description, ByDay: sch.ByDay, OpensAt: sch.OpensAt, ClosesAt: sch.ClosesAt})
	}
	for _, a := range s.Attributes {
		if t := a.TaxonomyTerm; t != nil {
			tax := t.Taxonomy
			if tax == "" {
				tax = t.TaxonomyID
			}
			code := t.Term
			if code == "" {
				code = t.ID
			}
			out.Terms = append(out.Terms, joinedup.ServiceTerm{Taxonomy: tax, Code: code, Name: t.Name})
		}
	}
	return out
}

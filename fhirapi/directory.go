package fhirapi

import (
	"context"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

func init() {
	Register(&Type{Name: "HealthcareService", Action: joinedup.ActionReadDirectory,
		Params: []Param{{Name: "name", Field: FieldName, Doc: "name, starting with"},
			{Name: "active", Field: FieldStatus, Doc: "true for services taking people now"},
			{Name: "identifier", Field: FieldIdentifier, Doc: "Open Referral UK id: " + fhir.SystemOpenReferralService + "|…"}},
		Build: buildHealthcareServices})
}

// buildHealthcareServices serves the community and voluntary service
// directory: reference data, like Organization.
func buildHealthcareServices(ctx context.Context, r *Record) ([]Item, error) {
	all, err := store.Services(ctx, r.q)
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(all))
	for _, s := range all {
		res := fhir.FromService(s)
		status := "false"
		if *res.Active {
			status = "true"
		}
		out = append(out, Item{Resource: res, ID: s.ID, Name: s.Name, Status: status,
			Identifier: joinedup.Codings{{System: fhir.SystemOpenReferralService, Code: s.ID}}})
	}
	return out, nil
}

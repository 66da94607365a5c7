package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
)

// The FHIR R4 API at /fhir: read and search for every type in the
// fhirapi registry, the CapabilityStatement generated from that same
// registry, and Bulk Data export (fhir_export.go). Staff use it with their
// session; other systems with a bearer token from /oauth/token.

// FHIRContentType is the media type of every FHIR response.
const FHIRContentType = "application/fhir+json; charset=utf-8"

// errFHIR is a failure in FHIR's terms: the status, and the issue type
// the OperationOutcome names.
func errFHIR(status int, message string) error {
	return &problem{status: status, code: outcomeCodes[status], message: message}
}

// searchPatient finds the one patient a search concerns: patient= (or
// subject=), or for Patient itself _id or an NHS number identifier. "" when
// the search does not name exactly one patient that exists.
func searchPatient(c *Call, t *fhirapi.Type) (string, error) {
	q, err := fhirapi.ParseQuery(t, c.R.URL.Query())
	if err != nil {
		return "", errFHIR(http.StatusBadRequest, err.Error())
	}
	if t.Name != "Patient" {
		return q.Patient, nil
	}
	ids, err := patientCandidates(c, q)
	if err != nil || len(ids) != 1 {
		return "", err
	}
	return ids[0], nil
}

// patientCandidates resolves a Patient search's _id and identifier to the
// patients that exist; nil when neither is given.
func patientCandidates(c *Call, q *fhirapi.Query) ([]string, error) {
	ctx := c.R.Context()
	var ids []string
	nhs, byIdentifier := q.PatientIdentifiers()
	for _, n := range nhs {
		p, err := store.PatientByNHSNumber(ctx, c.Q, n)
		if errors.Is(err, joinedup.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, p.ID)
	}
	if !byIdentifier {
		held, err := store.HeldIDs(ctx, c.Q, "patients", q.IDs)
		if err != nil {
			return nil, err
		}
		for _, id := range q.IDs {
			if held[id] {
				ids = append(ids, id)
			}
		}
	}
	if !byIdentifier && len(q.IDs) == 0 {
		return nil, nil
	}
	if ids == nil {
		ids = []string{}
	}
	sort.Strings(ids)
	return ids, nil
}

// record returns the record the call may see, shaped by its scope: a
// voluntary-sector link worker's referral share shows only the referrals
// to their organisation.
func (s *Server) record(c *Call, t *fhirapi.Type, p joinedup.Patient, names *fhirapi.Names) (*fhirapi.Record, error) {
	if !t.PatientScoped() {
		return fhirapi.DirectoryRecord(c.Q), nil
	}
	rec := fhirapi.NewRecord(c.Q, p, nil, names)
	switch c.Decision.Scope {
	case joinedup.ScopeFull:
	case joinedup.ScopeReferralShare:
		rec.LimitReferralsTo(c.User.OrganisationID)
	default:
		return nil, errFHIR(http.StatusForbidden, "nothing to show at scope "+string(c.Decision.Scope))
	}
	return rec, nil
}

// shape returns what the call's scope lets it see of a resource: at the
// referral share, a Patient is reduced to name and contact, marked
// redacted.
func shape(c *Call, res fhir.Based) any {
	p, ok := res.(*fhir.Patient)
	if !ok || c.Decision.Scope != joinedup.ScopeReferralShare {
		return res
	}
	out := &fhir.Patient{Name: p.Name, Telecom: p.Telecom}
	out.ResourceType, out.ID = "Patient", p.ID
	out.Meta = &fhir.Meta{Security: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", Code: "REDACTED", Display: "redacted"}}}
	return out
}

func (s *Server) fhirRead(t *fhirapi.Type) func(c *Call) error {
	return func(c *Call) error {
		id := c.R.PathValue("id")
		rec, err := s.record(c, t, c.Patient, nil)
		if err != nil {
			return err
		}
		it, ok, err := t.Read(c.R.Context(), rec, id)
		if err != nil {
			return err
		}
		if !ok {
			return errFHIR(http.StatusNotFound, fmt.Sprintf("no %s/%s", t.Name, id))
		}
		c.Audit.What += fmt.Sprintf(" (%s/%s)", t.Name, id)
		return c.Respond(http.StatusOK, FHIRContentType, shape(c, it.Resource))
	}
}

// baseURL is the FHIR base as the client addressed it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

func (s *Server) fhirSearch(t *fhirapi.Type) func(c *Call) error {
	return func(c *Call) error {
		ctx := c.R.Context()
		q, err := fhirapi.ParseQuery(t, c.R.URL.Query())
		if err != nil {
			return errFHIR(http.StatusBadRequest, err.Error())
		}
		names := &fhirapi.Names{}
		var page fhirapi.Page
		population := false
		switch {
		case !t.PatientScoped():
			rec, _ := s.record(c, t, joinedup.Patient{}, names)
			page, err = fhirapi.SearchRecords(ctx, q, []*fhirapi.Record{rec})
		case c.Patient.ID != "":
			rec, rerr := s.record(c, t, c.Patient, names)
			if rerr != nil {
				return rerr
			}
			page, err = fhirapi.SearchRecords(ctx, q, []*fhirapi.Record{rec})
		case c.Client.ID == "":
			// Authorize lets a person search one patient's record only.
			return errFHIR(http.StatusForbidden, "a search must name one patient")
		default:
			ids, cerr := patientCandidates(c, q)
			if cerr != nil {
				return cerr
			}
			if ids != nil || q.Patient != "" {
				var recs []*fhirapi.Record
				for _, id := range ids {
					p, gerr := store.GetPatient(ctx, c.Q, id)
					if gerr != nil {
						return gerr
					}
					recs = append(recs, fhirapi.NewRecord(c.Q, p, nil, names))
				}
				page, err = fhirapi.SearchRecords(ctx, q, recs)
			} else {
				population = true
				page, err = fhirapi.SearchPopulation(ctx, c.Q, q, names)
			}
		}
		if errors.Is(err, fhirapi.ErrBadParam) {
			return errFHIR(http.StatusBadRequest, err.Error())
		}
		if err != nil {
			return err
		}
		base := baseURL(c.R)
		b := &fhir.Bundle{Resource: fhir.Resource{ResourceType: "Bundle"}, Type: "searchset", Timestamp: fhir.FormatInstant(c.Now)}
		if page.Total >= 0 {
			b.Total = &page.Total
		}
		link := func(rel string, set map[string]string) {
			v := c.R.URL.Query()
			for k, val := range set {
				if val == "" {
					v.Del(k)
				} else {
					v.Set(k, val)
				}
			}
			u := base + "/" + t.Name
			if len(v) > 0 {
				u += "?" + v.Encode()
			}
			b.Link = append(b.Link, fhir.BundleLink{Relation: rel, URL: u})
		}
		link("self", nil)
		if page.Next >= 0 {
			link("next", map[string]string{"_offset": strconv.Itoa(page.Next)})
		}
		if page.NextCursor != "" {
			link("next", map[string]string{"_cursor": page.NextCursor})
		}
		if page.Prev >= 0 {
			link("previous", map[string]string{"_offset": strconv.Itoa(page.Prev)})
		}
		patients := map[string]bool{}
		for _, it := range page.Items {
			b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/" + t.Name + "/" + it.ID, Resource: shape(c, it.Resource),
				Search: &fhir.BundleSearch{Mode: "match"}})
			if it.PatientID != "" {
				patients[it.PatientID] = true
			}
		}
		c.Audit.What += fmt.Sprintf(" (%d %s of %d patients)", len(page.Items), t.Name, len(patients))
		if population || c.Patient.ID == "" {
			// A search across patients reads each patient's record: each
			// gets an entry of its own, so a subject access request
			// finds it.
			if err := s.auditEach(c, patients); err != nil {
				return err
			}
		}
		return c.Respond(http.StatusOK, FHIRContentType, b)
	}
}

// auditEach writes an allowed entry for each patient whose records a
// request read beside the request's own entry.
func (s *Server) auditEach(c *Call, patients map[string]bool) error {
	ids := make([]string, 0, len(patients))
	for id := range patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	es := make([]joinedup.AuditEntry, len(ids))
	for i, id := range ids {
		es[i] = *c.Audit
		es[i].PatientID, es[i].Outcome = id, joinedup.OutcomeAllowed
	}
	return s.coord.AuditAll(c.R.Context(), es)
}

// paramTypes maps fhirapi fields to FHIR search parameter types.
var paramTypes = map[fhirapi.Field]string{
	fhirapi.FieldStatus: "token", fhirapi.FieldCode: "token", fhirapi.FieldCategory: "token",
	fhirapi.FieldIdentifier: "token", fhirapi.FieldDate: "date", fhirapi.FieldName: "string",
}

// CapabilityStatement describes exactly what the server serves, generated
// from the fhirapi registry and the route table.
func (s *Server) CapabilityStatement(base string) *fhir.CapabilityStatement {
	cs := &fhir.CapabilityStatement{Status: "active", Date: fhir.FormatDateTime(s.opt.Now().UTC()), Kind: "instance",
		Name: "JoinedUpFHIRAPI", Title: "JoinedUp FHIR R4 API", Publisher: "JoinedUp",
		FHIRVersion: "4.0.1", Format: []string{"json"},
		Software:       &fhir.CapSoftware{Name: "JoinedUp"},
		Implementation: &fhir.CapImpl{Description: "JoinedUp care coordination: FHIR R4 read and Bulk Data export", URL: base}}
	cs.ResourceType = "CapabilityStatement"
	rest := fhir.CapabilityRest{Mode: "server",
		Security: &fhir.CapSecurity{
			Service: []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/restful-security-service", Code: "SMART-on-FHIR"}}}},
			Extension: []fhir.Extension{{URL: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				Extension: []fhir.Extension{{URL: "token", ValueURI: base[:len(base)-len("/fhir")] + "/oauth/token"}}}},
			Description: "Staff: session sign-in. Systems: OAuth 2.0 client credentials with a signed JWT assertion (SMART Backend Services), scopes system/TYPE.read; a hospital's system also system/Encounter.write.",
		}}
	for _, t := range fhirapi.Types() {
		r := fhir.CapResource{Type: t.Name, Profile: t.Profile,
			Interaction: []fhir.CapInteraction{{Code: "read"}, {Code: "search-type"}}}
		if t.Name == "Encounter" {
			// A hospital's system reports stays (system/Encounter.write).
			r.Interaction = append(r.Interaction, fhir.CapInteraction{Code: "create"})
		}
		for _, p := range fhirapi.CommonParams {
			typ := "token"
			if p.Name == "_lastUpdated" {
				typ = "date"
			}
			r.SearchParam = append(r.SearchParam, fhir.CapSearchParam{Name: p.Name, Type: typ, Documentation: p.Doc})
		}
		if t.PatientScoped() && t.Name != "Patient" {
			for _, p := range fhirapi.PatientParams {
				r.SearchParam = append(r.SearchParam, fhir.CapSearchParam{Name: p.Name, Type: "reference", Documentation: p.Doc})
			}
		}
		for _, p := range t.Params {
			r.SearchParam = append(r.SearchParam, fhir.CapSearchParam{Name: p.Name, Type: paramTypes[p.Field], Documentation: p.Doc})
		}
		if t.Name == "Patient" {
			r.Operation = []fhir.CapOperation{{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"}}
		}
		rest.Resource = append(rest.Resource, r)
	}
	rest.Operation = []fhir.CapOperation{{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"},
		{Name: "process-message", Definition: "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"}}
	cs.Rest = []fhir.CapabilityRest{rest}
	return cs
}

func (s *Server) fhirMetadata(c *Call) error {
	return c.Respond(http.StatusOK, FHIRContentType, s.CapabilityStatement(baseURL(c.R)))
}

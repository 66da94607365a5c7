package joinedup

import (
	"fmt"
	"slices"
	"strings"
)

// Client is another system — the shared care record, a GP system, a
// hospital EPR, an analytics platform — registered to read JoinedUp's data
// through the FHIR API. It signs in with the OAuth 2.0 client-credentials
// grant (SMART Backend Services) and reads what its scopes grant.
type Client struct {
	ID       string
	Name     string
	Scopes   []string // e.g. "system/*.read", "system/Patient.read"
	Disabled bool
}

// RoleSystemClient is the role the audit log records for a system client's
// accesses. No user holds it (it is not among Roles, so Role.Valid is false
// for it and no account can be created with it).
const RoleSystemClient Role = "system-client"

// WriteEncounters is the one write scope: a hospital's system reporting
// stays (A&E attendances, admissions, discharges) as Encounters. Every
// other write is refused rather than silently ignored.
const WriteEncounters = "system/Encounter.write"

// ParseClientScopes splits a space-separated scope string into scopes and
// checks each is "system/TYPE.read", "system/*.read" or WriteEncounters.
func ParseClientScopes(s string) ([]string, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, fmt.Errorf("no scope given: want e.g. system/*.read")
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range fields {
		if f == WriteEncounters {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
			continue
		}
		typ, ok := strings.CutPrefix(f, "system/")
		if !ok {
			return nil, fmt.Errorf("scope %q: only system/ scopes are granted to systems", f)
		}
		typ, ok = strings.CutSuffix(typ, ".read")
		if !ok {
			return nil, fmt.Errorf("scope %q: only .read scopes and %s exist", f, WriteEncounters)
		}
		if typ != "*" && !validScopeType(typ) {
			return nil, fmt.Errorf("scope %q: %q is not a resource type", f, typ)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

func validScopeType(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// Grants reports whether the client's scopes allow reading resources of
// the given FHIR type.
func (c Client) Grants(resourceType string) bool {
	for _, s := range c.Scopes {
		if s == "system/*.read" || s == "system/"+resourceType+".read" {
			return true
		}
	}
	return false
}

// NarrowScopes returns the scopes of requested that granted allows, for a
// token request: a client may ask for less than it was registered for,
// never more. "system/*.read" requested by a client registered for one type
// narrows to that type.
func NarrowScopes(granted, requested []string) []string {
	g := Client{Scopes: granted}
	var out []string
	for _, r := range requested {
		if r == WriteEncounters {
			if slices.Contains(granted, r) {
				out = append(out, r)
			}
			continue
		}
		typ := strings.TrimSuffix(strings.TrimPrefix(r, "system/"), ".read")
		switch {
		case typ == "*" && g.Grants("*"):
			out = append(out, r)
		case typ == "*":
			for _, s := range granted {
				if s != WriteEncounters {
					out = append(out, s) // reading all it may read does not ask to write
				}
			}
		case g.Grants(typ):
			out = append(out, r)
		}
	}
	return out
}

// AuthorizeClient decides what a system client may do, beside Authorize
// for people: a client reads the resource types its scopes grant, for
// every patient (the purpose it was registered for, such as the shared care
// record), and nothing else — no write but a hospital's Encounters
// (WriteEncounters), never the audit log, accounts or break-glass. resourceType is the FHIR type read; for ActionBulkExport it
// may be empty, and the export is then limited to the granted types by the
// caller. The caller audits the request under the client's identity either
// way.
func AuthorizeClient(c Client, a Action, resourceType string) Decision {
	if c.Disabled {
		return deny("client disabled")
	}
	switch a {
	case ActionReadPatient, ActionReadClinical, ActionReadReferralShare, ActionReadDirectory:
		if resourceType == "" {
			return deny("no resource type named")
		}
		if !c.Grants(resourceType) {
			return deny(fmt.Sprintf("client scopes do not grant system/%s.read", resourceType))
		}
		return allow(ScopeFull, fmt.Sprintf("system client granted system/%s.read", resourceType))
	case ActionReceiveHospitalEvent:
		if !slices.Contains(c.Scopes, WriteEncounters) {
			return deny("client scopes do not grant " + WriteEncounters)
		}
		return allow(ScopeFull, "hospital system granted "+WriteEncounters)
	case ActionBulkExport:
		if resourceType != "" && !c.Grants(resourceType) {
			return deny(fmt.Sprintf("client scopes do not grant system/%s.read", resourceType))
		}
		if len(c.Scopes) == 0 {
			return deny("client holds no read scope")
		}
		return allow(ScopeFull, "system client bulk export of its granted types")
	}
	return deny(fmt.Sprintf("a system client may not %s", a))
}

package fhir

import (
	"errors"
	"fmt"
	"strings"
)

// Ref is a resolved reference: a resource type and logical id, or, for a
// logical reference (Reference.identifier) such as a practice's ODS code, a
// type with an identifier system and value instead of an id.
type Ref struct {
	Type   string // resource type, e.g. "Patient"; may be empty for a logical reference without type
	ID     string // logical id; empty for a logical reference
	System string // identifier system of a logical reference
	Value  string // identifier value of a logical reference
}

// IsZero reports whether r refers to nothing.
func (r Ref) IsZero() bool { return r == Ref{} }

// String returns "Type/id", or "Type?identifier=system|value" for a logical
// reference, as a FHIR search would write it.
func (r Ref) String() string {
	switch {
	case r.IsZero():
		return ""
	case r.ID != "":
		return r.Type + "/" + r.ID
	}
	return r.Type + "?identifier=" + r.System + "|" + r.Value
}

// Refs resolves references within one Bundle. Entries are registered with
// Add as they are read, so that "urn:uuid:…" fullUrls resolve to the type
// and id of the resource they name. A nil *Refs resolves relative and
// absolute references only, which is all Bulk Data NDJSON needs.
type Refs struct {
	byURL map[string]Ref
}

// NewRefs returns an empty Refs.
func NewRefs() *Refs { return &Refs{byURL: make(map[string]Ref)} }

// Add registers the fullUrl of a Bundle entry holding the resource
// (resourceType, id). Entries without a fullUrl need no registration.
func (rs *Refs) Add(fullURL, resourceType, id string) {
	if fullURL == "" {
		return
	}
	rs.byURL[fullURL] = Ref{Type: resourceType, ID: id}
}

// Len returns how many fullUrls are registered.
func (rs *Refs) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.byURL)
}

// Errors from Resolve, so callers can tell them apart.
var (
	ErrMissing             = errors.New("missing")
	ErrUnresolvedReference = errors.New("unresolved reference")
)

// Resolve turns a literal reference into (type, id). It accepts a fullUrl
// registered with Add (typically "urn:uuid:…"), a relative reference
// ("Patient/123", "Patient/123/_history/2") and an absolute URL ending in
// Type/id ("https://example.org/fhir/Patient/123"). Contained ("#x"),
// conditional ("Patient?identifier=…") and unregistered URN references
// cannot be resolved and give an error wrapping ErrUnresolvedReference.
func (rs *Refs) Resolve(ref string) (Ref, error) {
	if ref == "" {
		return Ref{}, ErrMissing
	}
	if rs != nil {
		if r, ok := rs.byURL[ref]; ok {
			return r, nil
		}
	}
	// A "urn:uuid:" reference no entry of this Bundle names is to the
	// record with that id elsewhere in the import or already held: that is
	// how a transaction Bundle split into Bulk Data files refers, since the
	// split keeps each resource's id but not its fullUrl.
	if id, ok := strings.CutPrefix(ref, "urn:uuid:"); ok && ValidID(id) {
		return Ref{ID: id}, nil
	}
	if strings.HasPrefix(ref, "urn:") || strings.HasPrefix(ref, "#") || strings.IndexByte(ref, '?') >= 0 {
		return Ref{}, fmt.Errorf("%w %q", ErrUnresolvedReference, ref)
	}
	// Walk back over the last segments: [...]/Type/id[/_history/vid].
	rest := ref
	if i := strings.LastIndex(rest, "/_history/"); i >= 0 {
		rest = rest[:i]
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return Ref{}, fmt.Errorf("%w %q", ErrUnresolvedReference, ref)
	}
	id := rest[i+1:]
	typ := rest[:i]
	if j := strings.LastIndexByte(typ, '/'); j >= 0 {
		typ = typ[j+1:]
	}
	if !validType(typ) || !ValidID(id) {
		return Ref{}, fmt.Errorf("%w %q", ErrUnresolvedReference, ref)
	}
	return Ref{Type: typ, ID: id}, nil
}

// resolveReference resolves a Reference element, falling back to its
// identifier when it has no literal reference.
func (rs *Refs) resolveReference(r *Reference) (Ref, error) {
	if r == nil {
		return Ref{}, ErrMissing
	}
	if r.Reference != "" {
		ref, err := rs.Resolve(r.Reference)
		if err == nil && ref.Type == "" {
			ref.Type = r.Type
		}
		return ref, err
	}
	if r.Identifier != nil && r.Identifier.Value != "" {
		return Ref{Type: r.Type, System: r.Identifier.System, Value: r.Identifier.Value}, nil
	}
	return Ref{}, ErrMissing
}

// validType reports whether s looks like a resource type name: an upper-case
// ASCII letter followed by letters.
func validType(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// ValidID reports whether s is a FHIR id: 1–64 of [A-Za-z0-9-.].
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Package fhirapi is JoinedUp's FHIR R4 read model: the resource types it
// serves, how each is built from what the store holds, how a search
// filters them and how they are exported as Bulk Data NDJSON. The web
// package serves it over HTTP and the export command writes it to files;
// both use the one registry, from which the CapabilityStatement is also
// generated, so what is served and what is declared cannot drift apart.
//
// A type is a small addition: a Type value with its search parameters and
// a build function, registered from its own file with Register.
package fhirapi

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// Field is what a search parameter matches in an Item.
type Field int

// Values of Field.
const (
	FieldStatus     Field = iota + 1 // token on Item.Status
	FieldCode                        // token on Item.Code
	FieldCategory                    // token on Item.Category
	FieldIdentifier                  // token on Item.Identifier
	FieldDate                        // date on Item.Date
	FieldName                        // string (starts with, any case) on Item.Name
)

// Param is a search parameter a type supports beyond the common ones
// (_id, _lastUpdated, _count, and patient for patient-scoped types).
type Param struct {
	Name  string
	Field Field
	Doc   string
}

// Type is one resource type the API serves.
type Type struct {
	Name    string // the FHIR resource type
	Profile string // the UK Core profile its resources conform to, if any
	// Action is what reading it needs, as joinedup.Authorize and
	// joinedup.AuthorizeClient decide it.
	Action joinedup.Action
	// Table holds its records, for finding a record's patient by id;
	// empty for types that are not patient-scoped (Organization).
	Table string
	// RowID, when set, gives the id of the row in Table a resource id
	// comes from, for resources that are parts of a row (a plan's goals).
	RowID  func(id string) string
	Params []Param
	// Build returns the resources of this type in one patient's record
	// (patient-scoped types), or every resource (others, called with a
	// nil record).
	Build func(ctx context.Context, r *Record) ([]Item, error)
}

// PatientScoped reports whether the type's resources each belong to one
// patient (its compartment), so access is decided per patient.
func (t *Type) PatientScoped() bool { return t.Table != "" }

// Param returns the type's parameter with this name.
func (t *Type) Param(name string) (Param, bool) {
	for _, p := range t.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Item is one built resource with the values searches match on.
type Item struct {
	Resource    fhir.Based
	ID          string
	PatientID   string
	LastUpdated time.Time // zero when unknown
	Status      string
	Code        joinedup.Codings
	Category    joinedup.Codings
	Identifier  joinedup.Codings // System and Code (the identifier value)
	Date        time.Time
	Name        string
}

var registry = map[string]*Type{}

// Register adds a type to the API. It is called from init functions, one
// file per type or group of types.
func Register(t *Type) {
	if _, dup := registry[t.Name]; dup {
		panic("fhirapi: type registered twice: " + t.Name)
	}
	registry[t.Name] = t
}

// Types returns every registered type, by name.
func Types() []*Type {
	out := make([]*Type, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the registered type with this name.
func Lookup(name string) (*Type, bool) {
	t, ok := registry[name]
	return t, ok
}

// Record is what the store holds about one patient, loaded as the types
// built from it need it, once.
type Record struct {
	q       store.Querier
	Patient joinedup.Patient
	facts   *joinedup.Facts
	names   *Names
	// referralOrg limits ServiceRequests to referrals to one organisation.
	referralOrg string
}

// Names resolves user ids to names, shared by the records of one request
// or export so users are read once.
type Names struct {
	m map[string]string
}

// Name returns the display name of a user id ("" when unknown).
func (n *Names) Name(ctx context.Context, q store.Querier, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if n.m == nil {
		m, err := store.UserNames(ctx, q)
		if err != nil {
			return "", err
		}
		n.m = m
	}
	return n.m[id], nil
}

// NewRecord returns the record of a patient whose facts are already loaded
// (facts may be nil: they are then loaded when needed).
func NewRecord(q store.Querier, p joinedup.Patient, facts *joinedup.Facts, names *Names) *Record {
	if names == nil {
		names = &Names{}
	}
	return &Record{q: q, Patient: p, facts: facts, names: names}
}

// DirectoryRecord is the record types that are not patient-scoped
// (Organization) are built from.
func DirectoryRecord(q store.Querier) *Record {
	return NewRecord(q, joinedup.Patient{}, &joinedup.Facts{}, nil)
}

// Facts returns the patient's facts.
func (r *Record) Facts(ctx context.Context) (*joinedup.Facts, error) {
	if r.facts == nil {
		f, err := store.LoadFacts(ctx, r.q, r.Patient.ID)
		if err != nil {
			return nil, fmt.Errorf("load facts of %s: %w", r.Patient.ID, err)
		}
		r.facts = f
	}
	return r.facts, nil
}

// Q is the database the record reads from.
func (r *Record) Q() store.Querier { return r.q }

// UserName returns a user's display name.
func (r *Record) UserName(ctx context.Context, id string) (string, error) {
	return r.names.Name(ctx, r.q, id)
}

// Build builds the resources of type t in the record, with meta.profile set
// where the type has a profile.
func (t *Type) build(ctx context.Context, r *Record) ([]Item, error) {
	items, err := t.Build(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", t.Name, err)
	}
	for i := range items {
		if t.Profile != "" {
			fhir.SetProfile(items[i].Resource, t.Profile)
		}
		if r != nil {
			items[i].PatientID = r.Patient.ID
		}
	}
	return items, nil
}

// PatientOf returns the patient the resource of type t with this id
// belongs to (joinedup.ErrNotFound when there is none).
func (t *Type) PatientOf(ctx context.Context, q store.Querier, id string) (string, error) {
	if !t.PatientScoped() {
		return "", fmt.Errorf("%s is not patient-scoped", t.Name)
	}
	if t.RowID != nil {
		row := t.RowID(id)
		if row == "" {
			return "", fmt.Errorf("%s %s: %w", t.Name, id, joinedup.ErrNotFound)
		}
		id = row
	}
	return store.PatientOf(ctx, q, t.Table, id)
}

// Read returns the resource of type t with this id in the record (or among
// every resource of a type that is not patient-scoped).
func (t *Type) Read(ctx context.Context, r *Record, id string) (Item, bool, error) {
	items, err := t.build(ctx, r)
	if err != nil {
		return Item{}, false, err
	}
	for _, it := range items {
		if it.ID == id {
			return it, true, nil
		}
	}
	return Item{}, false, nil
}

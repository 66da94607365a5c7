package fhirapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// ExportOptions say what Export writes.
type ExportOptions struct {
	// Types to export; nil means every registered type.
	Types []*Type
	// Since, when set, keeps the resources changed at or after it, and
	// those whose change time is not known (sending one too many is safe,
	// missing one is not).
	Since time.Time
	// PatientOnly leaves out types that are not patient-scoped (a
	// Patient-level export is of the patient compartment).
	PatientOnly bool
	// Output returns the writer for a type's NDJSON, called when the type's
	// first resource is ready (so a type with none gets no file).
	Output func(resourceType string) (io.Writer, error)
	// Patient, when set, is called for each patient with resources
	// exported, once they are written: the caller audits the access.
	Patient func(patientID string, resources int) error
	// Progress, when set, is called after every chunk of patients.
	Progress func(patients int)
}

// Export writes every resource of the chosen types as Bulk Data NDJSON, one
// stream per type, walking the population in patient id order with bounded
// memory. It returns the number of resources written per type.
func Export(ctx context.Context, db store.Querier, opt ExportOptions) (map[string]int, error) {
	types := opt.Types
	if types == nil {
		types = Types()
	}
	counts := map[string]int{}
	outs := map[string]*json.Encoder{}
	write := func(typ string, items []Item) error {
		for _, it := range items {
			if !opt.Since.IsZero() && !it.LastUpdated.IsZero() && it.LastUpdated.Before(opt.Since) {
				continue
			}
			enc := outs[typ]
			if enc == nil {
				w, err := opt.Output(typ)
				if err != nil {
					return fmt.Errorf("export %s: %w", typ, err)
				}
				enc = json.NewEncoder(w)
				outs[typ] = enc
			}
			if err := enc.Encode(it.Resource); err != nil {
				return fmt.Errorf("export %s/%s: %w", typ, it.ID, err)
			}
			counts[typ]++
		}
		return nil
	}
	names := &Names{}
	for _, t := range types {
		if t.PatientScoped() || opt.PatientOnly {
			continue
		}
		items, err := t.build(ctx, DirectoryRecord(db))
		if err != nil {
			return counts, err
		}
		if err := write(t.Name, items); err != nil {
			return counts, err
		}
	}
	patients := 0
	err := store.EachFacts(ctx, db, store.FactsFilter{}, func(f *joinedup.Facts, _ int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := NewRecord(db, f.Patient, f, names)
		n := 0
		for _, t := range types {
			if !t.PatientScoped() {
				continue
			}
			items, err := t.build(ctx, rec)
			if err != nil {
				return err
			}
			before := counts[t.Name]
			if err := write(t.Name, items); err != nil {
				return err
			}
			n += counts[t.Name] - before
		}
		if n > 0 && opt.Patient != nil {
			if err := opt.Patient(f.Patient.ID, n); err != nil {
				return err
			}
		}
		patients++
		if opt.Progress != nil && patients%1000 == 0 {
			opt.Progress(patients)
		}
		return nil
	})
	if opt.Progress != nil {
		opt.Progress(patients)
	}
	return counts, err
}

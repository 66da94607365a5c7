package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// pending is a mapped record waiting for its batch to be written, with what
// is needed to link it and to name it in a reject.
type pending struct {
	rec   any // a joinedup domain value
	links fhir.Links
	typ   string
	id    string
	line  int
	entry *int
}

// write links a batch's records to their patients and organisations,
// rejects those whose patient cannot be found, and writes the rest in one
// transaction, or, when split, in one transaction per committer.
func (im *importer) write(ctx context.Context, path string, batch []pending, split bool) error {
	if len(batch) == 0 || im.opt.DecodeOnly {
		return nil
	}
	batch, err := im.holdMerges(ctx, path, batch)
	if err != nil {
		return err
	}
	patients := map[fhir.Ref]string{}
	// Patients and organisations in the batch first.
	for i := range batch {
		switch v := batch[i].rec.(type) {
		case joinedup.Organisation:
			v.ParentID = im.org(ctx, batch[i].links.PartOf)
			v.ID = store.OrganisationID(v)
			im.orgs[fhir.Ref{Type: "Organization", ID: v.Source.ID}] = v.ID
			if batch[i].id != "" {
				// A JoinedUp export refers to the organisation by this id.
				im.orgs[fhir.Ref{Type: "Organization", ID: batch[i].id}] = v.ID
			}
			if v.ODS != "" {
				im.orgs[fhir.Ref{Type: "Organization", System: fhir.SystemODS, Value: v.ODS}] = v.ID
			}
			batch[i].rec = v
		case joinedup.Patient:
			v.ID = joinedup.PatientID(v)
			patients[fhir.Ref{Type: "Patient", ID: v.Source.ID}] = v.ID
			im.remember(v.Source.ID, v.ID)
			if batch[i].id != "" {
				patients[fhir.Ref{Type: "Patient", ID: batch[i].id}] = v.ID
				im.remember(batch[i].id, v.ID)
			}
			batch[i].rec = v
		}
	}
	// Subjects not in the batch are looked up among patients already held.
	var missing []string
	for _, p := range batch {
		s := p.links.Subject
		if s.IsZero() || s.ID == "" {
			continue
		}
		ref := fhir.Ref{Type: "Patient", ID: s.ID}
		if _, ok := patients[ref]; ok {
			continue
		}
		if id, ok := im.known[s.ID]; ok {
			patients[ref] = id
			continue
		}
		missing = append(missing, s.ID)
	}
	if len(missing) > 0 {
		if im.committers != nil {
			if err := im.committers.drainPatients(); err != nil {
				return err
			}
		}
		slices.Sort(missing)
		missing = slices.Compact(missing)
		found, err := store.PatientIDsBySource(ctx, im.db, im.opt.Source, missing)
		if err != nil {
			return err
		}
		for src, id := range found {
			patients[fhir.Ref{Type: "Patient", ID: src}] = id
		}
		// What is still missing may be a JoinedUp export's reference, by
		// JoinedUp's own id, to a patient it kept the provenance of.
		var rest []string
		for _, id := range missing {
			if _, ok := found[id]; !ok {
				rest = append(rest, id)
			}
		}
		held, err := store.HeldIDs(ctx, im.db, "patients", rest)
		if err != nil {
			return err
		}
		for id := range held {
			patients[fhir.Ref{Type: "Patient", ID: id}] = id
		}
		// What is still missing may be a patient record of a merge.
		rest = slices.DeleteFunc(rest, func(id string) bool { return held[id] })
		merges, err := store.MergesBySource(ctx, im.db, im.opt.Source, rest)
		if err != nil {
			return err
		}
		for src, m := range merges {
			if m.Resolution == joinedup.MergeSamePerson {
				patients[fhir.Ref{Type: "Patient", ID: src}] = m.PatientID
				continue
			}
			im.wait(src, m)
		}
	}
	var b store.Batch
	var care []pending // see care.go
	for _, p := range batch {
		if _, isOrg := p.rec.(joinedup.Organisation); !isOrg {
			if _, isPatient := p.rec.(joinedup.Patient); !isPatient && needsSubject(p.rec) {
				pid, ok := im.subject(p.links.Subject, patients)
				if !ok {
					reason := fmt.Sprintf("%s/%s: subject: unknown resource reference %q", p.typ, p.id, p.links.Subject)
					if why, waits := im.waiting[p.links.Subject.ID]; waits {
						reason = fmt.Sprintf("%s/%s: subject: %s", p.typ, p.id, why)
					}
					im.reject(Reject{File: path, Line: p.line, Entry: p.entry, ResourceType: p.typ, ID: p.id, Reason: reason})
					continue
				}
				p.rec = withPatient(p.rec, pid)
			}
		}
		switch v := p.rec.(type) {
		case joinedup.Organisation:
			b.Organisations = append(b.Organisations, v)
		case joinedup.Patient:
			v.PracticeID = im.org(ctx, p.links.Practice)
			b.Patients = append(b.Patients, v)
		case joinedup.Condition:
			b.Conditions = append(b.Conditions, v)
		case joinedup.Observation:
			b.Observations = append(b.Observations, v)
		case joinedup.Medication:
			b.Medications = append(b.Medications, v)
		case joinedup.Encounter:
			v.ServiceProvider = im.org(ctx, p.links.ServiceProvider)
			b.Encounters = append(b.Encounters, v)
		case joinedup.Appointment:
			b.Appointments = append(b.Appointments, v)
		case joinedup.Carer:
			b.Carers = append(b.Carers, v)
		default:
			care = append(care, p)
		}
	}
	if split && im.committers != nil {
		err = im.committers.dispatch(&b)
	} else {
		err = im.commit(ctx, &b)
	}
	if err != nil {
		return err
	}
	return im.writeCare(ctx, path, care)
}

// commit writes a batch in one transaction and tallies it.
func (im *importer) commit(ctx context.Context, b *store.Batch) error {
	res, err := im.db.WriteBatch(ctx, b)
	if err != nil {
		return err
	}
	accepted := map[string]int{
		"Organization": len(b.Organisations), "Patient": len(b.Patients), "Condition": len(b.Conditions),
		"Observation": len(b.Observations), "Encounter": len(b.Encounters), "Appointment": len(b.Appointments),
		"RelatedPerson": len(b.Carers),
	}
	for _, m := range b.Medications {
		if m.Kind == joinedup.MedicationStatement {
			accepted["MedicationStatement"]++
		} else {
			accepted["MedicationRequest"]++
		}
	}
	for typ, n := range accepted {
		if n == 0 {
			continue
		}
		w := min(res.Written[typ], n)
		im.tally(typ, func(c *Counts) {
			c.Imported += w
			c.Unchanged += n - w
		})
	}
	return nil
}

// org returns the id of the organisation a reference stands for, when it is
// held (imported earlier in this run or before); else "", so a record is
// never linked to an organisation that does not exist.
func (im *importer) org(ctx context.Context, r fhir.Ref) string {
	if r.IsZero() {
		return ""
	}
	key := fhir.Ref{Type: "Organization", ID: r.ID}
	if r.Value != "" {
		key = fhir.Ref{Type: "Organization", System: r.System, Value: r.Value}
	}
	if id, ok := im.orgs[key]; ok {
		return id
	}
	var id string
	var err error
	if key.Value != "" && key.System == fhir.SystemODS {
		id, err = store.OrganisationIDByODS(ctx, im.db, key.Value)
	} else if key.ID != "" {
		id, err = store.OrganisationIDBySource(ctx, im.db, im.opt.Source, key.ID)
		if errors.Is(err, joinedup.ErrNotFound) {
			// A JoinedUp export names organisations by JoinedUp's id.
			var held map[string]bool
			if held, err = store.HeldIDs(ctx, im.db, "organisations", []string{key.ID}); err == nil && held[key.ID] {
				id = key.ID
			}
		}
	}
	if err != nil {
		id = ""
	}
	im.orgs[key] = id
	return id
}

// subject finds the patient id a reference stands for: by NHS number for a
// logical reference, else by the source id.
func (im *importer) subject(r fhir.Ref, patients map[fhir.Ref]string) (string, bool) {
	if r.System == joinedup.NHSNumberSystem && r.Value != "" {
		n, err := joinedup.ParseNHSNumber(r.Value)
		if err != nil {
			return "", false
		}
		return joinedup.PatientID(joinedup.Patient{NHSNumber: n}), true
	}
	id, ok := patients[fhir.Ref{Type: "Patient", ID: r.ID}]
	return id, ok
}

func withPatient(rec any, pid string) any {
	switch v := rec.(type) {
	case joinedup.Condition:
		v.PatientID = pid
		return v
	case joinedup.Observation:
		v.PatientID = pid
		return v
	case joinedup.Medication:
		v.PatientID = pid
		return v
	case joinedup.Encounter:
		v.PatientID = pid
		return v
	case joinedup.Appointment:
		v.PatientID = pid
		return v
	case joinedup.Carer:
		v.PatientID = pid
		return v
	}
	return withCarePatient(rec, pid)
}

// holdMerges takes out of a batch the patient records whose NHS number is
// held, or was read earlier in this import, for another record: each is
// rejected and recorded as a merge to resolve, never written over the
// record held nor beside it. A record already resolved as the same person
// is not written either: the record held stands for it.
func (im *importer) holdMerges(ctx context.Context, path string, batch []pending) ([]pending, error) {
	var numbers, sources []string
	for _, p := range batch {
		if v, ok := p.rec.(joinedup.Patient); ok && v.NHSNumber != "" {
			numbers = append(numbers, string(v.NHSNumber))
			sources = append(sources, v.Source.ID)
		}
	}
	if len(numbers) == 0 {
		return batch, nil
	}
	held, err := store.PatientsByNHSNumber(ctx, im.db, numbers)
	if err != nil {
		return nil, err
	}
	merges, err := store.MergesBySource(ctx, im.db, im.opt.Source, sources)
	if err != nil {
		return nil, err
	}
	if im.numbers == nil {
		im.numbers = map[joinedup.NHSNumber]string{}
	}
	out := batch[:0]
	for _, p := range batch {
		v, ok := p.rec.(joinedup.Patient)
		if !ok || v.NHSNumber == "" {
			out = append(out, p)
			continue
		}
		if m, ok := merges[v.Source.ID]; ok {
			if m.Resolution == joinedup.MergeSamePerson {
				im.remember(p.id, m.PatientID)
				im.tally("Patient", func(c *Counts) { c.Unchanged++ })
				continue
			}
			im.wait(v.Source.ID, m)
			im.reject(Reject{File: path, Line: p.line, Entry: p.entry, ResourceType: "Patient", ID: p.id, Reason: "Patient/" + p.id + ": " + im.waiting[v.Source.ID]})
			continue
		}
		holder, isHeld := held[v.NHSNumber]
		if isHeld && holder.Source.System == v.Source.System && holder.Source.ID == v.Source.ID {
			out = append(out, p)
			continue
		}
		if !isHeld {
			first, seen := im.numbers[v.NHSNumber]
			if !seen || first == v.Source.ID {
				if len(im.numbers) < maxKnown {
					im.numbers[v.NHSNumber] = v.Source.ID
				}
				out = append(out, p)
				continue
			}
			holder = store.HeldPatient{PatientID: joinedup.PatientID(v), Source: joinedup.Source{System: v.Source.System, ID: first}}
		}
		m := joinedup.PatientMerge{NHSNumber: v.NHSNumber, PatientID: holder.PatientID, Other: v.Source,
			OtherName: strings.TrimSpace(v.GivenName + " " + v.FamilyName), OtherBirthDate: v.BirthDate, File: path, FoundAt: im.opt.Now}
		if err := store.RecordMerge(ctx, im.db, m); err != nil {
			return nil, err
		}
		im.wait(v.Source.ID, m)
		im.reject(Reject{File: path, Line: p.line, Entry: p.entry, ResourceType: "Patient", ID: p.id, Reason: "Patient/" + p.id + ": " + im.waiting[v.Source.ID]})
	}
	return out, nil
}

// wait notes why a patient record was not written.
func (im *importer) wait(sourceID string, m joinedup.PatientMerge) {
	if im.waiting == nil {
		im.waiting = map[string]string{}
	}
	why := fmt.Sprintf("NHS number %s is held for another record (%s); a merge to resolve: joinedup merges", m.NHSNumber, m.PatientID)
	if m.Resolution == joinedup.MergeNotSamePerson {
		why = fmt.Sprintf("NHS number %s is held for another person (merge resolved as not the same person): the sending system must correct it", m.NHSNumber)
	}
	if _, ok := im.waiting[sourceID]; ok || len(im.waiting) < maxKnown {
		im.waiting[sourceID] = why
	}
}

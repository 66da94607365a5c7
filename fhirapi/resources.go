package fhirapi

import (
	"context"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// The types built from imported facts and the records JoinedUp makes;
// CareTeam, CarePlan and Goal are in careplan.go.

var (
	pStatus = func(name string) Param { return Param{Name: name, Field: FieldStatus, Doc: "status (token)"} }
	pCode   = Param{Name: "code", Field: FieldCode, Doc: "code, e.g. http://snomed.info/sct|44054006"}
	pCat    = Param{Name: "category", Field: FieldCategory, Doc: "category (token)"}
	pDate   = func(name, what string) Param {
		return Param{Name: name, Field: FieldDate, Doc: what + " (eq, gt, ge, lt, le prefixes)"}
	}
)

func init() {
	Register(&Type{Name: "Patient", Profile: fhir.ProfilePatient, Action: joinedup.ActionReadPatient, Table: "patients",
		Params: []Param{{Name: "identifier", Field: FieldIdentifier, Doc: "NHS number: https://fhir.nhs.uk/Id/nhs-number|9000000009"},
			pDate("birthdate", "date of birth"), {Name: "family", Field: FieldName, Doc: "family name, starting with"}},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			p := r.Patient
			res := fhir.FromPatient(p)
			fhir.SetSource(res, p.Source)
			it := Item{Resource: res, ID: p.ID, LastUpdated: p.Source.LastUpdated, Date: p.BirthDate, Name: p.FamilyName}
			if p.NHSNumber != "" {
				it.Identifier = joinedup.Codings{{System: joinedup.NHSNumberSystem, Code: string(p.NHSNumber)}}
			}
			return []Item{it}, nil
		}})
	Register(&Type{Name: "Condition", Profile: fhir.ProfileCondition, Action: joinedup.ActionReadClinical, Table: "conditions",
		Params: []Param{pStatus("clinical-status"), pCode, pCat, pDate("onset-date", "onset, else recorded date")},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			cat := joinedup.Coding{System: "http://terminology.hl7.org/CodeSystem/condition-category", Code: "problem-list-item", Display: "Problem List Item"}
			var out []Item
			for _, c := range f.Conditions {
				if c.VerificationStatus == "entered-in-error" {
					continue // as if never recorded: not a problem on anyone's list
				}
				res := fhir.FromCondition(c)
				res.Category = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: cat.System, Code: cat.Code, Display: cat.Display}}}}
				fhir.SetSource(res, c.Source)
				status := c.ClinicalStatus
				out = append(out, Item{Resource: res, ID: c.ID, LastUpdated: c.Source.LastUpdated, Status: status, Code: c.Codes,
					Category: joinedup.Codings{cat}, Date: c.Date()})
			}
			return out, nil
		}})
	Register(&Type{Name: "Observation", Profile: fhir.ProfileObservation, Action: joinedup.ActionReadClinical, Table: "observations",
		Params: []Param{pStatus("status"), pCode, pDate("date", "effective date")},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			var out []Item
			for _, o := range f.Observations {
				res := fhir.FromObservation(o)
				fhir.SetSource(res, o.Source)
				out = append(out, Item{Resource: res, ID: o.ID, LastUpdated: o.Source.LastUpdated, Status: res.Status, Code: o.Codes, Date: o.Effective})
			}
			return out, nil
		}})
	medication := func(kind joinedup.MedicationKind) func(ctx context.Context, r *Record) ([]Item, error) {
		return func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			var out []Item
			for _, m := range f.Medications {
				isStatement := m.Kind == joinedup.MedicationStatement
				if isStatement != (kind == joinedup.MedicationStatement) {
					continue
				}
				var res fhir.Based
				var status string
				if isStatement {
					s := fhir.FromMedicationStatement(m)
					res, status = s, s.Status
				} else {
					q := fhir.FromMedicationRequest(m)
					res, status = q, q.Status
				}
				fhir.SetSource(res, m.Source)
				out = append(out, Item{Resource: res, ID: m.ID, LastUpdated: m.Source.LastUpdated, Status: status, Code: m.Codes, Date: m.Authored})
			}
			return out, nil
		}
	}
	Register(&Type{Name: "MedicationRequest", Profile: fhir.ProfileMedicationRequest, Action: joinedup.ActionReadClinical, Table: "medications",
		Params: []Param{pStatus("status"), pCode, pDate("authoredon", "date prescribed")}, Build: medication(joinedup.MedicationRequest)})
	Register(&Type{Name: "MedicationStatement", Profile: fhir.ProfileMedicationStatement, Action: joinedup.ActionReadClinical, Table: "medications",
		Params: []Param{pStatus("status"), pCode, pDate("effective", "date of use")}, Build: medication(joinedup.MedicationStatement)})
	Register(&Type{Name: "Encounter", Profile: fhir.ProfileEncounter, Action: joinedup.ActionReadClinical, Table: "encounters",
		Params: []Param{pStatus("status"), {Name: "class", Field: FieldCategory, Doc: "class, e.g. EMER"}, {Name: "type", Field: FieldCode, Doc: "type (token)"},
			pDate("date", "start of the encounter")},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			var out []Item
			for _, e := range f.Encounters {
				res := fhir.FromEncounter(e)
				fhir.SetSource(res, e.Source)
				var class joinedup.Codings
				if res.Class != nil {
					class = joinedup.Codings{{System: res.Class.System, Code: res.Class.Code}}
				}
				out = append(out, Item{Resource: res, ID: e.ID, LastUpdated: e.Source.LastUpdated, Status: res.Status, Code: e.Types,
					Category: class, Date: e.Start})
			}
			return out, nil
		}})
	Register(&Type{Name: "Appointment", Profile: fhir.ProfileAppointment, Action: joinedup.ActionReadClinical, Table: "appointments",
		Params: []Param{pStatus("status"), {Name: "specialty", Field: FieldCode, Doc: "specialty (token)"}, pDate("date", "start")},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			var out []Item
			for _, a := range f.Appointments {
				res := fhir.FromAppointment(a)
				fhir.SetSource(res, a.Source)
				out = append(out, Item{Resource: res, ID: a.ID, LastUpdated: a.Source.LastUpdated, Status: res.Status, Code: a.Specialty, Date: a.Start})
			}
			return out, nil
		}})
	Register(&Type{Name: "RelatedPerson", Profile: fhir.ProfileRelatedPerson, Action: joinedup.ActionReadClinical, Table: "carers",
		Params: []Param{{Name: "relationship", Field: FieldCode, Doc: "relationship (token)"}},
		Build: func(ctx context.Context, r *Record) ([]Item, error) {
			f, err := r.Facts(ctx)
			if err != nil {
				return nil, err
			}
			var out []Item
			for _, c := range f.Carers {
				res := fhir.FromCarer(c)
				fhir.SetSource(res, c.Source)
				out = append(out, Item{Resource: res, ID: c.ID, LastUpdated: c.Source.LastUpdated, Code: c.Relationship})
			}
			return out, nil
		}})
	Register(&Type{Name: "RiskAssessment", Action: joinedup.ActionReadClinical, Table: "assessments",
		Params: []Param{{Name: "risk", Field: FieldStatus, Doc: "suggested tier of someone in the cohort: red, amber or green; or not-in-cohort"},
			{Name: "method", Field: FieldCode, Doc: "policy version"}, pDate("date", "as-of date")},
		Build: buildRiskAssessments})
	Register(&Type{Name: "Flag", Profile: fhir.ProfileFlag, Action: joinedup.ActionReadClinical, Table: "tier_decisions",
		Params: []Param{pStatus("status"), pCat, {Name: "code", Field: FieldCode, Doc: "tier: " + fhir.SystemTier + "|red"}, pDate("date", "start of the period")},
		Build:  buildFlags})
	Register(&Type{Name: "Task", Profile: fhir.ProfileTask, Action: joinedup.ActionReadClinical, Table: "tasks",
		Params: []Param{pStatus("status"), {Name: "code", Field: FieldCode, Doc: "task kind"}, pDate("authored-on", "when raised")},
		Build:  buildTasks})
	Register(&Type{Name: "ServiceRequest", Profile: fhir.ProfileServiceRequest, Action: joinedup.ActionReadReferralShare, Table: "referrals",
		Params: []Param{pStatus("status"), pCat, pDate("authored", "when referred")},
		Build:  buildServiceRequests})
	Register(&Type{Name: "Consent", Action: joinedup.ActionReadClinical, Table: "consents",
		Params: []Param{pStatus("status"), pCat, pDate("date", "when recorded")},
		Build:  buildConsents})
	Register(&Type{Name: "Organization", Profile: fhir.ProfileOrganization, Action: joinedup.ActionReadDirectory,
		Params: []Param{{Name: "identifier", Field: FieldIdentifier, Doc: "ODS code: https://fhir.nhs.uk/Id/ods-organization-code|F84001"},
			{Name: "name", Field: FieldName, Doc: "name, starting with"}},
		Build: buildOrganizations})
}

func buildRiskAssessments(ctx context.Context, r *Record) ([]Item, error) {
	hist, err := store.AssessmentHistory(ctx, r.q, r.Patient.ID)
	if err != nil || len(hist) == 0 {
		return nil, err
	}
	f, err := r.Facts(ctx)
	if err != nil {
		return nil, err
	}
	medTypes := map[string]string{}
	for _, m := range f.Medications {
		if m.Kind == joinedup.MedicationStatement {
			medTypes[m.ID] = "MedicationStatement"
		}
	}
	var out []Item
	for i := len(hist) - 1; i >= 0; i-- { // oldest first
		h := hist[i]
		res := fhir.FromAssessment(h.ID, h.Assessment, h.CreatedAt, medTypes)
		// A tier is searched for only among those in the cohort: outside
		// it, a suggestion is for comparing policies, not for acting on.
		risk := string(h.Assessment.SuggestedTier)
		if !h.Assessment.Eligible {
			risk = "not-in-cohort"
		}
		it := Item{Resource: res, ID: h.ID, LastUpdated: h.CreatedAt, Status: risk, Date: h.Assessment.AsOf}
		if h.Assessment.PolicyVersion != "" {
			it.Code = joinedup.Codings{{System: fhir.SystemPolicyVersion, Code: h.Assessment.PolicyVersion}}
		}
		out = append(out, it)
	}
	return out, nil
}

func buildFlags(ctx context.Context, r *Record) ([]Item, error) {
	ds, err := store.Decisions(ctx, r.q, r.Patient.ID)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	// Oldest first; each decision lasts until the next.
	sortOldestFirst(ds)
	var out []Item
	for i, d := range ds {
		var until time.Time
		if i+1 < len(ds) {
			until = ds[i+1].DecidedAt
		}
		name, err := r.UserName(ctx, d.DecidedBy)
		if err != nil {
			return nil, err
		}
		res := fhir.FromTierDecision(d, until, name)
		last := d.DecidedAt
		if !until.IsZero() {
			last = until
		}
		out = append(out, Item{Resource: res, ID: d.ID, LastUpdated: last, Status: res.Status,
			Code:     joinedup.Codings{{System: fhir.SystemTier, Code: string(d.Tier)}},
			Category: joinedup.Codings{{System: fhir.SystemFlagCategory, Code: "tier"}}, Date: d.DecidedAt})
	}
	return out, nil
}

func sortOldestFirst(ds []joinedup.TierDecision) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].DecidedAt.Before(ds[j-1].DecidedAt) || ds[j].DecidedAt.Equal(ds[j-1].DecidedAt) && ds[j].ID < ds[j-1].ID); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func buildTasks(ctx context.Context, r *Record) ([]Item, error) {
	ts, err := store.Tasks(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, t := range ts {
		owner, err := r.UserName(ctx, t.AssigneeUser)
		if err != nil {
			return nil, err
		}
		res := fhir.FromTask(t, owner)
		last := t.CreatedAt
		if t.ClosedAt.After(last) {
			last = t.ClosedAt
		}
		out = append(out, Item{Resource: res, ID: t.ID, LastUpdated: last, Status: res.Status,
			Code: joinedup.Codings{{System: fhir.SystemTaskKind, Code: t.Kind}}, Date: t.CreatedAt})
	}
	return out, nil
}

// LimitReferralsTo limits the record's ServiceRequests to the referrals to
// one organisation: what a consented referral shares with a
// voluntary-sector link worker.
func (r *Record) LimitReferralsTo(organisationID string) { r.referralOrg = organisationID }

func buildServiceRequests(ctx context.Context, r *Record) ([]Item, error) {
	rs, err := store.Referrals(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	cat := joinedup.Coding{System: joinedup.SystemSNOMED, Code: "3457005"}
	var out []Item
	for _, ref := range rs {
		if r.referralOrg != "" && ref.OrganisationID != r.referralOrg {
			continue
		}
		name, err := r.UserName(ctx, ref.CreatedBy)
		if err != nil {
			return nil, err
		}
		r := fhir.Referral{ID: ref.ID, PatientID: ref.PatientID, OrganisationID: ref.OrganisationID, Reason: ref.Reason,
			WhatMatters: ref.WhatMatters, Requester: name, Created: ref.Created, Closed: ref.Closed}
		if ref.ServiceID != "" {
			r.Status, r.ServiceID = ref.Status, ref.ServiceID
		}
		res := fhir.FromReferral(r)
		last := ref.Created
		if ref.Closed.After(last) {
			last = ref.Closed
		}
		out = append(out, Item{Resource: res, ID: ref.ID, LastUpdated: last, Status: res.Status, Category: joinedup.Codings{cat}, Date: ref.Created})
	}
	return out, nil
}

func buildConsents(ctx context.Context, r *Record) ([]Item, error) {
	cs, err := store.Consents(ctx, r.q, r.Patient.ID)
	if err != nil {
		return nil, err
	}
	cat := joinedup.Coding{System: "http://loinc.org", Code: "59284-0"}
	var out []Item
	for i, c := range cs {
		name, err := r.UserName(ctx, c.RecordedBy)
		if err != nil {
			return nil, err
		}
		res := fhir.FromConsent(fhir.ConsentRecord{ID: c.ID, PatientID: c.PatientID, SocialCare: c.SocialCare, Voluntary: c.Voluntary,
			VoluntaryFields: c.VoluntaryFields, Note: c.Note, RecordedBy: name, RecordedAt: c.RecordedAt, Current: i == len(cs)-1})
		out = append(out, Item{Resource: res, ID: c.ID, LastUpdated: c.RecordedAt, Status: res.Status, Category: joinedup.Codings{cat}, Date: c.RecordedAt})
	}
	return out, nil
}

// buildOrganizations builds every organisation, each after its parent
// (partOf), so an import reading them in order links each to its parent.
func buildOrganizations(ctx context.Context, r *Record) ([]Item, error) {
	orgs, err := store.Organisations(ctx, r.q)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, o := range parentsFirst(orgs) {
		res := fhir.FromOrganisation(o)
		fhir.SetSource(res, o.Source)
		it := Item{Resource: res, ID: o.ID, LastUpdated: o.Source.LastUpdated, Name: o.Name}
		if o.ODS != "" {
			it.Identifier = joinedup.Codings{{System: fhir.SystemODS, Code: o.ODS}}
		}
		out = append(out, it)
	}
	return out, nil
}

// parentsFirst orders organisations so each comes after its parent, and
// otherwise as given.
func parentsFirst(orgs []joinedup.Organisation) []joinedup.Organisation {
	byID := make(map[string]joinedup.Organisation, len(orgs))
	for _, o := range orgs {
		byID[o.ID] = o
	}
	out := make([]joinedup.Organisation, 0, len(orgs))
	done := make(map[string]bool, len(orgs))
	var add func(o joinedup.Organisation)
	add = func(o joinedup.Organisation) {
		if done[o.ID] {
			return
		}
		done[o.ID] = true // before the parent, so a cycle ends
		if p, ok := byID[o.ParentID]; ok && !done[p.ID] {
			add(p)
		}
		out = append(out, o)
	}
	for _, o := range orgs {
		add(o)
	}
	return out
}

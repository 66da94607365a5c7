package fhir

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// PatientToDomain maps a Patient. system names the sending system and
// becomes Source.System. The NHS number must pass the Modulus 11 check; the
// registered practice is returned in Links.Practice.
func PatientToDomain(p *Patient, system string, refs *Refs) (joinedup.Patient, Links, error) {
	if p == nil {
		return joinedup.Patient{}, Links{}, errors.New("Patient: nil resource")
	}
	m := mapper{"Patient", p.ID}
	var out joinedup.Patient
	var links Links
	var err error
	if out.Source, err = m.source(&p.Resource, system); err != nil {
		return out, links, err
	}
	for _, id := range p.Identifier {
		if id.System != joinedup.NHSNumberSystem || id.Use == "old" {
			continue
		}
		if out.NHSNumber, err = joinedup.ParseNHSNumber(id.Value); err != nil {
			return out, links, m.fail("identifier", err)
		}
		break
	}
	if n := pickName(p.Name); n != nil {
		out.GivenName = strings.Join(n.Given, " ")
		out.FamilyName = n.Family
		if out.GivenName == "" && out.FamilyName == "" {
			out.FamilyName = n.Text
		}
	}
	if out.BirthDate, err = m.date("birthDate", p.BirthDate); err != nil {
		return out, links, err
	}
	switch s := joinedup.Sex(p.Gender); s {
	case "", joinedup.SexFemale, joinedup.SexMale, joinedup.SexOther, joinedup.SexUnknown:
		out.Sex = s
	default:
		return out, links, m.fail("gender", fmt.Errorf("unknown value %q", p.Gender))
	}
	if p.DeceasedDateTime != "" {
		t, err := m.date("deceasedDateTime", p.DeceasedDateTime)
		if err != nil {
			return out, links, err
		}
		out.Deceased = &t
	} else if p.DeceasedBoolean != nil && *p.DeceasedBoolean {
		// Deceased, date unknown: a non-nil zero time.
		out.Deceased = new(time.Time)
	}
	out.Language = patientLanguage(p)
	out.InterpreterRequired = interpreterRequired(p.Extension)
	for i := range p.Address {
		a := &p.Address[i]
		if a.PostalCode != "" && a.Use != "old" {
			out.Postcode = a.PostalCode
			if a.Use == "home" || a.Use == "" {
				break
			}
		}
	}
	out.Phone = phone(p.Telecom)
	for i := range p.GeneralPractitioner {
		if ref := optionalRef(refs, &p.GeneralPractitioner[i], "Organization"); !ref.IsZero() && ref.Type == "Organization" {
			links.Practice = ref
			break
		}
	}
	return out, links, nil
}

// pickName chooses the official name, else the usual one, else the first.
func pickName(names []HumanName) *HumanName {
	var usual, first *HumanName
	for i := range names {
		n := &names[i]
		switch n.Use {
		case "official":
			return n
		case "usual":
			if usual == nil {
				usual = n
			}
		case "old", "maiden":
			continue
		}
		if first == nil {
			first = n
		}
	}
	if usual != nil {
		return usual
	}
	if first == nil && len(names) > 0 {
		return &names[0]
	}
	return first
}

// phone returns the first phone number, preferring home and mobile ones.
func phone(cps []ContactPoint) string {
	best := ""
	for _, cp := range cps {
		if cp.System != "phone" && cp.System != "sms" || cp.Value == "" || cp.Use == "old" {
			continue
		}
		if cp.Use == "home" || cp.Use == "mobile" {
			return cp.Value
		}
		if best == "" {
			best = cp.Value
		}
	}
	return best
}

// patientLanguage returns the preferred language: the preferred
// communication entry, else the first; else the UK Core NHSCommunication
// extension, read the same way.
func patientLanguage(p *Patient) string {
	lang := ""
	for i := range p.Communication {
		c := &p.Communication[i]
		code := firstCode(&c.Language, SystemBCP47)
		if code == "" {
			continue
		}
		if c.Preferred != nil && *c.Preferred {
			return code
		}
		if lang == "" {
			lang = code
		}
	}
	if lang != "" {
		return lang
	}
	for _, e := range p.Extension {
		if e.URL != ExtNHSCommunication {
			continue
		}
		code, preferred := "", false
		for _, sub := range e.Extension {
			switch sub.URL {
			case "language":
				code = firstCode(sub.ValueCodeableConcept, SystemBCP47)
			case "preferred":
				preferred = sub.ValueBoolean != nil && *sub.ValueBoolean
			}
		}
		if code != "" && preferred {
			return code
		}
		if lang == "" {
			lang = code
		}
	}
	return lang
}

// interpreterRequired reads the UK Core NHSCommunication extension and the
// core patient-interpreterRequired extension that UK Core STU2 replaced it
// with.
func interpreterRequired(exts []Extension) bool {
	for _, e := range exts {
		switch e.URL {
		case ExtInterpreterRequired:
			if e.ValueBoolean != nil && *e.ValueBoolean {
				return true
			}
		case ExtNHSCommunication:
			for _, sub := range e.Extension {
				if sub.URL == "interpreterRequired" && sub.ValueBoolean != nil && *sub.ValueBoolean {
					return true
				}
			}
		}
	}
	return false
}

// RelatedPersonToDomain maps a RelatedPerson to a carer of the patient it
// refers to.
func RelatedPersonToDomain(r *RelatedPerson, system string, refs *Refs) (joinedup.Carer, Links, error) {
	if r == nil {
		return joinedup.Carer{}, Links{}, errors.New("RelatedPerson: nil resource")
	}
	m := mapper{"RelatedPerson", r.ID}
	var out joinedup.Carer
	var links Links
	var err error
	if out.Source, err = m.source(&r.Resource, system); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("patient", refs, r.Patient); err != nil {
		return out, links, err
	}
	if n := pickName(r.Name); n != nil {
		out.Name = n.Text
		if out.Name == "" {
			out.Name = strings.TrimSpace(strings.Join(n.Given, " ") + " " + n.Family)
		}
	}
	out.Relationship = codingsOf(r.Relationship)
	out.Phone = phone(r.Telecom)
	return out, links, nil
}

// OrganizationToDomain maps an Organization. The ODS code comes from the
// identifier system SystemODS; the kind is inferred from the shape of the
// ODS code (a letter and five digits is a GP practice, "R" and two
// characters an NHS trust) and is OrgOther otherwise, for the caller to set.
func OrganizationToDomain(o *Organization, system string, refs *Refs) (joinedup.Organisation, Links, error) {
	if o == nil {
		return joinedup.Organisation{}, Links{}, errors.New("Organization: nil resource")
	}
	m := mapper{"Organization", o.ID}
	out := joinedup.Organisation{Name: o.Name, Kind: joinedup.OrgOther}
	var links Links
	var err error
	if out.Source, err = m.source(&o.Resource, system); err != nil {
		return out, links, err
	}
	for _, id := range o.Identifier {
		if id.System == SystemODS && id.Value != "" {
			out.ODS = id.Value
			break
		}
	}
	out.Kind = kindFromODS(out.ODS)
	// A kind coded in JoinedUp's own code system says exactly what the
	// organisation is; the ODS code only suggests it.
	for _, t := range o.Type {
		for _, c := range t.Coding {
			if k := joinedup.OrgKind(c.Code); c.System == SystemOrganisationKind && k.Valid() {
				out.Kind = k
			}
		}
	}
	links.PartOf = optionalRef(refs, o.PartOf, "Organization")
	return out, links, nil
}

func kindFromODS(ods string) joinedup.OrgKind {
	isLetter := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	switch {
	case len(ods) == 6 && isLetter(ods[0]):
		if _, ok := digits(ods, 1, 5); ok {
			return joinedup.OrgPractice
		}
	case len(ods) == 3 && ods[0] == 'R':
		return joinedup.OrgTrust
	}
	return joinedup.OrgOther
}

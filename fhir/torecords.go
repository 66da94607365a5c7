package fhir

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// Reading back the other records JoinedUp makes: tasks, consents and
// referrals, the inverses of FromTask, FromConsent and FromReferral.

// TaskToDomain maps a Task written by FromTask. Its JoinedUp status is
// the business status (Task.status says less); its owner is an
// organisation (Links.Performer) or a person (Links.Author); the event it
// was raised for is its DedupeKey. The id,
// patient (for), kind (code) and authoredOn are required.
func TaskToDomain(r *Task, system string, refs *Refs) (joinedup.Task, Links, error) {
	if r == nil {
		return joinedup.Task{}, Links{}, errors.New("Task: nil resource")
	}
	m := mapper{"Task", r.ID}
	out := joinedup.Task{ID: r.ID}
	var links Links
	var err error
	if r.Code == nil || !hasSystem(r.Code, SystemTaskKind) {
		return out, links, m.notJoinedUp("a task (code of " + SystemTaskKind + ")")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("for", refs, r.For); err != nil {
		return out, links, err
	}
	if out.Kind = firstCode(r.Code, SystemTaskKind); out.Kind == "" {
		return out, links, m.fail("code", fmt.Errorf("%w: the task's kind", ErrMissing))
	}
	out.Title = r.Description
	if out.Title == "" {
		out.Title = r.Code.Text
	}
	if strings.TrimSpace(out.Title) == "" {
		return out, links, m.fail("description", ErrMissing)
	}
	switch r.Status {
	case "requested", "received", "accepted", "ready":
		out.Status = joinedup.TaskOpen
	case "in-progress":
		out.Status = joinedup.TaskInProgress
	case "completed":
		out.Status = joinedup.TaskDone
	case "cancelled", "rejected", "failed":
		out.Status = joinedup.TaskCancelled
	default:
		return out, links, m.oneOf("status", r.Status, "requested", "in-progress", "completed", "cancelled")
	}
	if r.BusinessStatus != nil && r.BusinessStatus.Text != "" {
		bs := r.BusinessStatus.Text
		if !taskStatuses[bs] {
			return out, links, m.oneOf("businessStatus.text", bs, "open", "in-progress", "done", "cancelled")
		}
		if taskStatus(bs) != r.Status {
			return out, links, m.fail("businessStatus.text", fmt.Errorf("%q disagrees with status %q", bs, r.Status))
		}
		out.Status = bs
	}
	switch r.Priority {
	case "urgent", "asap", "stat":
		out.Priority = 1
	case "routine", "":
		out.Priority = 2
	default:
		return out, links, m.oneOf("priority", r.Priority, "routine", "urgent")
	}
	if out.CreatedAt, err = m.requiredDate("authoredOn", r.AuthoredOn); err != nil {
		return out, links, err
	}
	if out.ClosedAt, err = m.date("lastModified", r.LastModified); err != nil {
		return out, links, err
	}
	if r.Owner != nil {
		if r.Owner.Reference != "" {
			if links.Performer = optionalRef(refs, r.Owner, "Organization"); links.Performer.IsZero() {
				return out, links, m.fail("owner", fmt.Errorf("%w %q: not an Organization", ErrUnresolvedReference, r.Owner.Reference))
			}
		} else if links.Author, err = m.practitioner("owner", r.Owner); err != nil {
			return out, links, err
		}
	}
	if r.ReasonCode != nil {
		out.Reason = r.ReasonCode.Text
	}
	for _, id := range r.Identifier {
		if id.System == SystemTaskEvent {
			out.DedupeKey = id.Value
		}
	}
	if r.Restriction != nil && r.Restriction.Period != nil {
		if out.Due, err = m.date("restriction.period.end", r.Restriction.Period.End); err != nil {
			return out, links, err
		}
	}
	return out, links, nil
}

// taskStatuses are the JoinedUp task statuses a business status may be.
var taskStatuses = map[string]bool{joinedup.TaskOpen: true, joinedup.TaskInProgress: true, joinedup.TaskDone: true,
	joinedup.TaskCancelled: true, "closed": true}

// hasSystem reports whether a concept has a coding of system.
func hasSystem(cc *CodeableConcept, system string) bool {
	for _, c := range cc.Coding {
		if c.System == system {
			return true
		}
	}
	return false
}

// ConsentToDomain maps a Consent written by FromConsent: who the person
// lets JoinedUp share with (social care, voluntary organisations, and
// which fields of a referral the latter may see). A party the consent
// does not mention is not shared with. The id, patient, dateTime and the
// sharing provisions are required; who recorded it is Links.Author.
func ConsentToDomain(c *Consent, system string, refs *Refs) (joinedup.Consent, Links, error) {
	if c == nil {
		return joinedup.Consent{}, Links{}, errors.New("Consent: nil resource")
	}
	m := mapper{"Consent", c.ID}
	out := joinedup.Consent{ID: c.ID}
	var links Links
	var err error
	ours := false
	if c.Provision != nil {
		for _, p := range c.Provision.Provision {
			for _, a := range p.Actor {
				ours = ours || a.Reference.Identifier != nil && a.Reference.Identifier.System == SystemSharing
			}
		}
	}
	if !ours {
		return out, links, m.notJoinedUp("a sharing consent (provisions for " + SystemSharing + " parties)")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("patient", refs, c.Patient); err != nil {
		return out, links, err
	}
	if err = m.oneOf("status", c.Status, "active", "inactive"); err != nil {
		return out, links, err
	}
	if out.RecordedAt, err = m.requiredDate("dateTime", c.DateTime); err != nil {
		return out, links, err
	}
	if len(c.Performer) > 0 {
		if links.Author, err = m.practitioner("performer[0]", &c.Performer[0]); err != nil {
			return out, links, err
		}
	}
	for i, p := range c.Provision.Provision {
		field := fmt.Sprintf("provision.provision[%d]", i)
		if err := m.oneOf(field+".type", p.Type, "permit", "deny"); err != nil {
			return out, links, err
		}
		permit := p.Type == "permit"
		for j, a := range p.Actor {
			if a.Reference.Identifier == nil || a.Reference.Identifier.System != SystemSharing {
				return out, links, m.fail(fmt.Sprintf("%s.actor[%d].reference", field, j), fmt.Errorf("not a party of %s", SystemSharing))
			}
			switch party := a.Reference.Identifier.Value; party {
			case "social-care":
				out.SocialCare = permit
			case "voluntary":
				out.Voluntary = permit
				for k, cc := range p.Code {
					f := firstCode(&cc, SystemShareField)
					if !joinedup.Shareable(f) {
						return out, links, m.fail(fmt.Sprintf("%s.code[%d]", field, k), fmt.Errorf("%q is not a field a referral may share", f))
					}
					out.VoluntaryFields = append(out.VoluntaryFields, f)
				}
			default:
				return out, links, m.fail(fmt.Sprintf("%s.actor[%d].reference.identifier.value", field, j),
					fmt.Errorf("%q is not social-care or voluntary", party))
			}
		}
	}
	return out, links, nil
}

// ReferralToDomain maps a ServiceRequest written by FromReferral: a
// referral to an organisation (Links.Performer), and, for one to a
// service in the directory, the service (ServiceID). A service referral's
// state comes back as the least it can be: active is sent (so its
// acceptance is chased), revoked is cancelled. The id, subject, authoredOn
// and the organisation are required; the referrer is Links.Author.
func ReferralToDomain(r *ServiceRequest, system string, refs *Refs) (joinedup.Referral, Links, error) {
	if r == nil {
		return joinedup.Referral{}, Links{}, errors.New("ServiceRequest: nil resource")
	}
	m := mapper{"ServiceRequest", r.ID}
	out := joinedup.Referral{ID: r.ID}
	var links Links
	var err error
	ours := false
	for _, c := range r.Category {
		for _, x := range c.Coding {
			ours = ours || x.System == joinedup.SystemSNOMED && x.Code == "3457005"
		}
	}
	if !ours {
		return out, links, m.notJoinedUp("a referral (category SNOMED CT 3457005)")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, r.Subject); err != nil {
		return out, links, err
	}
	if out.Created, err = m.requiredDate("authoredOn", r.AuthoredOn); err != nil {
		return out, links, err
	}
	if r.Occurrence != nil {
		if out.Closed, err = m.date("occurrencePeriod.end", r.Occurrence.End); err != nil {
			return out, links, err
		}
	}
	if links.Author, err = m.practitioner("requester", r.Requester); err != nil {
		return out, links, err
	}
	for i, p := range r.Performer {
		ref := optionalRef(refs, &p, "")
		switch ref.Type {
		case "Organization":
			links.Performer = ref
		case "HealthcareService":
			out.ServiceID = ref.ID
		default:
			return out, links, m.fail(fmt.Sprintf("performer[%d]", i), fmt.Errorf("%w %q: not an Organization or HealthcareService", ErrUnresolvedReference, p.Reference))
		}
	}
	if links.Performer.IsZero() {
		return out, links, m.fail("performer", fmt.Errorf("%w: the Organization referred to", ErrMissing))
	}
	if err = m.oneOf("status", r.Status, "active", "completed", "revoked"); err != nil {
		return out, links, err
	}
	if r.Status != "active" && out.Closed.IsZero() {
		return out, links, m.fail("occurrencePeriod.end", fmt.Errorf("%w: when the %s referral was closed", ErrMissing, r.Status))
	}
	if r.Status == "active" && !out.Closed.IsZero() {
		return out, links, m.fail("occurrencePeriod.end", errors.New("an active referral is not closed"))
	}
	if out.ServiceID != "" {
		switch r.Status {
		case "active":
			out.Status = joinedup.ReferralSent
		case "completed":
			out.Status = joinedup.ReferralCompleted
		case "revoked":
			out.Status = joinedup.ReferralCancelled
		}
	} else if r.Status == "revoked" {
		return out, links, m.fail("status", errors.New("only a referral to a directory service (performer HealthcareService) is revoked"))
	}
	if len(r.ReasonCode) > 0 {
		out.Reason = r.ReasonCode[0].Text
	}
	for _, n := range r.Note {
		if wm, ok := strings.CutPrefix(n.Text, "What matters to me: "); ok {
			out.WhatMatters = wm
		}
	}
	return out, links, nil
}

// AssessmentRecord is a RiskAssessment as read: a stored assessment.
type AssessmentRecord struct {
	ID         string
	Assessment joinedup.Assessment // PatientID is the caller's
	Created    time.Time           // when it was made (meta.lastUpdated)
}

// factKinds maps the resource types evidence refers to back to fact kinds.
var factKinds = map[string]joinedup.FactKind{
	"Patient": joinedup.FactPatient, "Condition": joinedup.FactCondition, "Observation": joinedup.FactObservation,
	"MedicationRequest": joinedup.FactMedication, "MedicationStatement": joinedup.FactMedication,
	"Encounter": joinedup.FactEncounter, "Appointment": joinedup.FactAppointment,
}

// notInCohort starts the rationale of a tier suggested for someone outside
// the cohort (see FromAssessment).
const notInCohort = "Not in the cohort: worked out only to compare policies. "

// AssessmentToDomain maps a RiskAssessment written by FromAssessment back
// to the assessment: the cohort and the suggested tier (the predictions),
// the rules that fired (the rationale), the LTCs, risk factors and data
// gaps found (the notes) and the facts that show them (the basis, which
// the resource does not divide between findings: they are all given to the
// first finding, so the assessment exports again the same). The scores
// behind the rules are not in the resource and are not read. The id,
// subject, occurrenceDateTime, meta.lastUpdated and the cohort prediction
// are required.
func AssessmentToDomain(r *RiskAssessment, system string, refs *Refs) (AssessmentRecord, Links, error) {
	if r == nil {
		return AssessmentRecord{}, Links{}, errors.New("RiskAssessment: nil resource")
	}
	m := mapper{"RiskAssessment", r.ID}
	out := AssessmentRecord{ID: r.ID}
	a := &out.Assessment
	var links Links
	var err error
	if r.Code == nil || firstCode(r.Code, SystemTier) != "tier" {
		return out, links, m.notJoinedUp("a care tier assessment (code " + SystemTier + "|tier)")
	}
	if err = m.requireID(); err != nil {
		return out, links, err
	}
	if links.Subject, err = m.subject("subject", refs, r.Subject); err != nil {
		return out, links, err
	}
	if err = m.oneOf("status", r.Status, "final"); err != nil {
		return out, links, err
	}
	if a.AsOf, err = m.requiredDate("occurrenceDateTime", r.OccurrenceDateTime); err != nil {
		return out, links, err
	}
	if r.Meta == nil {
		return out, links, m.fail("meta.lastUpdated", fmt.Errorf("%w: when it was made", ErrMissing))
	}
	if out.Created, err = m.requiredDate("meta.lastUpdated", r.Meta.LastUpdated); err != nil {
		return out, links, err
	}
	if r.Method != nil {
		a.PolicyVersion = firstCode(r.Method, SystemPolicyVersion)
	}
	for i, n := range r.Note {
		kind, text, _ := strings.Cut(n.Text, ": ")
		switch kind {
		case "Long-term condition":
			a.LTCs = append(a.LTCs, joinedup.Finding{Name: text})
		case "Risk factor":
			a.RiskFactors = append(a.RiskFactors, joinedup.Finding{Name: text})
		case "Data gap":
			a.DataGaps = append(a.DataGaps, joinedup.DataGap{Description: text})
		default:
			return out, links, m.fail(fmt.Sprintf("note[%d]", i), fmt.Errorf("%q is not a long-term condition, risk factor or data gap", n.Text))
		}
	}
	var evidence []joinedup.Evidence
	for i, b := range r.Basis {
		ref, err := refs.Resolve(b.Reference)
		if err != nil || factKinds[ref.Type] == "" {
			return out, links, m.fail(fmt.Sprintf("basis[%d]", i), fmt.Errorf("%w %q: not a fact JoinedUp assesses", ErrUnresolvedReference, b.Reference))
		}
		evidence = append(evidence, joinedup.Evidence{Kind: factKinds[ref.Type], FactID: ref.ID, Display: b.Display})
	}
	switch {
	case len(a.LTCs) > 0:
		a.LTCs[0].Evidence = evidence
	case len(a.RiskFactors) > 0:
		a.RiskFactors[0].Evidence = evidence
	case len(evidence) > 0:
		return out, links, m.fail("basis", errors.New("facts are given but no long-term condition or risk factor they show"))
	}
	if len(r.Prediction) == 0 || r.Prediction[0].Outcome == nil {
		return out, links, m.fail("prediction[0].outcome", fmt.Errorf("%w: whether the person is in the cohort", ErrMissing))
	}
	switch c := firstCode(r.Prediction[0].Outcome, SystemCohort); c {
	case "in-cohort":
		a.Eligible = true
	case "not-in-cohort":
	default:
		return out, links, m.oneOf("prediction[0].outcome", c, "in-cohort", "not-in-cohort")
	}
	if len(r.Prediction) > 1 {
		p := r.Prediction[1]
		if p.Outcome != nil {
			a.SuggestedTier = joinedup.Tier(firstCode(p.Outcome, SystemTier))
		}
		if !a.SuggestedTier.Valid() {
			return out, links, m.fail("prediction[1].outcome", fmt.Errorf("%q is not a tier of %s", a.SuggestedTier, SystemTier))
		}
		why := p.Rationale
		if !a.Eligible {
			why = strings.TrimPrefix(why, strings.TrimSpace(notInCohort))
			why = strings.TrimPrefix(why, " ")
		}
		if why != "" {
			for _, rule := range strings.Split(why, "; ") {
				name, rationale, _ := strings.Cut(rule, ": ")
				a.RulesFired = append(a.RulesFired, joinedup.RuleFired{Name: name, Rationale: rationale})
			}
		}
	}
	return out, links, nil
}

// ServiceToDomain maps a HealthcareService written by FromService back to
// a directory service: its provider (Links.Performer, named in its
// display), taxonomy terms, ages, languages, areas, contacts and opening
// times. Active is status active, else inactive. Costs, locations and
// the contacts' names are not in the resource and are not read. The id
// and name are required.
func ServiceToDomain(h *HealthcareService, system string, refs *Refs) (joinedup.Service, Links, error) {
	if h == nil {
		return joinedup.Service{}, Links{}, errors.New("HealthcareService: nil resource")
	}
	m := mapper{"HealthcareService", h.ID}
	out := joinedup.Service{ID: h.ID, Name: h.Name, Description: h.Comment, Status: "inactive"}
	var links Links
	ours := false
	for _, id := range h.Identifier {
		ours = ours || id.System == SystemOpenReferralService
	}
	if !ours {
		return out, links, m.notJoinedUp("a directory service (identifier " + SystemOpenReferralService + ")")
	}
	if err := m.requireID(); err != nil {
		return out, links, err
	}
	if strings.TrimSpace(h.Name) == "" {
		return out, links, m.fail("name", ErrMissing)
	}
	if h.Active != nil && *h.Active {
		out.Status = "active"
	}
	if h.ProvidedBy == nil {
		return out, links, m.fail("providedBy", ErrMissing)
	}
	if links.Performer = optionalRef(refs, h.ProvidedBy, "Organization"); links.Performer.IsZero() {
		return out, links, m.fail("providedBy", fmt.Errorf("%w %q: not an Organization", ErrUnresolvedReference, h.ProvidedBy.Reference))
	}
	out.Organisation.Name = h.ProvidedBy.Display
	term := func(cc CodeableConcept, taxonomy string) joinedup.ServiceTerm {
		t := joinedup.ServiceTerm{Taxonomy: taxonomy, Name: cc.Text}
		for _, c := range cc.Coding {
			if tax, ok := strings.CutPrefix(c.System, "https://openreferraluk.org/taxonomy/"); ok {
				t.Taxonomy, t.Code = tax, c.Code
				if t.Name == "" {
					t.Name = c.Display
				}
			}
		}
		return t
	}
	for _, cc := range h.Type {
		out.Terms = append(out.Terms, term(cc, ""))
	}
	for _, cc := range h.Category {
		out.Terms = append(out.Terms, term(cc, joinedup.TaxonomyServiceTypes))
	}
	for i, e := range h.Eligibility {
		if e.Code != nil {
			out.Terms = append(out.Terms, term(*e.Code, joinedup.TaxonomyCircumstances))
			continue
		}
		var err error
		if out.MinimumAge, out.MaximumAge, err = parseAgeRange(e.Comment); err != nil {
			return out, links, m.fail(fmt.Sprintf("eligibility[%d].comment", i), err)
		}
	}
	for _, c := range h.Communication {
		out.Languages = append(out.Languages, c.Text)
	}
	for _, a := range h.CoverageArea {
		out.Areas = append(out.Areas, a.Display)
	}
	for _, t := range h.Telecom {
		switch t.System {
		case "email":
			out.Email = t.Value
		case "url":
			out.URL = t.Value
		case "phone":
			out.Contacts = append(out.Contacts, joinedup.ServiceContact{Phone: t.Value})
		}
	}
	if h.AvailabilityExceptions != "" {
		for _, when := range strings.Split(h.AvailabilityExceptions, "; ") {
			var s joinedup.ServiceSchedule
			hours := when
			if i := strings.LastIndexByte(when, ' '); i >= 0 {
				s.ByDay, hours = when[:i], when[i+1:]
			}
			s.OpensAt, s.ClosesAt, _ = strings.Cut(hours, "–")
			s.OpensAt, s.ClosesAt = clockTime(s.OpensAt), clockTime(s.ClosesAt)
			out.Schedules = append(out.Schedules, s)
		}
	}
	return out, links, nil
}

// parseAgeRange reads back ageRange.
func parseAgeRange(s string) (lo, hi int, err error) {
	switch {
	case strings.HasSuffix(s, " and over"):
		_, err = fmt.Sscanf(s, "aged %d and over", &lo)
	case strings.HasPrefix(s, "aged up to "):
		_, err = fmt.Sscanf(s, "aged up to %d", &hi)
	default:
		_, err = fmt.Sscanf(s, "aged %d to %d", &lo, &hi)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not an age range (\"aged 18 to 65\", \"aged 65 and over\", \"aged up to 18\")", s)
	}
	return lo, hi, nil
}

// clockTime puts back the ":00" FromService takes off a time ("09:00" is
// written "09", "09:00:00" "09:00"), so the service writes the same again.
func clockTime(s string) string {
	if s == "" {
		return s
	}
	return s + ":00"
}

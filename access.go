package joinedup

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a member of staff does; with the user's relationship to a
// patient it decides what the user may see (see Authorize).
type Role string

// The roles JoinedUp knows.
const (
	RoleGP                  Role = "gp"                    // GP or practice clinician
	RoleCareCoordinator     Role = "care-coordinator"      // care coordinator or care navigator
	RoleLeadSpecialist      Role = "lead-specialist"       // lead specialist for Red-tier patients
	RoleCommunitySocialCare Role = "community-social-care" // social worker, community nurse, therapist
	RoleVoluntaryLinkWorker Role = "voluntary-link-worker" // voluntary-sector link worker
	RoleLCNManager          Role = "lcn-manager"           // LCN manager or board member
	RoleAdmin               Role = "admin"                 // manages user accounts
	RoleIGLead              Role = "ig-lead"               // information-governance lead; reads the audit
)

// Roles lists every role, in the order people are shown them.
func Roles() []Role {
	return []Role{RoleGP, RoleCareCoordinator, RoleLeadSpecialist, RoleCommunitySocialCare,
		RoleVoluntaryLinkWorker, RoleLCNManager, RoleAdmin, RoleIGLead}
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, k := range Roles() {
		if r == k {
			return true
		}
	}
	return false
}

// Clinical reports whether the role delivers care from a health record and
// so may see clinical data and break the glass in an emergency.
func (r Role) Clinical() bool {
	return r == RoleGP || r == RoleCareCoordinator || r == RoleLeadSpecialist
}

// Action is something a user asks to do. Patient-scoped actions are decided
// against the user's Relationship with one patient.
type Action string

// The actions Authorize decides.
const (
	ActionReadPatient       Action = "read-patient"        // identifiable details of one patient
	ActionWritePatient      Action = "write-patient"       // change one patient's record (consent, plan, …)
	ActionReadClinical      Action = "read-clinical"       // diagnoses, results, medication of one patient
	ActionReadReferralShare Action = "read-referral-share" // what a consented referral shares
	ActionBreakGlass        Action = "break-glass"         // emergency access to one patient
	ActionReadAggregate     Action = "read-aggregate"      // counts across patients, none identifiable
	ActionReadAudit         Action = "read-audit"          // the audit log
	ActionManageUsers       Action = "manage-users"        // add, list and disable accounts
	ActionReadDirectory     Action = "read-directory"      // organisations: public reference data (ODS)
	ActionBulkExport        Action = "bulk-export"         // every patient's records at once, for another system
	// ActionListPatients lists the patients the user has a relationship
	// with (worklist, caseload, cohort); a role that sees only aggregates
	// gets counts instead of rows.
	ActionListPatients Action = "list-patients"
	// ActionDecideTier confirms or overrides one patient's suggested tier:
	// a clinical judgement, so only clinicians make it.
	ActionDecideTier Action = "decide-tier"
	// ActionReadWorklist is the user's own work across patients: worklist,
	// caseload, overdue lists. Each patient on such a list is still shown
	// only where the user may read that patient.
	ActionReadWorklist Action = "read-worklist"
	// ActionUpdateReferral moves a referral to a service along (accepted,
	// in progress, completed with an outcome): the service's link worker
	// reports back through it, within what the referral shares.
	ActionUpdateReferral Action = "update-referral"
	// ActionManageDirectory adds and edits services in the directory.
	ActionManageDirectory Action = "manage-directory"
	// ActionReadMDT is the MDT meetings and their case lists. Each case on
	// a list is still shown only where ActionReadMDTCase allows it for that
	// patient; a role that sees only aggregates gets the meetings with
	// counts.
	ActionReadMDT Action = "read-mdt"
	// ActionManageMDT plans MDT meetings and builds their case lists.
	ActionManageMDT Action = "manage-mdt"
	// ActionReadMDTCase is one patient's case at an MDT meeting: who they
	// are, why they are on the list, their plan and what was decided.
	ActionReadMDTCase Action = "read-mdt-case"
	// ActionRecordMDT records the outcome of one patient's case at an MDT
	// meeting: its decisions, the actions it raised and plan changes.
	ActionRecordMDT Action = "record-mdt"
	// ActionRequestMDT asks for one patient to be discussed at their next
	// MDT meeting.
	ActionRequestMDT Action = "request-mdt"
	// ActionReceiveHospitalEvent is a hospital system reporting a stay (an
	// A&E attendance, an admission, a discharge) as a FHIR Encounter: only
	// a system client granted system/Encounter.write does; no person.
	ActionReceiveHospitalEvent Action = "receive-hospital-event"
	// ActionManageRollout sets when each practice joins the pilot and goes
	// live: the dates the LCN's evaluation compares practices by.
	ActionManageRollout Action = "manage-rollout"
	// ActionReviewHospitalMessages reviews the hospital messages held
	// because they matched no one: match them again, or set them aside.
	ActionReviewHospitalMessages Action = "review-hospital-messages"
)

// Actions lists every action.
func Actions() []Action {
	return []Action{ActionReadPatient, ActionWritePatient, ActionReadClinical, ActionReadReferralShare,
		ActionBreakGlass, ActionReadAggregate, ActionReadAudit, ActionManageUsers, ActionReadWorklist, ActionListPatients, ActionDecideTier,
		ActionReadDirectory, ActionBulkExport, ActionUpdateReferral, ActionManageDirectory,
		ActionReadMDT, ActionManageMDT, ActionReadMDTCase, ActionRecordMDT, ActionRequestMDT, ActionReceiveHospitalEvent, ActionManageRollout,
		ActionReviewHospitalMessages}
}

// PatientScoped reports whether the action concerns one identifiable
// patient, and so needs a relationship with that patient.
func (a Action) PatientScoped() bool {
	switch a {
	case ActionReadPatient, ActionWritePatient, ActionReadClinical, ActionReadReferralShare, ActionBreakGlass, ActionDecideTier, ActionUpdateReferral,
		ActionReadMDTCase, ActionRecordMDT, ActionRequestMDT:
		return true
	}
	return false
}

// Relationship is what links a user to one patient. Storage works it out
// (at a moment in time); Authorize decides from it alone.
type Relationship struct {
	// Registered: the patient is registered at the user's organisation.
	Registered bool
	// CareTeam: the user, or the user's organisation, is on the patient's
	// care team now.
	CareTeam bool
	// Referred: the patient has an open referral to the user's organisation.
	Referred bool
	// ConsentSocialCare: the patient's latest recorded consent allows
	// sharing with social care.
	ConsentSocialCare bool
	// ConsentVoluntary: the patient's latest recorded consent allows sharing
	// with voluntary organisations.
	ConsentVoluntary bool
	// BreakGlass: the user holds an unexpired break-glass grant for the
	// patient.
	BreakGlass bool
	// OnMDT: the patient is on the case list of a recent or coming MDT
	// meeting of the user's organisation. It opens that patient's MDT case
	// (ActionReadMDTCase, ActionRecordMDT) and nothing else of the record.
	OnMDT bool
}

// Scope says how much of what was asked for may be shown.
type Scope string

// Values of Scope.
const (
	ScopeNone          Scope = ""                    // nothing (the decision denies)
	ScopeFull          Scope = "full"                // the whole record the action names
	ScopeReferralShare Scope = "referral-share-only" // name, contact, referral reason, what matters to me
	ScopeAggregate     Scope = "aggregate-only"      // counts, small numbers suppressed
	ScopeAdmin         Scope = "administration"      // accounts, never patient data
	ScopeAudit         Scope = "audit"               // the audit log
	ScopeOwnWork       Scope = "own-work"            // lists of the user's own work, each patient filtered
	ScopeDirectory     Scope = "directory"           // organisations, never patient data
)

// Decision is the answer to "may this user do this?": whether, how much,
// and why, in words the audit log and the IG lead can read.
type Decision struct {
	Allowed bool
	Scope   Scope
	Reason  string
	// BreakGlass marks access allowed only by an emergency grant, which
	// the IG lead reviews.
	BreakGlass bool
}

func allow(s Scope, reason string) Decision { return Decision{Allowed: true, Scope: s, Reason: reason} }

func deny(reason string) Decision { return Decision{Reason: reason} }

// Authorize is the one place JoinedUp decides access. Identifiable data is
// shown only to a user whose organisation the patient is registered at, who
// is on the patient's care team, or whose organisation the patient was
// referred to — with the patient's consent where the user is outside the NHS
// — or who holds a break-glass grant. Everything else is denied, and the
// caller audits the attempt either way.
func Authorize(u User, a Action, rel Relationship) Decision {
	if u.Disabled {
		return deny("account disabled")
	}
	if !u.Role.Valid() {
		return deny(fmt.Sprintf("unknown role %q", u.Role))
	}
	switch a {
	case ActionReceiveHospitalEvent:
		return deny("hospital events come from hospital systems, not from people")
	case ActionManageUsers:
		if u.Role == RoleAdmin {
			return allow(ScopeAdmin, "administrator manages accounts")
		}
		return deny("only an administrator manages accounts")
	case ActionReadAudit:
		if u.Role == RoleIGLead {
			return allow(ScopeAudit, "IG lead reads the audit")
		}
		return deny("only the IG lead reads the audit")
	case ActionReadAggregate:
		if u.Role == RoleLCNManager {
			return allow(ScopeAggregate, "LCN manager sees aggregates with small numbers suppressed")
		}
		return deny("aggregates are for the LCN manager")
	case ActionListPatients:
		switch {
		case u.Role.Clinical() || u.Role == RoleCommunitySocialCare:
			// The list holds only patients the user has a relationship
			// with (and, for social care, consent): storage applies the
			// same rules as for one patient.
			return allow(ScopeFull, "lists the patients the user has a relationship with")
		case u.Role == RoleLCNManager:
			return allow(ScopeAggregate, "LCN manager sees the cohort as counts, small numbers suppressed")
		}
		return deny(fmt.Sprintf("role %s keeps no list of patients", u.Role))
	case ActionReadWorklist:
		switch u.Role {
		case RoleGP, RoleCareCoordinator, RoleLeadSpecialist, RoleCommunitySocialCare, RoleVoluntaryLinkWorker:
			return allow(ScopeOwnWork, "staff who deliver care have a worklist; each patient on it is checked")
		}
		return deny(fmt.Sprintf("role %s has no worklist of patients", u.Role))
	case ActionReadDirectory:
		return allow(ScopeDirectory, "the organisation directory is reference data for every user")
	case ActionManageDirectory:
		if u.Role == RoleAdmin {
			return allow(ScopeDirectory, "administrator edits the service directory")
		}
		return deny("only an administrator edits the service directory")
	case ActionReviewHospitalMessages:
		if u.Role == RoleAdmin {
			return allow(ScopeAdmin, "administrator reviews the hospital messages that matched no one")
		}
		return deny("only an administrator reviews held hospital messages")
	case ActionManageRollout:
		if u.Role == RoleAdmin {
			return allow(ScopeAdmin, "administrator sets the practices' pilot and go-live dates")
		}
		return deny("only an administrator sets the practices' pilot and go-live dates")
	case ActionBulkExport:
		// A person never takes the whole population's records away; only
		// a registered system does, under its scopes (AuthorizeClient).
		return deny("bulk export is for registered systems, not staff accounts")
	case ActionReadMDT:
		switch {
		case u.Role.Clinical() || u.Role == RoleCommunitySocialCare || u.Role == RoleVoluntaryLinkWorker:
			return allow(ScopeOwnWork, "MDT members see the meetings; each case is checked")
		case u.Role == RoleLCNManager:
			return allow(ScopeAggregate, "LCN manager sees MDT meetings with case counts only")
		}
		return deny(fmt.Sprintf("role %s takes no part in MDT meetings", u.Role))
	case ActionManageMDT:
		if u.Role.Clinical() || u.Role == RoleCommunitySocialCare {
			return allow(ScopeOwnWork, "care staff plan MDT meetings; each case is checked")
		}
		return deny(fmt.Sprintf("role %s does not plan MDT meetings", u.Role))
	case ActionReadMDTCase, ActionRecordMDT, ActionRequestMDT:
		return authorizeMDTCase(u.Role, a, rel)
	case ActionReadPatient, ActionWritePatient, ActionReadClinical, ActionReadReferralShare, ActionBreakGlass, ActionDecideTier, ActionUpdateReferral:
		return authorizePatient(u.Role, a, rel)
	}
	return deny(fmt.Sprintf("unknown action %q", a))
}

// authorizePatient decides the patient-scoped actions.
func authorizePatient(r Role, a Action, rel Relationship) Decision {
	switch {
	case r.Clinical():
		if a == ActionBreakGlass {
			return allow(ScopeFull, "clinician may request emergency access")
		}
		if why := healthRelationship(rel); why != "" {
			return allow(ScopeFull, why)
		}
		if rel.BreakGlass {
			d := allow(ScopeFull, "break-glass emergency access")
			d.BreakGlass = true
			return d
		}
		return deny("no relationship with the patient")
	case r == RoleCommunitySocialCare:
		if a == ActionBreakGlass {
			return deny("break-glass is for clinicians")
		}
		if a == ActionDecideTier {
			return deny("tier decisions are for clinicians")
		}
		why := healthRelationship(rel)
		if why == "" {
			return deny("no relationship with the patient")
		}
		if !rel.ConsentSocialCare {
			return deny("patient has not consented to sharing with social care")
		}
		return allow(ScopeFull, why+", with consent to share with social care")
	case r == RoleVoluntaryLinkWorker:
		switch a {
		case ActionReadPatient, ActionReadReferralShare, ActionUpdateReferral:
		case ActionReadClinical:
			return deny("clinical data is never shared with the voluntary sector")
		default:
			return deny("a link worker sees only what a consented referral shares")
		}
		if !rel.Referred {
			return deny("no referral to the user's organisation")
		}
		if !rel.ConsentVoluntary {
			return deny("patient has not consented to sharing with voluntary organisations")
		}
		return allow(ScopeReferralShare, "consented referral to the user's organisation")
	}
	return deny(fmt.Sprintf("role %s sees no patient data", r))
}

// authorizeMDTCase decides the patient-scoped MDT actions. Only the
// patient's care team and the meeting's organisation see a case: being on a
// meeting of the user's organisation (OnMDT) is the relationship an MDT adds.
// A request for discussion comes from the care team alone. Break-glass
// grants never open an MDT case: they are for one emergency.
func authorizeMDTCase(r Role, a Action, rel Relationship) Decision {
	why := ""
	switch {
	case rel.CareTeam:
		why = "on the patient's care team"
	case rel.OnMDT && a != ActionRequestMDT:
		why = "patient is on an MDT meeting of the user's organisation"
	}
	switch {
	case r.Clinical():
		if why == "" {
			return deny("neither on the patient's care team nor in the organisation holding the meeting")
		}
		return allow(ScopeFull, why)
	case r == RoleCommunitySocialCare:
		if why == "" {
			return deny("neither on the patient's care team nor in the organisation holding the meeting")
		}
		if !rel.ConsentSocialCare {
			return deny("patient has not consented to sharing with social care")
		}
		return allow(ScopeFull, why+", with consent to share with social care")
	case r == RoleVoluntaryLinkWorker:
		if a != ActionReadMDTCase {
			return deny("a link worker takes part in the discussion but changes nothing")
		}
		if why == "" {
			return deny("neither on the patient's care team nor in the organisation holding the meeting")
		}
		if !rel.ConsentVoluntary {
			return deny("patient has not consented to sharing with voluntary organisations")
		}
		return allow(ScopeReferralShare, why+", with consent to share with voluntary organisations")
	}
	return deny(fmt.Sprintf("role %s sees no patient data", r))
}

// healthRelationship names the relationship that justifies access, or ""
// when there is none.
func healthRelationship(rel Relationship) string {
	switch {
	case rel.CareTeam:
		return "on the patient's care team"
	case rel.Registered:
		return "patient registered at the user's organisation"
	case rel.Referred:
		return "patient referred to the user's organisation"
	}
	return ""
}

// SuppressBelow is the smallest count shown in aggregates: smaller counts
// could identify people, so they are suppressed.
const SuppressBelow = 5

// Suppress formats a count for an aggregate view: counts from 1 to below
// SuppressBelow become "<5", so no small group can be singled out; none is
// a fact about no one, and is shown.
func Suppress(n int) string {
	if n > 0 && n < SuppressBelow {
		return fmt.Sprintf("<%d", SuppressBelow)
	}
	return fmt.Sprint(n)
}

// BreakGlassDuration is how long an emergency grant lasts: long enough for
// an emergency, short enough that it cannot become routine access.
const BreakGlassDuration = time.Hour

// MinBreakGlassReason is the shortest reason accepted for emergency access,
// so the IG lead has something to review.
const MinBreakGlassReason = 10

// CheckBreakGlassReason checks that an emergency-access reason was typed
// out, not left empty or a token word.
func CheckBreakGlassReason(reason string) error {
	if utf8.RuneCountInString(strings.TrimSpace(reason)) < MinBreakGlassReason {
		return fmt.Errorf("a break-glass reason of at least %d characters is required", MinBreakGlassReason)
	}
	return nil
}

// Outcome is how an audited request ended.
type Outcome string

// Values of Outcome.
const (
	OutcomeAllowed Outcome = "allowed"
	OutcomeDenied  Outcome = "denied"
	OutcomeFailed  Outcome = "failed" // allowed, but the request did not complete
)

// AuditEntry records one look at, or change to, data: who (user, role,
// organisation), which patient, what action on what, when, why and how it
// ended. Entries are hash-chained so any alteration is detectable.
type AuditEntry struct {
	Seq            int64 // position in the chain, from 1
	At             time.Time
	UserID         string
	Username       string
	Role           Role
	OrganisationID string
	PatientID      string // empty for entries not about one patient
	Action         Action
	What           string // the request, e.g. "GET /api/patients/{id}"
	Reason         string // the decision's reason, or the reason the user typed
	Outcome        Outcome
	BreakGlass     bool   // access by emergency grant, for the IG lead to review
	PrevHash       string // Hash of entry Seq-1 (empty for the first)
	Hash           string // SHA-256 over PrevHash and this entry's canonical encoding
}

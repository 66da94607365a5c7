package joinedup_test

import (
	"fmt"
	"testing"

	"github.com/joinedup/joinedup"
)

// allRelationships enumerates all 128 combinations of relationship facts.
func allRelationships() []joinedup.Relationship {
	var out []joinedup.Relationship
	for bits := range 1 << 7 {
		out = append(out, joinedup.Relationship{
			Registered:        bits&1 != 0,
			CareTeam:          bits&2 != 0,
			Referred:          bits&4 != 0,
			ConsentSocialCare: bits&8 != 0,
			ConsentVoluntary:  bits&16 != 0,
			BreakGlass:        bits&32 != 0,
			OnMDT:             bits&64 != 0,
		})
	}
	return out
}

// want restates the access rules of docs/access.md independently of
// Authorize's code: it is the specification the exhaustive test checks.
func want(r joinedup.Role, a joinedup.Action, rel joinedup.Relationship) (bool, joinedup.Scope, bool) {
	health := rel.Registered || rel.CareTeam || rel.Referred
	clinical := r == joinedup.RoleGP || r == joinedup.RoleCareCoordinator || r == joinedup.RoleLeadSpecialist
	switch a {
	case joinedup.ActionReceiveHospitalEvent:
		return false, joinedup.ScopeNone, false
	case joinedup.ActionManageUsers:
		return r == joinedup.RoleAdmin, joinedup.ScopeAdmin, false
	case joinedup.ActionReadAudit:
		return r == joinedup.RoleIGLead, joinedup.ScopeAudit, false
	case joinedup.ActionReadAggregate:
		return r == joinedup.RoleLCNManager, joinedup.ScopeAggregate, false
	case joinedup.ActionBreakGlass:
		return clinical, joinedup.ScopeFull, false
	case joinedup.ActionListPatients:
		if r == joinedup.RoleLCNManager {
			return true, joinedup.ScopeAggregate, false
		}
		return clinical || r == joinedup.RoleCommunitySocialCare, joinedup.ScopeFull, false
	case joinedup.ActionReadWorklist:
		return clinical || r == joinedup.RoleCommunitySocialCare || r == joinedup.RoleVoluntaryLinkWorker, joinedup.ScopeOwnWork, false
	case joinedup.ActionReadDirectory:
		return true, joinedup.ScopeDirectory, false
	case joinedup.ActionBulkExport:
		return false, joinedup.ScopeNone, false
	case joinedup.ActionManageDirectory:
		return r == joinedup.RoleAdmin, joinedup.ScopeDirectory, false
	case joinedup.ActionManageRollout, joinedup.ActionReviewHospitalMessages:
		return r == joinedup.RoleAdmin, joinedup.ScopeAdmin, false
	case joinedup.ActionReadMDT:
		if r == joinedup.RoleLCNManager {
			return true, joinedup.ScopeAggregate, false
		}
		return clinical || r == joinedup.RoleCommunitySocialCare || r == joinedup.RoleVoluntaryLinkWorker, joinedup.ScopeOwnWork, false
	case joinedup.ActionManageMDT:
		return clinical || r == joinedup.RoleCommunitySocialCare, joinedup.ScopeOwnWork, false
	case joinedup.ActionReadMDTCase, joinedup.ActionRecordMDT, joinedup.ActionRequestMDT:
		// Care team, or the meeting's organisation (not for a request);
		// never registration, referral or break-glass alone.
		member := rel.CareTeam || (rel.OnMDT && a != joinedup.ActionRequestMDT)
		switch {
		case clinical:
			return member, joinedup.ScopeFull, false
		case r == joinedup.RoleCommunitySocialCare:
			return member && rel.ConsentSocialCare, joinedup.ScopeFull, false
		case r == joinedup.RoleVoluntaryLinkWorker:
			return a == joinedup.ActionReadMDTCase && member && rel.ConsentVoluntary, joinedup.ScopeReferralShare, false
		}
		return false, joinedup.ScopeNone, false
	}
	switch {
	case clinical && health:
		return true, joinedup.ScopeFull, false
	case clinical && rel.BreakGlass:
		return true, joinedup.ScopeFull, true
	case r == joinedup.RoleCommunitySocialCare:
		return health && rel.ConsentSocialCare && a != joinedup.ActionDecideTier, joinedup.ScopeFull, false
	case r == joinedup.RoleVoluntaryLinkWorker:
		ok := (a == joinedup.ActionReadPatient || a == joinedup.ActionReadReferralShare || a == joinedup.ActionUpdateReferral) &&
			rel.Referred && rel.ConsentVoluntary
		return ok, joinedup.ScopeReferralShare, false
	}
	return false, joinedup.ScopeNone, false
}

// TestAuthorizeExhaustive decides every role × action × relationship ×
// enabled/disabled (8 × 23 × 128 × 2 cases) and compares with the rules.
func TestAuthorizeExhaustive(t *testing.T) {
	n := 0
	for _, r := range joinedup.Roles() {
		for _, a := range joinedup.Actions() {
			for _, rel := range allRelationships() {
				for _, disabled := range []bool{false, true} {
					n++
					u := joinedup.User{Username: "x", Role: r, Disabled: disabled}
					d := joinedup.Authorize(u, a, rel)
					ok, scope, bg := want(r, a, rel)
					if disabled {
						ok, bg = false, false
					}
					if d.Allowed != ok || (ok && (d.Scope != scope || d.BreakGlass != bg)) || (!ok && (d.Scope != joinedup.ScopeNone || d.BreakGlass)) {
						t.Errorf("Authorize(%s disabled=%v, %s, %+v) = %+v; want allowed=%v scope=%q breakGlass=%v",
							r, disabled, a, rel, d, ok, scope, bg)
					}
					if d.Reason == "" {
						t.Errorf("Authorize(%s, %s, %+v) gives no reason", r, a, rel)
					}
				}
			}
		}
	}
	if n != 8*23*128*2 {
		t.Fatalf("decided %d cases", n)
	}
}

// TestAuthorizeNamedCases spells out the cases people ask about.
func TestAuthorizeNamedCases(t *testing.T) {
	everything := joinedup.Relationship{Registered: true, CareTeam: true, Referred: true, ConsentSocialCare: true, ConsentVoluntary: true, BreakGlass: true}
	tests := []struct {
		name   string
		role   joinedup.Role
		action joinedup.Action
		rel    joinedup.Relationship
		ok     bool
		scope  joinedup.Scope
	}{
		{"GP reads own practice's patient", joinedup.RoleGP, joinedup.ActionReadClinical, joinedup.Relationship{Registered: true}, true, joinedup.ScopeFull},
		{"GP reads another practice's patient", joinedup.RoleGP, joinedup.ActionReadPatient, joinedup.Relationship{}, false, joinedup.ScopeNone},
		{"consent alone is no relationship", joinedup.RoleCareCoordinator, joinedup.ActionReadPatient, joinedup.Relationship{ConsentSocialCare: true, ConsentVoluntary: true}, false, joinedup.ScopeNone},
		{"specialist on the care team", joinedup.RoleLeadSpecialist, joinedup.ActionWritePatient, joinedup.Relationship{CareTeam: true}, true, joinedup.ScopeFull},
		{"specialist referred to", joinedup.RoleLeadSpecialist, joinedup.ActionReadClinical, joinedup.Relationship{Referred: true}, true, joinedup.ScopeFull},
		{"clinician under break-glass", joinedup.RoleGP, joinedup.ActionReadClinical, joinedup.Relationship{BreakGlass: true}, true, joinedup.ScopeFull},
		{"social care without consent", joinedup.RoleCommunitySocialCare, joinedup.ActionReadPatient, joinedup.Relationship{CareTeam: true}, false, joinedup.ScopeNone},
		{"social care with consent, no relationship", joinedup.RoleCommunitySocialCare, joinedup.ActionReadPatient, joinedup.Relationship{ConsentSocialCare: true}, false, joinedup.ScopeNone},
		{"social care with consent and relationship", joinedup.RoleCommunitySocialCare, joinedup.ActionReadPatient, joinedup.Relationship{CareTeam: true, ConsentSocialCare: true}, true, joinedup.ScopeFull},
		{"social care cannot break glass", joinedup.RoleCommunitySocialCare, joinedup.ActionReadPatient, joinedup.Relationship{BreakGlass: true}, false, joinedup.ScopeNone},
		{"link worker with consented referral", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionReadPatient, joinedup.Relationship{Referred: true, ConsentVoluntary: true}, true, joinedup.ScopeReferralShare},
		{"link worker referral without consent", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionReadReferralShare, joinedup.Relationship{Referred: true}, false, joinedup.ScopeNone},
		{"link worker never sees clinical data", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionReadClinical, everything, false, joinedup.ScopeNone},
		{"link worker cannot write", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionWritePatient, everything, false, joinedup.ScopeNone},
		{"LCN manager sees aggregates", joinedup.RoleLCNManager, joinedup.ActionReadAggregate, joinedup.Relationship{}, true, joinedup.ScopeAggregate},
		{"LCN manager never sees a patient", joinedup.RoleLCNManager, joinedup.ActionReadPatient, everything, false, joinedup.ScopeNone},
		{"admin manages users", joinedup.RoleAdmin, joinedup.ActionManageUsers, joinedup.Relationship{}, true, joinedup.ScopeAdmin},
		{"admin sees no patient data", joinedup.RoleAdmin, joinedup.ActionReadPatient, everything, false, joinedup.ScopeNone},
		{"IG lead reads the audit", joinedup.RoleIGLead, joinedup.ActionReadAudit, joinedup.Relationship{}, true, joinedup.ScopeAudit},
		{"IG lead sees no patient data", joinedup.RoleIGLead, joinedup.ActionReadClinical, everything, false, joinedup.ScopeNone},
		{"GP cannot read the audit", joinedup.RoleGP, joinedup.ActionReadAudit, everything, false, joinedup.ScopeNone},
		{"MDT meeting opens the case", joinedup.RoleGP, joinedup.ActionReadMDTCase, joinedup.Relationship{OnMDT: true}, true, joinedup.ScopeFull},
		{"MDT meeting does not open the record", joinedup.RoleGP, joinedup.ActionReadClinical, joinedup.Relationship{OnMDT: true}, false, joinedup.ScopeNone},
		{"registration alone does not open an MDT case", joinedup.RoleGP, joinedup.ActionReadMDTCase, joinedup.Relationship{Registered: true}, false, joinedup.ScopeNone},
		{"break-glass does not open an MDT case", joinedup.RoleGP, joinedup.ActionRecordMDT, joinedup.Relationship{BreakGlass: true}, false, joinedup.ScopeNone},
		{"only the care team asks for discussion", joinedup.RoleCareCoordinator, joinedup.ActionRequestMDT, joinedup.Relationship{OnMDT: true}, false, joinedup.ScopeNone},
		{"link worker at the meeting sees the share", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionReadMDTCase, joinedup.Relationship{OnMDT: true, ConsentVoluntary: true}, true, joinedup.ScopeReferralShare},
		{"link worker records no outcome", joinedup.RoleVoluntaryLinkWorker, joinedup.ActionRecordMDT, everything, false, joinedup.ScopeNone},
		{"LCN manager sees meeting counts", joinedup.RoleLCNManager, joinedup.ActionReadMDT, joinedup.Relationship{}, true, joinedup.ScopeAggregate},
		{"LCN manager never sees a case", joinedup.RoleLCNManager, joinedup.ActionReadMDTCase, everything, false, joinedup.ScopeNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := joinedup.Authorize(joinedup.User{Role: tt.role}, tt.action, tt.rel)
			if d.Allowed != tt.ok || d.Scope != tt.scope {
				t.Fatalf("Authorize = %+v, want allowed=%v scope=%q", d, tt.ok, tt.scope)
			}
		})
	}
}

func TestAuthorizeRefusesUnknowns(t *testing.T) {
	if d := joinedup.Authorize(joinedup.User{Role: "superuser"}, joinedup.ActionManageUsers, joinedup.Relationship{}); d.Allowed {
		t.Fatal("unknown role allowed")
	}
	if d := joinedup.Authorize(joinedup.User{Role: joinedup.RoleGP}, "delete-everything", joinedup.Relationship{Registered: true}); d.Allowed {
		t.Fatal("unknown action allowed")
	}
}

func TestSuppress(t *testing.T) {
	for n, want := range map[int]string{0: "0", 1: "<5", 4: "<5", 5: "5", 6: "6", 1234: "1234"} {
		if got := joinedup.Suppress(n); got != want {
			t.Errorf("Suppress(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCheckBreakGlassReason(t *testing.T) {
	for reason, ok := range map[string]bool{"": false, "          ": false, "emergency": false, "unconscious in A&E, no history": true} {
		if err := joinedup.CheckBreakGlassReason(reason); (err == nil) != ok {
			t.Errorf("CheckBreakGlassReason(%q) = %v", reason, err)
		}
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		u  joinedup.User
		ok bool
	}{
		{joinedup.User{Username: "dr.smith", DisplayName: "Dr Smith", Role: joinedup.RoleGP}, true},
		{joinedup.User{Username: "a", DisplayName: "A", Role: joinedup.RoleGP}, false},
		{joinedup.User{Username: "has space", DisplayName: "A", Role: joinedup.RoleGP}, false},
		{joinedup.User{Username: "dr.smith", DisplayName: "Dr Smith", Role: "root"}, false},
		{joinedup.User{Username: "dr.smith", DisplayName: " ", Role: joinedup.RoleGP}, false},
	}
	for _, tt := range tests {
		if err := tt.u.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v", tt.u, err)
		}
	}
}

func TestPatientScoped(t *testing.T) {
	var got []string
	for _, a := range joinedup.Actions() {
		if a.PatientScoped() {
			got = append(got, string(a))
		}
	}
	if fmt.Sprint(got) != "[read-patient write-patient read-clinical read-referral-share break-glass decide-tier update-referral read-mdt-case record-mdt request-mdt]" {
		t.Fatalf("patient-scoped actions = %v", got)
	}
}

package joinedup_test

import (
	"fmt"
	"testing"

	"github.com/joinedup/joinedup"
)

func TestParseClientScopes(t *testing.T) {
	for in, want := range map[string]string{
		"system/*.read":                           "[system/*.read]",
		"system/Patient.read system/Flag.read":    "[system/Patient.read system/Flag.read]",
		"system/Patient.read system/Patient.read": "[system/Patient.read]",
	} {
		got, err := joinedup.ParseClientScopes(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseClientScopes(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "patient/*.read", "system/*.write", "system/Patient.*", "system/patient.read", "user/Patient.read"} {
		if got, err := joinedup.ParseClientScopes(bad); err == nil {
			t.Errorf("ParseClientScopes(%q) = %v, want an error", bad, got)
		}
	}
}

func TestNarrowScopes(t *testing.T) {
	tests := []struct{ granted, requested, want string }{
		{"system/*.read", "system/Patient.read", "[system/Patient.read]"},
		{"system/Patient.read", "system/*.read", "[system/Patient.read]"},
		{"system/Patient.read", "system/Condition.read", "[]"},
		{"system/*.read", "system/*.read", "[system/*.read]"},
	}
	for _, tt := range tests {
		g, _ := joinedup.ParseClientScopes(tt.granted)
		r, _ := joinedup.ParseClientScopes(tt.requested)
		if got := fmt.Sprint(joinedup.NarrowScopes(g, r)); got != tt.want {
			t.Errorf("NarrowScopes(%s, %s) = %s, want %s", tt.granted, tt.requested, got, tt.want)
		}
	}
}

// TestAuthorizeClient decides every action for a client with every scope
// of interest, disabled or not.
func TestAuthorizeClient(t *testing.T) {
	reads := map[joinedup.Action]bool{joinedup.ActionReadPatient: true, joinedup.ActionReadClinical: true,
		joinedup.ActionReadReferralShare: true, joinedup.ActionReadDirectory: true}
	for _, scopes := range [][]string{{"system/*.read"}, {"system/Condition.read"}, {"system/Patient.read"}} {
		for _, disabled := range []bool{false, true} {
			c := joinedup.Client{Name: "scr", Scopes: scopes, Disabled: disabled}
			for _, a := range joinedup.Actions() {
				for _, typ := range []string{"Condition", "Patient", ""} {
					d := joinedup.AuthorizeClient(c, a, typ)
					grants := scopes[0] == "system/*.read" || scopes[0] == "system/"+typ+".read"
					want := !disabled && ((reads[a] && typ != "" && grants) || (a == joinedup.ActionBulkExport && (typ == "" || grants)))
					if d.Allowed != want {
						t.Errorf("AuthorizeClient(%v disabled=%v, %s, %q) = %+v, want allowed=%v", scopes, disabled, a, typ, d, want)
					}
					if d.Allowed && d.Scope != joinedup.ScopeFull || !d.Allowed && d.Scope != joinedup.ScopeNone || d.Reason == "" {
						t.Errorf("AuthorizeClient(%v, %s, %q) = %+v", scopes, a, typ, d)
					}
				}
			}
		}
	}
	if joinedup.RoleSystemClient.Valid() {
		t.Fatal("the system-client role must not be valid for a user")
	}
}

package joinedup_test

import (
	"errors"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

func TestDecide(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	a := joinedup.Assessment{PatientID: "p1", SuggestedTier: joinedup.TierAmber}
	tests := []struct {
		name       string
		tier       joinedup.Tier
		reason, by string
		wantErr    string // the field named
		overridden bool
	}{
		{name: "confirm without reason", tier: joinedup.TierAmber, by: "u1"},
		{name: "override with reason", tier: joinedup.TierRed, reason: "two admissions last month", by: "u1", overridden: true},
		{name: "override without reason", tier: joinedup.TierRed, by: "u1", wantErr: "reason"},
		{name: "override with blank reason", tier: joinedup.TierGreen, reason: "   ", by: "u1", wantErr: "reason"},
		{name: "no such tier", tier: "purple", by: "u1", wantErr: "tier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := joinedup.Decide("a1", a, tt.tier, tt.reason, tt.by, at)
			if tt.wantErr != "" {
				var fe joinedup.FieldErrors
				if !errors.As(err, &fe) || fe[tt.wantErr] == "" || !errors.Is(err, joinedup.ErrInvalid) {
					t.Fatalf("err = %v, want an invalid %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Overridden != tt.overridden || d.Tier != tt.tier || d.SuggestedTier != joinedup.TierAmber || d.AssessmentID != "a1" {
				t.Fatalf("decision = %+v", d)
			}
		})
	}
	if _, err := joinedup.Decide("a1", a, "purple", "", "u1", at); err == nil {
		t.Fatal("an invalid tier was accepted")
	}
	if _, err := joinedup.Decide("a1", a, joinedup.TierAmber, "", "", at); err == nil {
		t.Fatal("a decision without a clinician was accepted")
	}
}

package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

// TestEncodeAssessment checks that the stored form is exactly the
// assessment's JSON, and that the findings hash ignores the as-of date
// alone.
func TestEncodeAssessment(t *testing.T) {
	base := joinedup.Assessment{PatientID: "p1", PolicyVersion: "v1", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Eligible: true,
		SuggestedTier: joinedup.TierAmber, LTCs: []joinedup.Finding{{ID: "copd", Name: "COPD", Evidence: []joinedup.Evidence{{Kind: "condition",
			FactID: "c1", Code: "13645005", Date: time.Time{}}}}},
		Features: map[string]float64{"ltc_count": 1}}
	laterDate := base
	laterDate.AsOf = base.AsOf.AddDate(0, 1, 0)
	elsewhere := base
	elsewhere.AsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("BST", 3600))
	otherFindings := base
	otherFindings.SuggestedTier = joinedup.TierRed

	_, baseHash, err := encodeAssessment(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		a        joinedup.Assessment
		sameHash bool
	}{
		{"same", base, true},
		{"a month later", laterDate, true},
		{"in another zone", elsewhere, true},
		{"other findings", otherFindings, false},
		{"no as-of date", joinedup.Assessment{PatientID: "p2"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			detail, hash, err := encodeAssessment(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(tt.a)
			if !bytes.Equal(detail, want) {
				t.Errorf("stored form\n%s\nwant\n%s", detail, want)
			}
			if (hash == baseHash) != tt.sameHash {
				t.Errorf("hash %s against %s: same = %v, want %v", hash, baseHash, hash == baseHash, tt.sameHash)
			}
		})
	}
}

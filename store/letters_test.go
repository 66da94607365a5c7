package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// seedCohort stores two practices and six patients in every state a letters
// batch must tell apart, and returns the first practice's id and the
// patients by name.
func seedCohort(t *testing.T, db *store.DB) (string, map[string]joinedup.Patient) {
	t.Helper()
	asOf := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	prac := joinedup.Organisation{ODS: "G85001", Name: "Kennington Road Surgery", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "prac1"}}
	prac.ID = store.OrganisationID(prac)
	other := joinedup.Organisation{ODS: "G85002", Name: "Walworth Surgery", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "prac2"}}
	other.ID = store.OrganisationID(other)
	died := asOf.AddDate(0, -1, 0)
	ps := map[string]joinedup.Patient{}
	var batch []joinedup.Patient
	for _, n := range []struct {
		name, practice string
		deceased       *time.Time
	}{
		{"awaiting", prac.ID, nil}, {"undecided", prac.ID, nil}, {"decided", prac.ID, nil},
		{"ineligible", prac.ID, nil}, {"elsewhere", other.ID, nil}, {"deceased", prac.ID, &died},
	} {
		p := joinedup.Patient{GivenName: n.name, FamilyName: "Test", PracticeID: n.practice, Language: "pt-PT",
			Source: joinedup.Source{System: "test", ID: n.name}, Deceased: n.deceased}
		p.ID = joinedup.PatientID(p)
		ps[n.name] = p
		batch = append(batch, p)
	}
	if _, err := store.Write(ctx, db, &store.Batch{Organisations: []joinedup.Organisation{prac, other}, Patients: batch}); err != nil {
		t.Fatal(err)
	}
	eligible := map[string]bool{}
	for name, p := range ps {
		eligible[p.ID] = name != "ineligible"
	}
	assessed := storetest.Assess(t, db, asOf, eligible)
	// "awaiting" has an open review task; "decided" had one, and a clinician
	// has since confirmed the tier.
	for _, name := range []string{"awaiting", "decided"} {
		task := &joinedup.Task{PatientID: ps[name].ID, Kind: joinedup.TaskReviewSuggestedTier, Title: "Review", DedupeKey: "review", CreatedAt: asOf}
		if _, err := store.RaiseTask(ctx, db, task); err != nil {
			t.Fatal(err)
		}
	}
	d := &joinedup.TierDecision{PatientID: ps["decided"].ID, AssessmentID: assessed[ps["decided"].ID], SuggestedTier: joinedup.TierAmber,
		Tier: joinedup.TierAmber, DecidedBy: "u1", DecidedAt: asOf}
	if err := store.SaveDecision(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CloseTasks(ctx, db, ps["decided"].ID, joinedup.TaskReviewSuggestedTier, asOf); err != nil {
		t.Fatal(err)
	}
	return prac.ID, ps
}

func names(ps []joinedup.Patient) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.GivenName)
	}
	return out
}

func TestNewlyEligibleAndLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		practiceID, ps := seedCohort(t, db)
		got, err := store.NewlyEligible(ctx, db, practiceID, "invitation")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"awaiting": true, "undecided": true}
		if len(got) != len(want) || !want[got[0].GivenName] || !want[got[1].GivenName] {
			t.Fatalf("newly eligible = %v, want awaiting and undecided", names(got))
		}
		if got[0].ID > got[1].ID {
			t.Error("patients not in id order")
		}
		if got[0].Language != "pt-PT" || got[0].PracticeID != practiceID {
			t.Errorf("patient read back without language or practice: %+v", got[0])
		}

		at := time.Date(2026, 3, 3, 9, 15, 30, 123456789, time.UTC)
		rec := store.LetterRecord{PatientID: ps["awaiting"].ID, Kind: "invitation", Language: "pt", Format: "pdf", LargePrint: true,
			GeneratedAt: at, GeneratedBy: "letters-batch", ContentHash: "ab12"}
		if err := store.RecordLetter(ctx, db, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.ID == "" {
			t.Fatal("RecordLetter gave the letter no id")
		}
		list, err := store.PatientLetters(ctx, db, ps["awaiting"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || !reflect.DeepEqual(list[0], rec) {
			t.Errorf("letters = %+v, want [%+v]", list, rec)
		}
		if !list[0].GeneratedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("generated_at %v, want %v", list[0].GeneratedAt, at)
		}
		if other, err := store.PatientLetters(ctx, db, ps["undecided"].ID); err != nil || len(other) != 0 {
			t.Errorf("another patient's letters: %v %v", other, err)
		}

		// A patient already invited is not invited again; other kinds still
		// see them.
		got, err = store.NewlyEligible(ctx, db, practiceID, "invitation")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].GivenName != "undecided" {
			t.Errorf("after inviting awaiting: %v, want undecided", names(got))
		}
		if got, _ = store.NewlyEligible(ctx, db, practiceID, ""); len(got) != 2 {
			t.Errorf("any kind: %v, want two", names(got))
		}
	})
}

package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestOneNHSNumberTwoRecords sends a second patient record with an NHS
// number already held, from the same system and from another, and one
// import holding two: the second is never written over the first nor
// beside it, nor are the records that refer to it; each is listed once as
// a merge to resolve. Resolved as the same person, the second record's
// facts land on the record held; resolved as not, they stay out.
func TestOneNHSNumberTwoRecords(t *testing.T) {
	const nhs = `"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]`
	first := `{"resourceType":"Patient","id":"p1",` + nhs + `,"name":[{"family":"Smith","given":["Jane"]}],"birthDate":"1950-03-04"}` + "\n" +
		`{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}}` + "\n"
	second := `{"resourceType":"Patient","id":"p9",` + nhs + `,"name":[{"family":"Smyth","given":["Jane"]}],"birthDate":"1950-04-03"}` + "\n" +
		`{"resourceType":"Observation","id":"o9","status":"final","subject":{"reference":"Patient/p9"},"code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},"effectiveDateTime":"2024-01-01","valueQuantity":{"value":31}}` + "\n"
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	write := func(t *testing.T, body string) string {
		p := filepath.Join(t.TempDir(), "in.ndjson")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	const waits = "NHS number 943 476 5919 is held for another record"
	check := func(t *testing.T, db *store.DB, rejects []importer.Reject, wantRejects, wantOpen int) {
		t.Helper()
		if len(rejects) != wantRejects {
			t.Fatalf("rejects %+v, want %d", rejects, wantRejects)
		}
		for _, r := range rejects {
			if !strings.Contains(r.Reason, waits) {
				t.Errorf("reject %+v does not name the merge", r)
			}
		}
		p, err := store.PatientByNHSNumber(ctx, db, "9434765919")
		if err != nil || p.FamilyName != "Smith" || p.Source.ID != "p1" {
			t.Errorf("the record held changed: %+v %v", p, err)
		}
		counts, _ := store.Counts(ctx, db)
		if counts["patients"] != 1 || counts["observations"] != 0 {
			t.Errorf("counts %v: the second record or its facts were written", counts)
		}
		open, _ := store.Merges(ctx, db, true)
		if len(open) != wantOpen {
			t.Errorf("%d open merges, want %d", len(open), wantOpen)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importAll(t, db, importer.Options{Source: "gp", Now: now}, write(t, first))

		t.Run("same system, another id", func(t *testing.T) {
			path := write(t, second)
			_, rejects := importAll(t, db, importer.Options{Source: "gp", Now: now}, path)
			check(t, db, rejects, 2, 1)
			_, rejects = importAll(t, db, importer.Options{Source: "gp", Now: now}, path) // sent again: one merge still
			check(t, db, rejects, 2, 1)
			ms, _ := store.Merges(ctx, db, true)
			m := ms[0]
			if m.PatientID != joinedup.PatientID(joinedup.Patient{NHSNumber: "9434765919"}) || m.Other != (joinedup.Source{System: "gp", ID: "p9"}) ||
				m.OtherName != "Jane Smyth" || m.OtherBirthDate.Format(time.DateOnly) != "1950-04-03" || m.File != path {
				t.Errorf("merge %+v", m)
			}
		})
		t.Run("another system", func(t *testing.T) {
			_, rejects := importAll(t, db, importer.Options{Source: "hospital", Now: now}, write(t, second))
			check(t, db, rejects, 2, 2)
		})
		t.Run("resolved as the same person", func(t *testing.T) {
			ms, _ := store.Merges(ctx, db, true)
			var gp joinedup.PatientMerge
			for _, m := range ms {
				if m.Other.System == "gp" {
					gp = m
				}
			}
			if err := store.ResolveMerge(ctx, db, gp.ID, joinedup.MergeSamePerson, "u1", "checked with the practice", now); err != nil {
				t.Fatal(err)
			}
			if err := store.ResolveMerge(ctx, db, gp.ID, joinedup.MergeNotSamePerson, "u1", "again", now); err == nil {
				t.Error("a merge resolved twice")
			}
			sum, rejects := importAll(t, db, importer.Options{Source: "gp", Now: now}, write(t, second))
			if len(rejects) != 0 {
				t.Fatalf("rejects %+v", rejects)
			}
			p, _ := store.PatientByNHSNumber(ctx, db, "9434765919")
			counts, _ := store.Counts(ctx, db)
			if counts["patients"] != 1 || counts["observations"] != 1 || p.FamilyName != "Smith" || sum.ByType["Patient"].Unchanged != 1 {
				t.Errorf("counts %v, held %+v, summary %+v: want the observation on the record held, its name kept", counts, p, sum.ByType["Patient"])
			}
		})
		t.Run("resolved as not the same person", func(t *testing.T) {
			ms, _ := store.Merges(ctx, db, true)
			if len(ms) != 1 {
				t.Fatalf("open merges %+v", ms)
			}
			store.ResolveMerge(ctx, db, ms[0].ID, joinedup.MergeNotSamePerson, "u1", "different dates of birth; PDS", now)
			_, rejects := importAll(t, db, importer.Options{Source: "hospital", Now: now}, write(t, second))
			if len(rejects) != 2 || !strings.Contains(rejects[1].Reason, "the sending system must correct it") {
				t.Errorf("rejects %+v", rejects)
			}
		})
	})
	t.Run("two records in one file", func(t *testing.T) {
		db := storetest.Open(t, store.SQLite)
		_, rejects := importAll(t, db, importer.Options{Source: "gp", Now: now}, write(t, first+second))
		check(t, db, rejects, 2, 1)
	})
}

package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

var ctx = context.Background()

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sample is a small population: a practice under a locality, two patients
// (one without an NHS number) and one fact of every kind.
func sample() *store.Batch {
	loc := joinedup.Organisation{ODS: "LOC01", Name: "North Lambeth", Kind: joinedup.OrgLocality, Source: joinedup.Source{System: "test", ID: "loc1"}}
	loc.ID = store.OrganisationID(loc)
	prac := joinedup.Organisation{ODS: "G85001", Name: "Lambeth Walk Group Practice", Kind: joinedup.OrgPractice, ParentID: loc.ID,
		Source: joinedup.Source{System: "test", ID: "prac1"}}
	prac.ID = store.OrganisationID(prac)
	p1 := joinedup.Patient{NHSNumber: "9000000009", Source: joinedup.Source{System: "test", ID: "p1", VersionID: "1", LastUpdated: day("2024-01-01")},
		GivenName: "Jane", FamilyName: "Smith", BirthDate: day("1950-03-04"), Sex: joinedup.SexFemale, Language: "pt",
		InterpreterRequired: true, PracticeID: prac.ID, Postcode: "SE11 5AA", Phone: "020 7946 0000"}
	p1.ID = joinedup.PatientID(p1)
	p2 := joinedup.Patient{Source: joinedup.Source{System: "test", ID: "p2"}, GivenName: "Zoë", FamilyName: "Ng", Sex: joinedup.SexMale}
	p2.ID = joinedup.PatientID(p2)
	src := func(id string) joinedup.Source { return joinedup.Source{System: "test", ID: id} }
	snomed := func(code, term string) joinedup.Codings {
		return joinedup.Codings{{System: joinedup.SystemSNOMED, Code: code, Display: term}}
	}
	return &store.Batch{
		Organisations: []joinedup.Organisation{loc, prac},
		Patients:      []joinedup.Patient{p1, p2},
		Conditions: []joinedup.Condition{{PatientID: p1.ID, Source: src("c1"), Codes: append(snomed("38341003", "Hypertension"),
			joinedup.Coding{System: "http://read.info/ctv3", Code: "G20.."}), ClinicalStatus: "active", Onset: day("2010-05-01")}},
		Observations: []joinedup.Observation{
			{PatientID: p1.ID, Source: src("o1"), Codes: snomed("60621009", "BMI"), Status: "final", Effective: day("2023-06-01"),
				Value: &joinedup.Quantity{Value: 31.2, Unit: "kg/m2"}},
			{PatientID: p1.ID, Source: src("o2"), Codes: snomed("75367002", "Blood pressure"), Effective: day("2023-06-01"),
				Components: []joinedup.Component{{Codes: snomed("72313002", "Systolic"), Value: &joinedup.Quantity{Value: 150, Unit: "mm[Hg]"}}}},
			{PatientID: p2.ID, Source: src("o3"), Codes: snomed("77176002", "Smoker"), Effective: day("2022-01-01"),
				ValueCode: &joinedup.Coding{System: joinedup.SystemSNOMED, Code: "77176002"}},
		},
		Medications: []joinedup.Medication{{PatientID: p1.ID, Source: src("m1"), Kind: joinedup.MedicationRequest,
			Codes: snomed("322236009", "Paracetamol 500mg tablets"), Status: "active", Authored: day("2023-07-01"), Repeat: true}},
		Encounters: []joinedup.Encounter{{PatientID: p1.ID, Source: src("e1"), Class: joinedup.EncounterEmergency,
			Types: snomed("50849002", "Emergency room admission"), Start: day("2023-08-01"), End: day("2023-08-02"), Emergency: true}},
		Appointments: []joinedup.Appointment{{PatientID: p1.ID, Source: src("a1"), Start: day("2025-01-10"), Status: "booked",
			Specialty: snomed("394579002", "Cardiology"), Service: "Cardiology clinic"}},
		Carers: []joinedup.Carer{{PatientID: p1.ID, Source: src("r1"), Name: "John Smith", Relationship: snomed("127848009", "Spouse"), Phone: "07700 900000"}},
	}
}

func write(t *testing.T, db *store.DB, b *store.Batch) store.WriteResult {
	t.Helper()
	var res store.WriteResult
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = store.Write(ctx, tx, b)
		return err
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return res
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := storetest.URL(t, e)
			db, err := store.OpenAndMigrate(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			again, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != 0 {
				t.Fatalf("second migrate applied %v, want nothing", again)
			}
			cur, want, err := db.SchemaVersion(ctx)
			if err != nil || cur != want || want == 0 {
				t.Fatalf("SchemaVersion = %d, %d, %v", cur, want, err)
			}
		})
	}
}

func TestOpenRefusesUnmigratedSchema(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			_, err := store.Open(ctx, storetest.URL(t, e))
			if !errors.Is(err, store.ErrSchemaOld) {
				t.Fatalf("Open on an empty database: %v, want ErrSchemaOld", err)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in     string
		engine store.Engine
		ok     bool
	}{
		{"sqlite:x.db", store.SQLite, true},
		{"sqlite:///tmp/x.db", store.SQLite, true},
		{"postgres://root@localhost/test", store.Postgres, true},
		{"postgresql://root@localhost/test", store.Postgres, true},
		{"sqlite:", "", false},
		{"mysql://x", "", false},
		{"x.db", "", false},
	}
	for _, tt := range tests {
		e, _, err := store.ParseURL(tt.in)
		if (err == nil) != tt.ok || e != tt.engine {
			t.Errorf("ParseURL(%q) = %q, %v", tt.in, e, err)
		}
		if err != nil && !errors.Is(err, store.ErrBadURL) {
			t.Errorf("ParseURL(%q) error %v is not ErrBadURL", tt.in, err)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		res := write(t, db, b)
		if res.Written["Patient"] != 2 || res.Written["Observation"] != 3 || res.Written["MedicationRequest"] != 1 || len(res.ChangedPatients) != 2 {
			t.Fatalf("first write = %+v", res)
		}
		got, err := store.LoadFacts(ctx, db, b.Patients[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Patient, b.Patients[0]) {
			t.Errorf("patient:\n got %+v\nwant %+v", got.Patient, b.Patients[0])
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"conditions", got.Conditions, b.Conditions},
			{"observations", got.Observations, b.Observations[:2]},
			{"medications", got.Medications, b.Medications},
			{"encounters", got.Encounters, b.Encounters},
			{"appointments", got.Appointments, b.Appointments},
			{"carers", got.Carers, b.Carers},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", c.name, c.got, c.want)
			}
		}
		p2, err := store.LoadFacts(ctx, db, b.Patients[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p2.Observations) != 1 || p2.Observations[0].ValueCode == nil || p2.Observations[0].ValueCode.Code != "77176002" {
			t.Errorf("coded observation lost: %+v", p2.Observations)
		}
		byNHS, err := store.PatientByNHSNumber(ctx, db, "9000000009")
		if err != nil || byNHS.ID != b.Patients[0].ID {
			t.Errorf("PatientByNHSNumber = %v, %v", byNHS.ID, err)
		}
		if _, err := store.GetPatient(ctx, db, "nobody"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Errorf("GetPatient(nobody) = %v, want joinedup.ErrNotFound", err)
		}
		orgs, err := store.Organisations(ctx, db)
		if err != nil || len(orgs) != 2 {
			t.Fatalf("Organisations = %v, %v", orgs, err)
		}
	})
}

func TestWriteIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		write(t, db, sample())
		before, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		res := write(t, db, sample())
		if len(res.Written) != 0 || len(res.ChangedPatients) != 0 {
			t.Fatalf("second write of the same data changed %+v", res)
		}
		after, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if before != after {
			t.Fatal("checksum changed on an identical re-write")
		}
	})
}

func TestNewerVersionReplacesOlder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		write(t, db, sample())
		newer := sample()
		newer.Patients[0].Source.VersionID = "2"
		newer.Patients[0].Source.LastUpdated = day("2024-06-01")
		newer.Patients[0].Phone = "020 7946 0999"
		res := write(t, db, newer)
		if res.Written["Patient"] != 1 {
			t.Fatalf("newer version: %+v", res)
		}
		older := sample()
		older.Patients[0].Source.VersionID = "0"
		older.Patients[0].Source.LastUpdated = day("2023-01-01")
		older.Patients[0].Phone = "stale"
		if res := write(t, db, older); res.Written["Patient"] != 0 {
			t.Fatalf("an older version replaced a newer one: %+v", res)
		}
		p, err := store.GetPatient(ctx, db, newer.Patients[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Phone != "020 7946 0999" || p.Source.VersionID != "2" {
			t.Fatalf("stored patient = %+v", p)
		}
	})
}

// The same data gives the same checksum on both engines: ids are derived
// from sources, and values are read back identically.
func TestChecksumSameOnBothEngines(t *testing.T) {
	var sums []string
	for _, e := range storetest.Engines() {
		db := storetest.Open(t, e)
		write(t, db, sample())
		s, err := store.Checksum(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	if sums[0] != sums[1] {
		t.Fatalf("checksums differ between engines: %v", sums)
	}
}

func TestEachFactsChangedOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		write(t, db, b)
		count := func(f store.FactsFilter) (ids []string) {
			t.Helper()
			err := store.EachFacts(ctx, db, f, func(f *joinedup.Facts, v int64) error {
				ids = append(ids, f.Patient.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if n := len(count(store.FactsFilter{})); n != 2 {
			t.Fatalf("all patients: %d", n)
		}
		if n := len(count(store.FactsFilter{Changed: true})); n != 2 {
			t.Fatalf("changed before any assessment: %d", n)
		}
		err := store.EachFacts(ctx, db, store.FactsFilter{}, func(f *joinedup.Facts, v int64) error {
			return store.MarkAssessed(ctx, db, f.Patient.ID, v)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(count(store.FactsFilter{Changed: true})); n != 0 {
			t.Fatalf("changed after assessing everyone: %d", n)
		}
		b2 := sample()
		b2.Conditions[0].ClinicalStatus = "resolved"
		write(t, db, b2)
		ids := count(store.FactsFilter{Changed: true})
		if len(ids) != 1 || ids[0] != b.Patients[0].ID {
			t.Fatalf("changed after one condition changed: %v", ids)
		}
	})
}

// A batch may carry the same record twice (a resource resent in one file):
// the newer version is kept and the write does not fail.
func TestWriteDuplicateInOneBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := sample()
		older := b.Patients[0]
		newer := b.Patients[0]
		newer.Source.LastUpdated = day("2025-01-01")
		newer.Phone = "newer"
		b.Patients = append(b.Patients, newer, older)
		write(t, db, b)
		p, err := store.GetPatient(ctx, db, newer.ID)
		if err != nil || p.Phone != "newer" {
			t.Fatalf("kept %q, %v; want the newer version", p.Phone, err)
		}
	})
}

// TestStableIDIsUUIDv5 checks the domain's own name-based ids against an
// independent UUID version 5 implementation: ids already stored must not
// change.
func TestStableIDIsUUIDv5(t *testing.T) {
	space := uuid.MustParse("6f1c2b9e-3d0a-5a4e-9b7c-2e51d0c4a8f3")
	for _, parts := range [][]string{{"Patient", "nhs", "9434765919"}, {"Condition", "synthea", "abc-123"}, {""}, {"ü", "\x1f", "x"}} {
		want := uuid.NewSHA1(space, []byte(strings.Join(parts, "\x1f"))).String()
		if got := joinedup.StableID(parts...); got != want {
			t.Errorf("StableID(%q) = %s, want %s", parts, got, want)
		}
	}
}

// DatabaseChecksum covers every table: the same data gives the same
// checksum, and a change to any table (the audit log included) changes it.
func TestDatabaseChecksum(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		write(t, db, sample())
		sum := func() string {
			t.Helper()
			s, err := store.DatabaseChecksum(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		before := sum()
		if again := sum(); again != before {
			t.Fatalf("two checksums of the same data: %s, %s", before, again)
		}
		if _, err := db.Audit(ctx, joinedup.AuditEntry{At: day("2025-01-01"), Outcome: joinedup.OutcomeDenied}); err != nil {
			t.Fatal(err)
		}
		audited := sum()
		if audited == before {
			t.Error("an audit entry did not change the checksum")
		}
		if _, err := db.ExecContext(ctx, "UPDATE patients SET family_name = 'Other' WHERE nhs_number IS NOT NULL AND nhs_number <> ''"); err != nil {
			t.Fatal(err)
		}
		if sum() == audited {
			t.Error("a changed name did not change the checksum")
		}
	})
}

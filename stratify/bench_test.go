package stratify_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/synth"
)

// benchPopulation fills a fresh database on engine with a synthetic
// population of JOINEDUP_BENCH_PATIENTS (default 2,000), or opens
// JOINEDUP_BENCH_DB (an already imported database) when set.
func benchPopulation(b *testing.B, engine store.Engine) (*store.DB, *policy.Policy) {
	b.Helper()
	ctx := context.Background()
	var db *store.DB
	if url := os.Getenv("JOINEDUP_BENCH_DB"); url != "" {
		e, _, err := store.ParseURL(url)
		if err != nil || e != engine {
			b.Skipf("JOINEDUP_BENCH_DB is not a %s database", engine)
		}
		if db, err = store.OpenAndMigrate(ctx, url); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	} else {
		n := 2000
		if s := os.Getenv("JOINEDUP_BENCH_PATIENTS"); s != "" {
			var err error
			if n, err = strconv.Atoi(s); err != nil {
				b.Fatal(err)
			}
		}
		db = storetest.Open(b, engine)
		dir := b.TempDir()
		if _, err := synth.WriteDir(ctx, synth.Config{Patients: n, Seed: 1}, dir, false); err != nil {
			b.Fatal(err)
		}
		if _, err := importer.Import(ctx, db, []string{dir}, importer.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	// Both the run and the baseline query are planned with statistics,
	// over tables cleared of the rows earlier runs replaced, as on a
	// database in service (a server may run without autovacuum, and SQLite
	// keeps no statistics until asked).
	maintain := "ANALYZE"
	if engine == store.Postgres {
		maintain = "VACUUM ANALYZE"
	}
	if _, err := db.ExecContext(ctx, maintain); err != nil {
		b.Fatal(err)
	}
	p, _, err := stratify.LoadPolicy(ctx, db, "../policies/lcn-default", "bench", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return db, p
}

// BenchmarkStratify runs a full stratification, writing an assessment per
// patient, beside the baseline: the cohort rule written as one SQL query
// over the same database. Each run is at a new as-of date, so every
// assessment is new and written (and, after the first, the one it replaces
// is read to record drift).
//
//	go test -run '^$' -bench BenchmarkStratify -benchtime 3x ./stratify/
func BenchmarkStratify(b *testing.B) {
	ctx := context.Background()
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db, p := benchPopulation(b, e)
			asOf := synth.DefaultAsOf
			// On a database assessed before (JOINEDUP_BENCH_DB), the runs
			// go back from the earliest as-of date there, so that they too
			// write every assessment.
			first := asOf
			var earliest sql.NullString
			if err := db.QueryRowContext(ctx, "SELECT CAST(MIN(as_of) AS TEXT) FROM assessments").Scan(&earliest); err != nil {
				b.Fatal(err)
			}
			if earliest.Valid {
				t, err := time.Parse(time.DateOnly, earliest.String[:10])
				if err != nil {
					b.Fatal(err)
				}
				first = t.AddDate(0, 0, -1)
			}
			var eligible, sqlEligible, patients int
			b.Run("run", func(b *testing.B) {
				i := 0
				for b.Loop() {
					s, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: p, AsOf: first.AddDate(0, 0, -i)})
					if err != nil {
						b.Fatal(err)
					}
					i++
					eligible, patients = s.Total.Eligible, s.Total.Assessed
				}
				b.ReportMetric(float64(patients*b.N)/b.Elapsed().Seconds(), "patients/s")
				if mb, ok := peakRSS(); ok {
					b.ReportMetric(mb, "peak-RSS-MB")
				}
			})
			if err := loadBenchCodes(ctx, db, p); err != nil {
				b.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "ANALYZE bench_codes"); err != nil {
				b.Fatal(err)
			}
			b.Run("sql-baseline", func(b *testing.B) {
				for b.Loop() {
					if err := db.QueryRowContext(ctx, cohortSQL, asOf.Format(time.DateOnly)).Scan(&sqlEligible); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(patients*b.N)/b.Elapsed().Seconds(), "patients/s")
			})
			b.Run("write-floor", func(b *testing.B) {
				for b.Loop() {
					if err := writeFloor(ctx, db); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(patients*b.N)/b.Elapsed().Seconds(), "patients/s")
			})
			b.Logf("%s: %d patients; eligible: %d by the policy, %d by the SQL baseline", e, patients, eligible, sqlEligible)
		})
	}
}

// writeFloor does, inside the database alone, the writing a run that
// assesses everyone must do, with none of the reading or assessing: it
// copies each patient's current assessment (its history row, detail and
// all, and its current row) into two new tables indexed as the real ones
// are, then replaces every current row once, as a run at a new date does.
// Its time is a floor under any run that keeps every assessment, whatever
// reads and assesses the facts.
func writeFloor(ctx context.Context, db *store.DB) error {
	// The current rows keep half of each page free on PostgreSQL, as the
	// real table does (migration 14), so replacing one stays on its page.
	fill := ""
	if db.Engine == store.Postgres {
		fill = " WITH (fillfactor = 50)"
	}
	stmts := []string{
		"DROP TABLE IF EXISTS floor_history",
		"DROP TABLE IF EXISTS floor_current",
		`CREATE TABLE floor_history AS SELECT a.* FROM assessments a JOIN current_assessments c
			ON c.patient_id = a.patient_id AND c.assessment_id = a.id WHERE 1 = 0`,
		"CREATE UNIQUE INDEX floor_history_pk ON floor_history (patient_id, id)",
		"CREATE TABLE floor_current" + fill + " AS SELECT * FROM current_assessments WHERE 1 = 0",
		"CREATE UNIQUE INDEX floor_current_pk ON floor_current (patient_id)",
		"CREATE INDEX floor_current_tier ON floor_current (eligible, suggested_tier)",
		`INSERT INTO floor_history SELECT a.* FROM assessments a JOIN current_assessments c
			ON c.patient_id = a.patient_id AND c.assessment_id = a.id`,
		"INSERT INTO floor_current SELECT * FROM current_assessments",
		"UPDATE floor_current SET as_of = as_of, assessment_id = assessment_id || '.'",
		"DROP TABLE floor_history",
		"DROP TABLE floor_current",
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// peakRSS returns the process's peak resident memory so far, in MB, where
// the system tells it (Linux). With JOINEDUP_BENCH_DB nothing else of size
// has run before the stratification, so it is the run's peak.
func peakRSS() (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024, err == nil
		}
	}
	return 0, false
}

// loadBenchCodes puts the policy's code lists in a table the baseline
// query joins: one row per (group, system, code), where a group is an LTC
// ("ltc:ID") or a risk-factor ingredient ("bmi", "hba1c", "pain-dx",
// "analgesic", "frailty", "lives-alone").
func loadBenchCodes(ctx context.Context, db *store.DB, p *policy.Policy) error {
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS bench_codes"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE bench_codes (grp TEXT NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (code, system, grp))"); err != nil {
		return err
	}
	add := func(tx *store.Tx, grp string, lists policy.ListSet) error {
		for _, l := range p.CodeLists {
			if !lists.Has(int32(l.ID)) {
				continue
			}
			for _, c := range l.Codes {
				if _, err := tx.ExecContext(ctx, "INSERT INTO bench_codes VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", grp, c.System, c.Code); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		for _, l := range p.LTCs {
			if err := add(tx, "ltc:"+l.ID, l.Lists); err != nil {
				return err
			}
		}
		for _, m := range p.Measures {
			if err := add(tx, m.ID, m.Lists); err != nil {
				return err
			}
		}
		for _, rf := range p.RiskFactors {
			for _, c := range rf.Criteria {
				grp := map[string]string{"chronic-pain": "pain", "frailty": "frailty", "lives-alone": "lives-alone"}[rf.ID]
				if grp == "" {
					continue
				}
				if c.Kind == policy.Count {
					grp = "analgesic"
				}
				if err := add(tx, grp, c.Lists); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// cohortSQL counts the people with at least 3 LTCs and 2 risk factors as
// of $1, in SQL both engines run. Risk factors: latest BMI in 2 years
// >= 30; latest HbA1c in 15 months > 58 mmol/mol (or 7.5%); a chronic pain
// diagnosis or 3 analgesic prescriptions in 6 months; 10 current medicines
// prescribed in 12 months; moderate or severe frailty coded in 2 years;
// lives alone. It leaves out the HbA1c range rule and smoking (a coded
// value held as JSON), so it counts no more than the policy does.
const cohortSQL = `
WITH asof AS (SELECT CAST($1 AS TEXT) AS d),
ltc AS (
  SELECT c.patient_id, COUNT(DISTINCT b.grp) AS n FROM conditions c
  JOIN bench_codes b ON b.code = c.code AND b.system = c.code_system AND b.grp LIKE 'ltc:%'
  WHERE c.clinical_status IN ('', 'active', 'recurrence', 'relapse')
  GROUP BY c.patient_id HAVING COUNT(DISTINCT b.grp) >= 3),
obs AS (
  SELECT o.patient_id, b.grp, o.value, o.unit, o.effective,
         ROW_NUMBER() OVER (PARTITION BY o.patient_id, b.grp ORDER BY o.effective DESC, o.id DESC) AS k
  FROM observations o JOIN ltc ON ltc.patient_id = o.patient_id
  JOIN bench_codes b ON b.code = o.code AND b.system = o.code_system AND b.grp IN ('bmi', 'hba1c')
  WHERE o.value IS NOT NULL),
rf AS (
  SELECT patient_id, 1 AS f FROM obs WHERE k = 1 AND grp = 'bmi' AND value >= 30
  UNION ALL
  SELECT patient_id, 1 FROM obs WHERE k = 1 AND grp = 'hba1c' AND ((unit = '%' AND value > 7.45) OR (unit <> '%' AND value > 58))
  UNION ALL
  SELECT DISTINCT c.patient_id, 1 FROM conditions c JOIN ltc ON ltc.patient_id = c.patient_id
    JOIN bench_codes b ON b.code = c.code AND b.system = c.code_system AND b.grp = 'pain'
  UNION ALL
  SELECT m.patient_id, 1 FROM medications m JOIN ltc ON ltc.patient_id = m.patient_id
    JOIN bench_codes b ON b.code = m.code AND b.system = m.code_system AND b.grp = 'analgesic'
    GROUP BY m.patient_id HAVING COUNT(*) >= 3
  UNION ALL
  SELECT m.patient_id, 1 FROM medications m JOIN ltc ON ltc.patient_id = m.patient_id
    WHERE m.status = 'active' GROUP BY m.patient_id HAVING COUNT(DISTINCT m.code) >= 10
  UNION ALL
  SELECT DISTINCT x.patient_id, 1 FROM (
    SELECT c.patient_id, c.code, c.code_system FROM conditions c JOIN ltc ON ltc.patient_id = c.patient_id
    UNION ALL SELECT o.patient_id, o.code, o.code_system FROM observations o JOIN ltc ON ltc.patient_id = o.patient_id) x
    JOIN bench_codes b ON b.code = x.code AND b.system = x.code_system AND b.grp IN ('frailty', 'lives-alone'))
SELECT COUNT(*) FROM (SELECT patient_id FROM rf GROUP BY patient_id HAVING SUM(f) >= 2) cohort`

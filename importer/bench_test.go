package importer_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/synth"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchData is the input the import benchmarks read: JOINEDUP_BENCH_DATA
// when set (e.g. a million-patient `joinedup synth` output), else a
// synthetic population of JOINEDUP_BENCH_PATIENTS (default 2,000)
// generated once per run.
func benchData(b *testing.B) string {
	if d := os.Getenv("JOINEDUP_BENCH_DATA"); d != "" {
		return d
	}
	benchOnce.Do(func() {
		n := 2000
		if s := os.Getenv("JOINEDUP_BENCH_PATIENTS"); s != "" {
			n, benchErr = strconv.Atoi(s)
		}
		benchDir, benchErr = os.MkdirTemp("", "joinedup-import-bench-")
		if benchErr == nil {
			_, benchErr = synth.WriteDir(ctx, synth.Config{Patients: n, Seed: 1}, benchDir, false)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

// benchDB is the empty database an import benchmark writes: a fresh one,
// or, for PostgreSQL, JOINEDUP_BENCH_KEEP_DB when set (once), which is left
// holding the population for the other benchmarks (stratification, pages)
// to run on.
func benchDB(b *testing.B, e store.Engine) *store.DB {
	url := os.Getenv("JOINEDUP_BENCH_KEEP_DB")
	if e != store.Postgres || url == "" {
		return storetest.Open(b, e)
	}
	if b.N > 1 {
		b.Fatal("JOINEDUP_BENCH_KEEP_DB takes one iteration (-benchtime 1x)")
	}
	db, err := store.OpenAndMigrate(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	counts, err := store.Counts(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	for table, n := range counts {
		if n > 0 {
			b.Fatalf("JOINEDUP_BENCH_KEEP_DB must be empty; %s holds %d rows", table, n)
		}
	}
	return db
}

func resources(s *importer.Summary) int {
	n := 0
	for _, c := range s.ByType {
		n += c.Read
	}
	return n
}

// BenchmarkImport reports resources imported per second on each engine,
// beside the floor: the same files read, decoded and mapped with nothing
// written. Each iteration imports into an empty database.
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 1x ./importer/
func BenchmarkImport(b *testing.B) {
	dir := benchData(b)
	var floor float64 // decode-only resources/s, measured first
	b.Run("decode-only", func(b *testing.B) {
		var n int
		for b.Loop() {
			s, err := importer.Import(ctx, nil, []string{dir}, importer.Options{DecodeOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			n = resources(s)
		}
		floor = float64(n*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(floor, "resources/s")
	})
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			var n int
			for b.Loop() {
				b.StopTimer()
				db := benchDB(b, e)
				b.StartTimer()
				s, err := importer.Import(ctx, db, []string{dir}, importer.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if s.Rejected() != 0 {
					b.Fatalf("%d rejected", s.Rejected())
				}
				n = resources(s)
			}
			rate := float64(n*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "resources/s")
			if floor > 0 {
				b.ReportMetric(rate/floor, "x-floor")
			}
		})
	}
}

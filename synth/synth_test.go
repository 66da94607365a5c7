package synth_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/synth"
)

// asOf pins the tests' date.
var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// generate runs the generator into memory.
func generate(t testing.TB, cfg synth.Config) ([]*bytes.Buffer, *synth.Stats) {
	t.Helper()
	bufs := make([]*bytes.Buffer, len(synth.ResourceTypes))
	for i := range bufs {
		bufs[i] = new(bytes.Buffer)
	}
	st, err := synth.Generate(context.Background(), cfg, func(rt synth.ResourceType) io.Writer { return bufs[rt] })
	if err != nil {
		t.Fatal(err)
	}
	return bufs, st
}

func TestDeterministic(t *testing.T) {
	cfg := synth.Config{Patients: 1500, Seed: 7, AsOf: asOf, Workers: 1}
	a, _ := generate(t, cfg)
	cfg.Workers = 3 // the number of workers must not change a byte
	b, _ := generate(t, cfg)
	for i := range a {
		if a[i].Len() == 0 {
			t.Errorf("%s: nothing written", synth.ResourceTypes[i])
		}
		if !bytes.Equal(a[i].Bytes(), b[i].Bytes()) {
			t.Errorf("%s: same seed, different output", synth.ResourceTypes[i])
		}
	}
	cfg.Seed = 8
	c, _ := generate(t, cfg)
	if bytes.Equal(a[synth.TypePatient].Bytes(), c[synth.TypePatient].Bytes()) {
		t.Error("Patient: a different seed gave the same output")
	}
}

func TestWriteDirGzipDeterministic(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	cfg := synth.Config{Patients: 300, Seed: 3, AsOf: asOf}
	for _, d := range []string{dir1, dir2} {
		if _, err := synth.WriteDir(context.Background(), cfg, d, true); err != nil {
			t.Fatal(err)
		}
	}
	for i := range synth.ResourceTypes {
		name := synth.FileName(synth.ResourceType(i), true)
		x, err1 := os.ReadFile(filepath.Join(dir1, name))
		y, err2 := os.ReadFile(filepath.Join(dir2, name))
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

// TestSchema validates a sample of every resource type against the
// official FHIR R4 JSON schema.
func TestSchema(t *testing.T) {
	schema := fhirschema.Validator(t)
	bufs, _ := generate(t, synth.Config{Patients: 400, Seed: 11, AsOf: asOf})
	for i, b := range bufs {
		lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
		if len(lines) == 0 || len(lines[0]) == 0 {
			t.Errorf("%s: no resources", synth.ResourceTypes[i])
			continue
		}
		step := max(1, len(lines)/60)
		for j := 0; j < len(lines); j += step {
			if err := schema.Validate(lines[j]); err != nil {
				t.Errorf("%s line %d: %v", synth.ResourceTypes[i], j+1, err)
			}
		}
	}
}

// TestPrevalence checks that at 20,000 patients every condition's achieved
// prevalence is within 20% (relative) of its target.
func TestPrevalence(t *testing.T) {
	_, st := generate(t, synth.Config{Patients: 20000, Seed: 1, AsOf: asOf})
	var out strings.Builder
	if err := st.Print(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	for _, c := range st.Conditions {
		target, got := c.Target(), c.Achieved()
		if target == 0 || math.Abs(got-target)/target > 0.2 {
			t.Errorf("%s: achieved %.2f%%, target %.2f%%", c.LTC.Key, got, target)
		}
	}
	if st.Multimorbid == 0 || st.Polypharmacy == 0 {
		t.Errorf("no multimorbidity (%d) or polypharmacy (%d)", st.Multimorbid, st.Polypharmacy)
	}
	// Service use must rise with multimorbidity: people with heart failure
	// attend A&E far more than the population.
	hf := st.Conditions[indexOf(t, "heart-failure")]
	if float64(hf.AE)/float64(hf.Count) < 2*float64(st.AE)/float64(st.Patients) {
		t.Errorf("heart failure A&E rate %d/%d not well above population %d/%d", hf.AE, hf.Count, st.AE, st.Patients)
	}
}

func indexOf(t *testing.T, key string) int {
	for i, l := range synth.LTCs {
		if l.Key == key {
			return i
		}
	}
	t.Fatalf("no LTC %q", key)
	return 0
}

// TestCodesInClusters checks every code emitted for an LTC (and frailty) is
// in the QOF cluster it is said to come from: on every run in the default
// policy's copies of the clusters (the published codes with the code system
// added, policies/lcn-default/codelists/qof-<cluster>.csv), and when the
// shared data set is beside the repository in the published files as well.
func TestCodesInClusters(t *testing.T) {
	// codes reads the codes of one CSV, in column col.
	codes := func(t *testing.T, path string, col int) map[string]bool {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		in := map[string]bool{}
		for _, r := range rows {
			in[r[col]] = true
		}
		return in
	}
	// each calls check with every LTC's and frailty level's cluster.
	each := func(t *testing.T, check func(dir, cluster string, codes []synth.Code)) {
		for _, l := range synth.LTCs {
			if len(l.Codes) == 0 {
				t.Errorf("%s: no codes", l.Key)
			}
			check(l.Dir, l.Cluster, l.Codes)
		}
		for cluster, c := range synth.FrailtyCodes {
			check("codelists/phc-coding-club", cluster, []synth.Code{c})
		}
	}
	t.Run("policy", func(t *testing.T) {
		each(t, func(_, cluster string, cs []synth.Code) {
			path := filepath.Join("..", "policies", "lcn-default", "codelists", "qof-"+cluster+".csv")
			in := codes(t, path, 1)
			for _, c := range cs {
				if !in[c.Code] {
					t.Errorf("%s: code %s (%s) not in %s", cluster, c.Code, c.Display, path)
				}
			}
		})
	})
	t.Run("shared", func(t *testing.T) {
		data := filepath.Dir(fhirschema.SharedSet(t, "codelists"))
		each(t, func(dir, cluster string, cs []synth.Code) {
			path := filepath.Join(data, dir, "nhsd-primary-care-domain-refsets-"+cluster+".csv")
			in := codes(t, path, 0)
			for _, c := range cs {
				if !in[c.Code] {
					t.Errorf("%s: code %s (%s) not in %s", cluster, c.Code, c.Display, path)
				}
			}
		})
	})
}

// TestContent checks what an importer relies on: unique valid NHS numbers,
// references that resolve, dates relative to as-of.
func TestContent(t *testing.T) {
	bufs, st := generate(t, synth.Config{Patients: 2000, Seed: 5, AsOf: asOf})
	ids := map[string]bool{}
	for i, b := range bufs {
		sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r struct {
				ResourceType, ID string
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			key := r.ResourceType + "/" + r.ID
			if r.ResourceType != synth.ResourceTypes[i] || ids[key] {
				t.Fatalf("%s in %s file, or duplicated", key, synth.ResourceTypes[i])
			}
			ids[key] = true
		}
	}
	// Every relative reference resolves.
	for _, b := range bufs {
		for _, m := range refPattern(b.String()) {
			if !ids[m] {
				t.Fatalf("reference %s does not resolve", m)
			}
		}
	}
	patients := 0
	nhs := map[string]bool{}
	languages := 0
	for _, line := range bytes.Split(bytes.TrimSpace(bufs[synth.TypePatient].Bytes()), []byte("\n")) {
		var p struct {
			Identifier []struct{ System, Value string }
			Extension  []json.RawMessage
		}
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		patients++
		if len(p.Identifier) != 1 || p.Identifier[0].System != joinedup.NHSNumberSystem {
			t.Fatalf("patient identifiers %+v", p.Identifier)
		}
		n, err := joinedup.ParseNHSNumber(p.Identifier[0].Value)
		if err != nil || !strings.HasPrefix(string(n), "999") || nhs[string(n)] {
			t.Fatalf("NHS number %q: %v (or duplicate, or outside the test range)", p.Identifier[0].Value, err)
		}
		nhs[string(n)] = true
		if len(p.Extension) > 0 {
			languages++
		}
	}
	if patients != st.Patients || languages == 0 {
		t.Errorf("%d patients, %d with a preferred language other than English", patients, languages)
	}
	// Upcoming appointments are after as-of; encounters before it.
	if !strings.Contains(bufs[synth.TypeAppointment].String(), `"start":"2026-11-`) {
		t.Error("no appointment in the weeks after as-of")
	}
	if strings.Contains(bufs[synth.TypeEncounter].String(), `"start":"2026-11-0`) {
		t.Error("an encounter starts after as-of")
	}
}

// refPattern returns the "Type/id" references in NDJSON text.
func refPattern(s string) []string {
	var out []string
	const key = `"reference":"`
	for {
		i := strings.Index(s, key)
		if i < 0 {
			return out
		}
		s = s[i+len(key):]
		j := strings.IndexByte(s, '"')
		out = append(out, s[:j])
		s = s[j:]
	}
}

func TestNHSNumbers(t *testing.T) {
	first, ok := synth.NHSNumber(0)
	if !ok || first != "9990000018" {
		t.Errorf("first NHS number %q, %v", first, ok)
	}
	last, ok := synth.NHSNumber(synth.MaxNHSNumbers - 1)
	if !ok || !strings.HasPrefix(string(last), "999999") {
		t.Errorf("last NHS number %q, %v", last, ok)
	}
	if _, ok := synth.NHSNumber(synth.MaxNHSNumbers); ok {
		t.Error("an NHS number beyond the test range")
	}
}

// BenchmarkSynth generates JOINEDUP_BENCH_PATIENTS patients (default
// 10,000) to a discarding writer and reports resources per second.
func BenchmarkSynth(b *testing.B) {
	n := 10000
	if s := os.Getenv("JOINEDUP_BENCH_PATIENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("JOINEDUP_BENCH_PATIENTS=%q: %v", s, err)
		}
		n = v
	}
	var out countWriter
	total := 0
	for b.Loop() {
		st, err := synth.Generate(context.Background(), synth.Config{Patients: n, Seed: 1, AsOf: asOf},
			func(synth.ResourceType) io.Writer { return &out })
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range st.Resources {
			total += r
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "resources/s")
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "patients/s")
	b.ReportMetric(float64(out.n)/float64(b.N)/1e6, "MB/op")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/joinedup/joinedup/synth"
)

func runSynth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "synth", "--patients N --out DIR [--seed S] [--gzip] [--practices P] [--as-of YYYY-MM-DD] [--stats]")
	patients := fs.Int("patients", 1000, "number of patients")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives byte-identical output")
	out := fs.String("out", "", "output `directory` for the NDJSON files (required)")
	gz := fs.Bool("gzip", false, "gzip each file (.ndjson.gz)")
	practices := fs.Int("practices", synth.DefaultPractices, "number of GP practices")
	asOf := fs.String("as-of", synth.DefaultAsOf.Format(time.DateOnly), "`date` the data is generated as of")
	stats := fs.Bool("stats", false, "print achieved prevalence and service use beside the targets")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	if *patients < 0 {
		return usageError{"--patients must be zero or more"}
	}
	date, err := time.Parse(time.DateOnly, *asOf)
	if err != nil {
		return usageError{fmt.Sprintf("--as-of %q: want YYYY-MM-DD", *asOf)}
	}
	cfg := synth.Config{Patients: *patients, Seed: *seed, Practices: *practices, AsOf: date}
	var bar *progressBar
	if f, ok := e.stderr.(*os.File); ok && isTerminal(f) {
		bar = &progressBar{w: f, total: *patients, start: time.Now()}
		cfg.Progress = bar.update
	}
	start := time.Now()
	st, err := synth.WriteDir(ctx, cfg, *out, *gz)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	total := 0
	for _, n := range st.Resources {
		total += n
	}
	elapsed := time.Since(start)
	fmt.Fprintf(e.stdout, "wrote %d patients, %d resources to %s in %s (%.0f resources/s)\n",
		st.Patients, total, *out, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	if *stats {
		fmt.Fprintln(e.stdout)
		return st.Print(e.stdout)
	}
	return nil
}

// progressBar draws a one-line bar, redrawn at most a few times a second.
type progressBar struct {
	w     io.Writer
	total int
	start time.Time
	last  time.Time
}

func (b *progressBar) update(done int) {
	now := time.Now()
	if now.Sub(b.last) < 200*time.Millisecond && done < b.total {
		return
	}
	b.last = now
	const width = 40
	frac := 1.0
	if b.total > 0 {
		frac = float64(done) / float64(b.total)
	}
	n := int(frac * width)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%% %d/%d patients, %s", strings.Repeat("#", n), strings.Repeat(" ", width-n),
		100*frac, done, b.total, now.Sub(b.start).Round(time.Second))
}

func (b *progressBar) finish() { fmt.Fprintln(b.w) }

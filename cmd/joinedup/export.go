package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--fhir DIR [--db URL] [--type Patient,Condition,…]")
	dbURL := dbFlags(fs)
	dir := fs.String("fhir", "", "`folder` to write one NDJSON file per FHIR resource type into")
	typeList := fs.String("type", "", "comma-separated resource `types` (default: every type the API serves)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"--fhir DIR is required"}
	}
	var types []*fhirapi.Type
	if *typeList != "" {
		for _, name := range strings.Split(*typeList, ",") {
			t, ok := fhirapi.Lookup(strings.TrimSpace(name))
			if !ok {
				var known []string
				for _, t := range fhirapi.Types() {
					known = append(known, t.Name)
				}
				return usageError{fmt.Sprintf("--type: %q is not one of %s", name, strings.Join(known, ", "))}
			}
			types = append(types, t)
		}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return exitCodeError{code: exitUsage, err: err}
	}
	defer db.Close()
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", *dir, err)
	}
	type out struct {
		f *os.File
		w *bufio.Writer
	}
	files := map[string]out{}
	closeAll := func() error {
		var first error
		for _, o := range files {
			if err := o.w.Flush(); err != nil && first == nil {
				first = err
			}
			if err := o.f.Close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	counts, err := fhirapi.Export(ctx, db, fhirapi.ExportOptions{Types: types, Output: func(typ string) (io.Writer, error) {
		f, err := os.Create(filepath.Join(*dir, typ+".ndjson"))
		if err != nil {
			return nil, err
		}
		o := out{f, bufio.NewWriterSize(f, 1<<20)}
		files[typ] = o
		return o.w, nil
	}})
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "%-20s %8d  %s\n", n, counts[n], filepath.Join(*dir, n+".ndjson"))
	}
	return nil
}

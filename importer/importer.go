package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// DefaultSource is the source system recorded for FHIR records when the
// caller names none. Records are recognised on re-import by (source, id), so
// each sending system should be imported under a name of its own.
const DefaultSource = "fhir"

// Options configure an import.
type Options struct {
	// Source names the sending system of FHIR input (GP CSV rows carry
	// their practice). Empty means DefaultSource.
	Source string
	// Rejects receives one JSON line per rejected record; nil discards.
	Rejects io.Writer
	// BatchSize is how many NDJSON or CSV records are written per
	// transaction (whole Bundles are always one transaction). 0 means 5000.
	BatchSize int
	// Progress, when set, is called as records are read, with the file
	// and the number of records read from it so far.
	Progress func(file string, records int)
	// DecodeOnly reads, decodes and maps everything but writes nothing
	// (the database may be nil): the floor an import's throughput is
	// measured against.
	DecodeOnly bool
	// Writers is how many transactions write Bulk Data NDJSON at once,
	// each on its own connection, with a patient's records always on the
	// same one. 0 means one per CPU (at most 4) on PostgreSQL, and one on
	// SQLite, which writes one transaction at a time anyway.
	Writers int
}

// Counts tally one resource type.
type Counts struct {
	Read      int `json:"read"`
	Imported  int `json:"imported"`  // new or changed
	Unchanged int `json:"unchanged"` // already held, identical or older
	Rejected  int `json:"rejected"`
	Skipped   int `json:"skipped"` // types JoinedUp does not import
}

// Summary is what an import did.
type Summary struct {
	Files  int
	ByType map[string]*Counts
	// SkippedFiles are files in a walked folder that hold no records
	// JoinedUp reads (such as a Bulk Data export's log), with the reason.
	SkippedFiles []string
	// AwaitingStratification is how many patients have records changed
	// since their last assessment, after the import.
	AwaitingStratification int
}

// Rejected is the total number of rejected records.
func (s *Summary) Rejected() int {
	n := 0
	for _, c := range s.ByType {
		n += c.Rejected
	}
	return n
}

func (s *Summary) counts(typ string) *Counts {
	if typ == "" {
		typ = "(unknown)"
	}
	c := s.ByType[typ]
	if c == nil {
		c = &Counts{}
		s.ByType[typ] = c
	}
	return c
}

// Reject is one rejected record, as written to the rejects file.
type Reject struct {
	File         string `json:"file"`
	Line         int    `json:"line,omitempty"`  // NDJSON and CSV
	Entry        *int   `json:"entry,omitempty"` // Bundle entry index, from 0
	ResourceType string `json:"resourceType,omitempty"`
	ID           string `json:"id,omitempty"`
	Reason       string `json:"reason"`
}

// Import reads every file in paths (folders are walked) and writes what it
// reads to db. Bad records are rejected and counted; the rest import. The
// error is for failures that stop the import (an unreadable file, a
// database failure), after which a re-run completes it.
func Import(ctx context.Context, db *store.DB, paths []string, opt Options) (*Summary, error) {
	if opt.Source == "" {
		opt.Source = DefaultSource
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	im := &importer{db: db, opt: opt, sum: &Summary{ByType: map[string]*Counts{}}, orgs: map[fhir.Ref]string{}}
	if opt.Rejects != nil {
		im.rejects = json.NewEncoder(opt.Rejects)
	}
	files, skipped, err := plan(paths)
	if err != nil {
		return im.sum, err
	}
	im.sum.SkippedFiles = skipped
	if err := im.pipeline(ctx, files); err != nil {
		return im.sum, err
	}
	im.rejectUnclaimedGoals()
	if opt.DecodeOnly {
		return im.sum, nil
	}
	if err := db.Analyze(ctx); err != nil {
		return im.sum, err
	}
	n, err := store.CountChangedPatients(ctx, db)
	im.sum.AwaitingStratification = n
	return im.sum, err
}

// pipeline reads and decodes the files on this goroutine while another
// writes the batches, so on a machine with more than one core decoding and
// the database work overlap. There is one writer and it takes batches in the
// order they were read, so the result is the same as one goroutine's.
func (im *importer) pipeline(ctx context.Context, files []input) error {
	work := make(chan func() error, 2)
	written := make(chan error, 1)
	var failed atomic.Pointer[error]
	go func() {
		var err error
		for job := range work {
			if err == nil {
				if err = job(); err != nil {
					failed.Store(&err)
				}
			}
		}
		written <- err
	}()
	im.submit = func(job func() error) error {
		if e := failed.Load(); e != nil {
			return *e
		}
		select {
		case work <- job:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if n := writers(im.db, im.opt); n > 1 {
		im.committers = newCommitters(ctx, im, n)
	}
	var readErr error
	for _, f := range files {
		if readErr = ctx.Err(); readErr != nil {
			break
		}
		if readErr = im.file(ctx, f); readErr != nil {
			readErr = fmt.Errorf("import %s: %w", f.path, readErr)
			break
		}
		if im.committers != nil {
			// The next file's records may refer to this file's.
			if readErr = im.submit(im.committers.drain); readErr != nil {
				break
			}
		}
		im.mu.Lock()
		im.sum.Files++
		im.mu.Unlock()
	}
	close(work)
	err := <-written
	if im.committers != nil {
		if cerr := im.committers.close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		// The writer's failure is the cause; the reader only stopped.
		return fmt.Errorf("import: %w", err)
	}
	return readErr
}

// input is a file to import and what it holds.
type input struct {
	path   string
	format fhir.Format
	first  string // resource type of the first NDJSON line
}

// rank orders files so records come after those they refer to:
// organisations, then patients, then goals, then everything else.
func (in input) rank() int {
	switch {
	case in.format == fhir.FormatNDJSON && in.first == "Organization":
		return 0
	case in.format == fhir.FormatNDJSON && in.first == "Patient":
		return 1
	case in.format == fhir.FormatNDJSON && in.first == "Goal":
		return 2 // before the CarePlans they complete
	}
	return 3
}

// plan expands folders, detects each file's format and orders the files. A
// file named on the command line must hold records; one found in a folder
// that does not is skipped and named in skipped.
func plan(paths []string) (files []input, skipped []string, err error) {
	var names []string
	named := map[string]bool{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			names = append(names, p)
			named[p] = true
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() || strings.HasPrefix(name, ".") || !importable(name) {
				return nil
			}
			names = append(names, path)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(names)
	for _, n := range names {
		in, err := sniff(n)
		if err != nil && !named[n] {
			skipped = append(skipped, fmt.Sprintf("%s: %v", n, err))
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		files = append(files, in)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].rank() < files[j].rank() })
	return files, skipped, nil
}

// importable picks, in a walked folder, the files that may hold records
// (a file named on the command line is always tried).
func importable(name string) bool {
	name = strings.TrimSuffix(name, ".gz")
	for _, ext := range []string{".json", ".ndjson", ".csv"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func sniff(path string) (input, error) {
	f, err := fhir.Open(path)
	if err != nil {
		return input{}, err
	}
	defer f.Close()
	format, err := fhir.Detect(f.Reader)
	if err != nil {
		return input{}, fmt.Errorf("%s: %w", path, err)
	}
	in := input{path: path, format: format}
	switch format {
	case fhir.FormatNDJSON:
		l, err := fhir.NewNDJSONReader(f.Reader).Next()
		if err == nil && l.Err != nil {
			return in, fmt.Errorf("not FHIR NDJSON: %w", l.Err)
		}
		in.first = l.ResourceType
	case fhir.FormatUnknown:
		return in, errors.New("not a FHIR Bundle, FHIR NDJSON or GP CSV extract")
	}
	return in, nil
}

type importer struct {
	db      *store.DB
	opt     Options
	sum     *Summary
	rejects *json.Encoder
	// orgs maps organisation references seen in this import to their
	// ids; organisations are few, so this stays small.
	orgs map[fhir.Ref]string

	// mu guards the summary and the rejects file, which the reading and
	// the writing goroutines both update.
	mu sync.Mutex
	// submit hands a batch's write to the writing goroutine.
	submit func(job func() error) error
	// committers write NDJSON batches in parallel, when there are several.
	committers *committers
	// known maps the ids records refer to their patient by to the
	// patient's id, for the patients this import has read, so the other
	// files of a Bulk Data export link their records without a database
	// look-up per batch. Past maxKnown entries, patients are looked up.
	known map[string]string
	// care is what care records need between batches (see care.go).
	care *careState
}

// maxKnown bounds the patients an import remembers (about 150 bytes each).
const maxKnown = 2_000_000

func (im *importer) remember(ref, patientID string) {
	if im.known == nil {
		im.known = map[string]string{}
	}
	if _, ok := im.known[ref]; ok || len(im.known) < maxKnown {
		im.known[ref] = patientID
	}
}

// tally updates the counts of one resource type.
func (im *importer) tally(typ string, f func(c *Counts)) {
	im.mu.Lock()
	f(im.sum.counts(typ))
	im.mu.Unlock()
}

func (im *importer) reject(r Reject) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.sum.counts(r.ResourceType).Rejected++
	if im.rejects != nil {
		// A rejects file that cannot be written is noticed at the end
		// by the caller closing it; the import itself goes on.
		_ = im.rejects.Encode(r)
	}
}

func (im *importer) file(ctx context.Context, in input) error {
	f, err := fhir.Open(in.path)
	if err != nil {
		return err
	}
	defer f.Close()
	switch in.format {
	case fhir.FormatBundle:
		return im.bundle(ctx, in.path, f.Reader)
	case fhir.FormatNDJSON:
		return im.ndjson(ctx, in.path, f.Reader)
	case fhir.FormatCSV:
		return im.csv(ctx, in.path, f.Reader)
	}
	return fmt.Errorf("not a FHIR Bundle, FHIR NDJSON or GP CSV extract")
}

// bundle imports one Bundle as one transaction: a Bundle is normally one
// patient's record, so the patient is imported whole or not at all.
func (im *importer) bundle(ctx context.Context, path string, r io.Reader) error {
	br, err := fhir.NewBundleReader(r)
	if err != nil {
		return err
	}
	refs := fhir.NewRefs()
	var entries []fhir.Entry
	for {
		e, err := br.Next()
		if err == io.EOF {
			break
		}
		var ee *fhir.EntryError
		if errors.As(err, &ee) {
			idx := ee.Index
			im.reject(Reject{File: path, Entry: &idx, Reason: ee.Err.Error()})
			continue
		}
		if err != nil {
			return err
		}
		refs.Add(e.FullURL, e.ResourceType, e.ID)
		entries = append(entries, e)
	}
	// Map every entry now that every fullUrl is known, so references to
	// later entries resolve; patients and organisations first, so facts can
	// be linked to them.
	slices.SortStableFunc(entries, func(a, b fhir.Entry) int { return typeRank(a.ResourceType) - typeRank(b.ResourceType) })
	var batch []pending
	for _, e := range entries {
		if p, ok := im.mapRecord(path, e.ResourceType, e.ID, e.Resource, refs, 0, &e.Index); ok {
			batch = append(batch, p)
		}
		if im.opt.Progress != nil && e.Index%1000 == 0 {
			im.opt.Progress(path, e.Index)
		}
	}
	return im.submit(func() error { return im.write(ctx, path, batch, false) })
}

func typeRank(t string) int {
	switch t {
	case "Organization":
		return 0
	case "Patient":
		return 1
	case "Goal":
		return 2
	}
	return 3
}

// mapRecord decodes and maps one resource, rejecting it when it cannot be
// mapped and skipping types JoinedUp does not import.
func (im *importer) mapRecord(path, typ, id string, raw []byte, refs *fhir.Refs, line int, entry *int) (pending, bool) {
	rec, links, err := fhir.ToDomain(typ, raw, im.opt.Source, refs)
	if errors.Is(err, fhir.ErrUnsupportedType) {
		im.tally(typ, func(c *Counts) { c.Skipped++ })
		return pending{}, false
	}
	im.tally(typ, func(c *Counts) { c.Read++ })
	if err != nil {
		im.reject(Reject{File: path, Line: line, Entry: entry, ResourceType: typ, ID: id, Reason: err.Error()})
		return pending{}, false
	}
	return pending{rec: rec, links: links, typ: typ, id: id, line: line, entry: entry}, true
}

// ndjson imports Bulk Data NDJSON in batches of records, each batch one
// transaction. A record's patient may be in an earlier file (Patient files
// are imported first) or an earlier import.
func (im *importer) ndjson(ctx context.Context, path string, r io.Reader) error {
	nr := fhir.NewNDJSONReader(r)
	var batch []pending
	n := 0
	for {
		l, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
		if l.Err != nil {
			im.tally(l.ResourceType, func(c *Counts) { c.Read++ })
			im.reject(Reject{File: path, Line: l.Number, ResourceType: l.ResourceType, ID: l.ID, Reason: l.Err.Error()})
			continue
		}
		if p, ok := im.mapRecord(path, l.ResourceType, l.ID, l.Resource, nil, l.Number, nil); ok {
			batch = append(batch, p)
		}
		if len(batch) >= im.opt.BatchSize {
			full := batch
			if err := im.submit(func() error { return im.write(ctx, path, full, true) }); err != nil {
				return err
			}
			batch = make([]pending, 0, im.opt.BatchSize)
		}
		if im.opt.Progress != nil && n%10000 == 0 {
			im.opt.Progress(path, n)
		}
	}
	return im.submit(func() error { return im.write(ctx, path, batch, true) })
}

package importer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
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
	// Encoding is the character encoding of the files: "" or "utf-8"
	// (text that is not valid UTF-8 is then rejected, naming the line and
	// field), "latin1" (ISO 8859-1) or "windows-1252", for legacy extracts
	// that declare it. Text is converted to UTF-8 as it is read.
	Encoding string
	// Now is the time of the import, against which birth and death dates
	// in the future are rejected; zero means the clock's.
	Now time.Time
}

// Encodings are the values Options.Encoding accepts, besides "".
var Encodings = map[string]encoding.Encoding{
	"utf-8":        unicode.UTF8,
	"latin1":       charmap.ISO8859_1,
	"iso-8859-1":   charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
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
	// Unread are the files that could not be read, or not to their end
	// (missing, of no format JoinedUp reads, cut off, corrupt), each with
	// the line it stopped at and why. The other files import regardless.
	Unread []Reject
}

// Read is the total number of records read.
func (s *Summary) Read() int {
	n := 0
	for _, c := range s.ByType {
		n += c.Read
	}
	return n
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
// reads to db. Bad records are rejected and counted; a file that cannot be
// read, or not to its end, is named in Summary.Unread; the rest import. The
// error is for failures that stop the import (the database's), after which
// a re-run completes it.
func Import(ctx context.Context, db *store.DB, paths []string, opt Options) (*Summary, error) {
	if opt.Source == "" {
		opt.Source = DefaultSource
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if _, ok := Encodings[strings.ToLower(opt.Encoding)]; !ok && opt.Encoding != "" {
		return &Summary{ByType: map[string]*Counts{}}, fmt.Errorf("encoding %q: not one of utf-8, latin1, windows-1252", opt.Encoding)
	}
	im := &importer{db: db, opt: opt, sum: &Summary{ByType: map[string]*Counts{}}, orgs: map[fhir.Ref]string{}}
	if opt.Rejects != nil {
		im.rejects = json.NewEncoder(opt.Rejects)
	}
	files, skipped, unread := plan(paths, opt.Encoding)
	im.sum.SkippedFiles = skipped
	for _, u := range unread {
		im.unread(u.path, u.err)
	}
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
			return &writeError{*e}
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
		if err := im.file(ctx, f); err != nil {
			var we *writeError
			if errors.As(err, &we) || ctx.Err() != nil {
				readErr = fmt.Errorf("import %s: %w", f.path, err)
				break
			}
			// What the file held up to where it broke off is written
			// (whole patients only); the other files import.
			im.unread(f.path, err)
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

// writeError is a failure to write, which stops the import: unlike a bad
// file, it is not the input's fault and would fail the next file too.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// unreadFile is a file plan could not open or recognise.
type unreadFile struct {
	path string
	err  error
}

// unread records a file that could not be read, or not to its end.
func (im *importer) unread(path string, err error) {
	r := Reject{File: path, Reason: err.Error()}
	var le *fhir.LineError
	if errors.As(err, &le) {
		r.Line = le.Line
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	im.sum.Unread = append(im.sum.Unread, r)
	if im.rejects != nil {
		_ = im.rejects.Encode(r)
	}
}

// opened is an import file, decompressed and decoded to UTF-8.
type opened struct {
	*bufio.Reader
	f *fhir.File
}

func (o opened) Close() error { return o.f.Close() }

// open opens an import file, converting it from a declared legacy encoding.
func open(path, enc string) (opened, error) {
	f, err := fhir.Open(path)
	if err != nil {
		return opened{}, err
	}
	e := Encodings[strings.ToLower(enc)]
	if e == nil || e == unicode.UTF8 {
		return opened{f.Reader, f}, nil
	}
	return opened{bufio.NewReaderSize(transform.NewReader(f.Reader, e.NewDecoder()), 64<<10), f}, nil
}

// input is a file to import and what it holds.
type input struct {
	path   string
	format fhir.Format
	first  string // resource type of the first NDJSON line, or of an XML file
}

// rank orders files so records come after those they refer to:
// organisations, then patients, then goals, then everything else.
func (in input) rank() int {
	switch {
	case in.first == "Organization":
		return 0
	case in.first == "Patient":
		return 1
	case in.format == fhir.FormatNDJSON && in.first == "Goal":
		return 2 // before the CarePlans they complete
	}
	return 3
}

// plan expands folders, detects each file's format and orders the files. A
// file named on the command line must hold records; one found in a folder
// that does not is skipped and named in skipped.
func plan(paths []string, enc string) (files []input, skipped []string, unread []unreadFile) {
	var names []string
	named := map[string]bool{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			unread = append(unread, unreadFile{p, err})
			continue
		}
		if !st.IsDir() {
			names = append(names, p)
			named[p] = true
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				unread = append(unread, unreadFile{path, err})
				return nil
			}
			name := d.Name()
			if d.IsDir() || strings.HasPrefix(name, ".") || !importable(name) {
				return nil
			}
			names = append(names, path)
			return nil
		})
		if err != nil {
			unread = append(unread, unreadFile{p, err})
		}
	}
	sort.Strings(names)
	for _, n := range names {
		in, err := sniff(n, enc)
		if err != nil && !named[n] {
			skipped = append(skipped, fmt.Sprintf("%s: %v", n, err))
			continue
		}
		if err != nil {
			unread = append(unread, unreadFile{n, err})
			continue
		}
		files = append(files, in)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].rank() < files[j].rank() })
	return files, skipped, unread
}

// importable picks, in a walked folder, the files that may hold records
// (a file named on the command line is always tried).
func importable(name string) bool {
	name = strings.TrimSuffix(name, ".gz")
	for _, ext := range []string{".json", ".ndjson", ".csv", ".xml"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func sniff(path, enc string) (input, error) {
	f, err := open(path, enc)
	if err != nil {
		return input{}, err
	}
	defer f.Close()
	format, err := fhir.Detect(f.Reader)
	if err != nil {
		return input{}, fmt.Errorf("not FHIR R4 (JSON, NDJSON or XML) nor a GP CSV extract: %w", err)
	}
	in := input{path: path, format: format}
	switch format {
	case fhir.FormatNDJSON:
		l, err := fhir.NewNDJSONReader(f.Reader).Next()
		if err == nil && l.Err != nil {
			return in, fmt.Errorf("not FHIR NDJSON: %w", l.Err)
		}
		in.first = l.ResourceType
	case fhir.FormatXML:
		in.first = xmlResourceType(f.Reader)
	case fhir.FormatResource:
		in.first = fhir.PeekResourceType(f.Reader)
	case fhir.FormatUnknown:
		return in, errors.New("not FHIR R4 (JSON, NDJSON or XML) nor a GP CSV extract")
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
	// numbers maps the NHS numbers of the patient records this import has
	// written to their source ids, to find a second record of one number
	// before the first is committed.
	numbers map[joinedup.NHSNumber]string
	// waiting holds, by source id, why a patient record was not written
	// (a merge to resolve), so the records that refer to it say so.
	waiting map[string]string
	// seen holds a hash of the content of each record read, by a hash of
	// its type and id, to find two records with one id.
	seen map[uint64]uint64
	seed maphash.Seed
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
	f, err := open(in.path, im.opt.Encoding)
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
	case fhir.FormatResource:
		return im.jsonResource(ctx, in.path, f.Reader)
	case fhir.FormatXML:
		return im.xml(ctx, in.path, f.Reader)
	}
	return fmt.Errorf("not FHIR R4 (JSON, NDJSON or XML) nor a GP CSV extract")
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
		if err := fhir.CheckUTF8(e.Resource); err != nil {
			idx := e.Index
			im.tally(e.ResourceType, func(c *Counts) { c.Read++ })
			im.reject(Reject{File: path, Entry: &idx, ResourceType: e.ResourceType, ID: shorten(e.ID), Reason: err.Error()})
			continue
		}
		if e.ID == "" && e.FullURL != "" {
			// An entry without an id is known by its fullUrl.
			if r, err := (*fhir.Refs)(nil).Resolve(e.FullURL); err == nil && r.ID != "" {
				e.ID, e.Resource = r.ID, fhir.WithID(e.Resource, r.ID)
			}
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
		if e.ResourceType == "" {
			continue // a request with no resource (a GET or DELETE in a batch): no record
		}
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
	fail := func(reason string) (pending, bool) {
		im.tally(typ, func(c *Counts) { c.Read++ })
		im.reject(Reject{File: path, Line: line, Entry: entry, ResourceType: typ, ID: shorten(id), Reason: reason})
		return pending{}, false
	}
	skip := func() (pending, bool) {
		im.tally(typ, func(c *Counts) { c.Skipped++ })
		return pending{}, false
	}
	if !fhir.IsResourceType(typ) {
		return fail(fmt.Sprintf("resourceType %q is not a FHIR R4 resource type", shorten(typ)))
	}
	if !fhir.Imports(typ) {
		return skip()
	}
	switch {
	case id == "":
		// Records are recognised by (source, id), so records without an
		// id would all be one record. One from its content is the same
		// each time the same record is sent, and differs from every other.
		id = contentID(im.opt.Source, typ, raw)
		raw = fhir.WithID(raw, id)
	case !fhir.ValidID(id):
		return fail(fmt.Sprintf("id %q is not a FHIR id (1 to 64 letters, digits, '-' or '.')", shorten(id)))
	}
	rec, links, err := fhir.ToDomain(typ, raw, im.opt.Source, refs)
	if errors.Is(err, fhir.ErrUnsupportedType) {
		return skip() // a care record JoinedUp did not write, such as another system's CarePlan
	}
	if err != nil {
		return fail(err.Error())
	}
	if p, ok := rec.(joinedup.Patient); ok {
		if err := im.lifeDates(p); err != nil {
			return fail(fmt.Sprintf("Patient/%s: %v", id, err))
		}
	}
	if err := im.once(typ, id, rec); err != nil {
		return fail(err.Error())
	}
	im.tally(typ, func(c *Counts) { c.Read++ })
	return pending{rec: rec, links: links, typ: typ, id: id, line: line, entry: entry}, true
}

// lifeDates rejects a birth or death after the import's day in London, or
// a death before the birth: such a record would make a person too young
// for any rule, or dead before anything about them happened.
func (im *importer) lifeDates(p joinedup.Patient) error {
	y, m, d := im.opt.Now.In(joinedup.London).Date()
	end := joinedup.DayEnd(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	switch {
	case p.BirthDate.After(end):
		return fmt.Errorf("birthDate: %s is in the future", p.BirthDate.Format(time.DateOnly))
	case p.Deceased != nil && p.Deceased.After(end):
		return fmt.Errorf("deceasedDateTime: %s is in the future", p.Deceased.Format(time.DateOnly))
	case p.Deceased != nil && !p.Deceased.IsZero() && !p.BirthDate.IsZero() && p.Deceased.Before(p.BirthDate):
		return fmt.Errorf("deceasedDateTime: %s is before the birthDate %s", p.Deceased.Format(time.DateOnly), p.BirthDate.Format(time.DateOnly))
	}
	return nil
}

// shorten cuts what a reject quotes from a record to a readable length.
func shorten(s string) string {
	if len(s) <= 80 {
		return s
	}
	return strings.ToValidUTF8(s[:80], "") + "…"
}

// contentID is the id of a record sent without one: a hash of its source,
// type and content.
func contentID(source, typ string, raw []byte) string {
	h := sha256.New()
	for _, b := range [][]byte{[]byte(source), {0}, []byte(typ), {0}, raw} {
		h.Write(b)
	}
	return "sha256-" + hex.EncodeToString(h.Sum(nil)[:24])
}

// maxSeen bounds the records an import remembers to find two with one id
// (16 bytes each, so about 130 MB at the bound); past it, records already
// remembered are still checked.
const maxSeen = 8_000_000

// once returns a conflict error when this import has already read a
// record of this type and id with different content: which of the two is
// right cannot be told, and the last one read must not silently win.
func (im *importer) once(typ, id string, rec any) error {
	if im.seen == nil {
		im.seen = map[uint64]uint64{}
		im.seed = maphash.MakeSeed()
	}
	key := maphash.String(im.seed, typ+"/"+id)
	content, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("%s/%s: %w", typ, id, err)
	}
	sum := maphash.Bytes(im.seed, content)
	if was, ok := im.seen[key]; ok {
		if was != sum {
			return fmt.Errorf("%s/%s: %w: another record with this id and different content was read earlier in this import", typ, id, joinedup.ErrConflict)
		}
		return nil
	}
	if len(im.seen) < maxSeen {
		im.seen[key] = sum
	}
	return nil
}

// ndjson imports Bulk Data NDJSON in batches of records, each batch one
// transaction. A record's patient may be in an earlier file (Patient files
// are imported first) or an earlier import.
//
// A batch ends where one patient's records give way to another's, so a
// patient whose records lie together is written whole. If the file breaks
// off, the records of the last patient read are not written: whether that
// patient's records were finished cannot be known, and a record set cut
// short (three of four observations, a medication without its stop) reads
// as a different record. A re-run of the whole file completes it.
func (im *importer) ndjson(ctx context.Context, path string, r io.Reader) error {
	nr := fhir.NewNDJSONReader(r)
	var batch []pending
	cut, last := 0, "" // batch[:cut] are whole patients' records; last is the patient after them
	n := 0
	for {
		l, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if serr := im.submitBatch(ctx, path, batch[:cut]); serr != nil {
				return serr
			}
			for _, p := range batch[cut:] {
				im.reject(Reject{File: path, Line: p.line, ResourceType: p.typ, ID: p.id,
					Reason: fmt.Sprintf("not written: the file breaks off in the records of patient %q, after line %d", last, n)})
			}
			return err
		}
		n++
		if l.Err == nil {
			if err := fhir.CheckUTF8(l.Resource); err != nil {
				l.Err = fmt.Errorf("line %d: %w", l.Number, err)
			}
		}
		if l.Err != nil {
			im.tally(l.ResourceType, func(c *Counts) { c.Read++ })
			im.reject(Reject{File: path, Line: l.Number, ResourceType: l.ResourceType, ID: l.ID, Reason: l.Err.Error()})
			continue
		}
		p, ok := im.mapRecord(path, l.ResourceType, l.ID, l.Resource, nil, l.Number, nil)
		if !ok {
			continue
		}
		switch key := p.patientKey(); {
		case key == "" && last == "":
			// A record of no patient outside any patient's run (an
			// Organization file) is whole by itself.
			cut = len(batch) + 1
		case key != "" && key != last:
			cut, last = len(batch), key
		}
		// A record of no patient within a patient's run (a Bundle's
		// organisations, split into lines) goes with that patient.
		batch = append(batch, p)
		if len(batch) >= im.opt.BatchSize && cut > 0 {
			if err := im.submitBatch(ctx, path, batch[:cut]); err != nil {
				return err
			}
			rest := make([]pending, len(batch)-cut, max(im.opt.BatchSize, len(batch)-cut))
			copy(rest, batch[cut:])
			batch, cut = rest, 0
		}
		if im.opt.Progress != nil && n%10000 == 0 {
			im.opt.Progress(path, n)
		}
	}
	return im.submitBatch(ctx, path, batch)
}

func (im *importer) submitBatch(ctx context.Context, path string, batch []pending) error {
	if len(batch) == 0 {
		return nil
	}
	return im.submit(func() error { return im.write(ctx, path, batch, true) })
}

// patientKey names the patient a record belongs to (a Patient's own id),
// or "" for records of no patient (organisations).
func (p pending) patientKey() string {
	if _, ok := p.rec.(joinedup.Patient); ok {
		return p.id
	}
	if s := p.links.Subject; s.ID != "" {
		return s.ID
	}
	return p.links.Subject.Value
}

package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineSize is the longest NDJSON line NDJSONReader accepts
// unless told otherwise: Bulk Data resources with attachments can be tens
// of megabytes.
const DefaultMaxLineSize = 64 << 20

// Line is one line of an NDJSON file. When Err is set the line could not be
// used (bad JSON, no resourceType, too long): the caller rejects that record
// and reads on.
type Line struct {
	Number       int // from 1
	ResourceType string
	ID           string
	// Resource is the raw JSON of the line. It is valid only until the next
	// call to Next, which reuses the buffer; decode it or copy it first.
	Resource json.RawMessage
	Err      error
}

// ErrTruncated is returned by NDJSONReader.Next when the file ends part-way
// through a line.
var ErrTruncated = errors.New("the file ends part-way through a record: it was cut off")

// LineError is a file that could not be read past a line.
type LineError struct {
	Line int // from 1
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// NDJSONReader reads FHIR Bulk Data NDJSON: one resource per line.
type NDJSONReader struct {
	r   *bufio.Reader
	max int
	n   int
	buf []byte
}

// NewNDJSONReader returns a reader of r accepting lines up to
// DefaultMaxLineSize bytes.
func NewNDJSONReader(r io.Reader) *NDJSONReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &NDJSONReader{r: br, max: DefaultMaxLineSize}
}

// SetMaxLineSize sets the longest line accepted; longer lines are skipped
// and reported in Line.Err.
func (nr *NDJSONReader) SetMaxLineSize(n int) { nr.max = n }

// Next returns the next non-blank line. The error is io.EOF at the end of
// input, ErrTruncated for a last line cut off, or a read error (such as a
// compressed file cut off); problems with the line itself are in Line.Err.
func (nr *NDJSONReader) Next() (Line, error) {
	for {
		line, tooLong, err := nr.readLine()
		if err == io.EOF && len(line) == 0 && !tooLong {
			return Line{}, err
		}
		if err != nil && err != io.EOF {
			return Line{}, &LineError{Line: nr.n + 1, Err: err}
		}
		nr.n++
		if tooLong {
			return Line{Number: nr.n, Err: fmt.Errorf("line %d: longer than %d bytes", nr.n, nr.max)}, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			if err == io.EOF {
				return Line{}, io.EOF
			}
			continue
		}
		l := Line{Number: nr.n, Resource: line}
		var head resourceHead
		if jerr := json.Unmarshal(line, &head); jerr != nil {
			if err == io.EOF && !json.Valid(line) {
				// The last line has no newline and is not whole: the
				// file was cut off, and what came before it may be
				// the first part of a record set too.
				return Line{}, &LineError{Line: nr.n, Err: ErrTruncated}
			}
			l.Err = fmt.Errorf("line %d: invalid JSON: %w", nr.n, jerr)
		} else if head.ResourceType == "" {
			l.Err = fmt.Errorf("line %d: %w", nr.n, errors.New("resourceType missing"))
		}
		l.ResourceType, l.ID = head.ResourceType, head.ID
		return l, nil
	}
}

// readLine reads one line without its newline into nr.buf. A line over the
// limit is read to its end and discarded, and tooLong is set.
func (nr *NDJSONReader) readLine() (line []byte, tooLong bool, err error) {
	nr.buf = nr.buf[:0]
	for {
		chunk, err := nr.r.ReadSlice('\n')
		if !tooLong {
			if len(nr.buf)+len(chunk) > nr.max+1 { // +1 for the newline
				tooLong = true
				nr.buf = nr.buf[:0]
			} else {
				nr.buf = append(nr.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			return nr.buf, tooLong, err
		}
		return bytes.TrimSuffix(nr.buf, []byte{'\n'}), tooLong, nil
	}
}

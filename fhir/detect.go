package fhir

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Format is the kind of an import file, as Detect tells it from its content.
type Format int

// Values of Format.
const (
	FormatUnknown  Format = iota
	FormatBundle          // one FHIR Bundle as JSON
	FormatNDJSON          // FHIR Bulk Data: one resource per line
	FormatCSV             // a comma-separated extract with a header line
	FormatXML             // one FHIR resource as XML, a Bundle or any other
	FormatResource        // one FHIR resource, not a Bundle, as JSON spread over lines
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatBundle:
		return "FHIR Bundle"
	case FormatNDJSON:
		return "FHIR NDJSON"
	case FormatCSV:
		return "CSV"
	case FormatResource:
		return "FHIR resource"
	case FormatXML:
		return "FHIR XML"
	}
	return "unknown"
}

// sniffSize is how much of a file Detect looks at, and the buffer size Open
// uses so that it can.
const sniffSize = 64 << 10

// ErrGzip is returned by Detect for gzip-compressed input, which must be
// opened with Open or Gunzip first.
var ErrGzip = errors.New("gzip-compressed input: decompress it first (Open or Gunzip)")

// isGzip reports whether r starts with the gzip magic bytes.
func isGzip(r *bufio.Reader) bool {
	b, _ := r.Peek(2)
	return len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b
}

// Gunzip returns a reader of r's content, decompressed when r starts with
// the gzip magic bytes, whatever the file is called. The returned closer
// releases the decompressor (not r) and is never nil.
func Gunzip(r *bufio.Reader) (*bufio.Reader, io.Closer, error) {
	if !isGzip(r) {
		return r, io.NopCloser(nil), nil
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("gzip: %w", err)
	}
	return bufio.NewReaderSize(zr, sniffSize), zr, nil
}

// File is an import file opened by Open: its content, decompressed if it
// was gzip-compressed, ready for Detect and the readers.
type File struct {
	*bufio.Reader
	f  *os.File
	zr io.Closer
}

// Open opens path for reading, decompressing it when its first bytes are
// the gzip magic bytes (the extension is not trusted either way).
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, zc, err := Gunzip(bufio.NewReaderSize(f, sniffSize))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &File{Reader: r, f: f, zr: zc}, nil
}

// Close closes the file and its decompressor.
func (f *File) Close() error {
	err := f.zr.Close()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Detect tells a Bundle, NDJSON, XML and CSV apart from the first bytes of r
// without consuming them. It looks at most at the reader's buffer (64 KiB
// for a File):
//
//   - JSON whose first object is a Bundle spanning several lines, or alone
//     on its line with nothing after it, is a Bundle;
//   - JSON whose first line is a complete object followed by more lines, or
//     whose first object is not a Bundle on a single long line, is NDJSON;
//   - JSON of another resource spread over lines is one resource;
//   - text starting with an XML declaration ("<?xml"), a comment or an
//     element ('<' and a name) is XML, read by XMLToJSON;
//   - text whose first line has a comma, tab or semicolon and does not start
//     with '{' or '[' is CSV.
func Detect(r *bufio.Reader) (Format, error) {
	if isGzip(r) {
		return FormatUnknown, ErrGzip
	}
	head, err := r.Peek(r.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return FormatUnknown, fmt.Errorf("detect: %w", err)
	}
	atEOF := err == io.EOF
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	body := bytes.TrimLeft(head, " \t\r\n")
	if len(body) == 0 {
		return FormatUnknown, errors.New("detect: empty input")
	}
	switch body[0] {
	case '{':
		return detectJSON(body, atEOF)
	case '[':
		return FormatUnknown, errors.New("detect: a JSON array is neither a Bundle nor NDJSON")
	case '<':
		if isXMLStart(body) {
			return FormatXML, nil
		}
	}
	first := body
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		first = body[:i]
	}
	if bytes.IndexByte(first, 0) >= 0 {
		return FormatUnknown, errors.New("detect: binary data")
	}
	if bytes.ContainsAny(first, ",\t;") {
		return FormatCSV, nil
	}
	return FormatUnknown, errors.New("detect: not JSON and no delimiter in the first line")
}

// isXMLStart reports whether b, which starts with '<', starts as an XML
// document does: a declaration, a comment or an element.
func isXMLStart(b []byte) bool {
	if bytes.HasPrefix(b, []byte("<?xml")) || bytes.HasPrefix(b, []byte("<!--")) {
		return true
	}
	if len(b) < 2 {
		return false
	}
	c := b[1]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

// detectJSON decides between Bundle and NDJSON for input starting with '{'.
func detectJSON(body []byte, atEOF bool) (Format, error) {
	rt := firstResourceType(body)
	nl := bytes.IndexByte(body, '\n')
	var line, rest []byte
	switch {
	case nl >= 0:
		line, rest = body[:nl], body[nl+1:]
	case atEOF:
		line = body
	}
	if line != nil && json.Valid(line) {
		// The first line is a whole object.
		if rt == "Bundle" && len(bytes.TrimSpace(rest)) == 0 {
			return FormatBundle, nil
		}
		return FormatNDJSON, nil
	}
	switch {
	case rt == "Bundle":
		return FormatBundle, nil
	case nl < 0:
		// One line longer than the look-ahead: NDJSON with a large
		// resource, since a Bundle that long would be one too.
		return FormatNDJSON, nil
	case rt == "":
		// An object spread over lines, resourceType not among its first
		// members: only a Bundle is read that way.
		return FormatBundle, nil
	}
	return FormatResource, nil
}

// firstResourceType returns the resourceType of the first object in b,
// reading its members in order until found or b ends.
func firstResourceType(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if tok == "resourceType" {
			var s string
			if dec.Decode(&s) != nil {
				return ""
			}
			return s
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// PeekResourceType returns the resourceType of the JSON object r starts
// with, as far as its buffer holds it, without consuming anything; "" when
// it cannot be told.
func PeekResourceType(r *bufio.Reader) string {
	head, _ := r.Peek(r.Size())
	return firstResourceType(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n"))
}

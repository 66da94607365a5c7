package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/joinedup/joinedup/fhir"
)

// xmlResourceType returns the resource type of a FHIR XML file from its
// root element, or "" when it cannot be told: the file is then still
// imported, so that what is wrong with it is rejected with its line.
func xmlResourceType(r *bufio.Reader) string {
	typ, _ := fhir.XMLResourceType(r)
	return typ
}

// xml imports a file of FHIR XML. A Bundle is converted to JSON and
// imported as a JSON Bundle is, in one transaction; any other resource is
// one record. A file that is not FHIR R4 XML (malformed, or with elements R4
// does not define) is one rejected record naming the file and the line.
func (im *importer) xml(ctx context.Context, path string, r io.Reader) error {
	var buf bytes.Buffer
	in := &readErr{r: r}
	typ, err := fhir.XMLToJSON(&buf, in)
	if in.err != nil {
		return in.err // the file could not be read: the import stops
	}
	var xe *fhir.XMLError
	if errors.As(err, &xe) {
		im.tally(typ, func(c *Counts) { c.Read++ })
		im.reject(Reject{File: path, Line: xe.Line, ResourceType: typ, Reason: "FHIR XML: " + xe.Error()})
		return nil
	}
	if err != nil {
		return err
	}
	if typ == "Bundle" {
		return im.bundle(ctx, path, &buf)
	}
	return im.resource(ctx, path, buf.Bytes())
}

// maxResource is the largest file of one JSON resource read: one resource
// of that size is a document, not a record JoinedUp reads.
const maxResource = 64 << 20

// resource imports a file of one resource (not a Bundle) as one record.
func (im *importer) resource(ctx context.Context, path string, raw []byte) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		im.tally(head.ResourceType, func(c *Counts) { c.Read++ })
		im.reject(Reject{File: path, ResourceType: head.ResourceType, Reason: "invalid JSON: " + err.Error()})
		return nil
	}
	if err := fhir.CheckUTF8(raw); err != nil {
		im.tally(head.ResourceType, func(c *Counts) { c.Read++ })
		im.reject(Reject{File: path, ResourceType: head.ResourceType, ID: shorten(head.ID), Reason: err.Error()})
		return nil
	}
	var batch []pending
	if p, ok := im.mapRecord(path, head.ResourceType, head.ID, raw, nil, 0, nil); ok {
		batch = append(batch, p)
	}
	return im.submit(func() error { return im.write(ctx, path, batch, false) })
}

// jsonResource imports a file of one JSON resource.
func (im *importer) jsonResource(ctx context.Context, path string, r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxResource+1))
	if err != nil {
		return err
	}
	if len(raw) > maxResource {
		return fmt.Errorf("one resource of more than %d MB", maxResource>>20)
	}
	return im.resource(ctx, path, raw)
}

// readErr remembers the error of the reader it wraps, other than io.EOF,
// so that a file that cannot be read is told from one that is not XML.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Entry is one entry of a Bundle, with its resource left as raw JSON so the
// caller decodes it into the struct for its type.
type Entry struct {
	Index        int    // position in Bundle.entry, from 0
	FullURL      string // entry.fullUrl; often "urn:uuid:…" in a transaction
	ResourceType string // resource.resourceType; empty for an entry without a resource
	ID           string // resource.id
	Resource     json.RawMessage
	Method       string // entry.request.method, in transactions and batches
	URL          string // entry.request.url
}

// EntryError reports an entry that was read but cannot be used, such as a
// resource without a resourceType. The reader stays in step, so the caller
// may reject the entry and call Next again.
type EntryError struct {
	Index int
	Err   error
}

// Error implements error.
func (e *EntryError) Error() string { return fmt.Sprintf("bundle entry %d: %v", e.Index, e.Err) }

// Unwrap returns the underlying error.
func (e *EntryError) Unwrap() error { return e.Err }

// BundleReader reads the entries of one Bundle from a stream, one at a
// time, so that a Bundle of any size is read in the memory of its largest
// entry.
type BundleReader struct {
	dec     *json.Decoder
	typ     string
	rt      string
	index   int
	inEntry bool  // inside the entry array
	done    bool  // the closing brace of the Bundle has been read
	err     error // sticky: the stream can no longer be read
}

// Bundle types BundleReader accepts.
var bundleTypes = map[string]bool{"transaction": true, "batch": true, "collection": true, "searchset": true}

// NewBundleReader starts reading a Bundle from r. It reads up to the first
// entry, so that a non-Bundle input or an unsupported Bundle type is
// reported at once when the Bundle gives its type before its entries.
func NewBundleReader(r io.Reader) (*BundleReader, error) {
	br := &BundleReader{dec: json.NewDecoder(r)}
	tok, err := br.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", syntaxErr(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("bundle: want a JSON object, got %v", tok)
	}
	if err := br.advance(); err != nil {
		return nil, err
	}
	return br, nil
}

// Type returns Bundle.type. When a Bundle gives its type after its
// entries, it is known only once Next has returned io.EOF.
func (br *BundleReader) Type() string { return br.typ }

// Next returns the next entry. It returns io.EOF after the last entry once
// the whole Bundle has been read and checked. An *EntryError concerns one
// entry only and reading may continue; any other error is final.
func (br *BundleReader) Next() (Entry, error) {
	if br.err != nil {
		return Entry{}, br.err
	}
	if !br.inEntry {
		if br.done {
			return Entry{}, io.EOF
		}
		if err := br.advance(); err != nil {
			return Entry{}, err
		}
		if !br.inEntry {
			return Entry{}, io.EOF
		}
	}
	if !br.dec.More() {
		// End of the entry array: consume ']' and read on to the end.
		if _, err := br.dec.Token(); err != nil {
			return Entry{}, br.fail(fmt.Errorf("bundle: after entry %d: %w", br.index-1, syntaxErr(err)))
		}
		br.inEntry = false
		return br.Next()
	}
	i := br.index
	br.index++
	var raw struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Request  *struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	}
	if err := br.dec.Decode(&raw); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			// Well-formed JSON of the wrong shape: the decoder has consumed
			// the whole value, so later entries can still be read.
			return Entry{Index: i}, &EntryError{Index: i, Err: err}
		}
		return Entry{}, br.fail(&EntryError{Index: i, Err: syntaxErr(err)})
	}
	e := Entry{Index: i, FullURL: raw.FullURL}
	if raw.Request != nil {
		e.Method, e.URL = raw.Request.Method, raw.Request.URL
	}
	if len(raw.Resource) == 0 || bytes.Equal(raw.Resource, []byte("null")) {
		return e, nil // e.g. a DELETE in a transaction
	}
	var head resourceHead
	if err := json.Unmarshal(raw.Resource, &head); err != nil {
		return e, &EntryError{Index: i, Err: fmt.Errorf("resource: %w", err)}
	}
	if head.ResourceType == "" {
		return e, &EntryError{Index: i, Err: errors.New("resource: resourceType missing")}
	}
	e.ResourceType, e.ID, e.Resource = head.ResourceType, head.ID, raw.Resource
	return e, nil
}

// resourceHead is decoded from every resource to learn what it is.
type resourceHead struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
}

// advance reads Bundle members until the entry array opens or the Bundle
// closes, checking resourceType and type on the way.
func (br *BundleReader) advance() error {
	for br.dec.More() {
		tok, err := br.dec.Token()
		if err != nil {
			return br.fail(fmt.Errorf("bundle: %w", syntaxErr(err)))
		}
		key, _ := tok.(string)
		switch key {
		case "resourceType", "type":
			var s string
			if err := br.dec.Decode(&s); err != nil {
				return br.fail(fmt.Errorf("bundle: %s: %w", key, syntaxErr(err)))
			}
			if key == "resourceType" {
				if s != "Bundle" {
					return br.fail(fmt.Errorf("bundle: resourceType is %q, not Bundle", s))
				}
				br.rt = s
			} else {
				if !bundleTypes[s] {
					return br.fail(fmt.Errorf("bundle: unsupported Bundle type %q", s))
				}
				br.typ = s
			}
		case "entry":
			tok, err := br.dec.Token()
			if err != nil {
				return br.fail(fmt.Errorf("bundle: entry: %w", syntaxErr(err)))
			}
			if tok == nil {
				continue // "entry": null
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return br.fail(fmt.Errorf("bundle: entry is not an array"))
			}
			br.inEntry = true
			return nil
		default:
			var skip json.RawMessage
			if err := br.dec.Decode(&skip); err != nil {
				return br.fail(fmt.Errorf("bundle: %s: %w", key, syntaxErr(err)))
			}
		}
	}
	// Closing brace of the Bundle.
	if _, err := br.dec.Token(); err != nil {
		return br.fail(fmt.Errorf("bundle: %w", syntaxErr(err)))
	}
	br.done = true
	if br.rt == "" {
		return br.fail(errors.New("bundle: resourceType missing"))
	}
	if br.typ == "" {
		return br.fail(errors.New("bundle: type missing"))
	}
	if _, err := br.dec.Token(); err != io.EOF {
		return br.fail(errors.New("bundle: data after the end of the Bundle"))
	}
	return nil
}

// fail makes err final: every later call returns it. An entry that broke
// the stream is reported once as an *EntryError, so that it is rejected,
// and then as a final error, so that a caller that reads on after entry
// errors stops rather than being handed the same entry for ever.
func (br *BundleReader) fail(err error) error {
	br.err = err
	var ee *EntryError
	if errors.As(err, &ee) {
		br.err = fmt.Errorf("bundle: cannot read on after entry %d: %w", ee.Index, ee.Err)
	}
	return err
}

// syntaxErr turns the decoder's bare io.EOF inside a value into
// io.ErrUnexpectedEOF, so a truncated file never looks like a clean end.
func syntaxErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

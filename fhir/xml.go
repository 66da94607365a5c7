package fhir

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./internal/schemagen -o schematable.go ../testdata/fhir-r4-schema/fhir.schema.json.gz

// Namespaces of FHIR XML and of the XHTML of a narrative.
const (
	fhirNS  = "http://hl7.org/fhir"
	xhtmlNS = "http://www.w3.org/1999/xhtml"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// maxXMLDepth bounds how deeply elements may nest: FHIR resources need a
// few dozen levels at most, and a limit keeps hostile input from growing
// the stack.
const maxXMLDepth = 200

// XMLError reports FHIR XML that cannot be read as FHIR R4, with the line
// of the input it was found on.
type XMLError struct {
	Line int
	Msg  string
	Err  error // the decoder's error, such as an *xml.SyntaxError, if any
}

// Error implements error.
func (e *XMLError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Unwrap returns the decoder's error, if any.
func (e *XMLError) Unwrap() error { return e.Err }

// XMLToJSON reads one FHIR R4 resource in XML from r (a Bundle, or any
// other resource) and writes it to w as the FHIR R4 JSON the readers of
// this package decode, returning the resource type. It follows the rules
// of the FHIR XML and JSON formats:
//
//   - a primitive's value is in its value attribute, and its id and
//     extensions go to the JSON member named after it with a leading '_';
//   - an element that may repeat is a JSON array even when it appears
//     once, and one that may not is an error when it repeats;
//   - booleans and numbers (integer, decimal, …) are JSON booleans and
//     numbers, a decimal written with the digits it was given;
//   - the div of a narrative is its XHTML as a string;
//   - resource and contained hold a resource whose element names its type,
//     which becomes resourceType.
//
// Which elements repeat and which primitives are numbers or booleans come
// from the official R4 schema (schematable.go). An element R4 does not
// define is an error, since whether it repeats cannot be known. The input
// is read as a stream and w is written as it goes; after an error w holds
// a partial document. Errors in the input are of type *XMLError, naming
// the line; an error writing to w is returned as it is.
func XMLToJSON(w io.Writer, r io.Reader) (resourceType string, err error) {
	c := &xmlConverter{d: newXMLDecoder(r), w: w}
	root, err := c.root()
	if err != nil {
		return "", err
	}
	if err := c.resource(root); err != nil {
		return root.Name.Local, err
	}
	if err := c.epilogue(); err != nil {
		return root.Name.Local, err
	}
	return root.Name.Local, c.flush()
}

// XMLResourceType returns the resource type of the FHIR XML at the start
// of r, from its root element, without consuming it.
func XMLResourceType(r *bufio.Reader) (string, error) {
	head, err := r.Peek(r.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", err
	}
	c := &xmlConverter{d: newXMLDecoder(bytes.NewReader(head))}
	root, err := c.root()
	if err != nil {
		return "", err
	}
	return root.Name.Local, nil
}

// newXMLDecoder returns a decoder of FHIR XML, which is always UTF-8.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("FHIR XML is UTF-8, not %s", charset)
	}
	return d
}

// xmlKind is how an element of a type is converted.
type xmlKind uint8

const (
	kindComplex  xmlKind = iota // a JSON object of its own elements
	kindString                  // a primitive written as a JSON string
	kindNumber                  // a primitive written as a JSON number
	kindBoolean                 // a primitive written as true or false
	kindXHTML                   // narrative XHTML, written as a string
	kindResource                // holds a resource (ResourceList)
)

// schemaElem is one element of a type, from the schema table.
type schemaElem struct {
	typ   string
	kind  xmlKind
	array bool
}

func (e schemaElem) primitive() bool {
	return e.kind == kindString || e.kind == kindNumber || e.kind == kindBoolean
}

// schema is the table of schematable.go, parsed once when first needed.
var schema = sync.OnceValue(func() *schemaIndex {
	s := &schemaIndex{types: make(map[string]map[string]schemaElem, len(schemaTypes)), resources: map[string]bool{}}
	prims := map[string]xmlKind{}
	for _, p := range strings.Fields(schemaPrimitives) {
		name, k, _ := strings.Cut(p, ":")
		prims[name] = map[string]xmlKind{"s": kindString, "n": kindNumber, "b": kindBoolean, "x": kindXHTML}[k]
	}
	for _, r := range strings.Fields(schemaResources) {
		s.resources[r] = true
	}
	for typ, list := range schemaTypes {
		elems := map[string]schemaElem{}
		for _, f := range strings.Fields(list) {
			name, t, _ := strings.Cut(f, ":")
			e := schemaElem{typ: t, kind: kindComplex}
			if n, ok := strings.CutSuffix(name, "*"); ok {
				name, e.array = n, true
			}
			if k, ok := prims[t]; ok {
				e.kind = k
			} else if t == "ResourceList" {
				e.kind = kindResource
			}
			elems[name] = e
		}
		s.types[typ] = elems
	}
	return s
})

type schemaIndex struct {
	types     map[string]map[string]schemaElem
	resources map[string]bool
}

// xmlConverter converts one document. It writes JSON to out, and out to w
// in pieces as it grows, except while a primitive's extensions are being
// put aside in a buffer of their own (nested > 0).
type xmlConverter struct {
	d      *xml.Decoder
	w      io.Writer
	out    []byte
	nested int
	depth  int
}

const flushSize = 32 << 10

func (c *xmlConverter) flush() error {
	if c.w == nil || len(c.out) == 0 {
		return nil
	}
	_, err := c.w.Write(c.out)
	c.out = c.out[:0]
	return err
}

// failf returns an *XMLError at the decoder's current line.
func (c *xmlConverter) failf(format string, args ...any) error {
	line, _ := c.d.InputPos()
	return &XMLError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// token returns the next token; the end of input is an error, as tokens
// are only asked for inside the root element.
func (c *xmlConverter) token() (xml.Token, error) {
	tok, err := c.d.Token()
	if err == nil {
		return tok, nil
	}
	return nil, c.wrap(err)
}

// wrap turns the decoder's error into an *XMLError naming the line.
func (c *xmlConverter) wrap(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &XMLError{Line: se.Line, Msg: "XML syntax error: " + se.Msg, Err: err}
	}
	if err == io.EOF {
		return c.failf("unexpected end of input")
	}
	line, _ := c.d.InputPos()
	return &XMLError{Line: line, Msg: err.Error(), Err: err}
}

// root reads up to the root element, which must be a FHIR resource.
func (c *xmlConverter) root() (xml.StartElement, error) {
	for {
		tok, err := c.d.Token()
		if err == io.EOF {
			return xml.StartElement{}, c.failf("no root element")
		}
		if err != nil {
			return xml.StartElement{}, c.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != fhirNS {
				return t, c.failf("root element <%s> is not in the FHIR namespace %s", t.Name.Local, fhirNS)
			}
			if !schema().resources[t.Name.Local] {
				return t, c.failf("root element <%s> is not a FHIR R4 resource", t.Name.Local)
			}
			return t, nil
		case xml.CharData:
			if !isSpace(bytes.TrimPrefix(t, []byte("\ufeff"))) { // a byte order mark may lead
				return xml.StartElement{}, c.failf("text before the root element")
			}
		}
	}
}

// epilogue checks that nothing but comments and space follows the root.
func (c *xmlConverter) epilogue() error {
	for {
		tok, err := c.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return c.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return c.failf("element <%s> after the end of the resource", t.Name.Local)
		case xml.CharData:
			if !isSpace(t) {
				return c.failf("text after the end of the resource")
			}
		}
	}
}

func isSpace(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

// skipAttr reports whether an attribute is a namespace declaration or
// otherwise not FHIR content (such as xsi:schemaLocation).
func skipAttr(a xml.Attr) bool {
	return a.Name.Space != "" || a.Name.Local == "xmlns"
}

// resource converts a resource whose start element has been read.
func (c *xmlConverter) resource(start xml.StartElement) error {
	return c.object(start.Name.Local, start, true)
}

// member writes a member's name, after a comma unless it is the first.
func (c *xmlConverter) member(n *int, name string) {
	if *n > 0 {
		c.out = append(c.out, ',')
	}
	*n++
	c.out = appendJSONString(c.out, name)
	c.out = append(c.out, ':')
}

// group is a run of sibling elements of one name, which FHIR XML keeps
// together: one JSON member, or two for primitives (name and _name).
type group struct {
	name  string
	elem  schemaElem
	count int
	prims []primItem // primitives are written when the run ends
}

// primItem is one primitive element: its value as JSON (nil when absent)
// and its id and extensions as a JSON object (nil when it has neither).
type primItem struct {
	value, ext []byte
}

// object converts the elements of a complex type (or a resource, written
// with its resourceType) up to the end of start.
func (c *xmlConverter) object(typ string, start xml.StartElement, isResource bool) error {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxXMLDepth {
		return c.failf("elements nested more than %d deep", maxXMLDepth)
	}
	elems := schema().types[typ]
	c.out = append(c.out, '{')
	n := 0
	if isResource {
		c.member(&n, "resourceType")
		c.out = appendJSONString(c.out, typ)
	}
	seen := map[string]bool{}
	for _, a := range start.Attr {
		if skipAttr(a) {
			continue
		}
		// Only an element's id, and an extension's url, are attributes.
		e, ok := elems[a.Name.Local]
		if isResource || !ok || a.Name.Local != "id" && (a.Name.Local != "url" || typ != "Extension") {
			return c.failf("unexpected attribute %s on <%s>", a.Name.Local, start.Name.Local)
		}
		v, err := c.value(e, a.Value, start.Name.Local+"@"+a.Name.Local)
		if err != nil {
			return err
		}
		seen[a.Name.Local] = true
		c.member(&n, a.Name.Local)
		c.out = append(c.out, v...)
	}
	var g group
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if name != g.name {
				c.endGroup(&g, &n)
				e, ok := elems[name]
				if !ok {
					return c.failf("<%s> is not an element of %s in FHIR R4", name, typ)
				}
				if seen[name] {
					return c.failf("<%s> appears again after other elements in <%s>", name, start.Name.Local)
				}
				seen[name] = true
				g = group{name: name, elem: e}
			} else if !g.elem.array {
				return c.failf("<%s> repeats, but %s.%s may appear only once", name, typ, name)
			}
			want := fhirNS
			if g.elem.kind == kindXHTML {
				want = xhtmlNS
			}
			if t.Name.Space != want {
				return c.failf("<%s> is in the namespace %q, not %s", name, t.Name.Space, want)
			}
			if err := c.item(&g, &n, t); err != nil {
				return err
			}
			if c.nested == 0 && len(c.out) >= flushSize {
				if err := c.flush(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			c.endGroup(&g, &n)
			c.out = append(c.out, '}')
			return nil
		case xml.CharData:
			if !isSpace(t) {
				return c.failf("text in <%s>: FHIR XML keeps values in value attributes", start.Name.Local)
			}
		}
	}
}

// item converts one element of the current group.
func (c *xmlConverter) item(g *group, n *int, t xml.StartElement) error {
	switch e := g.elem; {
	case e.primitive():
		it, err := c.primitive(e, t)
		if err != nil {
			return err
		}
		if it.value != nil || it.ext != nil {
			// An element with neither (<status/>) holds nothing.
			g.prims = append(g.prims, it)
		}
		return nil
	case g.count == 0:
		c.member(n, g.name)
		if e.array {
			c.out = append(c.out, '[')
		}
	default:
		c.out = append(c.out, ',')
	}
	g.count++
	switch g.elem.kind {
	case kindXHTML:
		return c.xhtml(t)
	case kindResource:
		return c.contained(t)
	}
	return c.object(g.elem.typ, t, false)
}

// endGroup writes what remains of the current group, if any.
func (c *xmlConverter) endGroup(g *group, n *int) {
	switch {
	case g.name == "":
		return
	case !g.elem.primitive():
		if g.elem.array && g.count > 0 {
			c.out = append(c.out, ']')
		}
		return
	}
	var values, exts bool
	for _, it := range g.prims {
		values = values || it.value != nil
		exts = exts || it.ext != nil
	}
	write := func(name string, part func(primItem) []byte) {
		c.member(n, name)
		if g.elem.array {
			c.out = append(c.out, '[')
		}
		for i, it := range g.prims {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			if b := part(it); b != nil {
				c.out = append(c.out, b...)
			} else {
				c.out = append(c.out, "null"...)
			}
		}
		if g.elem.array {
			c.out = append(c.out, ']')
		}
	}
	if values {
		write(g.name, func(it primItem) []byte { return it.value })
	}
	if exts {
		write("_"+g.name, func(it primItem) []byte { return it.ext })
	}
}

// primitive reads one primitive element: its value and id attributes and
// its extensions.
func (c *xmlConverter) primitive(e schemaElem, t xml.StartElement) (primItem, error) {
	var it primItem
	var id *string
	for _, a := range t.Attr {
		switch {
		case skipAttr(a):
		case a.Name.Local == "value":
			v, err := c.value(e, a.Value, t.Name.Local)
			if err != nil {
				return it, err
			}
			it.value = v
		case a.Name.Local == "id":
			id = &a.Value
		default:
			return it, c.failf("unexpected attribute %s on <%s>", a.Name.Local, t.Name.Local)
		}
	}
	// The id and extensions are written aside, then kept as one object.
	saved := c.out
	c.out = nil
	c.nested++
	defer func() { c.out = saved; c.nested-- }()
	c.out = append(c.out, '{')
	n := 0
	if id != nil {
		c.member(&n, "id")
		c.out = appendJSONString(c.out, *id)
	}
	exts := 0
	ended := false
	for !ended {
		tok, err := c.token()
		if err != nil {
			return it, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local != "extension" || x.Name.Space != fhirNS {
				return it, c.failf("<%s> inside <%s>: a primitive holds only extensions", x.Name.Local, t.Name.Local)
			}
			if exts == 0 {
				c.member(&n, "extension")
				c.out = append(c.out, '[')
			} else {
				c.out = append(c.out, ',')
			}
			exts++
			if err := c.object("Extension", x, false); err != nil {
				return it, err
			}
		case xml.EndElement:
			ended = true
		case xml.CharData:
			if !isSpace(x) {
				return it, c.failf("text in <%s>: FHIR XML keeps values in value attributes", t.Name.Local)
			}
		}
	}
	if exts > 0 {
		c.out = append(c.out, ']')
	}
	c.out = append(c.out, '}')
	if n > 0 {
		it.ext = c.out
	}
	return it, nil
}

// value converts a primitive's value attribute to JSON.
func (c *xmlConverter) value(e schemaElem, s, name string) ([]byte, error) {
	switch e.kind {
	case kindBoolean:
		switch strings.TrimSpace(s) {
		case "true":
			return []byte("true"), nil
		case "false":
			return []byte("false"), nil
		}
		return nil, c.failf("<%s> value %q is not a boolean", name, s)
	case kindNumber:
		v := strings.TrimSpace(s)
		if !isJSONNumber(v) {
			return nil, c.failf("<%s> value %q is not a number", name, s)
		}
		if e.typ != "decimal" && strings.ContainsAny(v, ".eE") {
			return nil, c.failf("<%s> value %q is not an integer", name, s)
		}
		return []byte(v), nil
	}
	return appendJSONString(nil, s), nil
}

// isJSONNumber reports whether s is a number as JSON (and FHIR's decimal)
// writes one: an optional minus, no leading zeros, optional fraction and
// exponent. It is kept as written, so a decimal keeps its precision.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	start := i
	switch d := digits(); {
	case d == 0:
		return false
	case d > 1 && s[start] == '0':
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// contained converts an element that holds one resource (resource,
// contained, outcome), written as the resource alone.
func (c *xmlConverter) contained(t xml.StartElement) error {
	done := false
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if done {
				return c.failf("<%s> holds more than one resource", t.Name.Local)
			}
			if x.Name.Space != fhirNS || !schema().resources[x.Name.Local] {
				return c.failf("<%s> in <%s> is not a FHIR R4 resource", x.Name.Local, t.Name.Local)
			}
			if err := c.resource(x); err != nil {
				return err
			}
			done = true
		case xml.EndElement:
			if !done {
				return c.failf("<%s> holds no resource", t.Name.Local)
			}
			return nil
		case xml.CharData:
			if !isSpace(x) {
				return c.failf("text in <%s>", t.Name.Local)
			}
		}
	}
}

// xhtml writes a narrative's div, XHTML, as a JSON string of its markup.
func (c *xmlConverter) xhtml(t xml.StartElement) error {
	var b []byte
	b = append(b, `<div xmlns="`+xhtmlNS+`"`...)
	b = appendXHTMLAttrs(b, t.Attr)
	open := true // the last start tag awaits '>' or "/>"
	for depth := 1; depth > 0; {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Space != xhtmlNS {
				return c.failf("<%s> in a narrative is not XHTML", x.Name.Local)
			}
			if open {
				b = append(b, '>')
			}
			b = append(b, '<')
			b = append(b, x.Name.Local...)
			b = appendXHTMLAttrs(b, x.Attr)
			open = true
			depth++
		case xml.EndElement:
			if open {
				b = append(b, "/>"...)
				open = false
			} else {
				b = append(b, "</"...)
				b = append(b, x.Name.Local...)
				b = append(b, '>')
			}
			depth--
		case xml.CharData:
			if open {
				b = append(b, '>')
				open = false
			}
			b = appendEscaped(b, string(x), false)
		}
	}
	c.out = appendJSONString(c.out, string(b))
	return nil
}

func appendXHTMLAttrs(b []byte, attrs []xml.Attr) []byte {
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" && a.Name.Space == "" {
			continue
		}
		b = append(b, ' ')
		if a.Name.Space == xmlNS {
			b = append(b, "xml:"...)
		}
		b = append(b, a.Name.Local...)
		b = append(b, `="`...)
		b = appendEscaped(b, a.Value, true)
		b = append(b, '"')
	}
	return b
}

// appendEscaped escapes text or an attribute value for XML.
func appendEscaped(b []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '&':
			b = append(b, "&amp;"...)
		case ch == '<':
			b = append(b, "&lt;"...)
		case ch == '>' && !attr:
			b = append(b, "&gt;"...)
		case ch == '"' && attr:
			b = append(b, "&quot;"...)
		default:
			b = append(b, ch)
		}
	}
	return b
}

// appendJSONString appends s as a JSON string. The decoder has checked
// that s is UTF-8; only quotes, backslashes and control characters are
// escaped, so XHTML stays readable.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		ch := s[i]
		if ch < utf8.RuneSelf {
			switch {
			case ch == '"' || ch == '\\':
				b = append(b, '\\', ch)
			case ch == '\n':
				b = append(b, '\\', 'n')
			case ch == '\r':
				b = append(b, '\\', 'r')
			case ch == '\t':
				b = append(b, '\\', 't')
			case ch < 0x20 || ch == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&0xf])
			default:
				b = append(b, ch)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

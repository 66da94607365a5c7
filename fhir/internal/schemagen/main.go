// Schemagen writes the table of FHIR R4 element types that package fhir
// reads FHIR XML with (schematable.go), from the official R4 JSON schema.
//
// Usage (from the fhir folder, as go generate runs it):
//
//	go run ./internal/schemagen -o schematable.go ../testdata/fhir-r4-schema/fhir.schema.json.gz
//
// The schema may be gzipped (a name ending in .gz) or plain. For every
// complex type, backbone element and resource the table lists its elements
// in the schema's order, each with its type and whether it repeats; for
// every primitive type, how JSON represents it (string, number, boolean).
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"sort"
	"strings"
)

func main() {
	out := flag.String("o", "schematable.go", "the Go file to write")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: schemagen -o schematable.go fhir.schema.json[.gz]")
	}
	src, err := generateFile(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generateFile reads the schema at path and returns the table's Go source.
func generateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return generate(b)
}

// definition is the part of a schema definition the table needs.
type definition struct {
	Type       string     `json:"type"`
	Pattern    string     `json:"pattern"`
	Properties properties `json:"properties"`
	OneOf      []property `json:"oneOf"`
}

// property is one element's schema: a reference, an array of them, an
// enumeration (a code) or an inline primitive.
type property struct {
	Name    string
	Ref     string    `json:"$ref"`
	Type    string    `json:"type"`
	Pattern string    `json:"pattern"`
	Enum    []string  `json:"enum"`
	Const   string    `json:"const"`
	Items   *property `json:"items"`
}

// properties keeps the schema's order of an object's properties.
type properties []property

// UnmarshalJSON implements json.Unmarshaler, keeping the members' order.
func (ps *properties) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("properties: not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		p := property{Name: tok.(string)}
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("property %s: %w", p.Name, err)
		}
		*ps = append(*ps, p)
	}
	return nil
}

// kinds are the letters the table gives the JSON form of primitives.
var kinds = map[string]string{"string": "s", "number": "n", "boolean": "b"}

func generate(schema []byte) ([]byte, error) {
	var doc struct {
		ID          string                 `json:"id"`
		Definitions map[string]*definition `json:"definitions"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	names := make([]string, 0, len(doc.Definitions))
	for n := range doc.Definitions {
		names = append(names, n)
	}
	sort.Strings(names)

	// Primitive types have no properties; xhtml has no type either.
	prims := map[string]string{}
	var primNames []string
	for _, n := range names {
		d := doc.Definitions[n]
		if d.Properties != nil || d.OneOf != nil {
			continue
		}
		k := kinds[d.Type]
		if n == "xhtml" {
			k = "x"
		}
		if k == "" {
			return nil, fmt.Errorf("primitive %s: unknown JSON type %q", n, d.Type)
		}
		prims[n] = k
		primNames = append(primNames, n)
	}
	rl := doc.Definitions["ResourceList"]
	if rl == nil || len(rl.OneOf) == 0 {
		return nil, errors.New("schema: no ResourceList")
	}
	var resources []string
	for _, p := range rl.OneOf {
		resources = append(resources, strings.TrimPrefix(p.Ref, "#/definitions/"))
	}
	sort.Strings(resources)

	// typeOf names the type of one property (or of an array's items).
	typeOf := func(owner string, p property) (string, error) {
		switch {
		case p.Ref != "":
			t := strings.TrimPrefix(p.Ref, "#/definitions/")
			if doc.Definitions[t] == nil {
				return "", fmt.Errorf("%s.%s: unknown type %s", owner, p.Name, t)
			}
			return t, nil
		case p.Enum != nil:
			return "code", nil
		case p.Type != "":
			// An inline primitive, as in Extension.value[x]: the suffix
			// of a choice element names its type; else the pattern.
			for _, n := range primNames {
				if strings.HasSuffix(p.Name, strings.ToUpper(n[:1])+n[1:]) && kinds[p.Type] == prims[n] {
					return n, nil
				}
			}
			for _, n := range primNames {
				if d := doc.Definitions[n]; d.Type == p.Type && d.Pattern == p.Pattern {
					return n, nil
				}
			}
		}
		return "", fmt.Errorf("%s.%s: cannot tell the type", owner, p.Name)
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by schemagen from the FHIR R4 JSON schema (%s); DO NOT EDIT.\n\n", doc.ID)
	b.WriteString("package fhir\n\n")
	b.WriteString("// schemaPrimitives names each primitive type of FHIR R4 with the letter\n")
	b.WriteString("// of its JSON form: s string, n number, b boolean, x XHTML (a string).\n")
	b.WriteString("const schemaPrimitives = \"")
	for i, n := range primNames {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n + ":" + prims[n])
	}
	b.WriteString("\"\n\n")
	b.WriteString("// schemaResources lists the resource types of FHIR R4.\n")
	fmt.Fprintf(&b, "const schemaResources = %q\n\n", strings.Join(resources, " "))
	b.WriteString("// schemaTypes lists the elements of each complex type, backbone element\n")
	b.WriteString("// and resource of FHIR R4, in order, as name:type, with * after the name\n")
	b.WriteString("// of an element that repeats (a JSON array). The type ResourceList\n")
	b.WriteString("// stands for any resource, as in Bundle.entry.resource.\n")
	b.WriteString("var schemaTypes = map[string]string{\n")
	for _, n := range names {
		d := doc.Definitions[n]
		if d.Properties == nil {
			continue
		}
		var elems []string
		for _, p := range d.Properties {
			if strings.HasPrefix(p.Name, "_") || p.Name == "resourceType" {
				continue
			}
			item, rep := p, ""
			if p.Type == "array" {
				if p.Items == nil {
					return nil, fmt.Errorf("%s.%s: array without items", n, p.Name)
				}
				item, rep = *p.Items, "*"
				item.Name = p.Name
			}
			t, err := typeOf(n, item)
			if err != nil {
				return nil, err
			}
			if doc.Definitions[t].Properties == nil && prims[t] == "" && t != "ResourceList" {
				return nil, fmt.Errorf("%s.%s: type %s is neither primitive nor complex", n, p.Name, t)
			}
			elems = append(elems, p.Name+rep+":"+t)
		}
		fmt.Fprintf(&b, "\t%q: %q,\n", n, strings.Join(elems, " "))
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	return src, nil
}

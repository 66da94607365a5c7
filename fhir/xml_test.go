package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/fhir/fhirschema"
)

// compactJSON reformats JSON for comparison, failing the test when it is
// not valid.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("invalid JSON %s: %v", s, err)
	}
	return b.String()
}

const ns = ` xmlns="http://hl7.org/fhir"`

func TestXMLToJSON(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"primitives and a repeating element given once",
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Patient` + ns + `><id value="p1"/><active value="true"/>` +
				`<name><family value="Smith"/><given value="Jane"/></name><birthDate value="1950-01-02"/></Patient>`,
			`{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Smith","given":["Jane"]}],"birthDate":"1950-01-02"}`},
		{"a decimal keeps its digits, an integer is a number",
			`<Observation` + ns + `><status value="final"/><code><text value="BMI"/></code>` +
				`<valueQuantity><value value="31.50"/><unit value="kg/m2"/></valueQuantity>` +
				`<component><code><text value="n"/></code><valueInteger value="-7"/></component></Observation>`,
			`{"resourceType":"Observation","status":"final","code":{"text":"BMI"},"valueQuantity":{"value":31.50,"unit":"kg/m2"},` +
				`"component":[{"code":{"text":"n"},"valueInteger":-7}]}`},
		{"id and extensions of a primitive go to its _ sibling",
			`<Patient` + ns + `><birthDate id="b" value="1950-01-02"><extension url="http://x/time"><valueDateTime value="1950-01-02T10:00:00Z"/></extension></birthDate>` +
				`<name><given value="A"/><given id="g2"/><given value="C"/></name></Patient>`,
			`{"resourceType":"Patient","birthDate":"1950-01-02","_birthDate":{"id":"b","extension":[{"url":"http://x/time","valueDateTime":"1950-01-02T10:00:00Z"}]},` +
				`"name":[{"given":["A",null,"C"],"_given":[null,{"id":"g2"},null]}]}`},
		{"a primitive with extensions but no value",
			`<Patient` + ns + `><gender><extension url="http://x/u"><valueCode value="unk"/></extension></gender></Patient>`,
			`{"resourceType":"Patient","_gender":{"extension":[{"url":"http://x/u","valueCode":"unk"}]}}`},
		{"element ids are attributes, as is an extension's url",
			`<Patient` + ns + `><identifier id="i1"><extension url="http://x/e"><valueBoolean value="false"/></extension><value value="1"/></identifier></Patient>`,
			`{"resourceType":"Patient","identifier":[{"id":"i1","extension":[{"url":"http://x/e","valueBoolean":false}],"value":"1"}]}`},
		{"narrative XHTML is kept as a string",
			`<Patient` + ns + `><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p class="a">Tom &amp; <b>"Jerry"</b><br/></p></div></text></Patient>`,
			`{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p class=\"a\">Tom &amp; <b>\"Jerry\"</b><br/></p></div>"}}`},
		{"contained resources and Bundle entries are wrapped",
			`<Bundle` + ns + `><type value="collection"/><entry><fullUrl value="urn:uuid:1"/><resource>` +
				`<MedicationRequest><contained><Medication><id value="m"/></Medication></contained><status value="active"/></MedicationRequest>` +
				`</resource></entry><entry><resource><Patient><id value="p"/></Patient></resource></entry></Bundle>`,
			`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"MedicationRequest",` +
				`"contained":[{"resourceType":"Medication","id":"m"}],"status":"active"}},{"resource":{"resourceType":"Patient","id":"p"}}]}`},
		{"comments, space and an empty primitive are nothing",
			"\ufeff <!-- a --> <Condition" + ns + ">\n  <!-- b -->\n  <id value=\"c\"/>\n  <note><text/></note>\n</Condition>\n<!-- end -->\n",
			`{"resourceType":"Condition","id":"c","note":[{}]}`},
		{"strings are escaped for JSON",
			`<Patient` + ns + `><name><text value="a&quot;b\c&#9;d&#10;é"/></name></Patient>`,
			`{"resourceType":"Patient","name":[{"text":"a\"b\\c\td\né"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			typ, err := XMLToJSON(&b, strings.NewReader(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			if want := compactJSON(t, tt.want); b.String() != want {
				t.Errorf("got  %s\nwant %s", b.String(), want)
			}
			var head resourceHead
			if err := json.Unmarshal(b.Bytes(), &head); err != nil || head.ResourceType != typ {
				t.Errorf("returned type %q, JSON has %q (%v)", typ, head.ResourceType, err)
			}
		})
	}
}

// TestXMLToJSONErrors shows input that is not FHIR R4 XML refused with the
// line at fault: in particular, nothing that would lose or merge values.
func TestXMLToJSONErrors(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"empty", ``, "line 1: no root element"},
		{"not well-formed", "<Patient" + ns + ">\n<id value=\"p\">\n</Patient>", "line 3: XML syntax error: element <id> closed by </Patient>"},
		{"truncated", "<Patient" + ns + ">\n<name>", "line 2: XML syntax error: unexpected EOF"},
		{"not FHIR", `<html><body/></html>`, `line 1: root element <html> is not in the FHIR namespace http://hl7.org/fhir`},
		{"not a resource", `<Coding` + ns + `/>`, `line 1: root element <Coding> is not a FHIR R4 resource`},
		{"unknown element", "<Patient" + ns + ">\n<nickname value=\"x\"/></Patient>", `line 2: <nickname> is not an element of Patient in FHIR R4`},
		{"single element repeated", "<Patient" + ns + "><gender value=\"male\"/>\n<gender value=\"female\"/></Patient>",
			`line 2: <gender> repeats, but Patient.gender may appear only once`},
		{"repeats apart", "<Patient" + ns + "><name/><gender value=\"male\"/>\n<name/></Patient>",
			`line 2: <name> appears again after other elements in <Patient>`},
		{"not a boolean", `<Patient` + ns + `><active value="yes"/></Patient>`, `line 1: <active> value "yes" is not a boolean`},
		{"not a number", `<Observation` + ns + `><valueQuantity><value value="1,5"/></valueQuantity></Observation>`, `line 1: <value> value "1,5" is not a number`},
		{"not an integer", `<Observation` + ns + `><valueInteger value="2.5"/></Observation>`, `line 1: <valueInteger> value "2.5" is not an integer`},
		{"narrative not XHTML", `<Patient` + ns + `><text><status value="generated"/><div>hi</div></text></Patient>`,
			`line 1: <div> is in the namespace "http://hl7.org/fhir", not http://www.w3.org/1999/xhtml`},
		{"XHTML outside a narrative", `<Patient` + ns + `><gender xmlns="http://www.w3.org/1999/xhtml" value="male"/></Patient>`,
			`line 1: <gender> is in the namespace "http://www.w3.org/1999/xhtml", not http://hl7.org/fhir`},
		{"text content", `<Patient` + ns + `><gender>male</gender></Patient>`, `line 1: text in <gender>: FHIR XML keeps values in value attributes`},
		{"element in a primitive", `<Patient` + ns + `><gender><coding/></gender></Patient>`, `line 1: <coding> inside <gender>: a primitive holds only extensions`},
		{"two resources in one", `<Bundle` + ns + `><entry><resource><Patient/><Patient/></resource></entry></Bundle>`, `line 1: <resource> holds more than one resource`},
		{"a second root", `<Patient` + ns + `/><Patient` + ns + `/>`, `line 1: element <Patient> after the end of the resource`},
		{"unknown attribute", `<Patient` + ns + `><name use="official"/></Patient>`, `line 1: unexpected attribute use on <name>`},
		{"encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><Patient` + ns + `/>`, "line 1: xml: opening charset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := XMLToJSON(&bytes.Buffer{}, strings.NewReader(tt.xml))
			var xe *XMLError
			if !errors.As(err, &xe) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// ukCoreFixtures is the repository's copy of the UK Core examples of the
// types JoinedUp imports.
const ukCoreFixtures = "../testdata/uk-core-examples"

// TestUKCoreExamples converts the UK Core examples, those of the fixtures
// and, when it is beside the repository, all 215 of the shared set, and
// checks the JSON against the official R4 schema, which says which elements
// are arrays and which values are numbers or booleans.
func TestUKCoreExamples(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { testUKCoreExamples(t, ukCoreFixtures, 94) })
	t.Run("shared", func(t *testing.T) { testUKCoreExamples(t, fhirschema.SharedSet(t, "uk-core-examples"), 215) })
}

func testUKCoreExamples(t *testing.T, dir string, want int) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != want {
		t.Fatalf("%s has %d XML files, want %d", dir, len(files), want)
	}
	schema := fhirschema.Validator(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := XMLToJSON(&out, bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if err := schema.Validate(out.Bytes()); err != nil {
			t.Errorf("%s: converted JSON is not valid R4: %v", filepath.Base(f), err)
		}
	}
}

// TestXMLJSONEquivalence writes JSON resources as FHIR XML, by the rules of
// the two formats and without the schema, and converts them back: the
// result is the same JSON, and maps to the same domain records. The
// resources are the R4 specification's examples and a Synthea Bundle.
func TestXMLJSONEquivalence(t *testing.T) {
	files, _ := filepath.Glob("../testdata/fhir-r4-examples/*.json")
	if len(files) == 0 {
		t.Fatal("no R4 examples")
	}
	files = append(files, "../testdata/synthea-r4-bundles/Adolph_Smith_0c6b1f3d-edb2-422b-a0af-a262fb90ed07.json.gz")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src := readFixture(t, f)
			xmlDoc := jsonToXML(t, src)
			var out bytes.Buffer
			if _, err := XMLToJSON(&out, bytes.NewReader(xmlDoc)); err != nil {
				t.Fatalf("%v\n%s", err, xmlDoc)
			}
			want, got := decodeGeneric(t, src), decodeGeneric(t, out.Bytes())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip differs:\ngot  %s\nwant %s", out.Bytes(), src)
			}
			// And each resource maps to the same domain record.
			for _, r := range resourcesOf(t, src, out.Bytes()) {
				d1, l1, err1 := ToDomain(r.typ, r.json, "test", nil)
				d2, l2, err2 := ToDomain(r.typ, r.xml, "test", nil)
				if errors.Is(err1, ErrUnsupportedType) {
					continue
				}
				if !reflect.DeepEqual(d1, d2) || l1 != l2 || errString(err1) != errString(err2) {
					t.Errorf("%s: from JSON %+v %+v %v\nfrom XML %+v %+v %v", r.typ, d1, l1, err1, d2, l2, err2)
				}
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// readFixture reads a file, gunzipping it when its name ends in .gz.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeGeneric decodes JSON with numbers as written, and narrative divs
// blanked: XML may write the same XHTML differently (<br/> or <br></br>).
func decodeGeneric(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var blank func(v any)
	blank = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, m := range x {
				if k == "div" {
					x[k] = ""
				}
				blank(m)
			}
		case []any:
			for _, m := range x {
				blank(m)
			}
		}
	}
	blank(v)
	return v
}

type resourcePair struct {
	typ       string
	json, xml []byte
}

// resourcesOf pairs the resources of the original and converted JSON: the
// resource itself, or a Bundle's entries.
func resourcesOf(t *testing.T, orig, conv []byte) []resourcePair {
	t.Helper()
	var a, b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(orig, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(conv, &b); err != nil {
		t.Fatal(err)
	}
	if a.ResourceType != "Bundle" {
		return []resourcePair{{a.ResourceType, orig, conv}}
	}
	var out []resourcePair
	for i := range a.Entry {
		var head resourceHead
		json.Unmarshal(a.Entry[i].Resource, &head)
		out = append(out, resourcePair{head.ResourceType, a.Entry[i].Resource, b.Entry[i].Resource})
	}
	return out
}

// jsonToXML writes a FHIR JSON resource as FHIR XML, following the rules
// of the two formats alone: every member becomes elements (an array one
// per item), a primitive its value attribute with its _ sibling's id and
// extensions, an element's id and an extension's url attributes.
func jsonToXML(t testing.TB, src []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeXMLResource(&b, res, true)
	return b.Bytes()
}

func writeXMLResource(b *bytes.Buffer, res map[string]any, root bool) {
	typ := res["resourceType"].(string)
	b.WriteString("<" + typ)
	if root {
		b.WriteString(ns)
	}
	b.WriteString(">")
	writeXMLMembers(b, res, false)
	b.WriteString("</" + typ + ">")
}

func writeXMLMembers(b *bytes.Buffer, obj map[string]any, extension bool) {
	var names []string
	for k := range obj {
		k = strings.TrimPrefix(k, "_")
		if k != "resourceType" && !(k == "id" && obj["resourceType"] == nil) && !(k == "url" && extension) && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		v, ext := obj[k], obj["_"+k]
		if v == nil && ext == nil {
			continue
		}
		if k == "div" {
			b.WriteString(v.(string))
			continue
		}
		vs, isArray := v.([]any)
		es, _ := ext.([]any)
		if !isArray {
			if v == nil && ext != nil {
				if es != nil {
					vs = make([]any, len(es))
				} else {
					vs = []any{nil}
				}
			} else {
				vs = []any{v}
			}
			if es == nil {
				es = []any{ext}
			}
		}
		for i, item := range vs {
			var e map[string]any
			if i < len(es) {
				e, _ = es[i].(map[string]any)
			}
			writeXMLElement(b, k, item, e)
		}
	}
}

func writeXMLElement(b *bytes.Buffer, name string, v any, ext map[string]any) {
	b.WriteString("<" + name)
	attr := func(k string, v any) {
		b.WriteString(" " + k + `="`)
		xmlEscape(b, primitiveText(v))
		b.WriteString(`"`)
	}
	obj, isObj := v.(map[string]any)
	switch {
	case isObj && obj["resourceType"] != nil:
		b.WriteString(">")
		writeXMLResource(b, obj, false)
	case isObj:
		if id, ok := obj["id"]; ok {
			attr("id", id)
		}
		extension := name == "extension" || name == "modifierExtension"
		if url, ok := obj["url"]; ok && extension {
			attr("url", url)
		}
		b.WriteString(">")
		writeXMLMembers(b, obj, extension)
	default:
		if ext != nil && ext["id"] != nil {
			attr("id", ext["id"])
		}
		if v != nil {
			attr("value", v)
		}
		b.WriteString(">")
		if ext != nil {
			writeXMLMembers(b, map[string]any{"extension": ext["extension"]}, false)
		}
	}
	b.WriteString("</" + name + ">")
}

func primitiveText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

func xmlEscape(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		case '\t':
			b.WriteString("&#9;")
		default:
			b.WriteRune(r)
		}
	}
}

// BenchmarkXMLToJSON converts a Synthea patient's Bundle written as XML.
func BenchmarkXMLToJSON(b *testing.B) {
	doc := jsonToXML(b, readFixture(b, "../testdata/synthea-r4-bundles/Adolph_Smith_0c6b1f3d-edb2-422b-a0af-a262fb90ed07.json.gz"))
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := XMLToJSON(io.Discard, bytes.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzXMLToJSON checks that any input either converts to valid JSON, which
// written back as XML converts to the same JSON, or is refused with an
// *XMLError; never a panic.
func FuzzXMLToJSON(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(ukCoreFixtures, "*.xml"))
	for _, s := range seeds[:min(len(seeds), 10)] {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<Patient` + ns + `><name><given value="A"/><given id="x"/></name></Patient>`))
	f.Add([]byte(`<Bundle` + ns + `><entry><resource><Patient/></resource></entry></Bundle>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		typ, err := XMLToJSON(&out, bytes.NewReader(in))
		if err != nil {
			var xe *XMLError
			if !errors.As(err, &xe) {
				t.Fatalf("error %v is not an *XMLError", err)
			}
			return
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("invalid JSON %s", out.Bytes())
		}
		var head resourceHead
		if err := json.Unmarshal(out.Bytes(), &head); err != nil || head.ResourceType != typ {
			t.Fatalf("resourceType %q, returned %q", head.ResourceType, typ)
		}
		// Written back as XML by the formats' rules, it converts to the
		// same JSON.
		var again bytes.Buffer
		if _, err := XMLToJSON(&again, bytes.NewReader(jsonToXML(t, out.Bytes()))); err != nil {
			t.Fatalf("%s written as XML: %v", out.Bytes(), err)
		}
		if !reflect.DeepEqual(decodeGeneric(t, again.Bytes()), decodeGeneric(t, out.Bytes())) {
			t.Fatalf("round trip differs:\n%s\n%s", out.Bytes(), again.Bytes())
		}
	})
}

package fhir

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAll reads every entry, collecting entry errors rather than stopping.
func readAll(t *testing.T, in string) (entries []Entry, entryErrs []string, err error) {
	t.Helper()
	br, err := NewBundleReader(strings.NewReader(in))
	if err != nil {
		return nil, nil, err
	}
	for {
		e, err := br.Next()
		if err == io.EOF {
			return entries, entryErrs, nil
		}
		var ee *EntryError
		if errors.As(err, &ee) && br.err == nil {
			entryErrs = append(entryErrs, err.Error())
			continue
		}
		if err != nil {
			return entries, entryErrs, err
		}
		entries = append(entries, e)
	}
}

func TestBundleReader(t *testing.T) {
	in := `{"resourceType":"Bundle","id":"b","type":"transaction","meta":{"x":[1,2]},"entry":[
	  {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p1"},"request":{"method":"POST","url":"Patient"}},
	  {"fullUrl":"urn:uuid:2","resource":{"id":"nort"}},
	  {"request":{"method":"DELETE","url":"Patient/9"}},
	  7,
	  {"fullUrl":"http://x/Observation/o1","resource":{"resourceType":"Observation","id":"o1","subject":{"reference":"urn:uuid:1"}}}
	],"signature":{"who":{}}}`
	entries, errs, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("got %d entries: %+v", len(entries), entries)
	}
	if e := entries[0]; e.Index != 0 || e.ResourceType != "Patient" || e.ID != "p1" || e.FullURL != "urn:uuid:1" || e.Method != "POST" {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := entries[1]; e.Index != 2 || e.ResourceType != "" || e.Method != "DELETE" || e.Resource != nil {
		t.Errorf("entry 2 = %+v", e)
	}
	if e := entries[2]; e.Index != 4 || e.ResourceType != "Observation" || !strings.Contains(string(e.Resource), `"urn:uuid:1"`) {
		t.Errorf("entry 4 = %+v", e)
	}
	if len(errs) != 2 || errs[0] != "bundle entry 1: resource: resourceType missing" || !strings.HasPrefix(errs[1], "bundle entry 3: json: cannot unmarshal number") {
		t.Errorf("entry errors = %q", errs)
	}
}

func TestBundleReaderTypeAfterEntries(t *testing.T) {
	br, err := NewBundleReader(strings.NewReader(`{"entry":[{"resource":{"resourceType":"Patient","id":"a"}}],"type":"collection","resourceType":"Bundle"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := br.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := br.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want EOF", err)
	}
	if br.Type() != "collection" {
		t.Errorf("Type = %q", br.Type())
	}
}

func TestBundleReaderErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, "bundle: want a JSON object, got ["},
		{``, "bundle: unexpected EOF"},
		{`{"resourceType":"Patient"}`, `bundle: resourceType is "Patient", not Bundle`},
		{`{"resourceType":"Bundle","type":"history","entry":[]}`, `bundle: unsupported Bundle type "history"`},
		{`{"resourceType":"Bundle","entry":[]}`, "bundle: type missing"},
		{`{"type":"batch","entry":[]}`, "bundle: resourceType missing"},
		{`{"resourceType":"Bundle","type":"batch","entry":{}}`, "bundle: entry is not an array"},
		{`{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":`, "bundle entry 1: unexpected EOF"},
		{`{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient"}}`, "bundle: after entry 0: unexpected EOF"},
		{`{"resourceType":"Bundle","type":"batch","entry":[]} {}`, "bundle: data after the end of the Bundle"},
	}
	for _, tt := range tests {
		_, _, err := readAll(t, tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
}

func TestNDJSONReader(t *testing.T) {
	in := "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\r\n" +
		"\n" +
		"{\"resourceType\":\"Condition\",\"id\":\"c1\",\n" + // broken across lines
		"\"x\":1}\n" +
		"{\"id\":\"nort\"}\n" +
		strings.Repeat("x", 200) + "\n" +
		"{\"resourceType\":\"Observation\",\"id\":\"o1\"}" // no final newline
	nr := NewNDJSONReader(strings.NewReader(in))
	nr.SetMaxLineSize(100)
	type got struct {
		n      int
		rt, id string
		err    string
	}
	var lines []got
	for {
		l, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g := got{n: l.Number, rt: l.ResourceType, id: l.ID}
		if l.Err != nil {
			g.err = l.Err.Error()
		}
		lines = append(lines, g)
	}
	want := []got{
		{1, "Patient", "p1", ""},
		{3, "", "", "line 3: invalid JSON: unexpected end of JSON input"},
		{4, "", "", "line 4: invalid JSON: invalid character ':' after top-level value"},
		{5, "", "nort", "line 5: resourceType missing"},
		{6, "", "", "line 6: longer than 100 bytes"},
		{7, "Observation", "o1", ""},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, lines[i], want[i])
		}
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestBundleReaderStopsAfterBrokenEntry: an entry that is not valid JSON
// is reported once, as an entry error, and the next call is a final error,
// so a caller that reads on after entry errors does not loop.
func TestBundleReaderStopsAfterBrokenEntry(t *testing.T) {
	br, err := NewBundleReader(strings.NewReader(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient",,}},{}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = br.Next()
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Index != 0 {
		t.Fatalf("first call: %v, want an error of entry 0", err)
	}
	for range 2 {
		_, err = br.Next()
		if err == nil || err == io.EOF || errors.As(err, &ee) {
			t.Fatalf("after a broken entry: %v, want a final error", err)
		}
	}
	if want := "bundle: cannot read on after entry 0: invalid character ',' looking for beginning of object key string"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestDetect(t *testing.T) {
	long := `{"resourceType":"Observation","id":"x","note":"` + strings.Repeat("a", 5000) + `"}`
	tests := []struct {
		name, in string
		want     Format
		err      string
	}{
		{"pretty bundle", "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"transaction\",\n  \"entry\": [\n", FormatBundle, ""},
		{"pretty bundle, type first", "\xef\xbb\xbf{\n \"type\": \"batch\",\n \"resourceType\": \"Bundle\"\n}\n", FormatBundle, ""},
		{"compact bundle", `{"resourceType":"Bundle","type":"collection","entry":[]}` + "\n", FormatBundle, ""},
		{"compact bundle truncated window", `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Repeat(`{"resource":{"resourceType":"Patient"}},`, 200), FormatBundle, ""},
		{"ndjson", "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}\n", FormatNDJSON, ""},
		{"ndjson one line", "{\"resourceType\":\"Patient\",\"id\":\"1\"}", FormatNDJSON, ""},
		{"ndjson of bundles", "{\"resourceType\":\"Bundle\"}\n{\"resourceType\":\"Bundle\"}\n", FormatNDJSON, ""},
		{"ndjson long first line", long + "\n" + long, FormatNDJSON, ""},
		{"pretty single resource", "{\n \"resourceType\": \"Patient\",\n \"id\": \"1\"\n}\n", FormatResource, ""},
		{"csv", "nhs_number,code,date\n9434765919,44054006,2019-01-01\n", FormatCSV, ""},
		{"tsv", "nhs_number\tcode\n", FormatCSV, ""},
		{"empty", " \n", FormatUnknown, "detect: empty input"},
		{"array", "[{}]", FormatUnknown, "detect: a JSON array is neither a Bundle nor NDJSON"},
		{"text", "hello world\n", FormatUnknown, "detect: not JSON and no delimiter in the first line"},
		{"gzip", string(gz([]byte("{}"))), FormatUnknown, ErrGzip.Error()},
		{"xml declaration", "\xef\xbb\xbf\n<?xml version=\"1.0\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\">", FormatXML, ""},
		{"xml element", "  <Patient xmlns=\"http://hl7.org/fhir\"><id value=\"a,b\"/></Patient>", FormatXML, ""},
		{"xml comment first", "<!-- extract -->\n<Bundle/>", FormatXML, ""},
		{"not a tag", "<3, 4>\n", FormatCSV, ""},
		{"lone angle bracket", "<", FormatUnknown, "detect: not JSON and no delimiter in the first line"},
	}
	for _, tt := range tests {
		got, err := Detect(bufio.NewReaderSize(strings.NewReader(tt.in), 4096))
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("%s: Detect = %v, %v; want %v, %q", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestOpenGzipByMagic(t *testing.T) {
	dir := t.TempDir()
	nd := []byte("{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}\n")
	// Compressed content under a name that does not say so, and plain
	// content under a name that does.
	files := map[string][]byte{"a.ndjson": gz(nd), "b.ndjson.gz": nd}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		format, err := Detect(f.Reader)
		if err != nil || format != FormatNDJSON {
			t.Errorf("%s: Detect = %v, %v", name, format, err)
		}
		nr := NewNDJSONReader(f)
		n := 0
		for {
			if _, err := nr.Next(); err != nil {
				break
			}
			n++
		}
		if n != 2 {
			t.Errorf("%s: read %d lines", name, n)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestRefsResolve(t *testing.T) {
	refs := NewRefs()
	refs.Add("urn:uuid:abc", "Patient", "p1")
	refs.Add("https://server/fhir/Organization/o9", "Organization", "o9")
	tests := []struct {
		in   string
		want Ref
		err  string
	}{
		{"urn:uuid:abc", Ref{Type: "Patient", ID: "p1"}, ""},
		{"Patient/123", Ref{Type: "Patient", ID: "123"}, ""},
		{"Patient/123/_history/4", Ref{Type: "Patient", ID: "123"}, ""},
		{"https://example.org/fhir/R4/Encounter/e-1.2", Ref{Type: "Encounter", ID: "e-1.2"}, ""},
		{"https://server/fhir/Organization/o9", Ref{Type: "Organization", ID: "o9"}, ""},
		{"urn:uuid:0c6b1f3d-edb2-422b-a0af-a262fb90ed07", Ref{ID: "0c6b1f3d-edb2-422b-a0af-a262fb90ed07"}, ""}, // not an entry: the record with that id
		{"urn:uuid:a/b", Ref{}, `unresolved reference "urn:uuid:a/b"`},
		{"urn:oid:1.2.3", Ref{}, `unresolved reference "urn:oid:1.2.3"`},
		{"#med1", Ref{}, `unresolved reference "#med1"`},
		{"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493", Ref{}, `unresolved reference "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493"`},
		{"123", Ref{}, `unresolved reference "123"`},
		{"patient/123", Ref{}, `unresolved reference "patient/123"`},
		{"Patient/", Ref{}, `unresolved reference "Patient/"`},
		{"", Ref{}, "missing"},
	}
	for _, tt := range tests {
		got, err := refs.Resolve(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	var none *Refs
	if got, err := none.Resolve("Patient/1"); err != nil || got.ID != "1" {
		t.Errorf("nil Refs: %+v %v", got, err)
	}
}

func FuzzBundleReader(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`))
	f.Add([]byte(`{"entry":[7,{"resource":null}],"type":"batch","resourceType":"Bundle"}`))
	f.Add([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation","id":"o","code":{"coding":[{"code":"1"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2019"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		br, err := NewBundleReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		refs := NewRefs()
		for i := 0; i < 10000; i++ {
			e, err := br.Next()
			var ee *EntryError
			if errors.As(err, &ee) && br.err == nil {
				continue
			}
			if err != nil {
				return
			}
			refs.Add(e.FullURL, e.ResourceType, e.ID)
			_, _, _ = ToDomain(e.ResourceType, e.Resource, "fuzz", refs)
		}
		t.Fatal("reader does not end")
	})
}

func FuzzNDJSONReader(f *testing.F) {
	f.Add([]byte("{\"resourceType\":\"Patient\",\"id\":\"1\",\"birthDate\":\"2019-02\"}\n\n{bad\n"))
	f.Add([]byte("{\"resourceType\":\"Encounter\",\"id\":\"e\",\"subject\":{\"reference\":\"Patient/1\"},\"period\":{\"start\":\"2019\"}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		nr := NewNDJSONReader(bytes.NewReader(b))
		nr.SetMaxLineSize(1 << 10)
		last := 0
		for {
			l, err := nr.Next()
			if errors.Is(err, ErrTruncated) {
				// Only a last line without its newline can be cut off.
				if trimmed := bytes.TrimRight(b, " \t\r"); len(trimmed) > 0 && trimmed[len(trimmed)-1] == '\n' {
					t.Fatalf("a file ending in a newline reported cut off: %v", err)
				}
				return
			}
			if err != nil {
				if err != io.EOF {
					t.Fatalf("non-EOF error from an in-memory reader: %v", err)
				}
				return
			}
			if l.Number <= last {
				t.Fatalf("line numbers not increasing: %d after %d", l.Number, last)
			}
			last = l.Number
			if l.Err == nil {
				_, _, _ = ToDomain(l.ResourceType, l.Resource, "fuzz", nil)
			}
		}
	})
}

// A file cut off part-way through its last line says so, with the line; a
// last line that is whole but has no newline is a record like any other,
// and a whole line that is not JSON is that line's problem only.
func TestNDJSONReaderTruncated(t *testing.T) {
	tests := []struct {
		name, in string
		lines    int
		err      string
	}{
		{"cut in a record", "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Pat", 1,
			"line 2: the file ends part-way through a record: it was cut off"},
		{"whole last line without newline", "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}", 2, ""},
		{"bad line then more", "{\"resourceType\":\"Pat\n{\"resourceType\":\"Patient\",\"id\":\"2\"}\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nr := NewNDJSONReader(strings.NewReader(tt.in))
			n := 0
			for {
				_, err := nr.Next()
				if err == io.EOF {
					if tt.err != "" {
						t.Fatalf("no error, want %q", tt.err)
					}
					break
				}
				if err != nil {
					if err.Error() != tt.err || !errors.Is(err, ErrTruncated) {
						t.Fatalf("error %v, want %q", err, tt.err)
					}
					break
				}
				n++
			}
			if n != tt.lines {
				t.Errorf("%d lines before the end, want %d", n, tt.lines)
			}
		})
	}
}

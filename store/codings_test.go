package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/joinedup/joinedup"
)

// decodeCodings reads every form of codings exactly as encoding/json does,
// whether or not it takes the direct path.
func TestDecodeCodingsAgreesWithEncodingJSON(t *testing.T) {
	for i, cs := range []joinedup.Codings{
		{{System: "http://snomed.info/sct", Code: "38341003", Display: "Hypertension"}},
		{{System: "http://loinc.org", Code: "39156-5"}, {System: "http://snomed.info/sct", Code: "60621009", Display: "Body mass index"}},
		{{Code: "x"}},
		{{System: "s", Code: `a"b`, Display: `back\slash <&> é`}},
		{{System: "s", Code: "tab\there", Display: "line\nbreak"}},
	} {
		s := jsonText(cs)
		checkDecode(t, s)
		if _, ok := parseCodings(s); ok != (i < 3) {
			t.Errorf("%s: read directly %v, want %v", s, ok, i < 3)
		}
	}
	for _, s := range []string{`[{}]`, `[{"system":"a"}]`, `[{"code":null}]`, `[ {"code":"a"} ]`, `[{"code":"a","extra":"b"}]`,
		`[{"code":"a"},]`, `[{"code":"a"}`, `[{"code":"a"}]x`, "[{\"code\":\"\xff\"}]", `[{"code":"a","code":"b"}]`} {
		checkDecode(t, s)
	}
}

func checkDecode(t *testing.T, s string) {
	t.Helper()
	var want, got joinedup.Codings
	wantErr := json.Unmarshal([]byte(s), &want)
	gotErr := decodeCodings(s, &got)
	if (wantErr != nil) != (gotErr != nil) || (wantErr == nil && !reflect.DeepEqual(want, got)) {
		t.Errorf("%q: decoded %#v (%v), encoding/json %#v (%v)", s, got, gotErr, want, wantErr)
	}
}

func FuzzDecodeCodings(f *testing.F) {
	f.Add(`[{"system":"http://loinc.org","code":"39156-5","display":"BMI"},{"system":"s","code":"c"}]`)
	f.Add(`[{"code":"a"}]`)
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || s == "[]" {
			return
		}
		checkDecode(t, s)
	})
}

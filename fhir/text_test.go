package fhir

import "testing"

func TestCheckUTF8(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"valid", `{"resourceType":"Patient","name":[{"family":"Zoë"}]}`, ""},
		{"latin-1 name", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Zo\xeb\"}]}",
			"family: not valid UTF-8 (byte 0xeb at position 48); " + encodingHint},
		{"latin-1 note after a value with a colon", "{\"note\":[{\"text\":\"at 10:30 caf\xe9\"}]}",
			"text: not valid UTF-8 (byte 0xe9 at position 31); " + encodingHint},
		{"outside any member", "\xff{}", "text: not valid UTF-8 (byte 0xff at position 1); " + encodingHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckUTF8([]byte(tt.in))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func FuzzCheckUTF8(f *testing.F) {
	f.Add([]byte("{\"a\":\"\xe9\"}"))
	f.Add([]byte(`{"a":"b"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = CheckUTF8(b)
	})
}

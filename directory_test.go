package joinedup_test

import (
	"testing"

	"github.com/joinedup/joinedup"
)

// TestServiceLinks: a directory service's address is shown to staff as a
// link, so only web, mail and phone addresses are taken.
func TestServiceLinks(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://www.ageuk.org.uk/lambeth/", true},
		{"http://example.org/befriending", true},
		{"mailto:hello@example.org", true},
		{"tel:+442079460000", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"file:///etc/passwd", false},
		{"www.example.org", false},
		{"https://", false},
		{"mailto:", false},
	} {
		s := joinedup.Service{Name: "Befriending", Status: "active", Organisation: joinedup.ServiceOrganisation{Name: "Age UK Lambeth"}, URL: tt.url}
		err := s.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("URL %q: %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func FuzzServiceLink(f *testing.F) {
	f.Add("https://example.org")
	f.Add("javascript:alert(1)")
	f.Fuzz(func(t *testing.T, u string) {
		_ = joinedup.Service{Name: "x", Status: "active", Organisation: joinedup.ServiceOrganisation{Name: "o"}, URL: u}.Validate()
	})
}

package web

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestSecurityHeaders checks the headers every response carries, on a
// page, a JSON API answer, a FHIR answer and an error, and HSTS only over
// TLS.
func TestSecurityHeaders(t *testing.T) {
	f := newFullFixture(t, storetest.Open(t, store.SQLite), Options{})
	gp := f.session(t, joinedup.RoleGP)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
			"font-src 'self' https://assets.nhs.uk; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
		"Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
	}
	for _, c := range []struct{ name, path, token string }{
		{"page", "/patients/" + f.R.ID, gp},
		{"API", "/api/patients/" + f.R.ID, gp},
		{"FHIR", "/fhir/Patient/" + f.R.ID, f.clientToken(t, "system/*.read")},
		{"FHIR metadata", "/fhir/metadata", ""},
		{"sign-in redirect", "/worklist", ""},
		{"not found", "/no-such-page", gp},
	} {
		w := f.do("GET", c.path, "", c.token)
		if w.Code >= 500 {
			t.Errorf("%s: %d", c.name, w.Code)
		}
		for k, v := range want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s (%d): %s = %q, want %q", c.name, w.Code, k, got, v)
			}
		}
		if hsts := w.Header().Get("Strict-Transport-Security"); hsts != "" {
			t.Errorf("%s: HSTS over plain HTTP: %q", c.name, hsts)
		}
	}
	req := httptest.NewRequest("GET", "https://joinedup.test/fhir/metadata", nil)
	req.TLS = &tls.ConnectionState{}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	if got := w.Header().Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("over TLS: HSTS %q", got)
	}
}

// A 503 says when to ask again, on every surface.
func TestUnavailableSaysRetryAfter(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	for _, surface := range []Surface{SurfacePage, SurfaceFHIR, SurfaceAPI} {
		w := httptest.NewRecorder()
		f.srv.failRoute(w, httptest.NewRequest("GET", "/worklist", nil), Route{Surface: surface}, nil, unavailable("database unavailable"))
		if w.Code != 503 || w.Header().Get("Retry-After") != "5" {
			t.Errorf("surface %d: %d, Retry-After %q", surface, w.Code, w.Header().Get("Retry-After"))
		}
	}
	w := httptest.NewRecorder()
	f.srv.failRoute(w, httptest.NewRequest("GET", "/worklist", nil), Route{Surface: SurfacePage}, nil, joinedup.NotFound("nothing"))
	if w.Header().Get("Retry-After") != "" {
		t.Errorf("a 404 says Retry-After %q", w.Header().Get("Retry-After"))
	}
}

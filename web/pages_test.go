package web

import (
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func init() {
	accessMatrix["GET /{$}"] = matrixRow{path: fixed("/"), anon: 303, def: cell{303, 303}}
	accessMatrix["GET /static/{file...}"] = matrixRow{path: fixed("/static/app.js"), anon: 200, def: cell{200, 200}}
	accessMatrix["GET /assets/{file...}"] = matrixRow{path: fixed("/assets/images/favicon.svg"), anon: 200, def: cell{200, 200}}
}

// TestPageErrors: pages answer errors with HTML pages, never JSON and
// never a stack trace; the API keeps its JSON errors.
func TestPageErrors(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	w := f.do("GET", "/no/such/page", "", "")
	if w.Code != 404 || !strings.Contains(w.Body.String(), "Page not found") || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("404 page: %d %s", w.Code, w.Body)
	}
	w = f.do("GET", "/api/no/such", "", "")
	if w.Code != 404 || !strings.Contains(w.Body.String(), `"code":"not_found"`) {
		t.Fatalf("API 404: %d %s", w.Code, w.Body)
	}
	tok := f.session(t, joinedup.RoleGP)
	w = f.do("GET", "/", "", tok)
	if w.Code != 303 || w.Header().Get("Location") != "/worklist" {
		t.Fatalf("GP home: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = f.do("GET", "/", "", f.session(t, joinedup.RoleLCNManager))
	if w.Code != 303 || w.Header().Get("Location") != "/dashboard" {
		t.Fatalf("LCN manager home: %d %s", w.Code, w.Header().Get("Location"))
	}
}

// TestSigninNext: signing in returns to the page asked for, and never to
// another site.
func TestSigninNext(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	const pw = "correct horse battery staple"
	f.setPassword(t, joinedup.RoleGP, pw)
	for next, want := range map[string]string{"/cohort?tier=red": "/cohort?tier=red", "//evil.example/x": "/", "https://evil.example": "/", "": "/"} {
		w := f.do("POST", "/signin", signinForm("user-gp", pw)+"&next="+strings.ReplaceAll(next, "&", "%26"), "")
		if w.Code != 303 || w.Header().Get("Location") != want {
			t.Errorf("next %q: %d → %q, want %q", next, w.Code, w.Header().Get("Location"), want)
		}
	}
	w := f.do("POST", "/signin", signinForm("user-gp", "wrong"), "")
	body := w.Body.String()
	if w.Code != 401 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#username"`) ||
		!strings.Contains(body, "<title>Error: Sign in") {
		t.Fatalf("failed sign-in page: %d %s", w.Code, body)
	}
}

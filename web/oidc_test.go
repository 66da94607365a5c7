package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// testProvider is an OpenID provider in the test process: discovery, JWKS,
// an authorisation endpoint that approves at once, and a token endpoint that
// checks PKCE and issues an RS256-signed ID token.
type testProvider struct {
	*httptest.Server
	key     *rsa.PrivateKey // signs ID tokens
	jwksKey *rsa.PrivateKey // published in the JWKS (differs to test forgery)
	now     func() time.Time
	sub     string
	email   string

	mu    sync.Mutex
	codes map[string]url.Values // code → the authorisation request
}

func newTestProvider(t *testing.T, now func() time.Time) *testProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testProvider{key: key, jwksKey: key, now: now, codes: map[string]url.Values{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
			"jwks_uri": p.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.jwksKey.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := coord.NewToken()
		p.mu.Lock()
		p.codes[code] = q
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		req, ok := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != req.Get("code_challenge") {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		now := p.now()
		claims, _ := json.Marshal(map[string]any{"iss": p.URL, "sub": p.sub, "aud": req.Get("client_id"), "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "nonce": req.Get("nonce"), "email": p.email, "email_verified": true})
		jws, err := signer.Sign(claims)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		idToken, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// oidcSignIn runs the browser's part: login, the provider's approval, and
// the callback (with a state that can be spoiled). It returns the callback
// response.
func oidcSignIn(t *testing.T, f *fixture, spoilState bool) *httptest.ResponseRecorder {
	t.Helper()
	w := f.do("GET", "/auth/oidc/login", "", "")
	if w.Code != http.StatusFound {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var flow *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == oidcCookie {
			flow = c
		}
	}
	if flow == nil || !flow.HttpOnly {
		t.Fatalf("login set no flow cookie: %v", w.Result().Cookies())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	if spoilState {
		q.Set("state", "forged")
	}
	req := httptest.NewRequest("GET", "http://joinedup.test/auth/oidc/callback?"+q.Encode(), nil)
	req.AddCookie(flow)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func sessionFrom(w *httptest.ResponseRecorder) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

func TestOIDCSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		p := newTestProvider(t, clk.Now)
		f := newFixture(t, db, Options{OIDC: &OIDCConfig{Issuer: p.URL, ClientID: "joinedup", ClientSecret: "s3cret",
			RedirectURL: "http://joinedup.test/auth/oidc/callback"}})
		f.clock = clk
		f.srv.opt.Now = clk.Now
		gp := f.users[joinedup.RoleGP]
		if _, err := db.ExecContext(ctx, "UPDATE users SET oidc_subject = 'cis2-555', email = 'dr.gp@nhs.net' WHERE id = $1", gp.ID); err != nil {
			t.Fatal(err)
		}

		// The username is locked for passwords, and over its limit of
		// attempts.
		for range 11 {
			f.do("POST", "/signin", signinForm(gp.Username, "wrong password"), "")
		}

		// Matched by subject, locked or not.
		p.sub, p.email = "cis2-555", "someone.else@nhs.net"
		w := oidcSignIn(t, f, false)
		tok := sessionFrom(w)
		if w.Code != http.StatusSeeOther || tok == "" {
			t.Fatalf("callback: %d %s", w.Code, w.Body)
		}
		// Which does not open the lock for passwords.
		if w := f.do("POST", "/signin", signinForm(gp.Username, "wrong password"), ""); w.Code != http.StatusTooManyRequests {
			t.Fatalf("a password after signing in through the provider: %d", w.Code)
		}
		if w := f.do("GET", "/api/patients/"+f.R.ID, "", tok); w.Code != 200 {
			t.Fatalf("OIDC session does not work: %d", w.Code)
		}
		// Matched by email when the subject is new.
		p.sub, p.email = "cis2-other", "Dr.GP@nhs.net"
		if w := oidcSignIn(t, f, false); w.Code != http.StatusSeeOther || sessionFrom(w) == "" {
			t.Fatalf("by email: %d %s", w.Code, w.Body)
		}
		// No pre-provisioned account: refused, no session.
		p.sub, p.email = "cis2-stranger", "stranger@nhs.net"
		if w := oidcSignIn(t, f, false); w.Code != http.StatusForbidden || sessionFrom(w) != "" || !strings.Contains(w.Body.String(), "no JoinedUp account") {
			t.Fatalf("unknown user: %d %s", w.Code, w.Body)
		}
		// Forged state: refused.
		p.sub = "cis2-555"
		if w := oidcSignIn(t, f, true); w.Code != http.StatusUnauthorized || sessionFrom(w) != "" {
			t.Fatalf("forged state: %d", w.Code)
		}
		// A token signed by a key the provider does not publish: refused.
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		p.key = other
		if w := oidcSignIn(t, f, false); w.Code != http.StatusUnauthorized || sessionFrom(w) != "" {
			t.Fatalf("forged signature: %d", w.Code)
		}
		p.key = p.jwksKey
		// Disabled account: refused.
		if err := store.DisableUser(ctx, db, gp.Username); err != nil {
			t.Fatal(err)
		}
		if w := oidcSignIn(t, f, false); w.Code != http.StatusForbidden || sessionFrom(w) != "" {
			t.Fatalf("disabled user: %d", w.Code)
		}
		if strings.Contains(f.logs.String(), "s3cret") || strings.Contains(f.logs.String(), tok) {
			t.Fatal("logs hold a secret")
		}
	})
}

// TestOIDCTokenExpiryUsesInjectedClock: an ID token that has expired by the
// server's clock is refused.
func TestOIDCTokenExpiryUsesInjectedClock(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	providerClock := newClock()
	p := newTestProvider(t, providerClock.Now)
	f := newFixture(t, db, Options{OIDC: &OIDCConfig{Issuer: p.URL, ClientID: "joinedup", RedirectURL: "http://joinedup.test/auth/oidc/callback"}})
	if _, err := db.ExecContext(ctx, "UPDATE users SET oidc_subject = 'cis2-555' WHERE id = $1", f.users[joinedup.RoleGP].ID); err != nil {
		t.Fatal(err)
	}
	p.sub = "cis2-555"
	f.clock.Advance(time.Hour) // the server is an hour ahead of the token's issue time
	if w := oidcSignIn(t, f, false); w.Code != http.StatusUnauthorized {
		t.Fatalf("expired ID token: %d", w.Code)
	}
}

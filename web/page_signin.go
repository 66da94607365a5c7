package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"golang.org/x/oauth2"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "joinedup_session"

// oidcCookie carries the state, nonce and PKCE verifier of a sign-in in
// progress between /auth/oidc/login and the callback.
const oidcCookie = "joinedup_oidc"

// setSession gives the browser its session cookie.
func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opt.AbsoluteTimeout / time.Second)})
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, Secure: s.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// authenticate returns the user of the request's session, if it has a live
// one (coord.Service.Session says when it is); a cookie naming no live
// session is cleared.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, now time.Time) (joinedup.User, bool, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return joinedup.User{}, false, nil
	}
	u, ok, err := s.coord.Session(r.Context(), ck.Value, now, coord.Timeouts{Idle: s.opt.IdleTimeout, Absolute: s.opt.AbsoluteTimeout})
	if err == nil && !ok {
		s.clearCookie(w, SessionCookie, "/")
	}
	return u, ok, err
}

// signinData is what the sign-in page shows.
type signinData struct {
	User  *joinedup.User
	Error string
	OIDC  bool
	// Next is the page to go to after signing in.
	Next string
}

func (s *Server) renderSignin(c *Call, status int, d signinData) error {
	d.OIDC = s.opt.OIDC != nil
	if d.Next == "" {
		d.Next = localPath(c.R.FormValue("next"))
	}
	title := "Sign in"
	var errs []fieldError
	if d.Error != "" {
		errs = []fieldError{{Field: "username", Message: d.Error}}
	}
	c.PageErrors(status, "signin.html", title, d, errs)
	c.page.User = d.User
	return nil
}

func (s *Server) signinPage(c *Call) error {
	u, ok, err := s.authenticate(c.W, c.R, c.Now)
	if err != nil {
		return err
	}
	var d signinData
	if ok {
		d.User = &u
	}
	return s.renderSignin(c, http.StatusOK, d)
}

// signin checks a username and password and starts a session
// (coord.Service.SignIn, which limits attempts per username and per client
// address, locks a username after repeated failures and bounds the
// password checks running at once).
func (s *Server) signin(c *Call) error {
	username := strings.TrimSpace(c.R.PostFormValue("username"))
	token, _, err := s.coord.SignIn(c.R.Context(), s.signins, coord.SignInAttempt{Username: username,
		Password: c.R.PostFormValue("password"), Client: s.clientAddress(c.R), At: c.Now})
	var (
		locked    *coord.LockedError
		throttled *coord.ThrottledError
	)
	switch {
	case errors.As(err, &locked):
		c.W.Header().Set("Retry-After", fmt.Sprint(max(1, int(locked.Until.Sub(c.Now).Round(time.Second)/time.Second))))
		return s.renderSignin(c, http.StatusTooManyRequests, signinData{Error: fmt.Sprintf(
			"Too many failed attempts. Try again after %s.", locked.Until.Format("15:04 UTC"))})
	case errors.As(err, &throttled):
		secs := max(1, int((throttled.Retry+time.Second-1)/time.Second))
		c.W.Header().Set("Retry-After", fmt.Sprint(secs))
		msg := fmt.Sprintf("Too many sign-in attempts. Try again in %d seconds.", secs)
		if throttled.Busy {
			msg = "Too many people are signing in at once. Try again in a few seconds."
		}
		return s.renderSignin(c, http.StatusTooManyRequests, signinData{Error: msg})
	case errors.Is(err, coord.ErrWrongPassword):
		return s.renderSignin(c, http.StatusUnauthorized, signinData{Error: "The username or password is wrong, or the account is disabled."})
	case err != nil:
		return err
	}
	s.setSession(c.W, token)
	return c.Redirect(localPath(c.R.PostFormValue("next")))
}

// clientAddress is the client a sign-in attempt is counted against: the
// connection's address or, behind a reverse proxy whose header the
// operator named (Options.ClientAddressHeader), the last address in that
// header. An IPv6 address counts as its /64, since one machine can easily
// have all of those.
func (s *Server) clientAddress(r *http.Request) string {
	if h := s.opt.ClientAddressHeader; h != "" {
		if vs := r.Header.Values(h); len(vs) > 0 {
			last := vs[len(vs)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, ok := addressKey(strings.TrimSpace(last)); ok {
				return a
			}
		}
	}
	if a, ok := addressKey(r.RemoteAddr); ok {
		return a
	}
	return r.RemoteAddr
}

// addressKey reads an IP address, with or without a port.
func addressKey(s string) (string, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return "", false
		}
		a = ap.Addr()
	}
	if a = a.Unmap().WithZone(""); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String(), true
	}
	return a.String(), true
}

func (s *Server) signout(c *Call) error {
	if ck, err := c.R.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := s.coord.SignOut(c.R.Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearCookie(c.W, SessionCookie, "/")
	http.Redirect(c.W, c.R, "/signin", http.StatusSeeOther)
	return nil
}

// provider discovers the OpenID provider once and keeps it; a failed
// discovery is retried on the next sign-in.
func (s *Server) provider(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	cfg := s.opt.OIDC
	if cfg == nil {
		return nil, nil, joinedup.NotFound("OpenID Connect sign-in is not configured")
	}
	s.oidcMu.Lock()
	defer s.oidcMu.Unlock()
	if s.oidcProvider == nil {
		p, err := oidc.NewProvider(ctx, cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("discover OpenID provider %s: %w", cfg.Issuer, err)
		}
		s.oidcProvider = p
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{"email"}
	}
	return s.oidcProvider, &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: s.oidcProvider.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, scopes...)}, nil
}

func (s *Server) oidcLogin(c *Call) error {
	_, conf, err := s.provider(c.R.Context())
	if err != nil {
		return err
	}
	state, nonce, verifier := coord.NewToken(), coord.NewToken(), oauth2.GenerateVerifier()
	http.SetCookie(c.W, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier, Path: "/auth/oidc/",
		HttpOnly: true, Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(c.W, c.R, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	return nil
}

// oidcCallback completes an OpenID Connect sign-in: the state must match
// the cookie set at login, the ID token must verify against the provider's
// keys with the nonce sent, and its subject or email must belong to a
// pre-provisioned, enabled account. There is no sign-up.
func (s *Server) oidcCallback(c *Call) error {
	p, conf, err := s.provider(c.R.Context())
	if err != nil {
		return err
	}
	refuse := func(why string, args ...any) error {
		s.log.Warn("OpenID sign-in refused", append([]any{"why", why}, args...)...)
		return s.renderSignin(c, http.StatusUnauthorized, signinData{Error: "Sign-in through your NHS account did not succeed."})
	}
	ck, err := c.R.Cookie(oidcCookie)
	s.clearCookie(c.W, oidcCookie, "/auth/oidc/")
	if err != nil {
		return refuse("no sign-in in progress")
	}
	parts := strings.Split(ck.Value, ".")
	q := c.R.URL.Query()
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return refuse("state does not match")
	}
	if e := q.Get("error"); e != "" {
		return refuse("provider returned an error", "error", e)
	}
	tok, err := conf.Exchange(c.R.Context(), q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		return refuse("code exchange failed", "err", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refuse("no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: conf.ClientID, Now: s.opt.Now}).Verify(c.R.Context(), raw)
	if err != nil {
		return refuse("ID token invalid", "err", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[1])) != 1 {
		return refuse("nonce does not match")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return refuse("claims unreadable", "err", err)
	}
	email := claims.Email
	if claims.EmailVerified != nil && !*claims.EmailVerified {
		email = "" // an unverified email proves nothing about who this is
	}
	u, err := store.UserByOIDC(c.R.Context(), s.db, idt.Subject, email)
	if errors.Is(err, joinedup.ErrNotFound) || (err == nil && u.Disabled) {
		s.log.Warn("OpenID sign-in refused: no enabled account", "subject", idt.Subject)
		return s.renderSignin(c, http.StatusForbidden, signinData{Error: "There is no JoinedUp account for you. Ask your administrator."})
	}
	if err != nil {
		return err
	}
	token, err := s.coord.SignInAs(c.R.Context(), u, "oidc", c.Now)
	if err != nil {
		return err
	}
	s.setSession(c.W, token)
	return c.Redirect("/")
}

// signinRedirect sends a visitor without a session to sign in, coming back
// to the page asked for afterwards.
func signinRedirect(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// localPath returns next if it is a path on this server, else "/": a
// sign-in must never redirect to another site.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
	"golang.org/x/oauth2"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "joinedup_session"

// oidcCookie carries the state, nonce and PKCE verifier of a sign-in in
// progress between /auth/oidc/login and the callback.
const oidcCookie = "joinedup_oidc"

// randomToken returns 256 random bits, URL-safe.
func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("web: no randomness: %v", err)) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenHash is what the database keeps instead of the session token.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// startSession creates a session for u and sets its cookie.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, u joinedup.User, now time.Time) error {
	token := randomToken()
	if err := store.CreateSession(ctx, s.db, tokenHash(token), u.ID, now); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opt.AbsoluteTimeout / time.Second)})
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, Secure: s.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// authenticate returns the user of the request's session, if it has a live
// one: not idle longer than IdleTimeout, not older than AbsoluteTimeout,
// its user not disabled. A live session's idle timer restarts.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, now time.Time) (joinedup.User, bool, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return joinedup.User{}, false, nil
	}
	h := tokenHash(ck.Value)
	sess, u, err := store.SessionUser(r.Context(), s.db, h)
	if errors.Is(err, joinedup.ErrNotFound) {
		s.clearCookie(w, SessionCookie, "/")
		return joinedup.User{}, false, nil
	}
	if err != nil {
		return joinedup.User{}, false, err
	}
	if now.Sub(sess.LastSeen) >= s.opt.IdleTimeout || now.Sub(sess.Created) >= s.opt.AbsoluteTimeout {
		if err := store.DeleteSession(r.Context(), s.db, h); err != nil {
			return joinedup.User{}, false, err
		}
		s.clearCookie(w, SessionCookie, "/")
		s.log.Info("session expired", "user_id", sess.UserID)
		return joinedup.User{}, false, nil
	}
	if u.Disabled {
		return joinedup.User{}, false, nil
	}
	// The idle timer restarts at most once per touchEvery, not on every
	// request, sparing a write per request: an idle session ends up to
	// that much sooner, never later.
	if now.Sub(sess.LastSeen) >= s.touchEvery() {
		if err := store.TouchSession(r.Context(), s.db, h, now); err != nil {
			return joinedup.User{}, false, err
		}
	}
	return u, true, nil
}

// touchEvery is how stale a session's last activity may get before a
// request records it again: a minute, or less for a short idle timeout.
func (s *Server) touchEvery() time.Duration {
	return min(time.Minute, s.opt.IdleTimeout/30)
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

// signin checks a username and password. After LockoutThreshold failures
// in a row the username is locked for LockoutPeriod, whether or not it
// exists, so lock-out reveals nothing about which usernames do.
func (s *Server) signin(c *Call) error {
	ctx := c.R.Context()
	username := strings.TrimSpace(c.R.PostFormValue("username"))
	pw := c.R.PostFormValue("password")
	failures, last, err := store.RecentFailures(ctx, s.db, username, c.Now.Add(-s.opt.LockoutPeriod))
	if err != nil {
		return err
	}
	if failures >= s.opt.LockoutThreshold && c.Now.Before(last.Add(s.opt.LockoutPeriod)) {
		s.log.Warn("sign-in refused: locked", "username", username)
		return s.renderSignin(c, http.StatusTooManyRequests, signinData{Error: fmt.Sprintf(
			"Too many failed attempts. Try again after %s.", last.Add(s.opt.LockoutPeriod).Format("15:04 UTC"))})
	}
	u, hash, err := store.UserByUsername(ctx, s.db, username)
	ok := false
	switch {
	case errors.Is(err, joinedup.ErrNotFound) || (err == nil && hash == ""):
		password.VerifyDummy(pw)
	case err != nil:
		return err
	default:
		if ok, err = password.Verify(hash, pw); err != nil {
			s.log.Error("stored password hash unreadable", "username", username, "err", err)
		}
		ok = ok && !u.Disabled
	}
	if err := store.RecordSignInAttempt(ctx, s.db, username, ok, c.Now); err != nil {
		return err
	}
	if !ok {
		s.log.Warn("sign-in failed", "username", username)
		return s.renderSignin(c, http.StatusUnauthorized, signinData{Error: "The username or password is wrong, or the account is disabled."})
	}
	if err := s.startSession(ctx, c.W, u, c.Now); err != nil {
		return err
	}
	s.log.Info("signed in", "username", u.Username, "method", "password")
	return c.Redirect(localPath(c.R.PostFormValue("next")))
}

func (s *Server) signout(c *Call) error {
	if ck, err := c.R.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := store.DeleteSession(c.R.Context(), s.db, tokenHash(ck.Value)); err != nil {
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
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
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
	if err := store.RecordSignInAttempt(c.R.Context(), s.db, u.Username, true, c.Now); err != nil {
		return err
	}
	if err := s.startSession(c.R.Context(), c.W, u, c.Now); err != nil {
		return err
	}
	s.log.Info("signed in", "username", u.Username, "method", "oidc")
	return c.Redirect("/")
}

// reqInfo collects what the request log reports.
type reqInfo struct{ user string }

type reqInfoKey struct{}

func setUser(r *http.Request, u joinedup.User) {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		ri.user = u.Username
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs each request's method, path (never the query string,
// which can carry an authorisation code), status, user and duration.
// Cookies, headers and bodies are never logged, so neither passwords nor
// session tokens reach the logs.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri)))
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.String("user", ri.user), slog.Duration("took", time.Since(start)))
	})
}

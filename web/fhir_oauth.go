package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// System clients sign in as SMART Backend Services do: the client posts a
// JWT it signed with its private key (RS384 or ES384) to /oauth/token, and
// gets a short-lived bearer token for the FHIR API.

// AccessTokenLifetime is how long a bearer token lasts: short, so a leaked
// token is soon useless, and a client simply asks again.
const AccessTokenLifetime = 5 * time.Minute

// maxAssertionLifetime bounds an assertion's exp, as SMART requires
// (no more than five minutes ahead), so a captured assertion is soon dead.
const maxAssertionLifetime = 5 * time.Minute

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// bearerToken returns the request's bearer token, if it has one.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// authenticateClient returns the client of a live bearer token, with the
// token's scopes.
func (s *Server) authenticateClient(r *http.Request, token string, now time.Time) (joinedup.Client, bool, error) {
	c, err := store.ClientByToken(r.Context(), s.db, coord.TokenHash(token), now)
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.Client{}, false, nil
	}
	if err != nil {
		return joinedup.Client{}, false, err
	}
	if c.Disabled {
		return joinedup.Client{}, false, nil
	}
	return c, true, nil
}

// tokenURL is this server's token endpoint as clients address it: the
// audience their assertions must name.
func tokenURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/oauth/token"
}

// oauthError is the body of an OAuth 2.0 error (RFC 6749 §5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (s *Server) oauthFail(c *Call, status int, code, desc string) error {
	s.log.Warn("token request refused", "error", code, "reason", desc)
	if status == http.StatusUnauthorized {
		c.W.Header().Set("WWW-Authenticate", `Bearer error="`+code+`"`)
	}
	return c.JSON(status, oauthError{Error: code, Description: desc})
}

// oauthToken is the client-credentials grant with a signed JWT assertion.
func (s *Server) oauthToken(c *Call) error {
	r := c.R
	r.Body = http.MaxBytesReader(c.W, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return s.oauthFail(c, http.StatusBadRequest, "invalid_request", "the body must be a form")
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		return s.oauthFail(c, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
	}
	if r.PostForm.Get("client_assertion_type") != assertionType {
		return s.oauthFail(c, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+assertionType)
	}
	requested, err := joinedup.ParseClientScopes(r.PostForm.Get("scope"))
	if err != nil {
		return s.oauthFail(c, http.StatusBadRequest, "invalid_scope", err.Error())
	}
	tok, err := jwt.ParseSigned(r.PostForm.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS384, jose.ES384})
	if err != nil {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion is not a JWT signed with RS384 or ES384")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion names no issuer")
	}
	client, jwksText, err := store.GetClient(r.Context(), s.db, unverified.Issuer)
	if errors.Is(err, joinedup.ErrNotFound) {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "unknown client")
	}
	if err != nil {
		return err
	}
	if client.Disabled {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "client disabled")
	}
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(jwksText), &jwks); err != nil {
		return err
	}
	var claims jwt.Claims
	verified := false
	for _, h := range tok.Headers {
		keys := jwks.Keys
		if h.KeyID != "" {
			keys = jwks.Key(h.KeyID)
		}
		for _, k := range keys {
			if err := tok.Claims(k.Public(), &claims); err == nil {
				verified = true
				break
			}
		}
	}
	if !verified {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion's signature matches none of the client's keys")
	}
	now := c.Now
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: client.ID, Subject: client.ID, AnyAudience: jwt.Audience{tokenURL(r)}, Time: now}, 30*time.Second)
	if err != nil {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "assertion claims: "+err.Error())
	}
	if claims.Expiry == nil || claims.Expiry.Time().After(now.Add(maxAssertionLifetime+30*time.Second)) {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion must expire within five minutes")
	}
	if claims.ID == "" {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion has no jti")
	}
	scopes := joinedup.NarrowScopes(client.Scopes, requested)
	if len(scopes) == 0 {
		return s.oauthFail(c, http.StatusBadRequest, "invalid_scope", "the client is not registered for the scopes asked for")
	}
	token, err := s.coord.IssueToken(r.Context(), client, claims.ID, claims.Expiry.Time(), scopes, now, AccessTokenLifetime)
	if errors.Is(err, coord.ErrAssertionUsed) {
		return s.oauthFail(c, http.StatusUnauthorized, "invalid_client", "the assertion was used before")
	}
	if err != nil {
		return err
	}
	s.log.Info("access token issued", "client", client.Name, "scope", strings.Join(scopes, " "))
	return c.JSON(http.StatusOK, map[string]any{"access_token": token, "token_type": "bearer",
		"expires_in": int(AccessTokenLifetime / time.Second), "scope": strings.Join(scopes, " ")})
}

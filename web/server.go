// Package web is JoinedUp's HTTP server: the sign-in pages, the JSON API and
// the machinery every route shares. Routes are declared in one table with the
// Action each needs; the server authenticates the session, decides access
// with joinedup.Authorize and writes the audit entry for every route the same
// way, so no handler decides access itself.
package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// Options configure a Server. The zero value serves over plain HTTP with
// the wall clock, default timeouts and no OpenID Connect.
type Options struct {
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
	// SecureCookies marks cookies Secure, so browsers send them only over
	// HTTPS. Turn it off only for plain-HTTP localhost.
	SecureCookies bool
	// OIDC enables OpenID Connect sign-in (as NHS CIS2 offers); nil
	// disables it.
	OIDC *OIDCConfig
	// Logger receives request and security logs. Default slog.Default().
	Logger *slog.Logger
	// IdleTimeout ends a session after this long without a request.
	// Default 30 minutes.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in, however
	// active. Default 12 hours.
	AbsoluteTimeout time.Duration
	// LockoutThreshold failed sign-ins in a row lock the username for
	// LockoutPeriod. Defaults 5 and 15 minutes.
	LockoutThreshold int
	LockoutPeriod    time.Duration
	// SignInPerUsername and SignInPerClient limit the password sign-in
	// attempts on one username and from one client address, counted
	// before any password is checked; attempts that succeed are given
	// back. Defaults coord.DefaultPerUsername and coord.DefaultPerClient.
	SignInPerUsername, SignInPerClient coord.Rate
	// PasswordChecks is how many passwords are checked at once (each
	// argon2id check holds 19 MiB); default coord.DefaultHashes(), one
	// per CPU. A sign-in that finds none free within PasswordCheckWait
	// (default coord.DefaultHashWait) is refused with 429, to try again.
	PasswordChecks    int
	PasswordCheckWait time.Duration
	// ClientAddressHeader names the header a reverse proxy in front of
	// the server writes the client's address in (X-Forwarded-For,
	// X-Real-IP): sign-in limits then count attempts by the last address
	// in it, the one the proxy saw. Empty: the connection's address. Set
	// it only when every request comes through such a proxy, as anyone
	// else can write the header.
	ClientAddressHeader string
	// ExportDir is the folder Bulk Data export files are written to, one
	// sub-folder per job; it must outlive a restart for finished exports
	// to stay downloadable. Default: joinedup-export in the temporary
	// folder.
	ExportDir string
}

// OIDCConfig names the OpenID provider and this application's client
// registration with it.
type OIDCConfig struct {
	Issuer       string // e.g. the CIS2 issuer URL; discovery is fetched from it
	ClientID     string
	ClientSecret string
	RedirectURL  string   // this server's /auth/oidc/callback, as registered
	Scopes       []string // besides "openid"; default "email"
}

// Server is the HTTP server. It implements http.Handler.
type Server struct {
	db      *store.DB
	coord   *coord.Service
	signins *coord.SignInGate
	opt     Options
	log     *slog.Logger
	handler http.Handler
	routes  []Route

	oidcMu       sync.Mutex
	oidcProvider *oidc.Provider

	// background counts work running beyond its request (export jobs).
	background sync.WaitGroup
}

// Route is one entry of the route table. A route with an Action needs a
// signed-in user whom joinedup.Authorize allows that Action; every such
// request is audited, allowed or not.
type Route struct {
	Method  string
	Pattern string // net/http pattern, without the method
	// Action is what the route does, as joinedup.Authorize decides it;
	// empty for public routes (no session needed, not audited).
	Action joinedup.Action
	// Patient marks a patient-scoped route: the path value {id} names the
	// patient, and the user's relationship with that patient decides.
	Patient bool
	// Write marks a route that changes something: its handler makes the
	// change through the coordination layer (Call.Actor), which stores it
	// and its audit entry in one transaction.
	Write  bool
	Handle func(c *Call) error
	// Bearer lets a registered system client's OAuth access token stand
	// for a session (the FHIR API): the client is authorised by
	// joinedup.AuthorizeClient for Resource, and audited as itself.
	Bearer bool
	// Resource names the kind of data (a FHIR resource type) the route
	// reads, which a system client's scopes must grant.
	Resource string
	// PatientOf, when set, finds the patient a patient-scoped route
	// concerns when the path value {id} does not name it (a FHIR
	// resource's patient, a search's patient parameter). "" means the
	// request concerns no one patient (a population search); an error
	// wrapping joinedup.ErrNotFound means the record named does not exist.
	PatientOf func(c *Call) (string, error)
	// Surface is who reads the route's answers, and so how its errors
	// are written: the JSON API (the zero value), a person's browser
	// (HTML pages; a 401 redirects to sign in) or FHIR
	// (OperationOutcomes).
	Surface Surface
}

// Surface is who reads a route's answers.
type Surface int

// The surfaces.
const (
	SurfaceAPI Surface = iota
	SurfacePage
	SurfaceFHIR
)

// Key is "METHOD PATTERN", the route's name in tests and logs.
func (rt Route) Key() string { return rt.Method + " " + rt.Pattern }

// Call is one request to a route: what the handler needs, with the access
// decision already made.
type Call struct {
	W http.ResponseWriter
	R *http.Request
	// Q reads the database. Changes go through the coordination layer
	// (Actor), never through Q.
	Q   store.Querier
	Now time.Time
	// User is the signed-in user (zero on public routes and for clients).
	User joinedup.User
	// Client is the system client of a bearer-token request (zero
	// otherwise).
	Client joinedup.Client
	// Patient is the patient of a patient-scoped route.
	Patient joinedup.Patient
	// Decision is the access decision; handlers shape what they return by
	// its Scope, never decide access themselves.
	Decision joinedup.Decision
	// Audit is the entry that will be written for this request. Handlers
	// may add detail (What, Reason, PatientID, BreakGlass); who, when and
	// the outcome are set by the server.
	Audit *joinedup.AuditEntry

	server      *Server
	audited     bool // a change made through Actor wrote the request's audit entry
	status      int
	body        any
	contentType string
	stream      func(w io.Writer) error
	page        *view
	pageName    string
	redirect    string
}

// Respond sets a JSON response with its own content type, such as
// application/fhir+json.
func (c *Call) Respond(status int, contentType string, v any) error {
	c.status, c.body, c.contentType = status, v, contentType
	return nil
}

// Stream sets a response written by fn, after the audit entry is stored,
// for bodies too large to hold (export files).
func (c *Call) Stream(status int, contentType string, fn func(w io.Writer) error) error {
	c.status, c.contentType, c.stream = status, contentType, fn
	return nil
}

// Actor is the caller as the coordination layer takes them: who, when,
// through which route, and what access allowed. A change made with it
// writes the request's audit entry in the change's own transaction, so the
// server writes none for the request.
func (c *Call) Actor() coord.Actor {
	c.audited = true
	u := c.User
	if c.Client.ID != "" {
		u = joinedup.User{ID: c.Audit.UserID, Username: c.Audit.Username, Role: c.Audit.Role}
	}
	return coord.Actor{User: u, At: c.Now, Door: c.Audit.What, Scope: c.Decision.Scope, Reason: c.Decision.Reason,
		BreakGlass: c.Decision.BreakGlass}
}

// JSON sets the response; the server writes it once the request's audit
// entry is committed.
func (c *Call) JSON(status int, v any) error {
	c.status, c.body = status, v
	return nil
}

// New builds a Server over db.
func New(db *store.DB, opt Options) *Server {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 30 * time.Minute
	}
	if opt.AbsoluteTimeout == 0 {
		opt.AbsoluteTimeout = 12 * time.Hour
	}
	if opt.LockoutThreshold == 0 {
		opt.LockoutThreshold = 5
	}
	if opt.LockoutPeriod == 0 {
		opt.LockoutPeriod = 15 * time.Minute
	}
	s := &Server{db: db, coord: coord.New(db, opt.Logger), opt: opt, log: opt.Logger,
		signins: coord.NewSignInGate(coord.SignInLimits{
			Lockout:     coord.Lockout{Threshold: opt.LockoutThreshold, Period: opt.LockoutPeriod},
			PerUsername: opt.SignInPerUsername, PerClient: opt.SignInPerClient,
			Hashes: opt.PasswordChecks, HashWait: opt.PasswordCheckWait,
		})}
	// An export job that was running when the last process stopped has
	// no goroutine any more: fail it, so its client asks again.
	if err := s.coord.FailExports(context.Background(), "", "interrupted by a restart; please ask again", opt.Now()); err != nil {
		s.log.Error("fail interrupted export jobs", "err", err)
	}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Key(), s.serveRoute(rt))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSONError(w, problem{status: http.StatusNotFound, code: "not_found", message: "no such page"})
			return
		}
		if strings.HasPrefix(r.URL.Path, "/fhir/") {
			// An address the API serves by another method is a method not
			// allowed; any other, not found: an OperationOutcome either way.
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
				other := r.Clone(r.Context())
				other.Method = m
				if _, pattern := mux.Handler(other); m != r.Method && pattern != "/" && pattern != "" {
					writeOutcome(w, problem{status: http.StatusMethodNotAllowed, message: r.Method + " is not an operation on " + r.URL.Path})
					return
				}
			}
			writeOutcome(w, problem{status: http.StatusNotFound, message: "no such resource type, resource or operation: " + r.URL.Path})
			return
		}
		var up *joinedup.User
		if u, ok, err := s.authenticate(w, r, s.opt.Now().UTC()); err == nil && ok {
			up = &u
		}
		s.writePageError(w, r, up, problem{status: http.StatusNotFound, code: "not_found",
			message: "There is no page at this address. Check it, or start again from your worklist."})
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		writeJSONError(w, problem{status: http.StatusForbidden, code: "cross_origin", message: "cross-origin request refused"})
	}))
	s.handler = s.logRequests(cop.Handler(mux))
	return s
}

// Routes returns the route table.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header(), r)
	s.handler.ServeHTTP(w, r)
}

// contentSecurityPolicy lets a page run only the scripts this server
// serves (no inline script, no eval: injected markup cannot run), load
// nothing from elsewhere but the NHS.UK fonts (served, under their licence,
// only from assets.nhs.uk), post forms only here, and never be framed.
// Inline styles stay allowed: charts size themselves, letters and print
// views carry their own stylesheet, and a style cannot run code.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' https://assets.nhs.uk; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// secureHeaders are set on every response, page, API or FHIR, before any
// handler runs, so none can be served without them: no page may be framed
// (clickjacking a decision or a consent), no response sniffed as another
// type, no address leaked to another site, no device feature asked for,
// and, over TLS, browsers keep to HTTPS.
func secureHeaders(h http.Header, r *http.Request) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// serveRoute wraps a route's handler in authentication, authorisation and
// audit, the same for every route.
func (s *Server) serveRoute(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := s.opt.Now().UTC()
		c := &Call{W: w, R: r, Q: s.db, Now: now, server: s}
		var page *joinedup.User // the user an error page shows as signed in
		fail := func(err error) { s.failRoute(w, r, rt, page, err) }
		if rt.Action == "" {
			if err := rt.Handle(c); err != nil {
				fail(err)
				return
			}
			s.finish(c)
			return
		}
		var (
			user   joinedup.User
			client joinedup.Client
			ok     bool
			err    error
		)
		token, isBearer := bearerToken(r)
		if rt.Bearer && isBearer {
			client, ok, err = s.authenticateClient(r, token, now)
			if err == nil && !ok {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
		} else {
			user, ok, err = s.authenticate(w, r, now)
		}
		if err != nil {
			fail(err)
			return
		}
		if !ok {
			// A browser is sent to sign in; a system presenting a token
			// is told plainly that it is not authorised here.
			if rt.Surface == SurfacePage && !isBearer {
				signinRedirect(w, r)
				return
			}
			fail(joinedup.Unauthenticated("sign in first"))
			return
		}
		c.User, c.Client = user, client
		if client.ID != "" {
			// The client stands where a user would, so logs and the
			// audit name it.
			user = joinedup.User{ID: client.ID, Username: "client:" + client.Name, Role: joinedup.RoleSystemClient}
		}
		setUser(r, user)
		page = &user
		var (
			rel    joinedup.Relationship
			exists = true
		)
		if rt.Patient || rt.PatientOf != nil {
			id := r.PathValue("id")
			if rt.PatientOf != nil {
				id, err = rt.PatientOf(c)
				if errors.Is(err, joinedup.ErrNotFound) {
					exists, err = false, nil
				}
				if err != nil {
					fail(err)
					return
				}
			}
			if exists && id != "" {
				c.Patient, err = store.GetPatient(r.Context(), s.db, id)
				switch {
				case errors.Is(err, joinedup.ErrNotFound):
					exists, c.Patient.ID = false, id
				case err != nil:
					fail(err)
					return
				case c.Client.ID == "":
					if rel, err = store.RelationshipFor(r.Context(), s.db, user, id, now); err != nil {
						fail(err)
						return
					}
				}
			}
		}
		if c.Client.ID != "" {
			c.Decision = joinedup.AuthorizeClient(c.Client, rt.Action, rt.Resource)
		} else {
			c.Decision = joinedup.Authorize(user, rt.Action, rel)
		}
		c.Audit = &joinedup.AuditEntry{At: now, UserID: user.ID, Username: user.Username, Role: user.Role,
			OrganisationID: user.OrganisationID, PatientID: c.Patient.ID, Action: rt.Action, What: rt.Key(),
			Reason: c.Decision.Reason, BreakGlass: c.Decision.BreakGlass}
		if !c.Decision.Allowed {
			c.Audit.Outcome = joinedup.OutcomeDenied
			if _, err := s.coord.Audit(r.Context(), *c.Audit); err != nil {
				fail(err)
				return
			}
			s.log.Warn("access denied", "user", user.Username, "role", user.Role, "route", rt.Key(),
				"patient", c.Patient.ID, "reason", c.Decision.Reason)
			fail(joinedup.Forbidden("%s", c.Decision.Reason))
			return
		}
		if !exists {
			s.auditFailed(r, c, "no such patient")
			fail(joinedup.NotFound("no such patient"))
			return
		}
		// A change is audited by the coordination layer, in the change's
		// own transaction (Call.Actor); a read, or a request that changed
		// nothing, is audited here.
		err = rt.Handle(c)
		if err == nil && !c.audited {
			c.Audit.Outcome = joinedup.OutcomeAllowed
			_, err = s.coord.Audit(r.Context(), *c.Audit)
		}
		if err != nil {
			if !c.audited {
				s.auditFailed(r, c, err.Error())
			}
			fail(err)
			return
		}
		s.finish(c)
	})
}

// retryUnavailable is the Retry-After, in seconds, of a 503.
const retryUnavailable = "5"

// failRoute writes err the way the route's clients read errors: an HTML
// page for pages, the route's own shape where it has one (a FHIR
// OperationOutcome), else the JSON API's error body. A fault of the server
// is logged, and shown without its cause.
func (s *Server) failRoute(w http.ResponseWriter, r *http.Request, rt Route, u *joinedup.User, err error) {
	p, internal := problemOf(err)
	if internal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.status == http.StatusServiceUnavailable {
		// The database is restarting or out of reach: clients and
		// proxies that honour it ask again shortly rather than at once.
		w.Header().Set("Retry-After", retryUnavailable)
	}
	switch rt.Surface {
	case SurfacePage:
		s.writePageError(w, r, u, p)
	case SurfaceFHIR:
		writeOutcome(w, p)
	default:
		writeJSONError(w, p)
	}
}

// auditFailed records an allowed request that did not complete, so the
// attempt is still accountable.
func (s *Server) auditFailed(r *http.Request, c *Call, why string) {
	e := *c.Audit
	e.Outcome = joinedup.OutcomeFailed
	e.Reason = c.Decision.Reason + "; not completed: " + why
	if _, err := s.coord.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.Error("audit of failed request", "err", err)
	}
}

// finish writes the response a handler set with JSON, Page or Redirect.
func (s *Server) finish(c *Call) {
	switch {
	case c.redirect != "":
		http.Redirect(c.W, c.R, c.redirect, http.StatusSeeOther)
	case c.page != nil:
		if c.User.ID != "" {
			c.page.User = &c.User
		}
		c.page.Now = c.Now
		s.renderPage(c.W, c.R, c.status, c.pageName, c.page)
	case c.stream != nil:
		c.W.Header().Set("Content-Type", c.contentType)
		c.W.WriteHeader(c.status)
		if err := c.stream(c.W); err != nil {
			s.log.Error("response stream", "path", c.R.URL.Path, "err", err)
		}
	case c.body != nil || c.status != 0:
		ct := c.contentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		writeJSONAs(c.W, c.status, ct, c.body)
	}
}

func (s *Server) healthz(c *Call) error {
	if err := s.db.PingContext(c.R.Context()); err != nil {
		return unavailable("database unavailable")
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

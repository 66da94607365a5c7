package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

var ctx = context.Background()

// clock is a settable clock for the server under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// cheap keeps password hashing fast in tests; production uses the defaults.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// fixture is a small LCN: two practices, a trust, social-care and voluntary
// organisations; patients related to every role's user (R, R2) and related
// to none (U, U2); a user of every role.
type fixture struct {
	db      *store.DB
	clock   *clock
	srv     *Server
	logs    *bytes.Buffer
	users   map[joinedup.Role]joinedup.User
	orgs    map[string]string // ODS → id
	R, U    joinedup.Patient
	R2, U2  joinedup.Patient
	counter int
	// fhir is what the FHIR API tests add (fhir_test.go).
	fhir *fhirFixture
}

// fixtureHooks add a feature's records to a full fixture (newFullFixture),
// from the feature's own test file. The access matrix, which exercises
// every feature's routes, uses the full fixture; a feature's own tests use
// the plain one plus what they need, so one feature's records never change
// what another feature's tests see.
var fixtureHooks []func(t *testing.T, f *fixture)

func org(ods string, kind joinedup.OrgKind) joinedup.Organisation {
	o := joinedup.Organisation{ODS: ods, Name: "Org " + ods, Kind: kind, Source: joinedup.Source{System: "test", ID: ods}}
	o.ID = store.OrganisationID(o)
	return o
}

func newFixture(t *testing.T, db *store.DB, opt Options) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: newClock(), logs: &bytes.Buffer{}, users: map[joinedup.Role]joinedup.User{}, orgs: map[string]string{}}
	orgs := []joinedup.Organisation{org("LOC1", joinedup.OrgLocality), org("PRACA", joinedup.OrgPractice), org("PRACB", joinedup.OrgPractice),
		org("TRUST1", joinedup.OrgTrust), org("SC1", joinedup.OrgSocialCare), org("VOL1", joinedup.OrgVoluntary)}
	for _, o := range orgs {
		f.orgs[o.ODS] = o.ID
	}
	b := &store.Batch{Organisations: orgs}
	nhs := []joinedup.NHSNumber{"9000000009", "9000000017", "9000000025", "9000000033"}
	mk := func(i int, given, practice string) joinedup.Patient {
		p := joinedup.Patient{NHSNumber: nhs[i], Source: joinedup.Source{System: "test", ID: given}, GivenName: given, FamilyName: "Test",
			PracticeID: f.orgs[practice], Phone: "020 7946 000" + fmt.Sprint(i), BirthDate: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}
		p.ID = joinedup.PatientID(p)
		return p
	}
	f.R, f.U, f.R2, f.U2 = mk(0, "Rita", "PRACA"), mk(1, "Umar", "PRACB"), mk(2, "Ravi", "PRACA"), mk(3, "Una", "PRACB")
	b.Patients = []joinedup.Patient{f.R, f.U, f.R2, f.U2}
	for i := range 5 { // PRACA has 7 patients; PRACB 2, which aggregates suppress
		p := joinedup.Patient{Source: joinedup.Source{System: "test", ID: fmt.Sprint("extra", i)}, GivenName: "Extra", PracticeID: f.orgs["PRACA"]}
		p.ID = joinedup.PatientID(p)
		b.Patients = append(b.Patients, p)
	}
	b.Conditions = []joinedup.Condition{{PatientID: f.R.ID, Source: joinedup.Source{System: "test", ID: "c1"},
		Codes: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "44054006", Display: "Type 2 diabetes"}}}}
	if _, err := store.Write(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	home := map[joinedup.Role]string{joinedup.RoleGP: "PRACA", joinedup.RoleCareCoordinator: "LOC1", joinedup.RoleLeadSpecialist: "TRUST1",
		joinedup.RoleCommunitySocialCare: "SC1", joinedup.RoleVoluntaryLinkWorker: "VOL1", joinedup.RoleLCNManager: "LOC1",
		joinedup.RoleAdmin: "LOC1", joinedup.RoleIGLead: "LOC1"}
	t0 := f.clock.Now()
	ok := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range joinedup.Roles() {
		u, err := store.CreateUser(ctx, db, joinedup.User{Username: "user-" + string(r), DisplayName: "User " + string(r), Role: r,
			OrganisationID: f.orgs[home[r]]}, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		f.users[r] = u
	}
	for _, p := range []joinedup.Patient{f.R, f.R2} {
		// Relationships for the non-GP roles (the GP's is registration).
		ok(store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, UserID: f.users[joinedup.RoleCareCoordinator].ID, Role: "care coordinator", Start: t0}))
		ok(store.AddReferral(ctx, db, joinedup.Referral{PatientID: p.ID, OrganisationID: f.orgs["TRUST1"], Reason: "annual review", Created: t0}))
		ok(store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, OrganisationID: f.orgs["SC1"], Role: "social worker", Start: t0}))
		ok(store.AddReferral(ctx, db, joinedup.Referral{PatientID: p.ID, OrganisationID: f.orgs["VOL1"], Reason: "lonely since bereavement",
			WhatMatters: "getting back to the choir", Created: t0}))
		// The roles that never see patients get a relationship too, to show it does not help them.
		for _, r := range []joinedup.Role{joinedup.RoleLCNManager, joinedup.RoleAdmin, joinedup.RoleIGLead} {
			ok(store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, UserID: f.users[r].ID, Role: "other", Start: t0}))
		}
	}
	// Every patient consents to everything, so only relationships differ.
	for _, p := range []joinedup.Patient{f.R, f.U, f.R2, f.U2} {
		ok(store.RecordConsent(ctx, db, joinedup.Consent{PatientID: p.ID, SocialCare: true, Voluntary: true,
			RecordedBy: f.users[joinedup.RoleGP].ID, RecordedAt: t0}))
	}
	opt.Now = f.clock.Now
	opt.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opt.ExportDir == "" {
		opt.ExportDir = t.TempDir()
	}
	f.srv = New(db, opt)
	t.Cleanup(f.srv.WaitBackground)
	return f
}

// newFullFixture is newFixture with every feature's records added.
func newFullFixture(t *testing.T, db *store.DB, opt Options) *fixture {
	f := newFixture(t, db, opt)
	for _, h := range fixtureHooks {
		h(t, f)
	}
	return f
}

// session starts a session for the role's user and returns its token.
func (f *fixture) session(t *testing.T, r joinedup.Role) string {
	t.Helper()
	tok := coord.NewToken()
	if err := store.CreateSession(ctx, f.db, coord.TokenHash(tok), f.users[r].ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request straight to the server's handler.
func (f *fixture) do(method, path, body, token string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://joinedup.test"+path, strings.NewReader(body))
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" && !strings.HasPrefix(token, "Bearer ") {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: token})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if strings.HasPrefix(token, "Bearer ") {
		req.Header.Set("Authorization", token)
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return w
}

type cell struct{ with, without int }

// matrixRow says how one route answers every role, with and without a
// relationship to the patient, and with no session.
type matrixRow struct {
	path func(f *fixture, with bool) string
	body func(f *fixture) string
	anon int
	def  cell
	want map[joinedup.Role]cell
	// header is sent with every request of the row (name, value, …).
	header []string
	// client is how a system client's bearer token is answered: with a
	// scope granting clientScope, and without (a scope for another type
	// only). Zero: the route takes no bearer token, so a client gets what
	// an anonymous request gets (public routes) or 401.
	client      cell
	clientScope string
}

func fixed(p string) func(*fixture, bool) string { return func(*fixture, bool) string { return p } }

func patientPath(suffix string, alt bool) func(*fixture, bool) string {
	return func(f *fixture, with bool) string {
		p := map[[2]bool]joinedup.Patient{{true, false}: f.R, {false, false}: f.U, {true, true}: f.R2, {false, true}: f.U2}[[2]bool{with, alt}]
		return "/api/patients/" + p.ID + suffix
	}
}

var (
	forbidden  = cell{403, 403}
	clinicians = []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator, joinedup.RoleLeadSpecialist}
)

func only(c cell, roles ...joinedup.Role) map[joinedup.Role]cell {
	m := map[joinedup.Role]cell{}
	for _, r := range roles {
		m[r] = c
	}
	return m
}

// accessMatrix has one row per route (a feature's test file adds its rows in
// an init function); TestAccessMatrix fails for a route
// without one.
var accessMatrix = map[string]matrixRow{
	"GET /healthz": {path: fixed("/healthz"), anon: 200, def: cell{200, 200}},
	"GET /signin":  {path: fixed("/signin"), anon: 200, def: cell{200, 200}},
	"POST /signin": {path: fixed("/signin"), body: func(f *fixture) string {
		f.counter++
		return fmt.Sprintf("username=nobody%d&password=wrong-password", f.counter)
	}, anon: 401, def: cell{401, 401}},
	"POST /signout":           {path: fixed("/signout"), anon: 303, def: cell{303, 303}},
	"GET /auth/oidc/login":    {path: fixed("/auth/oidc/login"), anon: 404, def: cell{404, 404}},
	"GET /auth/oidc/callback": {path: fixed("/auth/oidc/callback?code=x&state=y"), anon: 404, def: cell{404, 404}},
	"GET /api/patients/{id}": {path: patientPath("", false), anon: 401, def: forbidden,
		want: only(cell{200, 403}, append(clinicians, joinedup.RoleCommunitySocialCare, joinedup.RoleVoluntaryLinkWorker)...)},
	"POST /api/patients/{id}/consent": {path: patientPath("/consent", false), anon: 401, def: forbidden,
		body: func(*fixture) string { return `{"social_care":true,"voluntary":true}` },
		want: only(cell{201, 403}, append(clinicians, joinedup.RoleCommunitySocialCare)...)},
	"POST /api/patients/{id}/break-glass": {path: patientPath("/break-glass", true), anon: 401, def: forbidden,
		body: func(*fixture) string { return `{"reason":"collapsed at reception, unresponsive"}` },
		want: only(cell{201, 201}, clinicians...)},
	"GET /api/audit": {path: fixed("/api/audit"), anon: 401, def: forbidden, want: only(cell{200, 200}, joinedup.RoleIGLead)},
	"GET /api/audit/patient/{nhs}": {path: func(f *fixture, with bool) string {
		if with {
			return "/api/audit/patient/" + string(f.R.NHSNumber)
		}
		return "/api/audit/patient/" + string(f.U.NHSNumber)
	}, anon: 401, def: forbidden, want: only(cell{200, 200}, joinedup.RoleIGLead)},
	"GET /api/aggregates/practices": {path: fixed("/api/aggregates/practices"), anon: 401, def: forbidden, want: only(cell{200, 200}, joinedup.RoleLCNManager)},
	"GET /api/users":                {path: fixed("/api/users"), anon: 401, def: forbidden, want: only(cell{200, 200}, joinedup.RoleAdmin)},
	"POST /api/users": {path: fixed("/api/users"), anon: 401, def: forbidden, want: only(cell{201, 201}, joinedup.RoleAdmin),
		body: func(f *fixture) string {
			f.counter++
			return fmt.Sprintf(`{"username":"new%d","display_name":"New Person","role":"gp","organisation_ods":"PRACA"}`, f.counter)
		}},
}

// TestAccessMatrix sends every route as every role, with and without a
// relationship, and with no session, and checks each status. Every
// authenticated request to a non-public route must leave one audit entry,
// and the chain must verify afterwards. Every successful answer of the
// JSON API is held to its style (snake_case keys, counts as numbers) and
// to what the OpenAPI document says of it.
func TestAccessMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		setUp, err := store.VerifyAudit(ctx, db) // changes made by the fixture
		if err != nil {
			t.Fatal(err)
		}
		audited := 0
		styled := map[string]map[string]bool{} // JSON route → style and schema problems found
		schemas := loadOpenAPISchemas(t)
		for _, rt := range f.srv.Routes() {
			row, ok := accessMatrix[rt.Key()]
			if !ok {
				t.Errorf("route %s has no row in the access matrix", rt.Key())
				continue
			}
			body := func() string {
				if row.body == nil {
					return ""
				}
				return row.body(f)
			}
			if w := f.do(rt.Method, row.path(f, true), body(), "", row.header...); w.Code != row.anon {
				t.Errorf("%s without a session: %d, want %d: %s", rt.Key(), w.Code, row.anon, w.Body)
			}
			want := row.client
			if want == (cell{}) {
				want = cell{401, 401}
				if rt.Action == "" {
					want = cell{row.anon, row.anon}
				}
			}
			for _, with := range []bool{true, false} {
				exp, scope := want.without, otherScope(row.clientScope)
				if with {
					exp, scope = want.with, "system/"+row.clientScope+".read"
					if strings.HasPrefix(row.clientScope, "system/") {
						scope = row.clientScope // a scope other than a read
					}
				}
				if row.clientScope == "" {
					scope = "system/*.read"
				}
				w := f.do(rt.Method, row.path(f, true), body(), f.clientToken(t, scope), row.header...)
				if w.Code != exp {
					t.Errorf("%s as a system client with %s: %d, want %d: %s", rt.Key(), scope, w.Code, exp, w.Body)
				}
				if rt.Action != "" && w.Code != 401 {
					audited++
				}
			}
			for _, r := range joinedup.Roles() {
				want, ok := row.want[r]
				if !ok {
					want = row.def
				}
				for _, with := range []bool{true, false} {
					w := f.do(rt.Method, row.path(f, with), body(), f.session(t, r), row.header...)
					exp := want.without
					if with {
						exp = want.with
					}
					if w.Code != exp {
						t.Errorf("%s as %s (relationship %v): %d, want %d: %s", rt.Key(), r, with, w.Code, exp, w.Body)
					}
					if jsonAPIRoute(rt) && w.Code/100 == 2 {
						problems, err := jsonStyleProblems(w.Body.Bytes(), slices.Contains(disclosureText, rt.Key()))
						if err != nil {
							t.Errorf("%s as %s: %d with a body that is not JSON (%v): %s", rt.Key(), r, w.Code, err, w.Body)
						}
						if !slices.Contains(disclosureText, rt.Key()) {
							problems = append(problems, schemas.check(rt, w.Code, w.Body.Bytes())...)
						}
						if styled[rt.Key()] == nil {
							styled[rt.Key()] = map[string]bool{}
						}
						for _, p := range problems {
							styled[rt.Key()][p] = true
						}
					}
					if rt.Action != "" {
						audited++
					}
					if w.Code == 403 && rt.Surface == SurfacePage && !strings.Contains(w.Body.String(), "You cannot see this page") {
						t.Errorf("%s as %s: 403 page %s", rt.Key(), r, w.Body)
					}
					if w.Code == 403 && rt.Surface != SurfacePage && !strings.Contains(w.Body.String(), `"code":"forbidden"`) {
						t.Errorf("%s as %s: 403 body %s", rt.Key(), r, w.Body)
					}
				}
			}
		}
		if len(accessMatrix) != len(f.srv.Routes()) {
			t.Errorf("access matrix has %d rows for %d routes", len(accessMatrix), len(f.srv.Routes()))
		}
		for _, rt := range f.srv.Routes() {
			problems, answered := styled[rt.Key()]
			switch {
			case !jsonAPIRoute(rt):
			case !answered:
				t.Errorf("%s: no role got a successful answer, so its JSON style is unchecked", rt.Key())
			case len(problems) > 0:
				t.Errorf("%s answers outside the API's style or its OpenAPI description:\n\t%s", rt.Key(), strings.Join(slices.Sorted(maps.Keys(problems)), "\n\t"))
			}
		}
		f.srv.WaitBackground()
		// Lists across patients add an entry for each patient they show.
		var listed int64
		for after := int64(0); ; {
			es, err := store.AuditEntries(ctx, db, store.AuditFilter{AfterSeq: after, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				if strings.HasSuffix(e.What, " (listed)") {
					listed++
				}
			}
			after = es[len(es)-1].Seq
		}
		n, err := store.VerifyAudit(ctx, db)
		if err != nil || n != setUp+int64(audited)+listed {
			t.Fatalf("audit: %d entries, %v; want %d (set-up) + %d (one per authenticated API request) + %d (one per patient listed)",
				n, err, setUp, audited, listed)
		}
		denied, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.U.ID, Limit: 1000})
		nDenied := 0
		for _, e := range denied {
			if e.Outcome == joinedup.OutcomeDenied {
				nDenied++
			}
		}
		if nDenied == 0 {
			t.Fatal("no denied attempt on the unrelated patient was audited")
		}
	})
}

// TestPatientSummaryByScope checks what each scope shows: a link worker
// gets the referral share only, never clinical data.
func TestPatientSummaryByScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		w := f.do("GET", "/api/patients/"+f.R.ID, "", f.session(t, joinedup.RoleGP))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "Type 2 diabetes") || !strings.Contains(w.Body.String(), `"nhs_number":"9000000009"`) {
			t.Fatalf("GP summary: %d %s", w.Code, w.Body)
		}
		w = f.do("GET", "/api/patients/"+f.R.ID, "", f.session(t, joinedup.RoleVoluntaryLinkWorker))
		var share map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &share); err != nil || w.Code != 200 {
			t.Fatalf("link worker summary: %d %s", w.Code, w.Body)
		}
		for k := range share {
			if k != "id" && k != "name" && k != "phone" && k != "referrals" {
				t.Errorf("link worker sees field %q", k)
			}
		}
		body := w.Body.String()
		if strings.Contains(body, "diabetes") || strings.Contains(body, "annual review") || !strings.Contains(body, "getting back to the choir") {
			t.Fatalf("link worker sees the wrong things: %s", body)
		}
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		last := es[len(es)-1]
		if last.Username != "user-voluntary-link-worker" || last.Outcome != joinedup.OutcomeAllowed ||
			!strings.Contains(last.What, "referral share") || last.Role != joinedup.RoleVoluntaryLinkWorker {
			t.Fatalf("last audit entry %+v", last)
		}
	})
}

// TestBreakGlass: a clinician without a relationship is refused, breaks the
// glass with a reason, is then allowed (flagged for the IG lead) until the
// grant expires.
func TestBreakGlass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleGP)
		path := "/api/patients/" + f.U.ID
		if w := f.do("GET", path, "", tok); w.Code != 403 {
			t.Fatalf("before break-glass: %d", w.Code)
		}
		if w := f.do("POST", path+"/break-glass", `{"reason":"   "}`, tok); w.Code != 422 || !strings.Contains(w.Body.String(), `"reason"`) {
			t.Fatalf("empty reason: %d %s", w.Code, w.Body)
		}
		if w := f.do("POST", path+"/break-glass", `{"reason":"found unconscious at home visit"}`, tok); w.Code != 201 {
			t.Fatalf("break-glass: %d %s", w.Code, w.Body)
		}
		if w := f.do("GET", path, "", tok); w.Code != 200 {
			t.Fatalf("during break-glass: %d %s", w.Code, w.Body)
		}
		f.clock.Advance(joinedup.BreakGlassDuration)
		tok = f.session(t, joinedup.RoleGP)
		if w := f.do("GET", path, "", tok); w.Code != 403 {
			t.Fatalf("after expiry: %d", w.Code)
		}
		w := f.do("GET", "/api/audit?break_glass=true", "", f.session(t, joinedup.RoleIGLead))
		var got struct{ Entries []auditEntryJSON }
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Entries) != 2 || !strings.Contains(got.Entries[0].Reason, "found unconscious") || got.Entries[1].Action != string(joinedup.ActionReadPatient) {
			t.Fatalf("break-glass entries for the IG lead: %+v", got.Entries)
		}
	})
}

// TestConsentAuditedInSameTransaction: a rejected consent body stores
// neither consent nor an "allowed" entry; a good one stores both.
func TestConsentAuditedInSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleGP)
		path := "/api/patients/" + f.R.ID + "/consent"
		if w := f.do("POST", path, `{"social_care":false}`, tok); w.Code != 422 || !strings.Contains(w.Body.String(), `"voluntary":"is required`) {
			t.Fatalf("missing field: %d %s", w.Code, w.Body)
		}
		if c, _ := store.LatestConsent(ctx, db, f.R.ID); !c.SocialCare {
			t.Fatal("a rejected request changed consent")
		}
		f.clock.Advance(time.Minute)
		if w := f.do("POST", path, `{"social_care":false,"voluntary":true,"note":"said so at review"}`, tok); w.Code != 201 {
			t.Fatalf("record: %d %s", w.Code, w.Body)
		}
		if c, _ := store.LatestConsent(ctx, db, f.R.ID); c.SocialCare || !c.Voluntary {
			t.Fatalf("consent not recorded: %+v", c)
		}
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		if len(es) != 2 || es[0].Outcome != joinedup.OutcomeFailed || es[1].Outcome != joinedup.OutcomeAllowed ||
			!strings.Contains(es[1].What, "social_care=false voluntary=true") {
			t.Fatalf("audit entries: %+v", es)
		}
		// Social care now loses access: consent withdrawn.
		if w := f.do("GET", "/api/patients/"+f.R.ID, "", f.session(t, joinedup.RoleCommunitySocialCare)); w.Code != 403 {
			t.Fatalf("social care after withdrawal: %d", w.Code)
		}
	})
}

func TestAggregatesSuppressSmallNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		w := f.do("GET", "/api/aggregates/practices", "", f.session(t, joinedup.RoleLCNManager))
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `{"ods":"PRACA","name":"Org PRACA","patients":"7"}`) ||
			!strings.Contains(body, `{"ods":"PRACB","name":"Org PRACB","patients":"\u003c5"}`) {
			t.Fatalf("aggregates: %d %s", w.Code, body)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleAdmin)
		get := func() int { return f.do("GET", "/api/users", "", tok).Code }
		// Idle: activity restarts the timer; 30 minutes of silence ends it.
		for range 3 {
			f.clock.Advance(29 * time.Minute)
			if c := get(); c != 200 {
				t.Fatalf("active session refused: %d", c)
			}
		}
		f.clock.Advance(30 * time.Minute)
		if c := get(); c != 401 {
			t.Fatalf("idle session accepted: %d", c)
		}
		if c := get(); c != 401 {
			t.Fatalf("expired session came back: %d", c)
		}
		// Absolute: however active, 12 hours after sign-in it ends.
		tok = f.session(t, joinedup.RoleAdmin)
		for i := range 12*3 - 1 {
			f.clock.Advance(20 * time.Minute)
			if c := get(); c != 200 {
				t.Fatalf("at %d min: %d", (i+1)*20, c)
			}
		}
		f.clock.Advance(20 * time.Minute)
		if c := get(); c != 401 {
			t.Fatalf("session older than 12 hours accepted: %d", c)
		}
	})
}

func (f *fixture) setPassword(t *testing.T, r joinedup.Role, pw string) {
	t.Helper()
	h, err := password.HashWith(pw, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", h, f.users[r].ID); err != nil {
		t.Fatal(err)
	}
}

func signinForm(user, pw string) string {
	return url.Values{"username": {user}, "password": {pw}}.Encode()
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		const pw = "correct horse battery staple"
		f.setPassword(t, joinedup.RoleGP, pw)
		for i := range 5 {
			f.clock.Advance(time.Second)
			if w := f.do("POST", "/signin", signinForm("user-gp", "guess"+fmt.Sprint(i)), ""); w.Code != 401 {
				t.Fatalf("failure %d: %d", i+1, w.Code)
			}
		}
		w := f.do("POST", "/signin", signinForm("user-gp", pw), "")
		if w.Code != 429 || len(w.Result().Cookies()) > 0 {
			t.Fatalf("locked account signed in: %d %v", w.Code, w.Result().Cookies())
		}
		f.clock.Advance(14 * time.Minute)
		if w := f.do("POST", "/signin", signinForm("user-gp", pw), ""); w.Code != 429 {
			t.Fatalf("unlocked early: %d", w.Code)
		}
		f.clock.Advance(time.Minute)
		w = f.do("POST", "/signin", signinForm("user-gp", pw), "")
		if w.Code != 303 {
			t.Fatalf("after the lock-out period: %d %s", w.Code, w.Body)
		}
		var tok string
		for _, c := range w.Result().Cookies() {
			if c.Name == SessionCookie {
				tok = c.Value
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("session cookie flags: %+v", c)
				}
			}
		}
		if w := f.do("GET", "/api/patients/"+f.R.ID, "", tok); w.Code != 200 {
			t.Fatalf("new session does not work: %d", w.Code)
		}
		// A success resets the count: four more failures do not lock.
		for range 4 {
			f.do("POST", "/signin", signinForm("user-gp", "nope"), "")
		}
		if w := f.do("POST", "/signin", signinForm("user-gp", pw), ""); w.Code != 303 {
			t.Fatalf("locked after 4 failures: %d", w.Code)
		}
		// Unknown usernames lock the same way, revealing nothing.
		for range 5 {
			f.do("POST", "/signin", signinForm("ghost", "nope"), "")
		}
		if w := f.do("POST", "/signin", signinForm("ghost", "nope"), ""); w.Code != 429 {
			t.Fatalf("unknown username: %d", w.Code)
		}
	})
}

func TestSecureCookieOption(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{SecureCookies: true})
	f.setPassword(t, joinedup.RoleGP, "correct horse battery staple")
	w := f.do("POST", "/signin", signinForm("user-gp", "correct horse battery staple"), "")
	cs := w.Result().Cookies()
	if len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode || cs[0].MaxAge != 12*3600 {
		t.Fatalf("cookies: %+v", cs)
	}
}

func TestCrossOriginRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.setPassword(t, joinedup.RoleGP, "correct horse battery staple")
		form := signinForm("user-gp", "correct horse battery staple")
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			w := f.do("POST", "/signin", form, "", h...)
			if w.Code != 403 || !strings.Contains(w.Body.String(), `"code":"cross_origin"`) || len(w.Result().Cookies()) > 0 {
				t.Errorf("cross-origin sign-in with %v: %d %s", h, w.Code, w.Body)
			}
			tok := f.session(t, joinedup.RoleGP)
			w = f.do("POST", "/api/patients/"+f.R.ID+"/consent", `{"social_care":false,"voluntary":false}`, tok, h...)
			if w.Code != 403 || !strings.Contains(w.Body.String(), `"code":"cross_origin"`) {
				t.Errorf("cross-origin consent with %v: %d %s", h, w.Code, w.Body)
			}
		}
		if c, _ := store.LatestConsent(ctx, db, f.R.ID); !c.SocialCare || !c.Voluntary {
			t.Fatal("a cross-origin request changed consent")
		}
		// The same request from the same origin goes through.
		w := f.do("POST", "/signin", form, "", "Sec-Fetch-Site", "same-origin", "Origin", "http://joinedup.test")
		if w.Code != 303 {
			t.Fatalf("same-origin sign-in: %d %s", w.Code, w.Body)
		}
	})
}

// TestNoSecretsInLogs signs in, uses and ends a session, and fails a
// sign-in, capturing every log line, which must never hold the password,
// the session token or its hash.
func TestNoSecretsInLogs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		const pw = "correct horse battery staple"
		f.setPassword(t, joinedup.RoleGP, pw)
		f.do("POST", "/signin", signinForm("user-gp", pw+"x"), "")
		w := f.do("POST", "/signin", signinForm("user-gp", pw), "")
		var tok string
		for _, c := range w.Result().Cookies() {
			tok = c.Value
		}
		if tok == "" {
			t.Fatal("no session")
		}
		f.do("GET", "/api/patients/"+f.R.ID, "", tok)
		f.do("GET", "/api/patients/"+f.U.ID, "", tok)
		f.do("GET", "/signin?token="+tok, "", tok)
		f.do("POST", "/signout", "", tok)
		logs := f.logs.String()
		if !strings.Contains(logs, "signed in") || !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, "access denied") {
			t.Fatalf("expected log lines missing:\n%s", logs)
		}
		for _, secret := range []string{pw, tok, coord.TokenHash(tok)} {
			if strings.Contains(logs, secret) {
				t.Fatalf("logs contain a secret %q:\n%s", secret, logs)
			}
		}
	})
}

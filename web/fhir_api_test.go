package web

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestFHIRResourcesValidate reads and searches every type as a GP and a
// system client and validates every resource and Bundle against the
// official R4 schema.
func TestFHIRResourcesValidate(t *testing.T) {
	schema := fhirschema.Validator(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		gp := f.session(t, joinedup.RoleGP)
		check := func(path, tok string) []byte {
			t.Helper()
			w := f.do("GET", path, "", tok)
			if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/fhir+json") {
				t.Fatalf("GET %s: %d %s %s", path, w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			if err := schema.Validate(w.Body.Bytes()); err != nil {
				t.Errorf("GET %s: %v\n%s", path, err, w.Body)
			}
			return w.Body.Bytes()
		}
		check("/fhir/metadata", "")
		for _, typ := range fhirapi.Types() {
			if !typ.PatientScoped() {
				check("/fhir/"+typ.Name, gp)
				continue
			}
			check("/fhir/"+typ.Name+"/"+f.fhirID(typ.Name, f.R.ID), gp)
			body := check("/fhir/"+typ.Name+"?_id="+f.fhirID(typ.Name, f.R.ID)+patientParam(typ, f.R), gp)
			var b struct {
				Total int
				Entry []struct{ Resource json.RawMessage }
			}
			_ = json.Unmarshal(body, &b)
			if b.Total != 1 || len(b.Entry) != 1 {
				t.Errorf("%s search by _id: total %d, %d entries", typ.Name, b.Total, len(b.Entry))
			}
			// A client reads across the population.
			check("/fhir/"+typ.Name, f.clientToken(t, "system/*.read"))
		}
		// The RiskAssessment carries the suggested tier and its basis.
		body := string(check("/fhir/RiskAssessment?patient="+f.R.ID, gp))
		if !strings.Contains(body, `"text":"Amber"`) || !strings.Contains(body, `"reference":"Observation/`) {
			t.Errorf("RiskAssessment lacks its outcome or basis: %s", body)
		}
		body = string(check("/fhir/Flag?patient="+f.R.ID+"&code=red", gp))
		if !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"display":"User gp"`) {
			t.Errorf("Flag: %s", body)
		}
		// A link worker sees the referral share only.
		lw := f.session(t, joinedup.RoleVoluntaryLinkWorker)
		body = string(check("/fhir/Patient/"+f.R.ID, lw))
		if strings.Contains(body, "9000000009") || !strings.Contains(body, "REDACTED") {
			t.Errorf("link worker's Patient: %s", body)
		}
		body = string(check("/fhir/ServiceRequest?patient="+f.R.ID, lw))
		if !strings.Contains(body, `"total":1`) || strings.Contains(body, "annual review") {
			t.Errorf("link worker's referrals: %s", body)
		}
		// The care plan's versions, the current goals and the team; none of
		// them reach a link worker's referral share.
		body = string(check("/fhir/CarePlan?patient="+f.R.ID+"&_count=1", gp))
		if !strings.Contains(body, `"total":3`) || !strings.Contains(body, `"relation":"next"`) {
			t.Errorf("CarePlan search: %s", body)
		}
		body = string(check("/fhir/CarePlan?patient="+f.R.ID+"&status=active", gp))
		if !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"versionId":"3"`) || !strings.Contains(body, `"reference":"CareTeam/`+f.R.ID+`"`) {
			t.Errorf("active CarePlan: %s", body)
		}
		body = string(check("/fhir/Goal?patient="+f.R.ID, gp))
		if !strings.Contains(body, `"total":2`) || !strings.Contains(body, `"dueDate"`) {
			t.Errorf("Goal search: %s", body)
		}
		body = string(check("/fhir/CareTeam/"+f.R.ID, gp))
		if !strings.Contains(body, `"display":"Carer of `+f.R.GivenName+` (daughter)"`) || !strings.Contains(body, `"reference":"Organization/`+f.orgs["SC1"]+`"`) {
			t.Errorf("CareTeam: %s", body)
		}
		for _, path := range []string{"/fhir/CarePlan?patient=" + f.R.ID, "/fhir/Goal?patient=" + f.R.ID, "/fhir/CareTeam/" + f.R.ID} {
			if w := f.do("GET", path, "", lw); w.Code != 403 {
				t.Errorf("link worker GET %s: %d", path, w.Code)
			}
		}
		// Errors are OperationOutcomes with the right status.
		for path, want := range map[string]int{"/fhir/Condition?patient=" + f.R.ID + "&colour=blue": 400,
			"/fhir/Condition?patient=" + f.R.ID + "&onset-date=yesterday": 400, "/fhir/Observation/nope": 403,
			"/fhir/Organization/nope": 404, "/fhir/Condition": 403} {
			w := f.do("GET", path, "", gp)
			if w.Code != want || !strings.Contains(w.Body.String(), `"resourceType":"OperationOutcome"`) {
				t.Errorf("GET %s: %d %s, want %d", path, w.Code, w.Body, want)
			}
			if err := schema.Validate(w.Body.Bytes()); err != nil {
				t.Errorf("GET %s: %v", path, err)
			}
		}
		if w := f.do("GET", "/fhir/Observation/nope", "", f.clientToken(t, "system/*.read")); w.Code != 404 {
			t.Errorf("client reading a missing resource: %d", w.Code)
		}
		if w := f.do("GET", "/fhir/Condition", "", "Bearer not-a-token"); w.Code != 401 || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("bad token: %d %v", w.Code, w.Header())
		}
	})
}

func patientParam(typ *fhirapi.Type, p joinedup.Patient) string {
	if typ.Name == "Patient" {
		return ""
	}
	return "&patient=" + p.ID
}

// TestFHIRPaging pages through a patient's resources by offset and the
// population by cursor, following next links to the end.
func TestFHIRPaging(t *testing.T) {
	f := newFullFixture(t, storetest.Open(t, store.SQLite), Options{})
	follow := func(start, tok string) (ids []string, pages int) {
		next := start
		for next != "" {
			pages++
			w := f.do("GET", strings.TrimPrefix(next, "http://joinedup.test"), "", tok)
			if w.Code != 200 {
				t.Fatalf("GET %s: %d %s", next, w.Code, w.Body)
			}
			var b struct {
				Link  []struct{ Relation, URL string }
				Entry []struct{ Resource struct{ ID string } }
			}
			_ = json.Unmarshal(w.Body.Bytes(), &b)
			next = ""
			for _, l := range b.Link {
				if l.Relation == "next" {
					next = l.URL
				}
			}
			for _, e := range b.Entry {
				ids = append(ids, e.Resource.ID)
			}
		}
		return ids, pages
	}
	// R has two referrals (to the trust and to VOL1).
	ids, pages := follow("/fhir/ServiceRequest?patient="+f.R.ID+"&_count=1", f.session(t, joinedup.RoleGP))
	if len(ids) != 2 || pages != 2 || ids[0] == ids[1] {
		t.Fatalf("patient paging: %v in %d pages", ids, pages)
	}
	client := f.clientToken(t, "system/*.read")
	all, _ := follow("/fhir/Patient?_count=1000", client)
	paged, pages := follow("/fhir/Patient?_count=2", client)
	if len(all) != 9 || strings.Join(all, ",") != strings.Join(paged, ",") || pages != 5 {
		t.Fatalf("population paging: %d patients, paged %d in %d pages", len(all), len(paged), pages)
	}
}

// signedAssertion makes a client assertion signed with key.
func signedAssertion(t *testing.T, alg jose.SignatureAlgorithm, key any, kid, clientID, aud, jti string, now time.Time) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{aud}, ID: jti,
		Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute)), IssuedAt: jwt.NewNumericDate(now)}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOAuthClientCredentials: a registered client gets a token with an
// RS384 or ES384 assertion, reads within its scope, and nothing else.
func TestOAuthClientCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
		ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &rsaKey.PublicKey, KeyID: "rsa1", Algorithm: "RS384", Use: "sig"},
			{Key: &ecKey.PublicKey, KeyID: "ec1", Algorithm: "ES384", Use: "sig"}}})
		c, err := store.CreateClient(ctx, db, joinedup.Client{Name: "gp-system", Scopes: []string{"system/Patient.read", "system/Condition.read"}}, string(jwks), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		aud := "http://joinedup.test/oauth/token"
		token := func(assertion, scope string) (int, map[string]any) {
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
				"client_assertion_type": {assertionType}, "client_assertion": {assertion}}
			w := f.do("POST", "/oauth/token", form.Encode(), "")
			var out map[string]any
			_ = json.Unmarshal(w.Body.Bytes(), &out)
			return w.Code, out
		}
		code, out := token(signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, aud, "a1", now), "system/*.read")
		if code != 200 || out["scope"] != "system/Patient.read system/Condition.read" || out["expires_in"] != float64(300) {
			t.Fatalf("RS384 token: %d %v", code, out)
		}
		bearer := "Bearer " + out["access_token"].(string)
		if w := f.do("GET", "/fhir/Condition?patient="+f.R.ID, "", bearer); w.Code != 200 {
			t.Fatalf("read in scope: %d %s", w.Code, w.Body)
		}
		if w := f.do("GET", "/fhir/Observation?patient="+f.R.ID, "", bearer); w.Code != 403 {
			t.Fatalf("read out of scope: %d %s", w.Code, w.Body)
		}
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		last := es[len(es)-1]
		if last.Username != "client:gp-system" || last.Role != joinedup.RoleSystemClient || last.Outcome != joinedup.OutcomeDenied {
			t.Fatalf("audit of the client: %+v", last)
		}
		code, out = token(signedAssertion(t, jose.ES384, ecKey, "ec1", c.ID, aud, "a2", now), "system/Patient.read")
		if code != 200 || out["scope"] != "system/Patient.read" {
			t.Fatalf("ES384 token: %d %v", code, out)
		}
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		for name, tc := range map[string]struct {
			assertion, scope string
			code             int
		}{
			"replayed":       {signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, aud, "a1", now), "system/*.read", 401},
			"wrong key":      {signedAssertion(t, jose.RS384, other, "rsa1", c.ID, aud, "a3", now), "system/*.read", 401},
			"wrong audience": {signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, "https://elsewhere/token", "a4", now), "system/*.read", 401},
			"RS256":          {signedAssertion(t, jose.RS256, rsaKey, "rsa1", c.ID, aud, "a5", now), "system/*.read", 401},
			"unknown client": {signedAssertion(t, jose.RS384, rsaKey, "rsa1", "nobody", aud, "a6", now), "system/*.read", 401},
			"expired":        {signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, aud, "a7", now.Add(-time.Hour)), "system/*.read", 401},
			"scope refused":  {signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, aud, "a8", now), "system/Flag.read", 400},
			"write scope":    {signedAssertion(t, jose.RS384, rsaKey, "rsa1", c.ID, aud, "a9", now), "system/*.write", 400},
		} {
			if code, out := token(tc.assertion, tc.scope); code != tc.code || out["error"] == nil {
				t.Errorf("%s: %d %v, want %d", name, code, out, tc.code)
			}
		}
		// The token expires.
		f.clock.Advance(AccessTokenLifetime)
		if w := f.do("GET", "/fhir/Condition?patient="+f.R.ID, "", bearer); w.Code != 401 {
			t.Fatalf("expired token: %d", w.Code)
		}
	})
}

// TestBulkExport kicks off a system export, polls it to the end, downloads
// every file and validates every line; the manifest survives a restart.
func TestBulkExport(t *testing.T) {
	schema := fhirschema.Validator(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		f := newFullFixture(t, db, Options{ExportDir: dir})
		tok := f.clientToken(t, "system/*.read")
		if w := f.do("GET", "/fhir/$export", "", tok); w.Code != 400 {
			t.Fatalf("without Prefer: %d", w.Code)
		}
		w := f.do("GET", "/fhir/$export?_type=Patient,Condition,Flag", "", tok, "Prefer", "respond-async")
		loc := w.Header().Get("Content-Location")
		if w.Code != 202 || loc == "" {
			t.Fatalf("kick-off: %d %s", w.Code, w.Body)
		}
		status := strings.TrimPrefix(loc, "http://joinedup.test")
		f.srv.WaitBackground()
		poll := func(srv *Server) manifest {
			t.Helper()
			f.srv = srv
			w := f.do("GET", status, "", tok)
			if w.Code != 200 {
				t.Fatalf("status: %d %s", w.Code, w.Body)
			}
			var m manifest
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		m := poll(f.srv)
		counts := map[string]int{}
		for _, o := range m.Output {
			w := f.do("GET", strings.TrimPrefix(o.URL, "http://joinedup.test"), "", tok)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/fhir+ndjson" {
				t.Fatalf("download %s: %d", o.URL, w.Code)
			}
			sc := bufio.NewScanner(w.Body)
			for sc.Scan() {
				counts[o.Type]++
				if err := schema.Validate(sc.Bytes()); err != nil {
					t.Errorf("%s: %v", o.Type, err)
				}
			}
			if counts[o.Type] != o.Count {
				t.Errorf("%s: %d lines, manifest says %d", o.Type, counts[o.Type], o.Count)
			}
		}
		if counts["Patient"] != 9 || counts["Condition"] != 2 || counts["Flag"] != 2 || !m.RequiresAccessToken {
			t.Fatalf("export counts %v, manifest %+v", counts, m)
		}
		// Another client cannot see the job.
		c2, _ := store.CreateClient(ctx, db, joinedup.Client{Name: "other", Scopes: []string{"system/*.read"}}, `{"keys":[]}`, f.clock.Now())
		t2 := coord.NewToken()
		_ = store.CreateAccessToken(ctx, db, coord.TokenHash(t2), c2.ID, []string{"system/*.read"}, f.clock.Now(), f.clock.Now().Add(time.Minute))
		if w := f.do("GET", status, "", "Bearer "+t2); w.Code != 404 {
			t.Fatalf("another client's job: %d", w.Code)
		}
		// A restarted server still has the manifest and the files.
		again := poll(New(db, Options{Now: f.clock.Now, ExportDir: dir}))
		if len(again.Output) != len(m.Output) {
			t.Fatalf("after a restart: %+v", again)
		}
		// Each exported patient's access is audited under the client.
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		found := false
		for _, e := range es {
			found = found || strings.Contains(e.What, "bulk export job") && e.Username == "client:shared-care-record"
		}
		if !found {
			t.Fatal("export not audited against the patient")
		}
	})
}

// TestFHIRErrorsAreOutcomes: every error under /fhir is an
// OperationOutcome with its status, whatever the address or method.
func TestFHIRErrorsAreOutcomes(t *testing.T) {
	f := newFullFixture(t, storetest.Open(t, store.SQLite), Options{})
	gp := f.session(t, joinedup.RoleGP)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/fhir/Binary/x", 404},
		{"GET", "/fhir/Patient/" + f.R.ID + "/_history", 404},
		{"GET", "/fhir/", 404},
		{"POST", "/fhir/Patient", 405},
		{"DELETE", "/fhir/Condition/x", 405},
		{"GET", "/fhir/Condition?colour=blue&patient=" + f.R.ID, 400},
	} {
		w := f.do(c.method, c.path, "", gp)
		var oo struct {
			ResourceType string
			Issue        []struct{ Severity, Code string }
		}
		if w.Code != c.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/fhir+json") ||
			json.Unmarshal(w.Body.Bytes(), &oo) != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
			t.Errorf("%s %s: %d %s %s", c.method, c.path, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
}

// TestRiskAssessmentSaysCohort: a RiskAssessment says whether the person
// is in the cohort, and a search for a tier finds only those who are.
func TestRiskAssessmentSaysCohort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullFixture(t, db, Options{})
		f.assess(t, f.R, joinedup.TierAmber)
		asOf := f.clock.Now()
		storetest.Assess(t, db, asOf, map[string]bool{f.R2.ID: false})
		gp := f.session(t, joinedup.RoleGP)
		for _, c := range []struct {
			p      joinedup.Patient
			search string
			want   int
			code   string
		}{{f.R, "amber", 1, "in-cohort"}, {f.R2, "amber", 0, "not-in-cohort"}, {f.R2, "not-in-cohort", 1, "not-in-cohort"}} {
			w := f.do("GET", "/fhir/RiskAssessment?patient="+c.p.ID+"&risk="+c.search, "", gp)
			var b struct {
				Total int
				Entry []struct {
					Resource struct {
						Prediction []struct {
							Outcome struct {
								Coding []struct{ System, Code string }
							}
						}
					}
				}
			}
			// The patient's assessments over time: found or not.
			if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &b) != nil || (b.Total > 0) != (c.want > 0) {
				t.Errorf("%s risk=%s: %d, %d found, want %d", c.p.GivenName, c.search, w.Code, b.Total, c.want)
				continue
			}
			if c.want == 1 && b.Entry[0].Resource.Prediction[0].Outcome.Coding[0].Code != c.code {
				t.Errorf("%s: first prediction %+v, want %s", c.p.GivenName, b.Entry[0].Resource.Prediction, c.code)
			}
		}
	})
}

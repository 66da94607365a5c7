package web

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/stratify"
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

// pagePath is the patient page (with a suffix) of the related or the
// unrelated patient.
func pagePath(suffix string) func(*fixture, bool) string {
	return func(f *fixture, with bool) string {
		if with {
			return "/patients/" + f.R.ID + suffix
		}
		return "/patients/" + f.U.ID + suffix
	}
}

func init() {
	lists := map[joinedup.Role]cell{joinedup.RoleGP: {200, 200}, joinedup.RoleCareCoordinator: {200, 200},
		joinedup.RoleLeadSpecialist: {200, 200}, joinedup.RoleCommunitySocialCare: {200, 200}}
	worklist := map[joinedup.Role]cell{joinedup.RoleLCNManager: {303, 303}}
	cohort := map[joinedup.Role]cell{joinedup.RoleLCNManager: {200, 200}}
	for r, c := range lists {
		worklist[r], cohort[r] = c, c
	}
	accessMatrix["GET /worklist"] = matrixRow{path: fixed("/worklist"), anon: 303, def: forbidden, want: worklist}
	accessMatrix["GET /worklist/tasks"] = matrixRow{path: fixed("/worklist/tasks"), anon: 303, def: forbidden, want: worklist}
	accessMatrix["GET /cohort"] = matrixRow{path: fixed("/cohort"), anon: 303, def: forbidden, want: cohort}
	accessMatrix["GET /patients/{id}"] = matrixRow{path: pagePath(""), anon: 303, def: forbidden,
		want: only(cell{200, 403}, append(clinicians, joinedup.RoleCommunitySocialCare)...)}
	// The fixture's patients have no assessment, so an allowed decision is
	// refused as unprocessable, and nothing is recorded.
	accessMatrix["POST /patients/{id}/tier"] = matrixRow{path: pagePath("/tier"), anon: 303, def: forbidden,
		body: func(*fixture) string { return "tier=red&reason=frequent+falls" }, want: only(cell{303, 403}, clinicians...)}
}

// assess stores an eligible assessment of p suggesting tier, with evidence,
// as stratification would.
func (f *fixture) assess(t *testing.T, p joinedup.Patient, tier joinedup.Tier) {
	t.Helper()
	pol, _, err := stratify.LoadPolicy(ctx, f.db, "../policies/lcn-default", "test", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	v := 58.5
	a := joinedup.Assessment{PatientID: p.ID, PolicyVersion: pol.Hash(), AsOf: f.clock.Now().Truncate(24 * time.Hour), Eligible: true,
		SuggestedTier: tier,
		LTCs: []joinedup.Finding{{ID: "diabetes", Name: "Diabetes", Evidence: []joinedup.Evidence{{Kind: joinedup.FactCondition, FactID: "c1",
			SourceSystem: "PRACA", SourceID: "cond-1", CodeSystem: joinedup.SystemSNOMED, Code: "44054006", Display: "Type 2 diabetes mellitus",
			Date: time.Date(2015, 3, 4, 0, 0, 0, 0, time.UTC)}}}},
		RiskFactors: []joinedup.Finding{{ID: "hba1c", Name: "HbA1c above target", Evidence: []joinedup.Evidence{{Kind: joinedup.FactObservation,
			FactID: "o1", SourceSystem: "PRACA", SourceID: "obs-9", CodeSystem: joinedup.SystemSNOMED, Code: "1049301000000100", Display: "HbA1c level",
			Date: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), Value: &v, Unit: "mmol/mol", Note: "= 58.5 mmol/mol"}}}},
		RulesFired: []joinedup.RuleFired{{Name: "repeated-ae", Rationale: "3 A&E attendances in 12 months", Tier: tier}},
		DataGaps:   []joinedup.DataGap{{Rule: "bp", Description: "No blood pressure in the last 12 months", Because: "Diabetes"}},
	}
	if _, err := store.SaveAssessments(ctx, f.db, []store.AssessmentInput{{Assessment: a, FactsVersion: 1}}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestPatientPage: the page shows the tier with its evidence and why, and
// the read is audited with what was shown.
func TestPatientPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.assess(t, f.R, joinedup.TierAmber)
		w := f.do("GET", "/patients/"+f.R.ID, "", f.session(t, joinedup.RoleGP))
		body := w.Body.String()
		for _, want := range []string{"900 000 0009", "Type 2 diabetes mellitus", "44054006", "58.5 mmol/mol", "3 A&amp;E attendances in 12 months",
			"No blood pressure in the last 12 months", "Org PRACA", `id="record-decision"`, "Amber",
			"User care-coordinator", "Org SC1"} { // the care team, by name
			if !strings.Contains(body, want) {
				t.Errorf("patient page lacks %q", want)
			}
		}
		if w.Code != 200 || t.Failed() {
			t.Fatalf("patient page: %d\n%s", w.Code, body)
		}
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		if last := es[len(es)-1]; last.Outcome != joinedup.OutcomeAllowed || !strings.Contains(last.What, "assessment and evidence") {
			t.Fatalf("audit: %+v", last)
		}
		// Social care (consented) sees the page but cannot decide a tier.
		w = f.do("GET", "/patients/"+f.R.ID, "", f.session(t, joinedup.RoleCommunitySocialCare))
		if w.Code != 200 || strings.Contains(w.Body.String(), `id="record-decision"`) {
			t.Fatalf("social care: %d, decision form shown: %v", w.Code, strings.Contains(w.Body.String(), `id="record-decision"`))
		}
		// A link worker never sees clinical data: a 403 page, not JSON.
		w = f.do("GET", "/patients/"+f.R.ID, "", f.session(t, joinedup.RoleVoluntaryLinkWorker))
		if w.Code != 403 || !strings.Contains(w.Body.String(), "You cannot see this page") || strings.Contains(w.Body.String(), "diabetes") {
			t.Fatalf("link worker: %d %s", w.Code, w.Body)
		}
		// Unsigned: to sign in and back.
		w = f.do("GET", "/patients/"+f.R.ID, "", "")
		if w.Code != 303 || w.Header().Get("Location") != "/signin?next=%2Fpatients%2F"+f.R.ID {
			t.Fatalf("anonymous: %d %s", w.Code, w.Header().Get("Location"))
		}
	})
}

// TestDecideTier: an override without a reason is refused with an error
// summary, keeping the choice, and records nothing; with a reason it is
// recorded and shown.
func TestDecideTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.assess(t, f.R, joinedup.TierAmber)
		tok := f.session(t, joinedup.RoleGP)
		path := "/patients/" + f.R.ID + "/tier"
		w := f.do("POST", path, "tier=red&reason=+++", tok)
		body := w.Body.String()
		if w.Code != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#reason"`) ||
			!strings.Contains(body, `id="tier-red" name="tier" type="radio" value="red" checked`) {
			t.Fatalf("override without reason: %d\n%s", w.Code, body)
		}
		if ds, _ := store.Decisions(ctx, db, f.R.ID); len(ds) != 0 {
			t.Fatalf("a refused decision was recorded: %+v", ds)
		}
		f.clock.Advance(time.Minute)
		w = f.do("POST", path, "tier=red&reason=Two+falls+since+March%2C+lives+alone", tok)
		if w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), "/patients/"+f.R.ID+"?decided=1") {
			t.Fatalf("override: %d %s", w.Code, w.Body)
		}
		ds, _ := store.Decisions(ctx, db, f.R.ID)
		if len(ds) != 1 || ds[0].Tier != joinedup.TierRed || !ds[0].Overridden || ds[0].Reason != "Two falls since March, lives alone" {
			t.Fatalf("decisions: %+v", ds)
		}
		w = f.do("GET", "/patients/"+f.R.ID+"?decided=1", "", tok)
		if !strings.Contains(w.Body.String(), "Tier decision recorded") || !strings.Contains(w.Body.String(), "Two falls since March") {
			t.Fatalf("after the decision:\n%s", w.Body)
		}
		// Confirming the suggestion needs no reason.
		if w := f.do("POST", path, "tier=amber", tok); w.Code != 303 {
			t.Fatalf("confirm: %d %s", w.Code, w.Body)
		}
	})
}

// TestCohortPage: rows only for related patients, searchable by NHS
// number; the LCN manager sees suppressed counts and no one's name.
func TestCohortPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		for _, p := range []joinedup.Patient{f.R, f.R2, f.U, f.U2} {
			f.assess(t, p, joinedup.TierRed)
		}
		gp := f.session(t, joinedup.RoleGP)
		body := f.do("GET", "/cohort", "", gp).Body.String()
		if !strings.Contains(body, "Rita") || !strings.Contains(body, "Ravi") || strings.Contains(body, "Umar") || strings.Contains(body, "Una") ||
			!strings.Contains(body, "Showing 1 to 2 of 2") {
			t.Fatalf("GP cohort:\n%s", body)
		}
		body = f.do("GET", "/cohort?q=900+000+0017", "", gp).Body.String()
		if !strings.Contains(body, "No patient matches") {
			t.Fatalf("search for an unrelated patient's NHS number found something:\n%s", body)
		}
		body = f.do("GET", "/cohort?q=900+000+0025", "", gp).Body.String()
		if !strings.Contains(body, "Ravi") || strings.Contains(body, "Rita") {
			t.Fatalf("search by NHS number:\n%s", body)
		}
		body = f.do("GET", "/cohort?q=rav", "", gp).Body.String()
		if !strings.Contains(body, "Ravi") || strings.Contains(body, "Rita") {
			t.Fatalf("search by name:\n%s", body)
		}
		w := f.do("GET", "/cohort", "", f.session(t, joinedup.RoleLCNManager))
		body = w.Body.String()
		if w.Code != 200 || strings.Contains(body, "Rita") || strings.Contains(body, "/patients/") || !strings.Contains(body, "&lt;5") {
			t.Fatalf("LCN manager cohort: %d\n%s", w.Code, body)
		}
		body = f.do("GET", "/worklist", "", gp).Body.String()
		if !strings.Contains(body, "2 patients meet the cohort rule") {
			t.Fatalf("worklist:\n%s", body)
		}
	})
}

// TestWorklistShowsTheFirstOfEach: the worklist shows the soonest tasks and
// the first of the caseload, each with a link to the rest, and the page of
// all open tasks goes through them in the same order, a page at a time.
func TestWorklistShowsTheFirstOfEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		now := f.clock.Now()
		for i := 1; i <= 55; i++ {
			task := joinedup.Task{PatientID: f.R.ID, Kind: "review", Title: fmt.Sprintf("Task %02d", i), AssigneeOrg: f.orgs["PRACA"],
				Due: now.AddDate(0, 0, i), Priority: 2, CreatedAt: now, DedupeKey: fmt.Sprint("task-", i)}
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := store.RaiseTask(ctx, tx, &task); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// The care coordinator is on the care team of R and R2 already,
		// and of 23 patients more.
		b := &store.Batch{}
		for i := range 23 {
			p := joinedup.Patient{Source: joinedup.Source{System: "test", ID: fmt.Sprint("caseload", i)}, GivenName: fmt.Sprintf("Case%02d", i),
				FamilyName: "Load", PracticeID: f.orgs["PRACB"]}
			p.ID = joinedup.PatientID(p)
			b.Patients = append(b.Patients, p)
		}
		if _, err := store.Write(ctx, db, b); err != nil {
			t.Fatal(err)
		}
		for _, p := range b.Patients {
			if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: p.ID, UserID: f.users[joinedup.RoleCareCoordinator].ID,
				Role: "care coordinator", Start: now}); err != nil {
				t.Fatal(err)
			}
		}
		titles := func(body string) []string {
			return regexp.MustCompile(`Task \d\d`).FindAllString(body, -1)
		}
		want := func(from, to int) []string {
			var out []string
			for i := from; i <= to; i++ {
				out = append(out, fmt.Sprintf("Task %02d", i))
			}
			return out
		}
		gp := f.session(t, joinedup.RoleGP)
		body := f.do("GET", "/worklist", "", gp).Body.String()
		if got := titles(body); !slices.Equal(got, want(1, worklistShown)) || !strings.Contains(body, `href="/worklist/tasks"`) {
			t.Fatalf("worklist tasks = %q\n%s", got, body)
		}
		body = f.do("GET", "/worklist/tasks", "", gp).Body.String()
		if got := titles(body); !slices.Equal(got, want(1, 50)) || !strings.Contains(body, `href="/worklist/tasks?page=2"`) ||
			strings.Contains(body, `rel="prev"`) || !strings.Contains(body, "Showing 1 to 50") {
			t.Fatalf("first page of tasks = %q\n%s", got, body)
		}
		body = f.do("GET", "/worklist/tasks?page=2", "", gp).Body.String()
		if got := titles(body); !slices.Equal(got, want(51, 55)) || !strings.Contains(body, `href="/worklist/tasks?page=1"`) ||
			strings.Contains(body, `rel="next"`) || !strings.Contains(body, "Showing 51 to 55") {
			t.Fatalf("second page of tasks = %q\n%s", got, body)
		}

		cc := f.session(t, joinedup.RoleCareCoordinator)
		body = f.do("GET", "/worklist", "", cc).Body.String()
		listed := regexp.MustCompile(`>Load, Case\d\d<`).FindAllString(body, -1)
		// None is assessed, so they are in name order: Load before Test.
		if len(listed) != worklistShown || !strings.Contains(body, "care team of 25 patients") || !strings.Contains(body, `href="/cohort?mine=1"`) {
			t.Fatalf("caseload lists %d of the 23:\n%s", len(listed), body)
		}
		body = f.do("GET", "/cohort?mine=1", "", cc).Body.String()
		if n := len(regexp.MustCompile(`>Load, Case\d\d<`).FindAllString(body, -1)); n != 23 || !strings.Contains(body, "Showing 1 to 25 of 25") {
			t.Fatalf("the whole caseload lists %d of the 23:\n%s", n, body)
		}
	})
}

// TestDeceasedBanner: the page of a patient who has died says so, first,
// with the date; the page of one who lives does not.
func TestDeceasedBanner(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	gp := f.session(t, joinedup.RoleGP)
	if body := f.do("GET", "/patients/"+f.R.ID, "", gp).Body.String(); strings.Contains(body, `id="deceased"`) {
		t.Fatal("a living patient's page says deceased")
	}
	p := f.R
	died := time.Date(2025, 5, 30, 0, 0, 0, 0, time.UTC)
	p.Deceased = &died
	if _, err := f.db.WriteBatch(ctx, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
		t.Fatal(err)
	}
	body := f.do("GET", "/patients/"+f.R.ID, "", gp).Body.String()
	if !strings.Contains(body, `id="deceased"`) || !strings.Contains(body, "Died on 30 May 2025") {
		t.Fatalf("no deceased banner:\n%s", body)
	}
}

func init() {
	full := append(clinicians, joinedup.RoleCommunitySocialCare)
	// The key names no proposal of the fixture's patients, who have no
	// schedule: an allowed acceptance is refused as a conflict, and an
	// allowed letter is not found.
	accessMatrix["POST /patients/{id}/one-day"] = matrixRow{path: pagePath("/one-day"), anon: 303, def: forbidden,
		body: func(*fixture) string { return "key=0123456789abcdef&phone=020+7946+0123" }, want: only(cell{409, 403}, full...)}
	accessMatrix["GET /patients/{id}/one-day/{schedule}/letter"] = matrixRow{path: pagePath("/one-day/none/letter"), anon: 303, def: forbidden,
		want: only(cell{404, 403}, full...)}
}

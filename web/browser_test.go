package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// The browser tests drive Debian's Chromium headless against the server on
// a loopback listener: sign in, work a patient, edit the care plan, and
// check every page with axe-core. Screenshots go to $JOINEDUP_ARTEFACTS
// (default artefacts/ at the repository root).

const chromiumPath = "/usr/bin/chromium"

// click clicks the first element matching the CSS selector sel. The
// browser may replace the node between chromedp finding it and clicking it
// (a page settling after load, on a busy machine); the click is then tried
// again on the node now there, up to three times.
func click(sel string) chromedp.Action {
	return retried(chromedp.Click(sel, chromedp.ByQuery))
}

// typeInto types text into the element sel finds, as click retries.
func typeInto(sel, text string) chromedp.Action {
	return retried(chromedp.SendKeys(sel, text, chromedp.ByQuery))
}

// retried does a, again up to twice when the node it found was replaced
// before it could act on it (a page still settling after a navigation).
func retried(a chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		for range 3 {
			err = a.Do(ctx)
			if err == nil || !strings.Contains(err.Error(), "No node with given id") {
				return err
			}
		}
		return err
	})
}

// needChromium skips without Chromium, except under CI, where a missing
// browser must fail the build rather than silently skip its tests.
func needChromium(t *testing.T) string {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else {
			if os.Getenv("CI") != "" {
				t.Fatalf("Chromium is not installed (%s): the browser tests cannot run; run make deps", chromiumPath)
			}
			t.Skipf("Chromium is not installed (%s); apt-get install chromium to run the browser tests", chromiumPath)
		}
	}
	if !assetsBuilt {
		if os.Getenv("CI") != "" {
			t.Fatal("front-end assets not built: run make assets")
		}
		t.Skip("front-end assets not built: run make assets")
	}
	return path
}

func artefacts(t *testing.T) string {
	dir := os.Getenv("JOINEDUP_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a fresh headless Chromium with its own profile.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	// A fresh profile per browser; removed after the browser has exited
	// (Chromium may still be writing to it as it shuts down).
	profile, err := os.MkdirTemp("", "joinedup-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		// Nothing beyond loopback: the web fonts the NHS.UK stylesheet names
		// are not fetched, and the pages fall back to Arial as designed.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// axeResult is what the tests read of axe.run's result.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checkPage screenshots the page and runs axe-core on it, failing on any
// serious or critical violation of WCAG 2.2 A or AA.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artefacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	axe, err := staticFS.ReadFile("static/vendor/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core not built: %v", err)
	}
	var raw string
	run := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => JSON.stringify(r))`
	if err := chromedp.Run(ctx, chromedp.Evaluate(string(axe), nil),
		chromedp.Evaluate(run, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: axe result: %v", name, err)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility (%s) %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
}

// browserFixture is the usual fixture with passwords, a realistic patient
// record and the server on a loopback listener.
func browserFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	f.clock.t = time.Now().UTC().Truncate(time.Second) // the browser's cookies live in real time
	for _, r := range []joinedup.Role{joinedup.RoleGP, joinedup.RoleCareCoordinator, joinedup.RoleLCNManager} {
		f.setPassword(t, r, "correct horse battery staple")
	}
	now := f.clock.Now()
	p := f.R
	p.GivenName, p.FamilyName, p.NHSNumber, p.Language, p.InterpreterRequired = "Rita", "Okafor", "9434765919", "yo", true
	p.Postcode, p.Sex, p.BirthDate = "SE5 8AF", joinedup.SexFemale, time.Date(1946, 5, 17, 0, 0, 0, 0, time.UTC)
	b := &store.Batch{Patients: []joinedup.Patient{p}}
	for i, d := range []int{-40, -95, -300, -500} {
		class, emergency := joinedup.EncounterEmergency, false
		if i%2 == 1 {
			class, emergency = joinedup.EncounterInpatient, true
		}
		b.Encounters = append(b.Encounters, joinedup.Encounter{PatientID: p.ID, Source: joinedup.Source{System: "KCH", ID: fmt.Sprint("enc", i)}, Class: class,
			Emergency: emergency, Start: now.AddDate(0, 0, d), End: now.AddDate(0, 0, d+1),
			Types: joinedup.Codings{{System: joinedup.SystemSNOMED, Code: "183452005", Display: map[bool]string{true: "Emergency admission", false: "Emergency department attendance"}[emergency]}}})
	}
	for i, a := range []struct {
		days      int
		specialty string
	}{{9, "Cardiology"}, {10, "Diabetic medicine"}, {40, "Cardiology"}} {
		b.Appointments = append(b.Appointments, joinedup.Appointment{PatientID: p.ID, Source: joinedup.Source{System: "KCH", ID: fmt.Sprint("appt", i)},
			Start: now.AddDate(0, 0, a.days), Status: "booked", Specialty: joinedup.Codings{{Display: a.specialty}}, Service: a.specialty + " clinic, King's College Hospital"})
	}
	if _, err := store.Write(ctx, f.db, b); err != nil {
		t.Fatal(err)
	}
	f.R = p
	f.assess(t, f.R, joinedup.TierAmber)
	f.assess(t, f.R2, joinedup.TierGreen)
	srv := httptest.NewServer(f.srv)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func signIn(_ context.Context, base, user string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		return chromedp.Run(ctx,
			chromedp.Navigate(base+"/worklist"),
			chromedp.WaitVisible("#username", chromedp.ByQuery),
			typeInto("#username", user),
			typeInto("#password", "correct horse battery staple"),
			click("#signin"),
			// Only a signed-in page has the sign-out button: waiting for
			// it means the post-sign-in navigation has finished, so the
			// next navigation cannot abort it.
			chromedp.WaitVisible("#signout", chromedp.ByQuery))
	})
}

// TestBrowserJourney: a GP signs in, opens a patient from the worklist,
// overrides the tier with a reason, writes the care plan, sees the new
// version and signs out; every page passes axe-core.
func TestBrowserJourney(t *testing.T) {
	exe := needChromium(t)
	f, base := browserFixture(t)
	ctx := browser(t, exe)
	var text string
	run := func(name string, tasks ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, tasks...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// More open tasks than a page of them shows, so the page of all tasks
	// has its pagination.
	for i := range 51 {
		task := joinedup.Task{PatientID: f.R.ID, Kind: "review", Title: fmt.Sprintf("Review medicines (%d)", i+1), AssigneeOrg: f.orgs["PRACA"],
			Due: f.clock.Now().AddDate(0, 0, i-3), Priority: 2, CreatedAt: f.clock.Now(), DedupeKey: fmt.Sprint("browser-task-", i)}
		if err := f.db.InTx(ctx, func(tx *store.Tx) error { _, err := store.RaiseTask(ctx, tx, &task); return err }); err != nil {
			t.Fatal(err)
		}
	}
	run("sign-in page", chromedp.Navigate(base+"/worklist"), chromedp.WaitVisible("#username", chromedp.ByQuery))
	checkPage(t, ctx, "signin")
	run("sign in", signIn(ctx, base, "user-gp"), chromedp.WaitVisible("#awaiting", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Okafor, Rita") {
		t.Fatalf("worklist does not list the patient:\n%s", text)
	}
	checkPage(t, ctx, "worklist")
	run("open patient", click(`a[href="/patients/`+f.R.ID+`"]`), chromedp.WaitVisible("#suggested-tier", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery))
	for _, want := range []string{"943 476 5919", "Type 2 diabetes mellitus", "Interpreter needed", "Clash", "Emergency admission"} {
		if !strings.Contains(text, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	checkPage(t, ctx, "patient")
	// An override without a reason is refused with an error summary.
	run("override without reason", click(`label[for="tier-red"]`), click("#record-decision"),
		chromedp.WaitVisible(".nhsuk-error-summary", chromedp.ByQuery))
	checkPage(t, ctx, "patient-error")
	run("override with reason", click(`label[for="tier-red"]`),
		typeInto("#reason", "Two falls since March and lives alone"), click("#record-decision"),
		chromedp.WaitVisible("#decided", chromedp.ByQuery), chromedp.Text("#current-tier", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Red") || !strings.Contains(text, "overridden") {
		t.Fatalf("current tier after override: %q", text)
	}
	run("edit plan", click("#edit-plan"), chromedp.WaitVisible("#plan-form", chromedp.ByQuery))
	checkPage(t, ctx, "careplan")
	run("save plan", typeInto("#what_matters", "Getting back to singing with the Peckham community choir"),
		typeInto("#goals-0-description", "Walk to Burgess Park twice a week"),
		typeInto("#goals-0-owner", "Rita, with her link worker"),
		chromedp.SetValue("#next_review", f.clock.Now().AddDate(0, 3, 0).Format(time.DateOnly), chromedp.ByQuery),
		click("#save-plan"), chromedp.WaitVisible("#plan-saved", chromedp.ByQuery),
		chromedp.Text("#plan-saved", &text, chromedp.ByQuery))
	if !strings.Contains(text, "version 1") {
		t.Fatalf("after saving: %q", text)
	}
	run("patient page shows the plan", chromedp.Navigate(base+"/patients/"+f.R.ID), chromedp.WaitVisible("#care-plan", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Peckham community choir") {
		t.Fatal("the patient page does not show the saved plan")
	}
	checkPage(t, ctx, "patient-after")
	run("cohort", chromedp.Navigate(base+"/cohort"), chromedp.WaitVisible("#results", chromedp.ByQuery))
	checkPage(t, ctx, "cohort")
	run("all tasks", chromedp.Navigate(base+"/worklist"), click(`a[href="/worklist/tasks"]`), chromedp.WaitVisible(`a[rel="next"]`, chromedp.ByQuery))
	checkPage(t, ctx, "tasks")
	run("next tasks", click(`a[rel="next"]`), chromedp.WaitVisible(`a[rel="prev"]`, chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Review medicines (51)") || strings.Contains(text, "Review medicines (1)") {
		t.Fatalf("second page of tasks:\n%s", text)
	}
	checkPage(t, ctx, "tasks-2")
	run("not found", chromedp.Navigate(base+"/no-such-page"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkPage(t, ctx, "not-found")
	run("sign out", click("#signout"), chromedp.WaitVisible("#username", chromedp.ByQuery),
		chromedp.Navigate(base+"/patients/"+f.R.ID), chromedp.WaitVisible("#username", chromedp.ByQuery))
	// The LCN manager's pages.
	run("manager", signIn(ctx, base, "user-lcn-manager"), chromedp.WaitVisible("#results", chromedp.ByQuery))
	for _, p := range []string{"/cohort", "/patients/" + f.R.ID} {
		run(p, chromedp.Navigate(base+p), chromedp.WaitVisible("h1", chromedp.ByQuery))
		checkPage(t, ctx, "manager"+strings.NewReplacer("/", "-", f.R.ID, "patient").Replace(p))
	}
}

// TestBrowserEditConflict: two people edit the same version of a care plan
// in two browsers; the second save shows both versions and keeps its text.
func TestBrowserEditConflict(t *testing.T) {
	exe := needChromium(t)
	f, base := browserFixture(t)
	a, b := browser(t, exe), browser(t, exe)
	plan := base + "/patients/" + f.R.ID + "/care-plan"
	review := f.clock.Now().AddDate(0, 3, 0).Format(time.DateOnly)
	for _, x := range []struct {
		ctx  context.Context
		user string
	}{{a, "user-gp"}, {b, "user-care-coordinator"}} {
		if err := chromedp.Run(x.ctx, signIn(x.ctx, base, x.user), chromedp.WaitVisible("h1", chromedp.ByQuery),
			chromedp.Navigate(plan), chromedp.WaitVisible("#plan-form", chromedp.ByQuery)); err != nil {
			t.Fatalf("%s opens the editor: %v", x.user, err)
		}
	}
	if err := chromedp.Run(a, typeInto("#what_matters", "Seeing my grandchildren every week"),
		chromedp.SetValue("#next_review", review, chromedp.ByQuery), click("#save-plan"),
		chromedp.WaitVisible("#plan-saved", chromedp.ByQuery)); err != nil {
		t.Fatalf("first save: %v", err)
	}
	var theirs, yours, field string
	if err := chromedp.Run(b, typeInto("#what_matters", "Singing in the choir again"),
		chromedp.SetValue("#next_review", review, chromedp.ByQuery), click("#save-plan"),
		chromedp.WaitVisible("#conflict", chromedp.ByQuery), chromedp.Text("#their-version", &theirs, chromedp.ByQuery),
		chromedp.Text("#your-version", &yours, chromedp.ByQuery), chromedp.Value("#what_matters", &field, chromedp.ByQuery)); err != nil {
		t.Fatalf("second save: %v", err)
	}
	if !strings.Contains(theirs, "Seeing my grandchildren") || !strings.Contains(yours, "Singing in the choir again") || field != "Singing in the choir again" {
		t.Fatalf("conflict view: theirs %q, yours %q, field %q", theirs, yours, field)
	}
	checkPage(t, b, "careplan-conflict")
}

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
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
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
//
// Each browser test has a browser, a database and a server of its own, and
// runs in parallel with the others (as many at once as go test -parallel
// allows, GOMAXPROCS by default): most of their time is Chromium's
// rendering, screenshots and axe-core runs, and on a machine busy with
// other work they finish sooner side by side than one after another.

const chromiumPath = "/usr/bin/chromium"

// The browser tests wait for conditions, never for fixed times: an element
// visible on the page a step leads to, the page settled (loaded, its
// scripts run, no htmx request under way). Every wait is bounded by one
// deadline per browser, taken from the test's own (go test -timeout), so a
// loaded machine slows the tests down rather than failing them; a step
// that does fail is named, with how long it ran, the page it was on and a
// screenshot of that page.

// Reserves kept back from the test's deadline: closing Chromium and
// cleaning up after the test, and reporting a failed step (its screenshot).
// On a machine at a load average of 15, Chromium takes several seconds to
// take a screenshot or to shut down.
const (
	cleanupReserve = 30 * time.Second
	reportReserve  = 20 * time.Second
	// noDeadline is the budget of a browser when go test has no -timeout.
	noDeadline = 15 * time.Minute
)

// browserDeadline is when a browser started now must have done all its
// work: the test's deadline less cleanupReserve (half what is left, when
// that is less than twice the reserve).
func browserDeadline(t *testing.T) time.Time {
	d, ok := t.Deadline()
	if !ok {
		return time.Now().Add(noDeadline)
	}
	return d.Add(-min(cleanupReserve, time.Until(d)/2))
}

// stepDeadline is when a step run in ctx must end: ctx's deadline less a
// reserve for reporting its failure.
func stepDeadline(ctx context.Context) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Now().Add(noDeadline)
	}
	return d.Add(-min(reportReserve, time.Until(d)/2))
}

// step runs one named step of a browser test in ctx, a browser's context,
// and logs how long it took (go test -v shows it; a failed test, always).
// On failure it fails the test naming the step, how long the step ran and
// the page the browser was on, and writes a screenshot of that page to the
// artefacts as TEST-STEP-failed.png.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	sctx, cancel := context.WithDeadline(ctx, stepDeadline(ctx))
	defer cancel()
	began := time.Now()
	err := chromedp.Run(sctx, actions...)
	took := time.Since(began).Round(time.Millisecond)
	if err == nil {
		t.Logf("step %q took %s", name, took)
		return
	}
	var url string
	var png []byte
	where := "page unknown"
	if chromedp.Run(ctx, chromedp.Location(&url)) == nil {
		where = "on " + url
	}
	shot := ""
	if chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)) == nil {
		file := filepath.Join(artefacts(t), artefactName(t.Name()+"-"+name)+"-failed.png")
		if os.WriteFile(file, png, 0o644) == nil {
			shot = "; screenshot " + file
		}
	}
	t.Fatalf("step %q failed after %s, %s%s: %v", name, took, where, shot, err)
}

// artefactName makes s a file name: letters, digits and dashes.
func artefactName(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s), "-")
}

// settledJS is true once the page has loaded with everything it loads (the
// NHS.UK frontend's module has run: the error summary has taken focus,
// the components have changed the DOM), its fonts are loaded or have
// failed, and, on a page that uses htmx, htmx has started and no request,
// swap or settle of its is under way.
const settledJS = `document.readyState === 'complete' && document.fonts.status === 'loaded' &&
	(!document.querySelector('[hx-get], [hx-post]') ||
	 (typeof htmx === 'object' && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')))`

// settled waits until the page has settled (settledJS). Typing or clicking
// before then races the page's own scripts, and a screenshot or an axe-core
// run would see a page half made.
func settled() chromedp.Action {
	return waitUntil("the page has settled", settledJS)
}

// waitUntil waits until the JavaScript expression js is true on the page,
// checking it every 50 ms until the context ends. A check that fails while
// the page is navigating is a "not yet".
func waitUntil(what, js string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			err := chromedp.Evaluate(js, &ok).Do(ctx)
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				if err != nil {
					return fmt.Errorf("waiting until %s: %w (last check: %v)", what, ctx.Err(), err)
				}
				return fmt.Errorf("waiting until %s: %w", what, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// waitFor waits until the element sel finds is visible and its page has
// settled. A step that leads to another page waits for an element that
// only that page has, so it cannot read the page it left.
func waitFor(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.WaitVisible(sel, chromedp.ByQuery).Do(ctx); err != nil {
			return fmt.Errorf("waiting for %s to be visible: %w", sel, err)
		}
		return settled().Do(ctx)
	})
}

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

// browser starts a fresh headless Chromium with its own profile. Its
// context ends at browserDeadline; Chromium may take all of that to start.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	deadline := browserDeadline(t)
	// A fresh profile per browser, removed once its browser has exited.
	// Chromium's helper processes may still be writing to it as they shut
	// down; what they leave is removed with the whole folder of profiles
	// when the tests end (TestMain).
	root, err := profileRoot()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp(root, "chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		// Nothing beyond loopback: the web fonts the NHS.UK stylesheet names
		// are not fetched, and the pages fall back to Arial as designed.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900),
		// chromedp gives Chromium 20 s to say where its DevTools listen,
		// whatever the context allows; on a loaded machine it can take
		// longer. The browser's deadline bounds it instead.
		chromedp.WSURLReadTimeout(max(time.Until(deadline), time.Second)),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first Run starts the browser and ties it to this context.
	ctx, cancel3 := context.WithDeadline(ctx, deadline)
	t.Cleanup(cancel3)
	began := time.Now()
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v after %s; the test's deadline allowed until %s",
			exe, err, time.Since(began).Round(time.Millisecond), deadline.Format(time.TimeOnly))
	}
	t.Logf("Chromium started in %s", time.Since(began).Round(time.Millisecond))
	// Every page records what its Content-Security-Policy refused, from
	// before its first script runs, for checkPage to report.
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.cspRefused = [];
document.addEventListener('securitypolicyviolation', e => window.cspRefused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));`).Do(ctx)
		return err
	})); err != nil {
		t.Fatalf("watch for refusals of the Content-Security-Policy: %v", err)
	}
	return ctx
}

// profileRoot is the folder of this test process's Chromium profiles.
var profileRoot = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "joinedup-chromium-") })

// TestMain removes the Chromium profiles once every test, and so every
// browser, has finished.
func TestMain(m *testing.M) {
	code := m.Run()
	if root, err := profileRoot(); err == nil {
		os.RemoveAll(root)
	}
	os.Exit(code)
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

// checkPage waits for the page to settle, screenshots it and runs axe-core
// on it, failing on any serious or critical violation of WCAG 2.2 A or AA.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	axe, err := staticFS.ReadFile("static/vendor/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core not built: %v", err)
	}
	var png []byte
	var raw string
	run := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => JSON.stringify(r))`
	step(t, ctx, "check "+name, settled(), chromedp.FullScreenshot(&png, 100),
		chromedp.Evaluate(string(axe), nil),
		chromedp.Evaluate(run, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err := os.WriteFile(filepath.Join(artefacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	var refused []string
	step(t, ctx, "csp "+name, chromedp.Evaluate(`window.cspRefused || []`, &refused))
	for _, r := range refused {
		t.Errorf("%s: the Content-Security-Policy refused %s", name, r)
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
			Start: now.AddDate(0, 0, a.days), Status: "booked", Specialty: joinedup.Codings{{Display: a.specialty}}, Service: a.specialty + " clinic",
			Site: "King's College Hospital"})
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
			waitFor("#username"),
			typeInto("#username", user),
			typeInto("#password", "correct horse battery staple"),
			click("#signin"),
			// Only a signed-in page has the sign-out button: waiting for
			// it means the post-sign-in navigation has finished, so the
			// next navigation cannot abort it.
			waitFor("#signout"))
	})
}

// TestBrowserJourney: a GP signs in, opens a patient from the worklist,
// overrides the tier with a reason, writes the care plan, sees the new
// version and signs out; every page passes axe-core.
func TestBrowserJourney(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	ctx := browser(t, exe)
	var text string
	run := func(name string, actions ...chromedp.Action) {
		t.Helper()
		step(t, ctx, name, actions...)
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
	run("sign-in page", chromedp.Navigate(base+"/worklist"), waitFor("#username"))
	checkPage(t, ctx, "signin")
	run("sign in", signIn(ctx, base, "user-gp"), waitFor("#awaiting"), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Okafor, Rita") {
		t.Fatalf("worklist does not list the patient:\n%s", text)
	}
	checkPage(t, ctx, "worklist")
	run("open patient", click(`a[href="/patients/`+f.R.ID+`"]`), waitFor("#suggested-tier"),
		chromedp.Text("main", &text, chromedp.ByQuery))
	for _, want := range []string{"943 476 5919", "Type 2 diabetes mellitus", "Interpreter needed", "Clash", "Emergency admission"} {
		if !strings.Contains(text, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	checkPage(t, ctx, "patient")
	// An override without a reason is refused with an error summary.
	run("override without reason", click(`label[for="tier-red"]`), click("#record-decision"),
		waitFor(".nhsuk-error-summary"))
	checkPage(t, ctx, "patient-error")
	run("override with reason", click(`label[for="tier-red"]`),
		typeInto("#reason", "Two falls since March and lives alone"), click("#record-decision"),
		waitFor("#decided"), chromedp.Text("#current-tier", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Red") || !strings.Contains(text, "overridden") {
		t.Fatalf("current tier after override: %q", text)
	}
	run("edit plan", click("#edit-plan"), waitFor("#plan-form"))
	checkPage(t, ctx, "careplan")
	run("save plan", typeInto("#what_matters", "Getting back to singing with the Peckham community choir"),
		typeInto("#goals-0-description", "Walk to Burgess Park twice a week"),
		typeInto("#goals-0-owner", "Rita, with her link worker"),
		chromedp.SetValue("#next_review", f.clock.Now().AddDate(0, 3, 0).Format(time.DateOnly), chromedp.ByQuery),
		click("#save-plan"), waitFor("#plan-saved"),
		chromedp.Text("#plan-saved", &text, chromedp.ByQuery))
	if !strings.Contains(text, "version 1") {
		t.Fatalf("after saving: %q", text)
	}
	run("patient page shows the plan", chromedp.Navigate(base+"/patients/"+f.R.ID), waitFor("#care-plan"),
		chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Peckham community choir") {
		t.Fatal("the patient page does not show the saved plan")
	}
	checkPage(t, ctx, "patient-after")
	run("cohort", chromedp.Navigate(base+"/cohort"), waitFor("#results"))
	checkPage(t, ctx, "cohort")
	run("all tasks", chromedp.Navigate(base+"/worklist"), waitFor("#awaiting"), click(`a[href="/worklist/tasks"]`), waitFor(`a[rel="next"]`))
	checkPage(t, ctx, "tasks")
	run("next tasks", click(`a[rel="next"]`), waitFor(`a[rel="prev"]`), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Review medicines (51)") || strings.Contains(text, "Review medicines (1)") {
		t.Fatalf("second page of tasks:\n%s", text)
	}
	checkPage(t, ctx, "tasks-2")
	run("not found", chromedp.Navigate(base+"/no-such-page"), waitFor("h1"))
	checkPage(t, ctx, "not-found")
	run("sign out", click("#signout"), waitFor("#username"),
		chromedp.Navigate(base+"/patients/"+f.R.ID), waitFor("#username"))
	// The LCN manager's pages.
	run("manager", signIn(ctx, base, "user-lcn-manager"), waitFor("#results"))
	for _, p := range []string{"/cohort", "/patients/" + f.R.ID} {
		run("manager opens "+p, chromedp.Navigate(base+p), waitFor("h1"))
		checkPage(t, ctx, "manager"+strings.NewReplacer("/", "-", f.R.ID, "patient").Replace(p))
	}
}

// TestBrowserEditConflict: two people edit the same version of a care plan
// in two browsers; the second save shows both versions and keeps its text.
func TestBrowserEditConflict(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	a, b := browser(t, exe), browser(t, exe)
	plan := base + "/patients/" + f.R.ID + "/care-plan"
	review := f.clock.Now().AddDate(0, 3, 0).Format(time.DateOnly)
	for _, x := range []struct {
		ctx  context.Context
		user string
	}{{a, "user-gp"}, {b, "user-care-coordinator"}} {
		step(t, x.ctx, x.user+" opens the editor", signIn(x.ctx, base, x.user),
			chromedp.Navigate(plan), waitFor("#plan-form"))
	}
	step(t, a, "first save", typeInto("#what_matters", "Seeing my grandchildren every week"),
		chromedp.SetValue("#next_review", review, chromedp.ByQuery), click("#save-plan"),
		waitFor("#plan-saved"))
	var theirs, yours, field string
	step(t, b, "second save", typeInto("#what_matters", "Singing in the choir again"),
		chromedp.SetValue("#next_review", review, chromedp.ByQuery), click("#save-plan"),
		waitFor("#conflict"), chromedp.Text("#their-version", &theirs, chromedp.ByQuery),
		chromedp.Text("#your-version", &yours, chromedp.ByQuery), chromedp.Value("#what_matters", &field, chromedp.ByQuery))
	if !strings.Contains(theirs, "Seeing my grandchildren") || !strings.Contains(yours, "Singing in the choir again") || field != "Singing in the choir again" {
		t.Fatalf("conflict view: theirs %q, yours %q, field %q", theirs, yours, field)
	}
	checkPage(t, b, "careplan-conflict")
}

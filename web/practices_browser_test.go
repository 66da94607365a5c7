package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestBrowserRollout: the administrator sets a practice's pilot date on
// the practices page (a go-live date before it is refused beside its
// field), and the LCN manager's dashboard then compares the pilot
// practices with the others; every page passes axe-core.
func TestBrowserRollout(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	lcn := storetest.Dashboard(t, f.db)
	// No practice in the pilot to start with: the fixture's dates are
	// taken back, as an administrator would.
	cs := coord.New(f.db, nil)
	for _, ods := range []string{"ALPHA", "GAMMA"} {
		if _, err := cs.SetRollout(ctx, coord.System("test", f.clock.Now()), ods, "", "", "", "not in the pilot yet"); err != nil {
			t.Fatal(err)
		}
	}
	f.setPassword(t, joinedup.RoleAdmin, "correct horse battery staple")
	ctx := browser(t, exe)
	run := func(name string, actions ...chromedp.Action) {
		t.Helper()
		step(t, ctx, name, actions...)
	}
	signInAt := func(path, user string) chromedp.Action {
		return chromedp.Tasks{chromedp.Navigate(base + path), waitFor("#username"), typeInto("#username", user),
			typeInto("#password", "correct horse battery staple"), click("#signin"), waitFor("#signout")}
	}
	var text string
	run("the manager sees no pilot", signInAt("/dashboard", "user-lcn-manager"), waitFor("#practice-table"),
		chromedp.Evaluate(`document.querySelector("#pilot-table") === null ? "none" : "shown"`, &text))
	if text != "none" {
		t.Fatalf("pilot comparison before any pilot date: %s", text)
	}
	run("sign out", click("#signout"), waitFor("#username"))

	id := lcn.Orgs["ALPHA"]
	form := "#practice-" + id
	run("the administrator opens the practices", signInAt("/", "user-admin"), waitFor("#practices-table"),
		chromedp.Text("#practices-table", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Alpha Surgery") || !strings.Contains(text, "Not yet") {
		t.Fatalf("practices table: %s", text)
	}
	checkPage(t, ctx, "practices")
	run("a go-live date before the pilot date", click(form+" summary"), waitFor("#pilot-"+id),
		typeInto("#pilot-"+id, "2024-10-01"), typeInto("#go_live-"+id, "2024-09-01"), typeInto("#wave-"+id, "Wave 1"),
		click("#save-"+id), waitFor("#go_live-"+id+"-error"), chromedp.Text(".nhsuk-error-summary", &text, chromedp.ByQuery))
	if !strings.Contains(text, "The go-live date must be the same as or after the pilot date") {
		t.Fatalf("error summary: %s", text)
	}
	checkPage(t, ctx, "practices-error")
	run("corrected", chromedp.Evaluate(`document.getElementById("go_live-`+id+`").value = ""`, nil), typeInto("#go_live-"+id, "2025-04-01"),
		click("#save-"+id), waitFor("#saved"), chromedp.Text("#practices-table", &text, chromedp.ByQuery))
	if !strings.Contains(text, "1 Oct 2024") || !strings.Contains(text, "1 Apr 2025") || !strings.Contains(text, "Wave 1") {
		t.Fatalf("practices table after saving: %s", text)
	}
	run("history", chromedp.Text("#rollout-history", &text, chromedp.ByQuery))
	if !strings.Contains(text, "User admin") || !strings.Contains(text, "not in the pilot yet") {
		t.Fatalf("history: %s", text)
	}
	checkPage(t, ctx, "practices-saved")
	run("sign out again", click("#signout"), waitFor("#username"))

	run("the manager sees the comparison", signInAt("/dashboard", "user-lcn-manager"), waitFor("#pilot-table"),
		chromedp.Text("#pilot-table", &text, chromedp.ByQuery))
	if !strings.Contains(text, "In the pilot") || !strings.Contains(text, "Not yet in the pilot") {
		t.Fatalf("pilot comparison: %s", text)
	}
	run("practice row", chromedp.Text("#practice-table", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Oct 2024") {
		t.Fatalf("Alpha's pilot date on the dashboard: %s", text)
	}
	checkPage(t, ctx, "dashboard-pilot")
}

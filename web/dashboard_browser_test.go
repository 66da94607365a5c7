package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestBrowserDashboard: the LCN manager opens the dashboard, opens a
// chart's table, runs a policy what if; every page passes axe-core.
func TestBrowserDashboard(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	storetest.Dashboard(t, f.db)
	ctx := browser(t, exe)
	var text string
	run := func(name string, actions ...chromedp.Action) {
		t.Helper()
		step(t, ctx, name, actions...)
	}
	run("sign in", signIn(ctx, base, "user-lcn-manager"), chromedp.Navigate(base+"/dashboard"),
		waitFor("#chart-tiers"), chromedp.Text("#practice-table", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Alpha Surgery") || !strings.Contains(text, "<5") {
		t.Fatalf("practice table: %s", text)
	}
	checkPage(t, ctx, "dashboard")
	run("open the tables", chromedp.Evaluate(`document.querySelectorAll("details").forEach(d => d.open = true)`, nil))
	checkPage(t, ctx, "dashboard-tables")
	run("what if", chromedp.Navigate(base+"/policy/what-if"), waitFor("#version"))
	checkPage(t, ctx, "what-if")
	run("run what if", click("#run-what-if"), waitFor("#what-if-table"))
	checkPage(t, ctx, "what-if-result")
}

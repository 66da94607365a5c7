package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/hospitalfeed"
)

// TestBrowserHospitalFeed: the hospital's ADT feed reports that Rita, whose
// tier the GP confirmed as Amber, is in A&E; her care coordinator signs in
// and finds it on the worklist that day; when the feed reports she has
// left, the worklist has the contact after her attendance instead.
func TestBrowserHospitalFeed(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	cs := coord.New(f.db, nil)
	now := f.clock.Now()
	if _, err := cs.DecideTier(ctx, coord.Actor{User: f.users[joinedup.RoleGP], At: now, Door: "test", Scope: joinedup.ScopeFull},
		f.R.ID, joinedup.TierAmber, ""); err != nil {
		t.Fatal(err)
	}
	cc := f.users[joinedup.RoleCareCoordinator]
	if _, err := cs.AddCareTeamMember(ctx, coord.Actor{User: cc, At: now, Door: "test", Scope: joinedup.ScopeFull},
		coord.TeamPlace{PatientID: f.R.ID, Role: joinedup.CareCoordinator, UserID: cc.ID}); err != nil {
		t.Fatal(err)
	}
	feed := &hospitalfeed.Server{Service: cs, Now: f.clock.Now}
	send := func(event, control, left string) {
		t.Helper()
		pv1 := make([]string, 46)
		pv1[0], pv1[1], pv1[2], pv1[19], pv1[44], pv1[45] = "PV1", "1", "E", "KCH-AE-1", hl7.FormatTime(now.Add(-2*3600e9)), left
		msg := strings.Join([]string{
			"MSH|^~\\&|EDIS|KCH|JOINEDUP|LCN|" + hl7.FormatTime(now) + "||ADT^" + event + "^ADT_A01|" + control + "|P|2.4",
			"EVN|" + event + "|" + hl7.FormatTime(now),
			"PID|1||9434765919^^^NHS^NH||Okafor^Rita||19460517|F",
			strings.Join(pv1, "|"),
		}, "\r") + "\r"
		ack, err := hl7.Parse(feed.Receive(ctx, []byte(msg)))
		if err != nil || ack.Get("MSA-1") != "AA" {
			t.Fatalf("%s not accepted: %v %s", event, err, ack.Get("ERR-8"))
		}
	}
	ctx := browser(t, exe)
	var text string
	send("A04", "KCH1", "")
	step(t, ctx, "coordinator signs in", signIn(ctx, base, "user-care-coordinator"),
		chromedp.Navigate(base+"/worklist"), waitFor("main h1"), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "In hospital: A&E") || !strings.Contains(text, "Okafor, Rita") {
		t.Fatalf("the coordinator's worklist does not show Rita in A&E:\n%s", text)
	}
	checkPage(t, ctx, "worklist-in-hospital")
	send("A03", "KCH2", hl7.FormatTime(now.Add(-3600e9)))
	step(t, ctx, "after she left A&E", chromedp.Navigate(base+"/worklist"), waitFor("main h1"), chromedp.Text("main", &text, chromedp.ByQuery))
	if strings.Contains(text, "In hospital: A&E") || !strings.Contains(text, "Contact after A&E attendance") {
		t.Fatalf("after the discharge the worklist shows:\n%s", text)
	}
}

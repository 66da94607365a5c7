package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// TestBrowserMDT: the chair opens the meeting, builds the case list, opens
// the case, records the outcome with an action and sees the summary; every
// page passes axe-core.
func TestBrowserMDT(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	f.confirmTier(t, f.R, joinedup.TierAmber)
	m, err := store.CreateMDTMeeting(ctx, f.db, joinedup.MDTMeeting{OrganisationID: f.orgs["PRACA"], Title: "Peckham practice MDT",
		Start: f.clock.Now().Add(time.Hour), Location: "Practice library", ChairID: f.users[joinedup.RoleGP].ID, RepeatWeeks: 4,
		Attendees: []joinedup.MDTAttendee{{UserID: f.users[joinedup.RoleCareCoordinator].ID}, {Name: "Jo Guest", Organisation: "Age UK Lambeth"}},
		CreatedBy: f.users[joinedup.RoleGP].ID, CreatedAt: f.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	bg := ctx // the package's background context, before the browser's shadows it
	ctx := browser(t, exe)
	var text string
	run := func(name string, actions ...chromedp.Action) {
		t.Helper()
		step(t, ctx, name, actions...)
	}
	run("sign in", signIn(ctx, base, "user-gp"), chromedp.Navigate(base+"/mdt"), waitFor("h1"),
		chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Peckham practice MDT") {
		t.Fatalf("meetings page lacks the meeting:\n%s", text)
	}
	checkPage(t, ctx, "mdt-meetings")
	run("open meeting and build the list", click(`a[href="/mdt/meetings/`+m.ID+`"]`),
		waitFor("#build-list"), click("#build-list"),
		waitFor("#built"), chromedp.Text("#cases", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Rita Okafor") || !strings.Contains(text, "Due by tier") {
		t.Fatalf("case list:\n%s", text)
	}
	checkPage(t, ctx, "mdt-case-list")
	run("print page", chromedp.Navigate(base+"/mdt/meetings/"+m.ID+"/print"), waitFor("#print-"+f.R.ID))
	checkPage(t, ctx, "mdt-print")
	run("open the case", chromedp.Navigate(base+"/mdt/meetings/"+m.ID+"/patients/"+f.R.ID), waitFor("#outcome-form"))
	checkPage(t, ctx, "mdt-case")
	run("record the outcome", click(`label[for="discussed-yes"]`),
		typeInto("#outcome", "Falls clinic referral agreed; carer assessment offered"),
		typeInto("#action", "Refer to the falls clinic"),
		chromedp.SetValue("#owner", "user:"+f.users[joinedup.RoleCareCoordinator].ID, chromedp.ByQuery),
		click("#record-outcome"))
	run("see the summary", waitFor("#outcome-"+f.R.ID), chromedp.Text("main", &text, chromedp.ByQuery))
	for _, want := range []string{"Outcome summary", "1 cases: 1 discussed", "Falls clinic referral agreed", "Discussed"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	checkPage(t, ctx, "mdt-summary")
	tasks, err := store.OpenTasks(bg, f.db, f.R.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tk := range tasks {
		found = found || (tk.Kind == joinedup.TaskMDTAction && tk.AssigneeUser == f.users[joinedup.RoleCareCoordinator].ID)
	}
	if !found {
		t.Fatalf("no MDT action task for the coordinator: %+v", tasks)
	}
	run("patient page shows the MDT history", chromedp.Navigate(base+"/patients/"+f.R.ID), waitFor("#mdt-history"),
		chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Falls clinic referral agreed") {
		t.Fatal("the patient page does not show the MDT outcome")
	}
}

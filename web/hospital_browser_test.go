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
// left, the worklist has the contact after her attendance instead. Then
// the GP confirms her as Red: on her page the coordinator finds her three
// appointments at King's proposed for one day, accepts it (after first
// forgetting the phone number the letter needs) and reads the letter.
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

	if _, err := cs.DecideTier(ctx, coord.Actor{User: f.users[joinedup.RoleGP], At: now, Door: "test", Scope: joinedup.ScopeFull},
		f.R.ID, joinedup.TierRed, "three specialties and an A&E attendance this month"); err != nil {
		t.Fatal(err)
	}
	form := `form[action$="/one-day"]`
	step(t, ctx, "the proposal on her page", chromedp.Navigate(base+"/patients/"+f.R.ID+"#one-day"), waitFor(form),
		chromedp.Text("#one-day ~ .nhsuk-card", &text, chromedp.ByQuery))
	day := now.AddDate(0, 0, 10).Format("2 Jan 2006")
	if !strings.Contains(text, "King's College Hospital, "+day) || !strings.Contains(text, "3 appointments on one day; 2 to move") {
		t.Fatalf("the proposal shows:\n%s", text)
	}
	checkPage(t, ctx, "patient-one-day-proposal")
	step(t, ctx, "accept without a phone number", click(form+" button"), waitFor(".nhsuk-error-summary"),
		chromedp.Text(form+" .nhsuk-error-message", &text, chromedp.ByQuery))
	if !strings.Contains(text, "Enter the phone number") {
		t.Fatalf("the error beside the field says %q", text)
	}
	step(t, ctx, "accept", typeInto(form+` input[name="phone"]`, "020 7946 0123"), click(form+" button"), waitFor("#one-day-accepted"),
		chromedp.Text("#one-day-schedules", &text, chromedp.ByQuery))
	if !strings.Contains(text, "King's College Hospital, "+day) || !strings.Contains(text, "3 clinics asked by User care-coordinator") {
		t.Fatalf("the schedules show:\n%s", text)
	}
	var none string
	step(t, ctx, "nothing left to propose", chromedp.Text("#one-day-none", &none, chromedp.ByQuery))
	step(t, ctx, "the letter", click("#one-day-schedules a"), waitFor("h1"), chromedp.Text("body", &text, chromedp.ByQuery))
	for _, want := range []string{"Your hospital appointments on one day", "You have 3 appointments at King's College Hospital",
		"020 7946 0123", "keep the appointment you have now"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the letter does not say %q:\n%s", want, text)
		}
	}
}

package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
)

// TestBrowserHeldMessages: the administrator opens the held hospital
// messages from the navigation, is told beside the field that setting one
// aside needs a reason, gives one, and the message leaves the list.
func TestBrowserHeldMessages(t *testing.T) {
	exe := needChromium(t)
	t.Parallel()
	f, base := browserFixture(t)
	at := f.clock.Now()
	ev := joinedup.HospitalEvent{MessageID: "KCH|T1", Sender: "KCH", Kind: joinedup.EventAttendance, NHSNumber: "9000000041",
		Visit: "KCH-AE-T1", Class: joinedup.EncounterEmergency, Start: at.Add(-time.Hour), At: at,
		Raw: []byte("MSH|^~\\&|EDIS|KCH|JOINEDUP|LCN|20250602083000||ADT^A04^ADT_A01|T1|P|2.4\r")}
	if r, err := coord.New(f.db, nil).ReceiveHospitalEvent(ctx, coord.System("hl7 KCH", at), ev); err != nil || r.Status != joinedup.MessageHeld {
		t.Fatalf("%+v %v", r, err)
	}
	f.setPassword(t, joinedup.RoleAdmin, "correct horse battery staple")
	ctx := browser(t, exe)
	var text string
	step(t, ctx, "the administrator signs in", signIn(ctx, base, "user-admin"), click(`a[href="/hospital-messages"]`), waitFor("#messages"),
		chromedp.Text("#messages", &text, chromedp.ByQuery))
	if !strings.Contains(text, "900 000 0041") && !strings.Contains(text, "9000000041") || !strings.Contains(text, "held for nobody here") {
		t.Fatalf("the held messages show:\n%s", text)
	}
	checkPage(t, ctx, "held-messages")
	step(t, ctx, "set aside without a reason", click(`form[action$="/dismiss"] button`), waitFor(".nhsuk-error-summary"),
		chromedp.Text(`form[action$="/dismiss"] .nhsuk-error-message`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Say why") {
		t.Fatalf("the error beside the field: %q", text)
	}
	step(t, ctx, "set aside", typeInto(`form[action$="/dismiss"] input[name="note"]`, "a test message from the trust"),
		click(`form[action$="/dismiss"] button`), waitFor("#done"), chromedp.Text("main", &text, chromedp.ByQuery))
	if !strings.Contains(text, "set aside") || !strings.Contains(text, "No hospital messages are held") {
		t.Fatalf("after setting it aside:\n%s", text)
	}
}

package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func init() {
	accessMatrix["GET /hospital-messages"] = matrixRow{path: fixed("/hospital-messages"), anon: 303, def: forbidden,
		want: only(cell{200, 200}, joinedup.RoleAdmin)}
	// The fixture holds no message: an allowed review finds nothing held.
	accessMatrix["POST /hospital-messages/{message}/retry"] = matrixRow{path: fixed("/hospital-messages/" + url.PathEscape("RJ1|none") + "/retry"),
		anon: 303, def: forbidden, want: only(cell{409, 409}, joinedup.RoleAdmin)}
	accessMatrix["POST /hospital-messages/{message}/dismiss"] = matrixRow{path: fixed("/hospital-messages/" + url.PathEscape("RJ1|none") + "/dismiss"),
		anon: 303, def: forbidden, want: only(cell{409, 409}, joinedup.RoleAdmin), body: func(*fixture) string { return "note=a+test" }}
}

// TestHeldMessagesPage: the administrator reviews two messages held for a
// person not yet here: setting one aside needs a note (the error beside
// its field); matching the other again leaves it held until the person's
// record arrives, then applies it; a message reviewed already is refused.
func TestHeldMessagesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		cs := coord.New(db, nil)
		at := f.clock.Now()
		for _, id := range []string{"KCH1", "KCH2"} {
			raw := "MSH|^~\\&|EDIS|KCH|JOINEDUP|LCN|20250602083000||ADT^A04^ADT_A01|" + id + "|P|2.4\rEVN|A04|20250602083000\r" +
				"PID|1||9434765919^^^NHS^NH||Okafor^Rita||19460517|F\rPV1|1|E|||||||||||||||||KCH-AE-" + id + "\r"
			ev := joinedup.HospitalEvent{MessageID: "KCH|" + id, Sender: "KCH", Kind: joinedup.EventAttendance, NHSNumber: "9434765919",
				Visit: "KCH-AE-" + id, Class: joinedup.EncounterEmergency, Start: at.Add(-time.Hour), At: at, Raw: []byte(raw)}
			if r, err := cs.ReceiveHospitalEvent(ctx, coord.System("hl7 KCH", at), ev); err != nil || r.Status != joinedup.MessageHeld {
				t.Fatalf("%s: %+v %v", id, r, err)
			}
		}
		admin := f.session(t, joinedup.RoleAdmin)
		path := func(id, what string) string { return "/hospital-messages/" + url.PathEscape(id) + "/" + what }
		w := f.do("GET", "/hospital-messages", "", admin)
		if w.Code != 200 || strings.Count(w.Body.String(), "is held for nobody here") != 2 {
			t.Fatalf("list: %d\n%s", w.Code, w.Body)
		}
		w = f.do("POST", path("KCH|KCH1", "dismiss"), "note=", admin)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `id="note-KCH|KCH1-error"`) {
			t.Fatalf("dismiss without a note: %d\n%s", w.Code, w.Body)
		}
		if w = f.do("POST", path("KCH|KCH1", "dismiss"), "note=a+test+message+from+the+trust", admin); w.Code != 303 {
			t.Fatalf("dismiss: %d %s", w.Code, w.Body)
		}
		if w = f.do("POST", path("KCH|KCH2", "retry"), "", admin); w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "still+held") {
			t.Fatalf("retry before the person is here: %d %s", w.Code, w.Header().Get("Location"))
		}
		p := joinedup.Patient{NHSNumber: "9434765919", Source: joinedup.Source{System: "GP", ID: "rita"}, GivenName: "Rita", FamilyName: "Okafor",
			PracticeID: f.orgs["PRACA"]}
		p.ID = joinedup.PatientID(p)
		if _, err := store.Write(ctx, db, &store.Batch{Patients: []joinedup.Patient{p}}); err != nil {
			t.Fatal(err)
		}
		if w = f.do("POST", path("KCH|KCH2", "retry"), "", admin); w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "applied") {
			t.Fatalf("retry once the person is here: %d %s", w.Code, w.Header().Get("Location"))
		}
		encs, err := store.Encounters(ctx, db, p.ID)
		if err != nil || len(encs) != 1 || encs[0].Source.ID != "KCH-AE-KCH2" {
			t.Fatalf("encounters: %+v %v", encs, err)
		}
		if w = f.do("GET", "/hospital-messages", "", admin); !strings.Contains(w.Body.String(), `id="none"`) {
			t.Errorf("after review the page still lists:\n%s", w.Body)
		}
		if w = f.do("POST", path("KCH|KCH1", "retry"), "", admin); w.Code != 409 {
			t.Errorf("a message set aside matched again: %d", w.Code)
		}
	})
}

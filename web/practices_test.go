package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func init() {
	admin := only(cell{200, 200}, joinedup.RoleAdmin)
	accessMatrix["GET /practices"] = matrixRow{path: fixed("/practices"), anon: 303, def: forbidden, want: admin}
	// Each allowed post moves PRACA's pilot date on a day, with a reason,
	// so every one is a change.
	accessMatrix["POST /practices/{practice}/rollout"] = matrixRow{path: func(f *fixture, _ bool) string {
		return "/practices/" + f.orgs["PRACA"] + "/rollout"
	}, anon: 303, def: forbidden, want: only(cell{303, 303}, joinedup.RoleAdmin), body: func(f *fixture) string {
		f.counter++
		return fmt.Sprintf("pilot=2025-01-%02d&go_live=&wave=Wave+1&reason=access+matrix", f.counter%28+1)
	}}
	accessMatrix["GET /api/practices"] = matrixRow{path: fixed("/api/practices"), anon: 401, def: forbidden, want: admin}
	accessMatrix["PUT /api/practices/{practice}/rollout"] = matrixRow{path: fixed("/api/practices/PRACB/rollout"), anon: 401, def: forbidden,
		want: admin, body: func(f *fixture) string {
			f.counter++
			return fmt.Sprintf(`{"pilot":"2025-02-%02d","go_live":"2025-06-01","wave":"Wave 2","reason":"access matrix"}`, f.counter%28+1)
		}}
}

// TestPracticesAPI: the administrator sets a practice's roll-out through
// the JSON API, by ODS code, and reads it back with its history; a
// mistake is 422 naming the field.
func TestPracticesAPI(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{})
	tok := f.session(t, joinedup.RoleAdmin)
	w := f.do("PUT", "/api/practices/PRACA/rollout", `{"pilot":"2025-01-06","go_live":"2025-01-01"}`, tok)
	if w.Code != 422 || !strings.Contains(w.Body.String(), `"go_live"`) {
		t.Fatalf("go-live before pilot: %d %s", w.Code, w.Body)
	}
	w = f.do("PUT", "/api/practices/PRACA/rollout", `{"pilot":"2025-01-06","go_live":"2025-04-01","wave":"Wave 1"}`, tok)
	p := decode[practiceRolloutJSON](t, w)
	if w.Code != 200 || p.ODS != "PRACA" || p.Pilot != "2025-01-06" || p.GoLive != "2025-04-01" || p.Version != 1 || len(p.History) != 1 {
		t.Fatalf("set: %d %s", w.Code, w.Body)
	}
	w = f.do("PUT", "/api/practices/"+f.orgs["PRACA"]+"/rollout", `{"pilot":"2025-01-13","go_live":"2025-04-01","wave":"Wave 1"}`, tok)
	if w.Code != 422 || !strings.Contains(w.Body.String(), `"reason"`) {
		t.Fatalf("a change without a reason: %d %s", w.Code, w.Body)
	}
	w = f.do("GET", "/api/practices", "", tok)
	ps := decode[struct{ Practices []practiceRolloutJSON }](t, w)
	if w.Code != 200 || len(ps.Practices) != 2 || ps.Practices[0].Wave != "Wave 1" || ps.Practices[0].History[0].By != "User admin" || ps.Practices[1].Pilot != "" {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
}

// TestPracticesPage: the administrator sets a practice's pilot and
// go-live dates on the page; a mistake comes back beside its field with
// what was typed, and stores nothing; each change is in the history, and
// the dashboard reads the new pilot date.
func TestPracticesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		tok := f.session(t, joinedup.RoleAdmin)
		w := f.do("GET", "/", "", tok)
		if w.Code != 303 || w.Header().Get("Location") != "/practices" {
			t.Fatalf("administrator's start page: %d %s", w.Code, w.Header().Get("Location"))
		}
		w = f.do("GET", "/practices", "", tok)
		page := w.Body.String()
		if w.Code != 200 || !strings.Contains(page, `href="/practices"`) || !strings.Contains(page, "No practice's roll-out has been set yet") {
			t.Fatalf("practices page: %d %s", w.Code, page)
		}
		want := [][]string{{"PRACA", "Org PRACA", "PRACA", "–", "Not yet", "Not yet", "–"}, {"PRACB", "Org PRACB", "PRACB", "–", "Not yet", "Not yet", "–"}}
		if got := tableRows(t, page, "practices-table"); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("practices table:\n%s\nwant\n%s", rowsText(got), rowsText(want))
		}
		id := f.orgs["PRACA"]
		post := func(pilot, goLive, wave, reason string) (int, string, string) {
			form := url.Values{"pilot": {pilot}, "go_live": {goLive}, "wave": {wave}, "reason": {reason}}
			w := f.do("POST", "/practices/"+id+"/rollout", form.Encode(), tok)
			return w.Code, w.Header().Get("Location"), w.Body.String()
		}
		code, loc, _ := post("2025-01-06", "", "Wave 1", "")
		if code != 303 || loc != "/practices?saved="+id+"#practice-"+id {
			t.Fatalf("set: %d %s", code, loc)
		}
		code, _, body := post("2025-03-01", "2025-02-01", "Wave 1", "")
		for _, s := range []string{"<title>Error: Practices and roll-out", `href="#go_live-` + id + `"`, `id="go_live-` + id + `-error"`, "The go-live date must be the same as or after the pilot date",
			`value="2025-03-01"`, `value="2025-02-01"`, `id="practice-` + id + `" open`} {
			if !strings.Contains(body, s) {
				t.Errorf("refused change: %d, page lacks %s", code, s)
			}
		}
		if code != 422 {
			t.Errorf("refused change answered %d", code)
		}
		if code, _, _ := post("2025-03-01", "2025-04-01", "Wave 1", "joined late"); code != 303 {
			t.Fatalf("change with a reason: %d", code)
		}
		w = f.do("GET", "/practices?saved="+id, "", tok)
		page = w.Body.String()
		if !strings.Contains(page, "The roll-out of Org PRACA was saved") {
			t.Errorf("no word that it was saved")
		}
		want[0] = []string{"PRACA", "Org PRACA", "PRACA", "–", "1 Mar 2025", "1 Apr 2025", "Wave 1"}
		if got := tableRows(t, page, "practices-table"); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("practices table after the change:\n%s\nwant\n%s", rowsText(got), rowsText(want))
		}
		hist := tableRows(t, page, "rollout-history")
		if len(hist) != 2 || hist[0][2] != "Org PRACA" || hist[0][3] != "1 Mar 2025" || hist[0][6] != "User admin" || hist[0][7] != "joined late" ||
			hist[1][3] != "6 Jan 2025" || hist[1][4] != "None" {
			t.Errorf("history:\n%s", rowsText(hist))
		}
		figs, err := store.DashboardPractices(ctx, db, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range figs {
			if p.PracticeID == id && p.PilotSince.Format("2006-01-02") != "2025-03-01" {
				t.Errorf("dashboard reads pilot date %v", p.PilotSince)
			}
		}
		if w := f.do("POST", "/practices/"+f.orgs["TRUST1"]+"/rollout", "pilot=2025-01-01", tok); w.Code != 404 {
			t.Errorf("a trust's roll-out: %d", w.Code)
		}
	})
}

package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

func init() {
	full := append(clinicians, joinedup.RoleCommunitySocialCare)
	accessMatrix["GET /patients/{id}/care-plan"] = matrixRow{path: pagePath("/care-plan"), anon: 303, def: forbidden, want: only(cell{200, 403}, full...)}
	// Each allowed save starts from version 0, so after the first the
	// saves conflict (409) and are kept as drafts.
	accessMatrix["POST /patients/{id}/care-plan"] = matrixRow{path: pagePath("/care-plan"), anon: 303, def: forbidden,
		body: func(*fixture) string {
			return url.Values{"base_version": {"1"}, "what_matters": {"Getting back to the choir"}, "next_review": {"2025-12-01"}}.Encode()
		},
		want: only(cell{409, 403}, full...)}
}

func editorForm(base, whatMatters string) string {
	return url.Values{"base_version": {base}, "what_matters": {whatMatters}, "about_me": {"Retired bus driver"}, "next_review": {"2025-12-01"},
		"goals[0].description": {"Walk to the park"}, "goals[0].owner": {"Rita"}, "goals[0].status": {"in-progress"},
		"goals[1].description": {""}, "goals[1].owner": {""}, "goals[1].status": {"not-started"}}.Encode()
}

// TestCarePlanConflict: two editors start from the same version; the
// second save is refused with both versions side by side, and its text is
// kept in the form and as a stored draft.
func TestCarePlanConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		gp, cc := f.session(t, joinedup.RoleGP), f.session(t, joinedup.RoleCareCoordinator)
		path := "/patients/" + f.R.ID + "/care-plan"
		w := f.do("POST", path, editorForm("0", ""), gp)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `href="#what_matters"`) {
			t.Fatalf("missing what matters: %d %s", w.Code, w.Body)
		}
		if w := f.do("POST", path, editorForm("0", "Seeing my grandchildren"), gp); w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "saved=1") {
			t.Fatalf("first plan: %d %s", w.Code, w.Body)
		}
		// Both open version 1 and edit it.
		if w := f.do("POST", path, editorForm("1", "Seeing my grandchildren every week"), gp); w.Code != 303 {
			t.Fatalf("GP save: %d %s", w.Code, w.Body)
		}
		w = f.do("POST", path, editorForm("1", "Singing in the choir again"), cc)
		body := w.Body.String()
		if w.Code != 409 || !strings.Contains(body, `id="their-version"`) || !strings.Contains(body, "Seeing my grandchildren every week") ||
			!strings.Contains(body, `id="your-version"`) || strings.Count(body, "Singing in the choir again") < 2 ||
			!strings.Contains(body, `name="base_version" value="2"`) {
			t.Fatalf("conflict: %d\n%s", w.Code, body)
		}
		hist, _ := store.CarePlanHistory(ctx, db, f.R.ID)
		var draft bool
		for _, e := range hist {
			draft = draft || (e.Status == store.PlanRejected && e.Plan.WhatMatters == "Singing in the choir again")
		}
		if !draft {
			t.Fatalf("the losing text was not kept: %+v", hist)
		}
		// Merged and saved again from version 2, it becomes version 3.
		if w := f.do("POST", path, editorForm("2", "Seeing my grandchildren every week; singing in the choir again"), cc); w.Code != 303 ||
			!strings.Contains(w.Header().Get("Location"), "saved=3") {
			t.Fatalf("merged save: %d %s", w.Code, w.Body)
		}
		w = f.do("GET", "/patients/"+f.R.ID, "", gp)
		if !strings.Contains(w.Body.String(), "singing in the choir again") || !strings.Contains(w.Body.String(), "Walk to the park") {
			t.Fatalf("patient page plan:\n%s", w.Body)
		}
	})
}

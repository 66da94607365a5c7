package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// testServiceID is the befriending service seedDirectory adds, provided by
// VOL1 (the link worker's organisation); otherServiceID is provided by an
// organisation nobody in the fixture works for, so referrals to it give
// no one a relationship.
const (
	testServiceID  = "0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00001"
	otherServiceID = "0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00002"
)

func testServiceJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"description":"Weekly visits and phone calls for people who feel lonely.","status":"active",
	"organization":{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00100","name":"Org VOL1","description":"Befriending charity",
	"organization_identifiers":[{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00101","identifier_scheme":"GB-NHS-ODS","identifier_type":"ODS code","identifier":"VOL1"}]},
	"service_areas":[{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00102","name":"North Lambeth"}],
	"languages":[{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00103","name":"Portuguese","code":"pt"}],
	"attributes":[{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00104","taxonomy_term":{"id":"t1","name":"Befriending","description":"Befriending","taxonomy":"esdNeeds"}}]}`, id, name)
}

// seedDirectory adds a service whose provider is VOL1, so the fixture's
// link worker works its referrals.
func seedDirectory(t *testing.T, f *fixture) {
	t.Helper()
	other := `{"id":"` + otherServiceID + `","name":"Lunch club","status":"active","organization":{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00200","name":"Elsewhere","description":"d"}}`
	for _, doc := range []string{testServiceJSON(testServiceID, "Befriending"), other} {
		if _, err := coord.New(f.db, nil).ImportDirectory(ctx, coord.System("test", f.clock.Now()), strings.NewReader(doc)); err != nil {
			t.Fatal(err)
		}
	}
}

// referTo adds a sent referral of p to the test service, made by the
// coordinator.
func (f *fixture) referTo(p joinedup.Patient) joinedup.Referral {
	return f.referToService(p, testServiceID)
}

// referToService adds a sent referral of p to a service.
func (f *fixture) referToService(p joinedup.Patient, serviceID string) joinedup.Referral {
	s, err := store.GetService(ctx, f.db, serviceID)
	if err != nil {
		panic(err)
	}
	r, err := store.AddReferral(ctx, f.db, joinedup.Referral{PatientID: p.ID, OrganisationID: s.OrganisationID, ServiceID: serviceID,
		Reason: "lonely since bereavement", WhatMatters: "getting back to the choir", Shared: joinedup.ShareableFields(),
		CreatedBy: f.users[joinedup.RoleCareCoordinator].ID, Created: f.clock.Now()})
	if err != nil {
		panic(err)
	}
	return r
}

func init() {
	fixtureHooks = append(fixtureHooks, seedDirectory)
	carers := append(append([]joinedup.Role(nil), clinicians...), joinedup.RoleCommunitySocialCare)
	sharers := append(append([]joinedup.Role(nil), carers...), joinedup.RoleVoluntaryLinkWorker)
	// With a relationship: Rita, referred to the link worker's
	// organisation. Without: Umar, referred elsewhere, so no fixture user
	// gains a relationship with him.
	referral := func(f *fixture, with bool) joinedup.Referral {
		if with {
			return f.referTo(f.R)
		}
		return f.referToService(f.U, otherServiceID)
	}
	all := cell{200, 200}
	accessMatrix["GET /api/directory/services"] = matrixRow{path: fixed("/api/directory/services?need=befriending"), anon: 401, def: all}
	accessMatrix["GET /api/directory/services/{service}"] = matrixRow{path: fixed("/api/directory/services/" + testServiceID), anon: 401, def: all}
	accessMatrix["POST /api/directory/services"] = matrixRow{path: fixed("/api/directory/services"), anon: 401, def: forbidden,
		want: only(cell{201, 201}, joinedup.RoleAdmin), body: func(f *fixture) string {
			f.counter++
			return fmt.Sprintf(`{"version":0,"service":%s}`, testServiceJSON(fmt.Sprintf("0d6d1c1e-5b7a-4c1e-9a51-%012d", f.counter), "New service"))
		}}
	accessMatrix["PUT /api/directory/services/{service}"] = matrixRow{path: fixed("/api/directory/services/" + testServiceID), anon: 401, def: forbidden,
		want: only(cell{200, 200}, joinedup.RoleAdmin), body: func(f *fixture) string {
			s, err := store.GetService(ctx, f.db, testServiceID)
			if err != nil {
				panic(err)
			}
			return fmt.Sprintf(`{"version":%d,"service":%s}`, s.Version, testServiceJSON(testServiceID, "Befriending"))
		}}
	accessMatrix["GET /api/patients/{id}/directory/suggestions"] = matrixRow{path: patientPath("/directory/suggestions", false), anon: 401,
		def: forbidden, want: only(cell{200, 403}, carers...)}
	accessMatrix["GET /api/patients/{id}/signposts"] = matrixRow{path: patientPath("/signposts", false), anon: 401,
		def: forbidden, want: only(cell{200, 403}, carers...)}
	accessMatrix["POST /api/patients/{id}/signposts"] = matrixRow{path: patientPath("/signposts", false), anon: 401, def: forbidden,
		want: only(cell{201, 403}, carers...), body: func(*fixture) string { return `{"service_id":"` + testServiceID + `","note":"leaflet given"}` }}
	accessMatrix["GET /api/patients/{id}/referrals"] = matrixRow{path: patientPath("/referrals", false), anon: 401,
		def: forbidden, want: only(cell{200, 403}, sharers...)}
	accessMatrix["POST /api/patients/{id}/referrals"] = matrixRow{path: patientPath("/referrals", false), anon: 401, def: forbidden,
		want: only(cell{201, 403}, carers...), body: func(*fixture) string {
			return `{"service_id":"` + testServiceID + `","reason":"lonely","what_matters":"the choir"}`
		}}
	accessMatrix["PATCH /api/patients/{id}/referrals/{referral}"] = matrixRow{path: func(f *fixture, with bool) string {
		r := referral(f, with)
		return "/api/patients/" + r.PatientID + "/referrals/" + r.ID
	}, body: func(*fixture) string { return `{"version":1,"status":"accepted"}` }, anon: 401, def: forbidden, want: only(cell{200, 403}, sharers...)}
	accessMatrix["GET /referrals"] = matrixRow{path: fixed("/referrals"), anon: 303, def: forbidden, want: only(all, sharers...)}
	accessMatrix["POST /referrals/{referral}"] = matrixRow{path: func(f *fixture, with bool) string {
		return "/referrals/" + referral(f, with).ID
	}, body: func(*fixture) string { return "version=1&status=accepted" }, anon: 303, def: forbidden, want: only(cell{303, 403}, sharers...)}
}

// directoryFixture is the plain fixture with the test service, and a
// coordinator on Rita's care team.
func directoryFixture(t *testing.T, db *store.DB) *fixture {
	f := newFixture(t, db, Options{})
	seedDirectory(t, f)
	return f
}

// TestReferralNeedsConsent: without the patient's consent to share with
// voluntary organisations a referral is refused with a clear message, and
// nothing is stored.
func TestReferralNeedsConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := directoryFixture(t, db)
		if _, err := store.RecordConsent(ctx, db, joinedup.Consent{PatientID: f.R.ID, SocialCare: true, Voluntary: false,
			RecordedBy: f.users[joinedup.RoleGP].ID, RecordedAt: f.clock.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		cc := f.session(t, joinedup.RoleCareCoordinator)
		w := f.do("POST", "/api/patients/"+f.R.ID+"/referrals", `{"service_id":"`+testServiceID+`","reason":"lonely"}`, cc)
		if w.Code != 422 || !strings.Contains(w.Body.String(), "has not consented to sharing with voluntary organisations") {
			t.Fatalf("referral without consent: %d %s", w.Code, w.Body)
		}
		rs, _ := store.ServiceReferrals(ctx, db, f.R.ID)
		if len(rs) != 0 {
			t.Fatalf("referral stored without consent: %+v", rs)
		}
		if w := f.do("POST", "/api/patients/"+f.R.ID+"/referrals", `{"service_id":"nope","reason":""}`, cc); w.Code != 422 ||
			!strings.Contains(w.Body.String(), `"service_id":"no service with id nope"`) || !strings.Contains(w.Body.String(), `"reason"`) {
			t.Fatalf("bad referral: %d %s", w.Code, w.Body)
		}
	})
}

// TestLinkWorkerSeesOnlyConsentedFields: the consent covers name and
// reason only; the link worker sees those, through the API and the page,
// and nothing clinical.
func TestLinkWorkerSeesOnlyConsentedFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := directoryFixture(t, db)
		if _, err := store.RecordConsent(ctx, db, joinedup.Consent{PatientID: f.R.ID, SocialCare: true, Voluntary: true,
			VoluntaryFields: []string{joinedup.ShareName, joinedup.ShareReason}, RecordedBy: f.users[joinedup.RoleGP].ID,
			RecordedAt: f.clock.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		cc := f.session(t, joinedup.RoleCareCoordinator)
		w := f.do("POST", "/api/patients/"+f.R.ID+"/referrals", `{"service_id":"`+testServiceID+`","reason":"lonely since bereavement","what_matters":"singing in the choir"}`, cc)
		if w.Code != 201 || !strings.Contains(w.Body.String(), `"shared_fields":["name","reason"]`) {
			t.Fatalf("refer: %d %s", w.Code, w.Body)
		}
		lw := f.session(t, joinedup.RoleVoluntaryLinkWorker)
		w = f.do("GET", "/api/patients/"+f.R.ID+"/referrals", "", lw)
		got := decode[struct {
			Referrals []map[string]any `json:"referrals"`
		}](t, w)
		if w.Code != 200 || len(got.Referrals) != 1 {
			t.Fatalf("link worker referrals: %d %s", w.Code, w.Body)
		}
		patient := got.Referrals[0]["patient"].(map[string]any)
		if len(patient) != 2 || patient["name"] != "Rita Test" || patient["reason"] != "lonely since bereavement" {
			t.Fatalf("link worker sees %v", patient)
		}
		// The patient summary shows the link worker the same consented
		// fields, and nothing else.
		sum := f.do("GET", "/api/patients/"+f.R.ID, "", lw)
		if body := sum.Body.String(); sum.Code != 200 || !strings.Contains(body, `"name":"Rita Test"`) ||
			!strings.Contains(body, "lonely since bereavement") || strings.Contains(body, "phone") ||
			strings.Contains(body, "singing in the choir") || strings.Contains(body, "nhs_number") || strings.Contains(body, "conditions") {
			t.Fatalf("link worker's patient summary: %d %s", sum.Code, body)
		}
		page := f.do("GET", "/referrals", "", lw)
		for _, body := range []string{w.Body.String(), page.Body.String()} {
			for _, never := range []string{"singing in the choir", f.R.Phone, "diabetes", "Diabetes", string(f.R.NHSNumber), "annual review"} {
				if strings.Contains(body, never) {
					t.Errorf("link worker sees %q", never)
				}
			}
		}
		if page.Code != 200 || !strings.Contains(page.Body.String(), "Rita Test") || !strings.Contains(page.Body.String(), "lonely since bereavement") {
			t.Fatalf("link worker page: %d %s", page.Code, page.Body)
		}
		// Each patient the page listed is audited.
		es, _ := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: f.R.ID})
		if last := es[len(es)-1]; last.Username != "user-voluntary-link-worker" || !strings.Contains(last.What, "GET /referrals") {
			t.Fatalf("page listing not audited: %+v", last)
		}
	})
}

// TestReferralClosedLoop is the whole loop through the API: search, refer,
// the service accepts, works and completes with an outcome, the
// coordinator sees it; a stale update is refused; a stalled referral
// raises one task for the coordinator.
func TestReferralClosedLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := directoryFixture(t, db)
		cc := f.session(t, joinedup.RoleCareCoordinator)
		lw := f.session(t, joinedup.RoleVoluntaryLinkWorker)
		w := f.do("GET", "/api/directory/services?"+url.Values{"need": {"befriending"}, "area": {"North Lambeth"}, "language": {"Portuguese"}}.Encode(), "", cc)
		found := decode[struct {
			Services []serviceJSON `json:"services"`
		}](t, w)
		if w.Code != 200 || len(found.Services) != 1 || found.Services[0].ID != testServiceID || found.Services[0].Organisation.ODS != "VOL1" ||
			fmt.Sprint(found.Services[0].Languages) != "[Portuguese]" || !strings.Contains(w.Body.String(), `"areas":["North Lambeth"]`) {
			t.Fatalf("search: %d %s", w.Code, w.Body)
		}
		if w := f.do("GET", "/api/directory/services?need=befriending&area=South+Southwark", "", cc); !strings.Contains(w.Body.String(), `"total":0`) {
			t.Fatalf("search elsewhere: %s", w.Body)
		}
		w = f.do("POST", "/api/patients/"+f.R.ID+"/referrals", `{"service_id":"`+testServiceID+`","reason":"lonely since bereavement","what_matters":"the choir"}`, cc)
		ref := decode[serviceReferralJSON](t, w)
		if w.Code != 201 || ref.Status != joinedup.ReferralSent || ref.Version != 1 {
			t.Fatalf("refer: %d %s", w.Code, w.Body)
		}
		path := "/api/patients/" + f.R.ID + "/referrals/" + ref.ID
		steps := []struct {
			body string
			code int
		}{
			{`{"version":1,"status":"accepted"}`, 200},
			{`{"version":1,"status":"in-progress"}`, 409}, // stale
			{`{"version":2,"status":"in-progress","note":"first visit done"}`, 200},
			{`{"version":3,"status":"completed"}`, 422}, // no outcome
			{`{"version":3,"status":"completed","outcome":"joined a weekly lunch club and the choir"}`, 200},
		}
		for _, s := range steps {
			f.clock.Advance(24 * time.Hour)
			lw = f.session(t, joinedup.RoleVoluntaryLinkWorker) // a new day, a new session
			if w := f.do("PATCH", path, s.body, lw); w.Code != s.code {
				t.Fatalf("%s: %d %s", s.body, w.Code, w.Body)
			}
		}
		// The loop is closed: the service no longer sees the patient.
		if w := f.do("GET", "/api/patients/"+f.R.ID+"/referrals", "", lw); w.Code != 200 || strings.Contains(w.Body.String(), ref.ID) {
			t.Fatalf("after completion the link worker sees: %d %s", w.Code, w.Body)
		}
		cc = f.session(t, joinedup.RoleCareCoordinator)
		w = f.do("GET", "/api/patients/"+f.R.ID+"/referrals", "", cc)
		seen := decode[struct {
			Referrals []serviceReferralJSON `json:"referrals"`
		}](t, w)
		if len(seen.Referrals) != 1 || seen.Referrals[0].Status != joinedup.ReferralCompleted ||
			seen.Referrals[0].Outcome != "joined a weekly lunch club and the choir" || seen.Referrals[0].Closed == nil {
			t.Fatalf("coordinator sees %s", w.Body)
		}

		// A second referral nobody answers stalls after ten working days.
		w = f.do("POST", "/api/patients/"+f.R.ID+"/referrals", `{"service_id":"`+testServiceID+`","reason":"carer needs a break"}`, cc)
		if w.Code != 201 {
			t.Fatalf("second referral: %d %s", w.Code, w.Body)
		}
		cfg := joinedup.DefaultStallSettings
		due := joinedup.AddWorkingDays(f.clock.Now(), cfg.AcceptWithinWorkingDays) // sent on a Saturday: the second Friday after
		if due.Weekday() != time.Friday || due.Sub(f.clock.Now()) != 13*24*time.Hour {
			t.Fatalf("ten working days from %s end %s", f.clock.Now(), due)
		}
		if n, err := directory.SyncStalled(ctx, db, cfg, due.Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("before ten working days: %d %v", n, err)
		}
		for range 2 {
			n, err := directory.SyncStalled(ctx, db, cfg, due)
			if err != nil {
				t.Fatal(err)
			}
			tasks, _ := store.OpenTasks(ctx, db, f.R.ID)
			stalled := 0
			for _, tk := range tasks {
				if tk.Kind == joinedup.TaskReferralStalled && tk.AssigneeUser == f.users[joinedup.RoleCareCoordinator].ID {
					stalled++
				}
			}
			if stalled != 1 {
				t.Fatalf("stalled tasks %d (raised now %d): %+v", stalled, n, tasks)
			}
		}
		w = f.do("GET", "/api/worklist", "", cc)
		if !strings.Contains(w.Body.String(), "Chase referral to Befriending") {
			t.Fatalf("coordinator's worklist: %s", w.Body)
		}
	})
}

// TestEditServiceVersionCheck: an edit from an old version is refused and
// changes nothing; bad input names the field.
func TestEditServiceVersionCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := directoryFixture(t, db)
		admin := f.session(t, joinedup.RoleAdmin)
		path := "/api/directory/services/" + testServiceID
		if w := f.do("PUT", path, `{"version":1,"service":`+testServiceJSON(testServiceID, "Befriending Plus")+`}`, admin); w.Code != 200 {
			t.Fatalf("edit: %d %s", w.Code, w.Body)
		}
		if w := f.do("PUT", path, `{"version":1,"service":`+testServiceJSON(testServiceID, "Lost edit")+`}`, admin); w.Code != 409 ||
			!strings.Contains(w.Body.String(), "changed by someone else") {
			t.Fatalf("stale edit: %d %s", w.Code, w.Body)
		}
		bad := strings.Replace(testServiceJSON(testServiceID, "X"), `"status":"active"`, `"status":"open"`, 1)
		if w := f.do("PUT", path, `{"version":2,"service":`+bad+`}`, admin); w.Code != 422 || !strings.Contains(w.Body.String(), `"service/status"`) {
			t.Fatalf("bad edit: %d %s", w.Code, w.Body)
		}
		s, _ := store.GetService(ctx, db, testServiceID)
		if s.Name != "Befriending Plus" || s.Version != 2 {
			t.Fatalf("service now %+v", s)
		}
	})
}

// TestSuggestions: the plan's goals, the tier and the language pick the
// service.
func TestSuggestions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := directoryFixture(t, db)
		plan := joinedup.CarePlan{PatientID: f.R.ID, WhatMatters: "less lonely since my wife died", Goals: []joinedup.Goal{{Description: "befriending visits", Owner: "Rita", Status: joinedup.GoalNotStarted}},
			NextReview: f.clock.Now().AddDate(0, 6, 0)}
		if _, err := store.SaveCarePlan(ctx, db, plan, 0, f.users[joinedup.RoleGP].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		w := f.do("GET", "/api/patients/"+f.R.ID+"/directory/suggestions", "", f.session(t, joinedup.RoleCareCoordinator))
		if w.Code != 200 || !strings.Contains(w.Body.String(), testServiceID) || !strings.Contains(w.Body.String(), "matches the plan: befriend") {
			t.Fatalf("suggestions: %d %s", w.Code, w.Body)
		}
	})
}

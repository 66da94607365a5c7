package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestListPagesAuditEachPatient: the cohort page, the worklist and the
// page of open tasks add one audit entry for each patient they show, so
// the subject-access view of a patient lists every page they appeared on.
func TestListPagesAuditEachPatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{})
		f.assess(t, f.R, joinedup.TierAmber)
		f.assess(t, f.R2, joinedup.TierGreen)
		gp := f.session(t, joinedup.RoleGP)
		patientLink := regexp.MustCompile(`href="/patients/([0-9a-f-]{36})"`)
		for _, path := range []string{"/cohort", "/worklist", "/worklist/tasks"} {
			w := f.do("GET", path, "", gp)
			if w.Code != 200 {
				t.Fatalf("%s: %d", path, w.Code)
			}
			shown := map[string]bool{}
			for _, m := range patientLink.FindAllStringSubmatch(w.Body.String(), -1) {
				shown[m[1]] = true
			}
			if path == "/cohort" && len(shown) < 2 {
				t.Fatalf("the cohort page shows %d patients, want both assessed", len(shown))
			}
			for id := range shown {
				es, err := store.AuditEntries(ctx, db, store.AuditFilter{PatientID: id})
				if err != nil {
					t.Fatal(err)
				}
				var listed bool
				for _, e := range es {
					listed = listed || e.Action == joinedup.ActionReadPatient && strings.HasPrefix(e.What, "GET "+path) && strings.HasSuffix(e.What, "(listed)")
				}
				if !listed {
					t.Errorf("%s shows patient %s but the patient's audit has no entry for it", path, id)
				}
			}
		}
	})
}

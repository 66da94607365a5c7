package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// TestImportFollowsMovesAndDeaths: a move to another practice or a death
// that arrives in an import does on the worklists what it calls for, in
// that run: the open work goes to the new practice, then closes when the
// death arrives.
func TestImportFollowsMovesAndDeaths(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url, db, p := seed(t, e)
			next := joinedup.Organisation{ODS: "G85002", Name: "Brixton Hill", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "p2"}}
			next.ID = store.OrganisationID(next)
			if _, err := store.Write(ctx, db, &store.Batch{Organisations: []joinedup.Organisation{next}}); err != nil {
				t.Fatal(err)
			}
			task, err := store.CreateTask(ctx, db, joinedup.Task{PatientID: p.ID, Kind: "manual", Title: "Book a review",
				AssigneeOrg: p.PracticeID, Due: time.Now().AddDate(0, 0, 7), Priority: 2, CreatedAt: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			patient := func(extra string) string {
				f := filepath.Join(t.TempDir(), "patient.ndjson")
				body := `{"resourceType": "Patient", "id": "1",
					"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}],
					"name": [{"family": "Smith", "given": ["Jane"]}],
					"generalPractitioner": [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "G85002"}}]` +
					extra + `}`
				if err := os.WriteFile(f, []byte(strings.Join(strings.Fields(body), " ")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return f
			}
			open := func() map[string]joinedup.Task {
				ts, err := store.OpenTasks(ctx, db, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				m := map[string]joinedup.Task{}
				for _, x := range ts {
					m[x.Kind] = x
				}
				return m
			}

			code, out, errOut := runCLI(t, "import", "--db", url, "--source", "test", patient(""))
			if code != exitOK || !strings.Contains(out, "worklists: 1 patients moved practice or died") {
				t.Fatalf("the move: exit %d\n%s%s", code, out, errOut)
			}
			got := open()
			if x := got["manual"]; x.ID != task.ID || x.AssigneeOrg != next.ID {
				t.Errorf("the practice's task after the move: %+v", x)
			}
			if _, ok := got[worklist.KindRegistrationHandover]; !ok {
				t.Errorf("no task for the new practice to take the care on: %v", got)
			}
			code, out, errOut = runCLI(t, "import", "--db", url, "--source", "test", patient(""))
			if code != exitOK || strings.Contains(out, "worklists:") {
				t.Fatalf("the same record again: exit %d\n%s%s", code, out, errOut)
			}

			code, out, errOut = runCLI(t, "import", "--db", url, "--source", "test", patient(`, "deceasedDateTime": "2025-01-10T08:00:00Z"`))
			if code != exitOK || !strings.Contains(out, "worklists: 1 patients moved practice or died") {
				t.Fatalf("the death: exit %d\n%s%s", code, out, errOut)
			}
			got = open()
			if _, ok := got[worklist.KindDeathInformCareTeam]; !ok || len(got) != 1 {
				t.Errorf("after the death, open tasks %v; want only the one to tell the care team", got)
			}
		})
	}
}

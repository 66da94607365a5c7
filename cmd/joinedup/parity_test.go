package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/web"
)

// The administrator's changes offered both at the command line and in the
// JSON API must leave the same records behind. The command line acts as
// the operator and on the wall clock, the API as the signed-in
// administrator on the server's clock, so who acted and when are masked
// before the two databases are compared; everything else must be equal.

// instants are timestamps, and actors the two doors' actors.
var (
	instants = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	actors   = regexp.MustCompile(`\b(user:admin|admin|system)\b`)
)

func masked(s string) string {
	return actors.ReplaceAllString(instants.ReplaceAllString(s, "<time>"), "<actor>")
}

// adminDoor is the JSON API of a server over url, with an administrator
// signed in.
func adminDoor(t *testing.T, url string) func(method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	admin, _, err := store.UserByUsername(ctx, db, "admin")
	if err != nil {
		t.Fatal(err)
	}
	tok := coord.NewToken()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return store.CreateSession(ctx, tx, coord.TokenHash(tok), admin.ID, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	srv := web.New(db, web.Options{})
	return func(method, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://joinedup.test"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
}

// adminDB is a fresh database with a practice and an administrator.
func adminDB(t *testing.T, engine store.Engine) string {
	t.Helper()
	ctx := context.Background()
	url := storetest.URL(t, engine)
	db, err := store.OpenAndMigrate(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	practice := joinedup.Organisation{ODS: "G85001", Name: "Practice", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "G85001"}}
	practice.ID = store.OrganisationID(practice)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := store.Write(ctx, tx, &store.Batch{Organisations: []joinedup.Organisation{practice}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := coord.New(db, nil).CreateUser(ctx, coord.System("test", time.Now()), coord.NewUser{Username: "admin",
		DisplayName: "Admin", Role: joinedup.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	return url
}

func TestCommandLineAndAPIAgree(t *testing.T) {
	service := `{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00900","name":"Walking group","status":"active",
		"organization":{"id":"0d6d1c1e-5b7a-4c1e-9a51-0c0ffee00901","name":"Walkers","description":"A walking group"}}`
	cases := []struct {
		name string
		cli  func(t *testing.T, url string)
		api  func(t *testing.T, url string)
	}{
		{"add a staff account",
			func(t *testing.T, url string) {
				if code, _, errOut := runCLI(t, "user", "add", "--db", url, "--username", "dr.who", "--name", "Dr Who", "--role", "gp",
					"--org", "G85001", "--email", "who@example.nhs.uk"); code != exitOK {
					t.Fatalf("user add: %d %s", code, errOut)
				}
			},
			func(t *testing.T, url string) {
				w := adminDoor(t, url)("POST", "/api/users", `{"username":"dr.who","display_name":"Dr Who","role":"gp",
					"organisation_ods":"G85001","email":"who@example.nhs.uk"}`)
				if w.Code != 201 {
					t.Fatalf("POST /api/users: %d %s", w.Code, w.Body)
				}
			}},
		{"add a directory service",
			func(t *testing.T, url string) {
				file := filepath.Join(t.TempDir(), "service.json")
				if err := os.WriteFile(file, []byte(service), 0o600); err != nil {
					t.Fatal(err)
				}
				if code, _, errOut := runCLI(t, "directory", "import", "--db", url, file); code != exitOK {
					t.Fatalf("directory import: %d %s", code, errOut)
				}
			},
			func(t *testing.T, url string) {
				if w := adminDoor(t, url)("POST", "/api/directory/services", `{"version":0,"service":`+service+`}`); w.Code != 201 {
					t.Fatalf("POST /api/directory/services: %d %s", w.Code, w.Body)
				}
			}},
		{"set a practice's roll-out",
			func(t *testing.T, url string) {
				if code, _, errOut := runCLI(t, "practice", "set", "G85001", "--db", url, "--pilot", "2025-01-06", "--go-live", "2025-04-01",
					"--wave", "Wave 1"); code != exitOK {
					t.Fatalf("practice set: %d %s", code, errOut)
				}
			},
			func(t *testing.T, url string) {
				w := adminDoor(t, url)("PUT", "/api/practices/G85001/rollout", `{"pilot":"2025-01-06","go_live":"2025-04-01","wave":"Wave 1"}`)
				if w.Code != 200 {
					t.Fatalf("PUT /api/practices/G85001/rollout: %d %s", w.Code, w.Body)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, engine := range storetest.Engines() {
				t.Run(string(engine), func(t *testing.T) {
					state := func(do func(*testing.T, string)) (string, string) {
						url := adminDB(t, engine)
						do(t, url)
						db, err := store.Open(context.Background(), url)
						if err != nil {
							t.Fatal(err)
						}
						defer db.Close()
						audit := storetest.Audit(t, db)
						return masked(storetest.State(t, db)), masked(strings.Join(audit[1:], "\n")) // after the set-up's own
					}
					cliState, cliAudit := state(c.cli)
					apiState, apiAudit := state(c.api)
					if cliState != apiState {
						t.Errorf("the command line and the API leave different records:\n%s\n---\n%s", cliState, apiState)
					}
					if cliAudit != apiAudit || cliAudit == "" {
						t.Errorf("the command line and the API audit differently:\n%s\n---\n%s", cliAudit, apiAudit)
					}
				})
			}
		})
	}
}

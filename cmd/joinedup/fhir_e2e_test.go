package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir/fhirschema"
	"github.com/joinedup/joinedup/store"
)

// need finds a program the end-to-end test runs; under CI a missing one
// fails the test rather than skipping it.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s not found; skipping the end-to-end test", name)
	}
	return p
}

// runBin runs the built binary within ctx and returns its standard output.
func runBin(t *testing.T, ctx context.Context, bin string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	began := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("joinedup %s: %v after %s (context: %v)\n%s%s", strings.Join(args, " "), err,
			time.Since(began).Round(time.Millisecond), ctx.Err(), out.String(), errb.String())
	}
	return out.String()
}

// e2eContext is the context of an end-to-end test's programs: it ends at
// the test's deadline (go test -timeout) less a reserve for stopping the
// server and reporting, or after 15 minutes when the test has none. A
// loaded machine makes the test slower, not a failure; a program that
// hangs is killed in time for the test to say which.
func e2eContext(t *testing.T) context.Context {
	deadline, ok := t.Deadline()
	if ok {
		deadline = deadline.Add(-min(30*time.Second, time.Until(deadline)/2))
	} else {
		deadline = time.Now().Add(15 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// waitServing waits until the server at base answers /healthz with 200 OK
// (it is listening and reaches its database), checking every 100 ms until
// ctx ends or the server exits.
func waitServing(ctx context.Context, base string, exited <-chan struct{}) error {
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/healthz: %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last answer: %v)", ctx.Err(), err)
		case <-exited:
			return fmt.Errorf("the server exited (last answer: %v)", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// syncBuffer is a bytes.Buffer that a process's output may be copied into
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestFHIREndToEnd builds the binary, imports a sample population,
// registers a client, serves, gets a token with a signed assertion and has
// an independent FHIR client library (fhir-kit-client, from npm) read the
// CapabilityStatement, search a patient's CarePlan (three versions, seeded
// after the import) and page through the results one at a time.
// It also runs joinedup export and checks every file line against the R4
// schema.
func TestFHIREndToEnd(t *testing.T) {
	node, npm := need(t, "node"), need(t, "npm")
	ctx := e2eContext(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "joinedup")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v (context: %v)\n%s", err, ctx.Err(), out)
	}
	db := "sqlite:" + filepath.Join(dir, "joinedup.db")
	runBin(t, ctx, bin, "migrate", "--db", db)
	runBin(t, ctx, bin, "import", "--db", db, "--source", "synthea", filepath.Join("..", "..", "testdata", "synthea-bulk-ndjson-10patients"))

	planned := seedCarePlans(t, ctx, db, 3)

	// joinedup export: one NDJSON file per type, each line valid R4.
	exportDir := filepath.Join(dir, "export")
	out := runBin(t, ctx, bin, "export", "--db", db, "--fhir", exportDir, "--type", "Patient,Condition,Organization,CareTeam,CarePlan,Goal")
	if !strings.Contains(out, "Condition") || !strings.Contains(out, "Patient") {
		t.Fatalf("export: %s", out)
	}
	schema := fhirschema.Validator(t)
	for _, typ := range []string{"Patient", "Condition", "Organization", "CareTeam", "CarePlan", "Goal"} {
		b, err := os.ReadFile(filepath.Join(exportDir, typ+".ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			if err := schema.Validate(line); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
		}
	}

	// A client with a key of its own; only the public half is registered.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS384", Use: "sig"}}})
	jwksPath := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksPath, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	out = runBin(t, ctx, bin, "client", "add", "--db", db, "--name", "e2e", "--jwks", jwksPath, "--scope", "system/*.read")
	m := regexp.MustCompile(`client_id: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("client add: %s", out)
	}
	clientID := m[1]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srvCtx, stop := context.WithCancel(ctx)
	var serveLog syncBuffer
	srv := exec.CommandContext(srvCtx, bin, "serve", "--db", db, "--addr", addr, "--secure-cookies=false", "--export-dir", filepath.Join(dir, "exports"))
	srv.Stdout, srv.Stderr = &serveLog, &serveLog
	if err := srv.Start(); err != nil {
		stop()
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = srv.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stop()
		<-exited
	})
	base := "http://" + addr
	began := time.Now()
	if err := waitServing(ctx, base, exited); err != nil {
		t.Fatalf("server did not start serving in %s: %v\n%s", time.Since(began).Round(time.Millisecond), err, serveLog.String())
	}
	t.Logf("server serving after %s", time.Since(began).Round(time.Millisecond))

	// The client library is installed before the token is issued, so a
	// slow install on a loaded machine cannot use up the token's life.
	script := filepath.Join("..", "..", "e2e", "fhir")
	install := exec.CommandContext(ctx, npm, "ci", "--prefer-offline", "--no-audit", "--no-fund")
	install.Dir = script
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v (context: %v)\n%s", err, ctx.Err(), out)
	}

	sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS384, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	now := time.Now()
	assertion, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{base + "/oauth/token"},
		ID: fmt.Sprint(now.UnixNano()), Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"system/*.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %d\n%s", resp.StatusCode, serveLog.String())
	}

	run := exec.CommandContext(ctx, node, "script.mjs", base+"/fhir", tok.AccessToken)
	run.Dir = script
	res, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("fhir-kit-client script: %v (context: %v)\n%s\nserver log:\n%s", err, ctx.Err(), res, serveLog.String())
	}
	t.Logf("fhir-kit-client: %s", bytes.TrimSpace(res))
	lines := bytes.Split(bytes.TrimSpace(res), []byte("\n"))
	var got struct {
		Patient      string
		ResourceType string
		Resources    int
		Pages        int
		Statuses     []string
		Versions     []string
		Goals        int
	}
	if err := json.Unmarshal(lines[len(lines)-1], &got); err != nil {
		t.Fatalf("script output: %v\n%s", err, res)
	}
	if got.Patient != planned || got.ResourceType != "CarePlan" || got.Resources != 3 || got.Pages != 3 || got.Goals != 2 ||
		strings.Join(got.Statuses, ",") != "revoked,revoked,active" || strings.Join(got.Versions, ",") != "1,2,3" {
		t.Errorf("script paged %+v, want patient %s's three CarePlan versions, one a page, the last active with two goals", got, planned)
	}
}

// seedCarePlans gives the first imported patient a care team and saves
// their care plan versions times, each with two goals, and returns the
// patient's id.
func seedCarePlans(t *testing.T, ctx context.Context, dbURL string, versions int) string {
	t.Helper()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := store.PatientIDsAfter(ctx, db, "", 1)
	if err != nil || len(ids) == 0 {
		t.Fatalf("no patient imported: %v", err)
	}
	start := time.Now().Add(-time.Duration(versions) * time.Hour).UTC()
	if _, err := store.AddCareTeamMember(ctx, db, store.CareTeamMember{PatientID: ids[0], Role: joinedup.CareCarer, Name: "Mary",
		Relationship: "daughter", Start: start}); err != nil {
		t.Fatal(err)
	}
	for v := range versions {
		plan := joinedup.CarePlan{PatientID: ids[0], WhatMatters: fmt.Sprintf("staying at home (version %d)", v+1),
			Goals: []joinedup.Goal{{Description: "Walk to the shop", Owner: "Me", Status: joinedup.GoalInProgress},
				{Description: "Back to the choir", Owner: "Me", Status: joinedup.GoalNotStarted}},
			Actions: []joinedup.AgreedAction{{Description: "Falls clinic referral", Owner: "Care coordinator", Due: start.AddDate(0, 0, 14),
				Status: joinedup.ActionOpen}},
			NextReview: start.AddDate(0, 6, 0)}
		s, err := store.SaveCarePlan(ctx, db, plan, v, "care-coordinator", start.Add(time.Duration(v)*time.Hour))
		if err != nil || s.Conflict {
			t.Fatalf("save care plan version %d: %+v %v", v+1, s, err)
		}
	}
	return ids[0]
}

package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup/auditanchor"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/demo"
	"github.com/joinedup/joinedup/hospitalfeed"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/synth"
	"github.com/joinedup/joinedup/web"
)

// webFlags adds the web server's flags and returns a function building its
// options. The OpenID client secret comes from the environment only, so it
// never shows in a process listing.
func webFlags(fs *flag.FlagSet, e *env, secureDefault bool) func() web.Options {
	secure := fs.Bool("secure-cookies", secureDefault, "mark cookies Secure (turn off only for plain-HTTP localhost)")
	issuer := fs.String("oidc-issuer", os.Getenv("JOINEDUP_OIDC_ISSUER"), "OpenID Connect issuer `URL` (e.g. NHS CIS2); empty disables")
	clientID := fs.String("oidc-client-id", os.Getenv("JOINEDUP_OIDC_CLIENT_ID"), "OpenID Connect client `id`")
	redirect := fs.String("oidc-redirect-url", os.Getenv("JOINEDUP_OIDC_REDIRECT_URL"), "this server's /auth/oidc/callback `URL` as registered")
	exportDir := fs.String("export-dir", filepath.Join("joinedup-data", "exports"), "`folder` for FHIR Bulk Data export files (kept across restarts)")
	perUsername, perClient := coord.DefaultPerUsername, coord.DefaultPerClient
	fs.Var(rateFlag{&perUsername}, "signin-rate-username", "password sign-in attempts allowed on one username, as `N/DURATION` (successes are given back)")
	fs.Var(rateFlag{&perClient}, "signin-rate-client", "password sign-in attempts allowed from one client address, as `N/DURATION` (successes are given back)")
	checks := fs.Int("password-checks", 0, "passwords checked at once, each holding 19 MiB (0: one per CPU, at most 13)")
	checkWait := fs.Duration("password-check-wait", coord.DefaultHashWait, "how long a sign-in waits for a password check before it is refused, to try again")
	clientHeader := fs.String("client-address-header", "", "`header` a reverse proxy in front writes the client's address in, such as X-Forwarded-For (empty: the connection's address)")
	return func() web.Options {
		opt := web.Options{SecureCookies: *secure, Logger: e.log, ExportDir: *exportDir,
			SignInPerUsername: perUsername, SignInPerClient: perClient, PasswordChecks: *checks, PasswordCheckWait: *checkWait,
			ClientAddressHeader: *clientHeader}
		if *issuer != "" {
			opt.OIDC = &web.OIDCConfig{Issuer: *issuer, ClientID: *clientID, RedirectURL: *redirect,
				ClientSecret: os.Getenv("JOINEDUP_OIDC_CLIENT_SECRET")}
		}
		return opt
	}
}

// rateFlag is a flag holding a coord.Rate, written N/DURATION.
type rateFlag struct{ r *coord.Rate }

func (f rateFlag) String() string {
	if f.r == nil {
		return ""
	}
	return f.r.String()
}

func (f rateFlag) Set(s string) error {
	r, err := coord.ParseRate(s)
	if err == nil {
		*f.r = r
	}
	return err
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--db URL] [--addr HOST:PORT] [--secure-cookies=false] [--oidc-issuer URL …] [--audit-key FILE --audit-checkpoints FILE]")
	dbURL := dbFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	hl7Addr := fs.String("hl7-addr", "", "also receive hospitals' HL7 v2 ADT messages over MLLP on this `address` (off when empty)")
	auditKey := fs.String("audit-key", "", "sign checkpoints of the audit chain's head with this Ed25519 key `file` (joinedup audit keygen); off when empty")
	auditFile := fs.String("audit-checkpoints", "", "append the signed checkpoints to this `file`, outside the database (with --audit-key)")
	auditEvery := fs.Duration("audit-checkpoint-every", 5*time.Minute, "checkpoint the audit chain this often while it moves, and at shutdown")
	opts := webFlags(fs, e, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*auditKey == "") != (*auditFile == "") {
		return usageError{"--audit-key and --audit-checkpoints go together"}
	}
	if *auditEvery <= 0 {
		return usageError{"--audit-checkpoint-every must be positive"}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if *auditKey != "" {
		key, err := auditanchor.ReadPrivateKey(*auditKey)
		if err != nil {
			return err
		}
		w, err := auditanchor.OpenWriter(ctx, db, key, *auditFile, e.log)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "checkpointing the audit chain to %s every %s, signed by key %s\n", *auditFile, *auditEvery,
			auditanchor.KeyID(key.Public().(ed25519.PublicKey)))
		// The last checkpoint is made once the web server and the HL7
		// listener have stopped (deferred calls run last-in, first-out),
		// so it covers every entry they wrote.
		anchorCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() { w.Run(anchorCtx, *auditEvery); close(done) }()
		defer func() {
			stop()
			<-done
			if err := w.Close(); err != nil {
				e.log.Error("audit checkpoint file", "err", err)
			}
		}()
	}
	if *hl7Addr != "" {
		ln, err := net.Listen("tcp", *hl7Addr)
		if err != nil {
			return fmt.Errorf("listen for HL7 on %s: %w", *hl7Addr, err)
		}
		feedCtx, stop := context.WithCancel(ctx)
		feed := &hospitalfeed.Server{Service: coord.New(db, e.log), Log: e.log}
		fmt.Fprintf(e.stdout, "receiving HL7 v2 ADT over MLLP on %s\n", ln.Addr())
		done := make(chan error, 1)
		go func() { done <- feed.Serve(feedCtx, ln) }()
		// The messages in hand are answered before the database closes.
		defer func() {
			stop()
			if err := <-done; err != nil {
				e.log.Error("HL7 listener", "err", err)
			}
		}()
	}
	return serve(ctx, e, db, *addr, opts())
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--patients N] [--data DIR] [--addr HOST:PORT]")
	dbURL := dbFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	patients := fs.Int("patients", 50000, "synthetic patients to generate when the database is empty")
	seed := fs.Uint64("seed", 1, "seed of the synthetic population")
	asOfFlag := fs.String("as-of", synth.DefaultAsOf.Format(time.DateOnly), "`date` the population is generated and stratified at")
	opts := webFlags(fs, e, false) // the demo serves plain HTTP on localhost
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	if *patients < 1 {
		return usageError{"--patients must be at least 1"}
	}
	asOf, err := parseAsOf(*asOfFlag)
	if err != nil {
		return err
	}
	start := time.Now()
	db, err := store.OpenAndMigrate(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	work, err := os.MkdirTemp("", "joinedup-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	res, err := demo.Prepare(ctx, db, demo.Options{Patients: *patients, Seed: *seed, AsOf: asOf, WorkDir: work, Log: e.stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d patients, %d in the cohort; ready in %s\n\n", res.Patients, res.Eligible, time.Since(start).Round(time.Second))
	printAccounts(e.stdout, res.Accounts)
	return serve(ctx, e, db, *addr, opts())
}

// printAccounts shows the demo accounts and their passwords, new each start.
func printAccounts(w io.Writer, accts []demo.Account) {
	fmt.Fprintln(w, "Sign in as any of these (passwords are new each time the demo starts):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\trole\tname\torganisation\tpassword")
	for _, a := range accts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, a.Name, a.Organisation, a.Password)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// serve runs the HTTP server until ctx is cancelled, then shuts it down
// gracefully.
func serve(ctx context.Context, e *env, db *store.DB, addr string, opt web.Options) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: web.New(db, opt), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "JoinedUp is serving %s on http://%s/\n", db.Engine, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

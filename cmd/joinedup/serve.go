package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/joinedup/joinedup/store"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--db URL] [--addr HOST:PORT]")
	dbURL := dbFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	return serve(ctx, e, db, *addr)
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--data DIR] [--addr HOST:PORT]")
	dbURL := dbFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.OpenAndMigrate(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	return serve(ctx, e, db, *addr)
}

// serve runs the HTTP server until ctx is cancelled, then shuts it down
// gracefully.
func serve(ctx context.Context, e *env, db *store.DB, addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.PingContext(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
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

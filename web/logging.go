package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/joinedup/joinedup"
)

// reqInfo collects what the request log reports.
type reqInfo struct{ user string }

type reqInfoKey struct{}

func setUser(r *http.Request, u joinedup.User) {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		ri.user = u.Username
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs each request's method, path (never the query string,
// which can carry an authorisation code), status, user and duration.
// Cookies, headers and bodies are never logged, so neither passwords nor
// session tokens reach the logs.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri)))
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.String("user", ri.user), slog.Duration("took", time.Since(start)))
	})
}

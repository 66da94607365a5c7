package web

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/joinedup/joinedup"
)

// home sends a signed-in user to the page their role starts from.
func (s *Server) home(c *Call) error {
	u, ok, err := s.authenticate(c.W, c.R, c.Now)
	if err != nil {
		return err
	}
	to := "/signin"
	if ok {
		d := joinedup.Authorize(u, joinedup.ActionListPatients, joinedup.Relationship{})
		switch {
		case d.Allowed && d.Scope == joinedup.ScopeFull:
			to = "/worklist"
		case joinedup.Authorize(u, joinedup.ActionReadAggregate, joinedup.Relationship{}).Allowed:
			to = "/dashboard"
		case joinedup.Authorize(u, joinedup.ActionManageRollout, joinedup.Relationship{}).Allowed:
			to = "/practices"
		}
	}
	return c.Redirect(to)
}

// static serves the embedded style sheets, scripts and images. The NHS.UK
// style sheet refers to its images under /assets/.
func (s *Server) static(c *Call) error {
	file := path.Clean("/" + c.R.PathValue("file"))[1:]
	name := "static/" + file
	if strings.HasPrefix(c.R.URL.Path, "/assets/") {
		name = "static/vendor/assets/" + file
	}
	b, err := staticFS.ReadFile(name)
	if err != nil {
		if strings.HasPrefix(name, "static/vendor/") && !assetsBuilt {
			// A fresh clone built with plain `go build`: say so rather
			// than fail mysteriously.
			c.W.Header().Set("Content-Type", "text/plain; charset=utf-8")
			c.W.WriteHeader(http.StatusNotFound)
			_, _ = c.W.Write([]byte("assets not built: run make assets\n"))
			return nil
		}
		return joinedup.NotFound("no such file")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	c.W.Header().Set("Content-Type", ct)
	c.W.Header().Set("Cache-Control", "public, max-age=3600")
	c.W.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = c.W.Write(b)
	return nil
}

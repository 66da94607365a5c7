package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/fhirapi"
	"github.com/joinedup/joinedup/store"
)

// Bulk Data export (FHIR Bulk Data Access 2.0): a system client kicks off an
// export, polls its status and downloads NDJSON files. Jobs run in the
// background; their state is in the database and their files in
// Options.ExportDir, so a finished export survives a restart.

func (s *Server) exportDir() string {
	if s.opt.ExportDir != "" {
		return s.opt.ExportDir
	}
	return filepath.Join(os.TempDir(), "joinedup-export")
}

// WaitBackground waits for background work (export jobs) to finish.
func (s *Server) WaitBackground() { s.background.Wait() }

func (s *Server) exportKickOff(level string) func(c *Call) error {
	return func(c *Call) error {
		if c.Client.ID == "" {
			return errFHIR(http.StatusForbidden, "bulk export is for registered systems")
		}
		if !strings.Contains(c.R.Header.Get("Prefer"), "respond-async") {
			return errFHIR(http.StatusBadRequest, "bulk export needs the header Prefer: respond-async")
		}
		q := c.R.URL.Query()
		switch f := q.Get("_outputFormat"); f {
		case "", "application/fhir+ndjson", "application/ndjson", "ndjson":
		default:
			return errFHIR(http.StatusBadRequest, "_outputFormat "+f+" is not supported; NDJSON is")
		}
		var types []*fhirapi.Type
		if v := q.Get("_type"); v != "" {
			for _, name := range strings.Split(v, ",") {
				t, ok := fhirapi.Lookup(strings.TrimSpace(name))
				if !ok {
					return errFHIR(http.StatusBadRequest, "_type: "+name+" is not a type this server exports")
				}
				if level == "patient" && !t.PatientScoped() {
					return errFHIR(http.StatusBadRequest, "_type: "+name+" is outside the patient compartment")
				}
				if d := joinedup.AuthorizeClient(c.Client, joinedup.ActionBulkExport, t.Name); !d.Allowed {
					return errFHIR(http.StatusForbidden, d.Reason)
				}
				types = append(types, t)
			}
		} else {
			for _, t := range fhirapi.Types() {
				if c.Client.Grants(t.Name) && (level == "system" || t.PatientScoped()) {
					types = append(types, t)
				}
			}
		}
		if len(types) == 0 {
			return errFHIR(http.StatusForbidden, "the client's scopes grant no type to export")
		}
		var since time.Time
		if v := q.Get("_since"); v != "" {
			d, err := fhir.ParseDate(v)
			if err != nil || d.Precision != fhir.PrecisionSecond {
				return errFHIR(http.StatusBadRequest, "_since must be an instant, e.g. 2025-01-01T00:00:00Z")
			}
			since = d.Time
		}
		for k := range q {
			if k != "_type" && k != "_since" && k != "_outputFormat" {
				return errFHIR(http.StatusBadRequest, "bulk export does not support the parameter "+k)
			}
		}
		job := store.ExportJob{ID: store.NewID(), ClientID: c.Client.ID, Request: baseURL(c.R) + strings.TrimPrefix(c.R.URL.RequestURI(), "/fhir"),
			Level: level, Since: since, TransactionTime: c.Now}
		for _, t := range types {
			job.Types = append(job.Types, t.Name)
		}
		audit := *c.Audit
		if err := s.coord.StartExport(c.R.Context(), c.Actor(), job); err != nil {
			return err
		}
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			s.runExport(job, types, audit)
		}()
		c.W.Header().Set("Content-Location", baseURL(c.R)+"/$export-status/"+job.ID)
		return c.Respond(http.StatusAccepted, FHIRContentType, &fhir.OperationOutcome{Resource: fhir.Resource{ResourceType: "OperationOutcome"},
			Issue: []fhir.OutcomeIssue{{Severity: "information", Code: "informational", Diagnostics: "export started"}}})
	}
}

// runExport runs one job to its end, writing a file per type and an audit
// entry per patient exported.
func (s *Server) runExport(job store.ExportJob, types []*fhirapi.Type, audit joinedup.AuditEntry) {
	ctx := context.Background()
	dir := filepath.Join(s.exportDir(), job.ID)
	fail := func(err error) {
		s.log.Error("export job failed", "job", job.ID, "err", err)
		if ferr := s.coord.FailExports(ctx, job.ID, "the export failed; it has been logged", s.opt.Now()); ferr != nil {
			s.log.Error("record export failure", "job", job.ID, "err", ferr)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		fail(err)
		return
	}
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	counts, err := fhirapi.Export(ctx, s.db, fhirapi.ExportOptions{
		Types: types, Since: job.Since, PatientOnly: job.Level == "patient",
		Output: func(typ string) (io.Writer, error) {
			f, err := os.Create(filepath.Join(dir, typ+".ndjson"))
			files[typ] = f
			return f, err
		},
		Patient: func(patientID string, n int) error {
			e := audit
			e.At, e.PatientID, e.Outcome = s.opt.Now().UTC(), patientID, joinedup.OutcomeAllowed
			e.What = fmt.Sprintf("%s (bulk export job %s: %d resources)", audit.What, job.ID, n)
			_, err := s.coord.Audit(ctx, e)
			return err
		},
		Progress: func(n int) {
			_ = s.coord.ExportProgress(ctx, job.ID, fmt.Sprintf("%d patients exported", n))
		},
	})
	if err != nil {
		fail(err)
		return
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			fail(err)
			return
		}
	}
	var out []store.ExportFile
	for _, t := range types {
		if n := counts[t.Name]; n > 0 {
			out = append(out, store.ExportFile{ResourceType: t.Name, Name: t.Name + ".ndjson", Count: n})
		}
	}
	if err := s.coord.FinishExport(ctx, job.ID, out, s.opt.Now()); err != nil {
		fail(err)
	}
}

// clientJob returns the job, if it is the calling client's.
func clientJob(c *Call) (store.ExportJob, error) {
	job, err := store.GetExportJob(c.R.Context(), c.Q, c.R.PathValue("job"))
	if errors.Is(err, joinedup.ErrNotFound) || err == nil && job.ClientID != c.Client.ID {
		return job, errFHIR(http.StatusNotFound, "no such export job")
	}
	return job, err
}

// manifest is the Bulk Data completion manifest.
type manifest struct {
	TransactionTime     string           `json:"transactionTime"`
	Request             string           `json:"request"`
	RequiresAccessToken bool             `json:"requiresAccessToken"`
	Output              []manifestOutput `json:"output"`
	Error               []manifestOutput `json:"error"`
}

type manifestOutput struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

func (s *Server) exportStatus(c *Call) error {
	job, err := clientJob(c)
	if err != nil {
		return err
	}
	c.Audit.What += " (job " + job.ID + ")"
	switch job.Status {
	case store.ExportRunning:
		progress := job.Progress
		if progress == "" {
			progress = "started"
		}
		c.W.Header().Set("X-Progress", progress)
		c.W.Header().Set("Retry-After", "2")
		return c.Respond(http.StatusAccepted, FHIRContentType, nil)
	case store.ExportFailed:
		return errFHIR(http.StatusInternalServerError, job.Error)
	}
	m := manifest{TransactionTime: fhir.FormatInstant(job.TransactionTime), Request: job.Request, RequiresAccessToken: true,
		Output: []manifestOutput{}, Error: []manifestOutput{}}
	for _, f := range job.Files {
		m.Output = append(m.Output, manifestOutput{Type: f.ResourceType, URL: baseURL(c.R) + "/$export-output/" + job.ID + "/" + f.Name, Count: f.Count})
	}
	c.W.Header().Set("Expires", c.Now.Add(24*time.Hour).Format(http.TimeFormat))
	return c.Respond(http.StatusOK, "application/json; charset=utf-8", m)
}

func (s *Server) exportDelete(c *Call) error {
	job, err := clientJob(c)
	if err != nil {
		return err
	}
	if job.Status == store.ExportRunning {
		return errFHIR(http.StatusConflict, "the export is still running")
	}
	if err := os.RemoveAll(filepath.Join(s.exportDir(), job.ID)); err != nil {
		return err
	}
	if err := s.coord.DeleteExport(c.R.Context(), c.Actor(), job.ID); err != nil {
		return err
	}
	return c.Respond(http.StatusAccepted, FHIRContentType, nil)
}

func (s *Server) exportOutput(c *Call) error {
	job, err := clientJob(c)
	if err != nil {
		return err
	}
	name := c.R.PathValue("file")
	var file *store.ExportFile
	for i := range job.Files {
		if job.Files[i].Name == name {
			file = &job.Files[i]
		}
	}
	if file == nil {
		return errFHIR(http.StatusNotFound, "no such file in the export")
	}
	f, err := os.Open(filepath.Join(s.exportDir(), job.ID, file.Name))
	if err != nil {
		return fmt.Errorf("open export file: %w", err)
	}
	c.Audit.What += fmt.Sprintf(" (job %s: %s, %d resources)", job.ID, file.Name, file.Count)
	return c.Stream(http.StatusOK, "application/fhir+ndjson", func(w io.Writer) error {
		defer f.Close()
		_, err := io.Copy(w, f)
		return err
	})
}

package coord

import (
	"context"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// FHIR Bulk Data export jobs: a system client starts one, it runs in the
// background, and the client downloads and finally deletes its files. Each
// patient exported is audited as a read of their record (Audit) by the
// door that runs the job.

// StartExport records a new export job.
func (s *Service) StartExport(ctx context.Context, a Actor, job store.ExportJob) error {
	return s.change(ctx, a, joinedup.ActionBulkExport, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := store.CreateExportJob(ctx, tx, job); err != nil {
			return err
		}
		say(e, "job %s: %s", job.ID, strings.Join(job.Types, ","))
		return nil
	})
}

// ExportProgress notes how far a running job has got.
func (s *Service) ExportProgress(ctx context.Context, jobID, progress string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return store.SetExportProgress(ctx, tx, jobID, progress) })
}

// FinishExport records a job's files: it is complete.
func (s *Service) FinishExport(ctx context.Context, jobID string, files []store.ExportFile, at time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return store.FinishExportJob(ctx, tx, jobID, files, at) })
}

// FailExports marks a running job failed, with the reason its client is
// told; jobID "" fails every running job (those a restart interrupted).
func (s *Service) FailExports(ctx context.Context, jobID, reason string, at time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return store.FailExportJobs(ctx, tx, jobID, reason, at) })
}

// DeleteExport forgets a finished job (its files are the caller's to
// remove).
func (s *Service) DeleteExport(ctx context.Context, a Actor, jobID string) error {
	return s.change(ctx, a, joinedup.ActionBulkExport, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := store.DeleteExportJob(ctx, tx, jobID); err != nil {
			return err
		}
		say(e, "deleted job %s", jobID)
		return nil
	})
}

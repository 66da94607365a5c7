package auditanchor

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/joinedup/joinedup/store"
)

// Writer appends signed checkpoints of a database's audit chain to a file
// and logs each one, for `joinedup serve`.
type Writer struct {
	db   store.Querier
	key  ed25519.PrivateKey
	path string
	log  *slog.Logger

	mu   sync.Mutex
	f    *os.File
	last Checkpoint // the last checkpoint in the file, if any
	now  func() time.Time
}

// OpenWriter opens the checkpoint file at path for appending, creating it
// if need be. When the file already holds checkpoints, it checks that the
// log still holds the last one's entry with its hash, and logs an error
// naming the first entry missing if not (after a restore from an older
// backup, for one): the server still starts, but `joinedup audit verify
// --checkpoints` will fail on that file.
func OpenWriter(ctx context.Context, db store.Querier, key ed25519.PrivateKey, path string, log *slog.Logger) (*Writer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{db: db, key: key, path: path, log: log, now: time.Now}
	lines, err := ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	case len(lines) > 0:
		last := lines[len(lines)-1]
		w.last = last.Checkpoint
		if err := last.Verify(key.Public().(ed25519.PublicKey)); err != nil {
			log.Warn("the checkpoint file's last checkpoint is not signed by this key", "file", path, "line", last.N, "err", err)
		}
		if err := holds(ctx, db, last); err != nil {
			log.Error("the audit log does not hold the last checkpoint's entry", "file", path, "err", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open audit checkpoint file: %w", err)
	}
	w.f = f
	return w, nil
}

// Checkpoint signs the audit chain's head as it is now, appends it to the
// file (synced to disk before it returns) and logs it.
func (w *Writer) Checkpoint(ctx context.Context) (Checkpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.checkpoint(ctx)
}

func (w *Writer) checkpoint(ctx context.Context) (Checkpoint, error) {
	if w.f == nil {
		return Checkpoint{}, errors.New("audit checkpoint: the checkpoint file is closed")
	}
	seq, hash, err := store.AuditHead(ctx, w.db)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	c := Sign(w.key, seq, hash, w.now())
	b, err := json.Marshal(c)
	if err != nil {
		return c, fmt.Errorf("audit checkpoint: %w", err)
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return c, fmt.Errorf("write audit checkpoint to %s: %w", w.path, err)
	}
	if err := w.f.Sync(); err != nil {
		return c, fmt.Errorf("write audit checkpoint to %s: %w", w.path, err)
	}
	w.last = c
	w.log.Info("audit checkpoint", "seq", c.Seq, "hash", c.Hash, "at", c.At.Format(time.RFC3339Nano), "key", c.Key, "sig", c.Sig)
	return c, nil
}

// checkpointIfMoved writes a checkpoint if the chain has moved on since
// the last one.
func (w *Writer) checkpointIfMoved(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	seq, hash, err := store.AuditHead(ctx, w.db)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	if seq != w.last.Seq || hash != w.last.Hash || w.last.Sig == "" {
		_, err = w.checkpoint(ctx)
	}
	return err
}

// Run checkpoints the chain now if it has moved since the file's last
// checkpoint, then every interval while it moves, until ctx is done; then
// it writes one last checkpoint and returns. Failures are logged, never
// fatal: the service goes on.
func (w *Writer) Run(ctx context.Context, every time.Duration) {
	if err := w.checkpointIfMoved(ctx); err != nil {
		w.log.Error("audit checkpoint", "err", err)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := w.checkpointIfMoved(ctx); err != nil {
				w.log.Error("audit checkpoint", "err", err)
			}
		case <-ctx.Done():
			if _, err := w.Checkpoint(context.WithoutCancel(ctx)); err != nil {
				w.log.Error("audit checkpoint at shutdown", "err", err)
			}
			return
		}
	}
}

// Close closes the checkpoint file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

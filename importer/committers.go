package importer

import (
	"context"
	"hash/maphash"
	"runtime"
	"sync"

	"github.com/joinedup/joinedup/store"
)

// writers is how many transactions write at once on db.
func writers(db *store.DB, opt Options) int {
	switch {
	case opt.DecodeOnly || db == nil || db.Engine != store.Postgres:
		return 1
	case opt.Writers > 0:
		return opt.Writers
	}
	return min(runtime.GOMAXPROCS(0), 4)
}

// committers write batches on several connections at once. Each patient's
// records go to one committer, chosen by the patient's id, and a committer
// writes its batches in the order given, so every row is written by the
// same sequence of statements as with one writer and the result is the
// same. Records that refer to a patient must not be written before that
// patient, so the caller drains the committers between files.
type committers struct {
	im   *importer
	ctx  context.Context
	seed maphash.Seed
	in   []chan *store.Batch
	// pending counts batches handed over and not yet written.
	pending sync.WaitGroup
	// patients is set while some of those batches hold patients, which
	// records read after them may refer to.
	patients bool
	done     sync.WaitGroup

	mu  sync.Mutex
	err error // the first failure; later batches are dropped
}

func newCommitters(ctx context.Context, im *importer, n int) *committers {
	c := &committers{im: im, ctx: ctx, seed: maphash.MakeSeed(), in: make([]chan *store.Batch, n)}
	for i := range c.in {
		c.in[i] = make(chan *store.Batch, 1)
		c.done.Add(1)
		go c.run(c.in[i])
	}
	return c
}

func (c *committers) run(in <-chan *store.Batch) {
	defer c.done.Done()
	for b := range in {
		if c.failed() == nil {
			if err := c.im.commit(c.ctx, b); err != nil {
				c.mu.Lock()
				if c.err == nil {
					c.err = err
				}
				c.mu.Unlock()
			}
		}
		c.pending.Done()
	}
}

func (c *committers) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// dispatch splits b by patient and hands each part to its committer. It
// and drain are called from one goroutine only.
func (c *committers) dispatch(b *store.Batch) error {
	if err := c.failed(); err != nil {
		return err
	}
	parts := b.Split(len(c.in), func(patientID string) int {
		return int(maphash.String(c.seed, patientID) % uint64(len(c.in)))
	})
	if len(b.Patients) > 0 {
		c.patients = true
	}
	for i := range parts {
		if parts[i].Len() == 0 {
			continue
		}
		c.pending.Add(1)
		select {
		case c.in[i] <- &parts[i]:
		case <-c.ctx.Done():
			c.pending.Done()
			return c.ctx.Err()
		}
	}
	return nil
}

// drain waits until every batch handed over is written.
func (c *committers) drain() error {
	c.pending.Wait()
	c.patients = false
	return c.failed()
}

// drainPatients waits until every patient handed over is written, so a
// look-up of held patients finds them.
func (c *committers) drainPatients() error {
	if !c.patients {
		return nil
	}
	return c.drain()
}

// close drains the committers and stops them.
func (c *committers) close() error {
	err := c.drain()
	for _, in := range c.in {
		close(in)
	}
	c.done.Wait()
	return err
}

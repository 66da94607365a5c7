// Package groupcommit runs together the calls that arrive while one is
// running. Work that must commit before it returns (an audit entry, a
// hospital message acknowledged only once stored) then pays for one commit
// per group rather than per call, and callers do not queue one by one for
// whatever every commit locks.
package groupcommit

import (
	"errors"
	"sync"
)

// Queue groups calls of one kind. The zero Queue is ready to use.
type Queue[T, R any] struct {
	// Max bounds a group; 0 means no bound.
	Max int

	mu      sync.Mutex
	running bool
	waiting []*call[T, R]
}

type call[T, R any] struct {
	in  T
	out R
	err error
	// wake is sent true when the call is to run the queue itself, false
	// once its own input has been run by another.
	wake chan bool
}

// Do runs in, together with the inputs of the calls waiting when it
// starts, by one call of run, and returns in's result once run has
// returned. run gets the inputs in the order they arrived and returns a
// result and an error for each, in that order. While one group runs, calls
// wait; the first of them runs the next group.
func (q *Queue[T, R]) Do(in T, run func(ins []T) ([]R, []error)) (R, error) {
	c := &call[T, R]{in: in, wake: make(chan bool, 1)}
	q.mu.Lock()
	q.waiting = append(q.waiting, c)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	if !lead && !<-c.wake {
		return c.out, c.err
	}
	q.mu.Lock()
	group := q.waiting
	if q.Max > 0 && len(group) > q.Max {
		// c is first: it led, or was woken as the first waiting.
		group = group[:q.Max]
	}
	q.waiting = q.waiting[len(group):]
	q.mu.Unlock()
	ins := make([]T, len(group))
	for i, g := range group {
		ins[i] = g.in
	}
	// Whatever happens in run, the waiting calls are answered and the
	// queue handed on, or they would wait for ever; a panic is raised
	// again after that.
	outs, errs, panicked := safely(ins, run)
	for i, g := range group {
		g.out, g.err = outs[i], errs[i]
		if g != c {
			g.wake <- false
		}
	}
	q.mu.Lock()
	if len(q.waiting) > 0 {
		q.waiting[0].wake <- true
	} else {
		q.running = false
	}
	q.mu.Unlock()
	if panicked != nil {
		panic(panicked)
	}
	return c.out, c.err
}

// Waiting counts the calls waiting for a group to run them.
func (q *Queue[T, R]) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting)
}

// safely calls run, turning a panic or a short answer into an error for
// every input.
func safely[T, R any](ins []T, run func([]T) ([]R, []error)) (outs []R, errs []error, panicked any) {
	defer func() {
		if panicked = recover(); panicked != nil || len(outs) != len(ins) || len(errs) != len(ins) {
			outs, errs = make([]R, len(ins)), make([]error, len(ins))
			for i := range errs {
				errs[i] = ErrNoResult
			}
		}
	}()
	outs, errs = run(ins)
	return outs, errs, nil
}

// ErrNoResult answers the calls of a group whose run panicked or returned
// too few results.
var ErrNoResult = errors.New("groupcommit: the group's run gave no result for this call")

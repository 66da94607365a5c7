package groupcommit_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/joinedup/joinedup/groupcommit"
)

// TestGroups: calls arriving while a group runs are run together by the
// next group, in arrival order, each caller gets its own result, and no
// group is larger than Max.
func TestGroups(t *testing.T) {
	q := &groupcommit.Queue[int, string]{Max: 5}
	release := make(chan struct{})
	started := make(chan struct{})
	var mu sync.Mutex
	var groups [][]int
	run := func(ins []int) ([]string, []error) {
		mu.Lock()
		groups = append(groups, slices.Clone(ins))
		first := len(groups) == 1
		mu.Unlock()
		if first {
			close(started)
			<-release // hold the first group until the others are waiting
		}
		outs, errs := make([]string, len(ins)), make([]error, len(ins))
		for i, in := range ins {
			outs[i] = fmt.Sprint("done ", in)
			if in%7 == 0 {
				errs[i] = fmt.Errorf("%d refused", in)
			}
		}
		return outs, errs
	}
	var wg sync.WaitGroup
	results := make([]string, 13)
	fails := make([]error, 13)
	call := func(i int) {
		defer wg.Done()
		results[i], fails[i] = q.Do(i, run)
	}
	wg.Add(1)
	go call(0)
	<-started
	for i := 1; i < 13; i++ {
		wg.Add(1)
		go call(i)
		for q.Waiting() < i { // each queued before the next arrives
			runtime.Gosched()
		}
	}
	close(release)
	wg.Wait()
	for i := range 13 {
		if results[i] != fmt.Sprint("done ", i) || (fails[i] != nil) != (i%7 == 0) {
			t.Errorf("call %d: %q, %v", i, results[i], fails[i])
		}
	}
	if len(groups) != 4 || len(groups[0]) != 1 || len(groups[1]) != 5 || len(groups[2]) != 5 || len(groups[3]) != 2 {
		t.Fatalf("groups %v, want 1, 5, 5 and 2 inputs", groups)
	}
	for _, g := range groups[1:] {
		if !slices.IsSorted(g) {
			t.Errorf("group %v not in arrival order", g)
		}
	}
}

// A run that panics still answers every caller in its group and hands the
// queue on; the panic reaches the caller that ran it.
func TestPanicAnswersTheGroup(t *testing.T) {
	var q groupcommit.Queue[int, int]
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		q.Do(1, func([]int) ([]int, []error) { panic("boom") })
	}()
	got, err := q.Do(2, func(ins []int) ([]int, []error) { return []int{ins[0] * 10}, []error{nil} })
	if got != 20 || err != nil {
		t.Fatalf("after a panic: %d, %v", got, err)
	}
	_, err = q.Do(3, func([]int) ([]int, []error) { return nil, nil })
	if !errors.Is(err, groupcommit.ErrNoResult) {
		t.Fatalf("no result: %v", err)
	}
}

package letters

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Result is one letter of a batch, rendered in each format asked for.
type Result struct {
	Index    int // the letter's position in the batch
	Rendered []Rendered
	Err      error
}

// RenderBatch renders every letter in every format on all cores and calls
// emit once per letter, from the calling goroutine, so emit may write files
// and database rows without locking. Letters come back in any order; a
// letter that fails to render is passed to emit with Err set, and the batch
// goes on. An error from emit, or ctx ending, stops the batch.
func RenderBatch(ctx context.Context, ls []Letter, formats []Format, opts Options, emit func(Result) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan Result)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(ls), 1)) {
		wg.Go(func() {
			for i := range jobs {
				res := Result{Index: i}
				doc, err := Compose(ls[i])
				for _, f := range formats {
					if err != nil {
						break
					}
					var r Rendered
					r, err = doc.Render(f, opts)
					res.Rendered = append(res.Rendered, r)
				}
				if err != nil {
					res.Err, res.Rendered = fmt.Errorf("letter %d (patient %s): %w", i, ls[i].Patient.ID, err), nil
				}
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range ls {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for res := range results {
		if err := emit(res); err != nil {
			cancel()
			for range results {
				// Drain so the workers can finish.
			}
			return err
		}
	}
	return ctx.Err()
}

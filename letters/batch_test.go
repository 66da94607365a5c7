package letters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// batchOf returns n invitations to different patients, a third in
// Portuguese, with names in several scripts.
func batchOf(n int) []Letter {
	names := hardNames()
	ls := make([]Letter, n)
	for i := range ls {
		p := testPatient([]string{"en", "pt-PT", "en-GB"}[i%3], i%5 == 0)
		p.ID = fmt.Sprintf("patient-%04d", i)
		p.GivenName = names[i%len(names)]
		ls[i] = sample(KindInvitation, p)
	}
	return ls
}

func TestRenderBatch(t *testing.T) {
	ls := batchOf(12)
	ls[5].Practice.Phone = "" // incomplete: reported, and the rest go on
	seen := map[int]bool{}
	err := RenderBatch(context.Background(), ls, []Format{FormatPDF, FormatHTML}, Options{}, func(r Result) error {
		if seen[r.Index] {
			t.Errorf("letter %d emitted twice", r.Index)
		}
		seen[r.Index] = true
		if r.Index == 5 {
			if !errors.Is(r.Err, ErrIncomplete) {
				t.Errorf("incomplete letter: err %v", r.Err)
			}
			return nil
		}
		if r.Err != nil || len(r.Rendered) != 2 || r.Rendered[0].Format != FormatPDF || r.Rendered[1].Format != FormatHTML {
			t.Errorf("letter %d: %v, %d renderings", r.Index, r.Err, len(r.Rendered))
			return nil
		}
		// Each result carries its own patient's letter.
		if !strings.Contains(string(r.Rendered[1].Content), ls[r.Index].Patient.GivenName[:4]) {
			t.Errorf("letter %d does not name its patient", r.Index)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(ls) {
		t.Errorf("%d letters emitted, want %d", len(seen), len(ls))
	}

	stop := errors.New("stop")
	n := 0
	err = RenderBatch(context.Background(), batchOf(50), []Format{FormatHTML}, Options{}, func(Result) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("emit error: err %v after %d letters, want stop after 3", err, n)
	}
}

func benchmarkBatch(b *testing.B, f Format) {
	ls := batchOf(1000)
	b.ReportAllocs()
	for b.Loop() {
		var bytes int
		err := RenderBatch(context.Background(), ls, []Format{f}, Options{}, func(r Result) error {
			if r.Err != nil {
				return r.Err
			}
			bytes += len(r.Rendered[0].Content)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(bytes)/1000, "bytes/letter")
	}
}

// BenchmarkBatch1000 renders a practice's batch of 1,000 invitations as PDF.
func BenchmarkBatch1000(b *testing.B) { benchmarkBatch(b, FormatPDF) }

// BenchmarkBatch1000HTML renders the same 1,000 letters as HTML: the
// baseline BenchmarkBatch1000 is compared with in docs/performance.md.
func BenchmarkBatch1000HTML(b *testing.B) { benchmarkBatch(b, FormatHTML) }

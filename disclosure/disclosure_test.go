package disclosure

import (
	"slices"
	"testing"
)

// TestProtect: small counts are hidden, and so is whatever would let one
// be worked out from the sums shown.
func TestProtect(t *testing.T) {
	for _, tc := range []struct {
		name string
		// practices per locality; every locality sums to its total and the
		// totals to a grand total.
		localities [][]int
		want       []string // practices, then locality totals, then grand total
	}{
		{"nothing small", [][]int{{7, 9}, {12}}, []string{"7", "9", "12", "16", "12", "28"}},
		{"one small practice: the next smallest goes too", [][]int{{7, 2, 9}, {12, 30}},
			[]string{"[c]", "<5", "9", "12", "30", "18", "42", "60"}},
		{"two small practices protect each other", [][]int{{3, 2, 9}, {12}},
			[]string{"<5", "<5", "9", "12", "14", "12", "26"}},
		{"a locality of one small practice: another locality and its smallest practice go too", [][]int{{3}, {12, 8}, {40, 9}},
			[]string{"<5", "12", "[c]", "40", "9", "<5", "[c]", "49", "72"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Table
			var practices, totals []int
			grand := 0
			for _, loc := range tc.localities {
				n := 0
				var cells []int
				for _, v := range loc {
					cells = append(cells, s.Cell(v))
					n += v
				}
				practices = append(practices, cells...)
				tot := s.Cell(n)
				s.Sum(tot, cells...)
				totals = append(totals, tot)
				grand += n
			}
			g := s.Cell(grand)
			s.Sum(g, totals...)
			s.Protect()
			var got []string
			for _, i := range slices.Concat(practices, totals, []int{g}) {
				got = append(got, s.Show(i))
			}
			for i, d := range s.Derivable() {
				if d && s.primary[i] {
					t.Errorf("small count %d at %d can be worked out", s.vals[i], i)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("shown %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDerivable: the check finds a count determined only by combining
// sums, and not one that no combination pins down.
func TestDerivable(t *testing.T) {
	var s Table
	// a + b = 10, a + c = 8, b + c = 12 (three sums, three hidden):
	// together they determine each.
	a, b, c := s.Cell(3), s.Cell(7), s.Cell(5)
	ab, ac, bc := s.Cell(10), s.Cell(8), s.Cell(12)
	s.Sum(ab, a, b)
	s.Sum(ac, a, c)
	s.Sum(bc, b, c)
	s.hidden[b], s.hidden[c] = true, true
	if d := s.Derivable(); !d[a] || !d[b] || !d[c] {
		t.Errorf("combined sums determine every count: %v", d[:3])
	}
	s.hidden[bc] = true
	if d := s.Derivable(); d[a] || d[b] || d[c] {
		t.Errorf("with b+c hidden none is determined: %v", d[:3])
	}
}

// TestAcrossViews: a count another view shows (Known) is never hidden, so
// the sums through it are protected with what is left; a count another
// view withholds (Secret) is protected like a small one, whatever its
// size; and none is a fact about no one, and is shown.
func TestAcrossViews(t *testing.T) {
	t.Run("known total", func(t *testing.T) {
		// Another page shows the practice's cohort of 31; this one shows
		// its tiers. Green (2) is small, so another tier must go, not the
		// total, which the viewer knows anyway.
		var s Table
		total := s.Known(31)
		red, amber, green := s.Cell(15), s.Cell(14), s.Cell(2)
		s.Sum(total, red, amber, green)
		s.Protect()
		got := []string{s.Show(red), s.Show(amber), s.Show(green)}
		if !slices.Equal(got, []string{"15", "[c]", "<5"}) || !s.Visible(total) {
			t.Fatalf("shown %v, total visible %v", got, s.Visible(total))
		}
		for i, d := range s.Derivable() {
			if d && i == green {
				t.Fatal("green can still be worked out")
			}
		}
	})
	t.Run("secret total", func(t *testing.T) {
		// Another page withholds a locality's total of 40; this one must
		// not show every part of it.
		var s Table
		total := s.Secret(40)
		a, b := s.Cell(25), s.Cell(15)
		s.Sum(total, a, b)
		s.Protect()
		if s.Visible(a) && s.Visible(b) {
			t.Fatalf("both parts of a withheld total shown: %s %s", s.Show(a), s.Show(b))
		}
		if s.Show(total) != Withheld {
			t.Fatalf("a withheld total shows as %s", s.Show(total))
		}
	})
	t.Run("none is shown", func(t *testing.T) {
		var s Table
		total := s.Cell(12)
		zero, twelve := s.Cell(0), s.Cell(12)
		s.Sum(total, zero, twelve)
		s.Protect()
		if s.Show(zero) != "0" || s.Show(twelve) != "12" || s.Show(total) != "12" {
			t.Fatalf("shown %s %s %s", s.Show(zero), s.Show(twelve), s.Show(total))
		}
	})
}

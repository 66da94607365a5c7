// Package disclosure is small-number disclosure control for every
// aggregate a person sees: dashboards, cohort totals, downloads, what-if
// and evaluation figures.
//
// A count below joinedup.SuppressBelow is never shown (primary
// suppression). That alone is not enough where counts are shown with their
// totals: a practice's hidden count is the locality total less the other
// practices', and a tier's is the cohort less the other tiers. So each page
// declares the sums that tie its counts together (total = parts), and
// protect hides further counts (secondary suppression, the smallest first)
// until no hidden small count can be worked out exactly from what is shown,
// by any combination of the sums. The check is exact linear algebra: a
// hidden count can be derived precisely when its unit vector lies in the
// row space of the sums restricted to hidden counts.
//
// Hidden counts can still be bounded (a hidden count next to a shown total
// is at most that total), but a small one is already known to be under 5,
// which is what "<5" says.
package disclosure

import (
	"math"
	"strconv"

	"github.com/joinedup/joinedup"
)

// Table is a set of counts and the sums between them.
type Table struct {
	vals    []int
	primary []bool // hidden because small, or withheld by another view
	hidden  []bool // primary, or hidden to protect a primary
	known   []bool // shown by another view: never hidden here
	sums    []sum
}

// sum is total = Σ parts, over cell indices.
type sum struct {
	total int
	parts []int
}

// Cell adds a count to show and returns its index. A count of 1 to 4 is
// withheld; none is a fact about no one, and is shown.
func (t *Table) Cell(v int) int {
	return t.add(v, Small(v), false)
}

// Known adds a count the viewer is shown by another view: it is never
// hidden here, and what it is the sum of must be protected knowing it.
func (t *Table) Known(v int) int { return t.add(v, false, true) }

// Secret adds a count another view withholds: never shown here, and, like a
// small count, never left derivable from what is.
func (t *Table) Secret(v int) int { return t.add(v, true, false) }

func (t *Table) add(v int, withheld, known bool) int {
	t.vals = append(t.vals, v)
	t.primary = append(t.primary, withheld)
	t.hidden = append(t.hidden, withheld)
	t.known = append(t.known, known)
	return len(t.vals) - 1
}

// Small reports whether a count is withheld for being small: 1 to 4.
func Small(n int) bool { return n > 0 && n < joinedup.SuppressBelow }

// Sum declares that the count at total is the sum of those at parts.
func (t *Table) Sum(total int, parts ...int) {
	if len(parts) == 0 {
		return
	}
	t.sums = append(t.sums, sum{total, append([]int(nil), parts...)})
}

// Protect hides counts until no primary-suppressed count is derivable.
func (t *Table) Protect() {
	for range len(t.vals) + 1 { // each round hides one more count
		det := t.Derivable()
		exposed := -1
		for i, d := range det {
			if d && t.primary[i] {
				exposed = i
				break
			}
		}
		if exposed < 0 {
			return
		}
		if next := t.complement(exposed); next >= 0 {
			t.hidden[next] = true
			continue
		}
		// No sum through the exposed count has a shown count left: it is
		// exposed through a chain of sums. Hide the smallest shown count
		// in any sum that touches a hidden count.
		best := -1
		for _, s := range t.sums {
			touches := t.hidden[s.total]
			for _, p := range s.parts {
				touches = touches || t.hidden[p]
			}
			if !touches {
				continue
			}
			for _, c := range append([]int{s.total}, s.parts...) {
				if !t.hidden[c] && !t.known[c] && (best < 0 || t.vals[c] < t.vals[best]) {
					best = c
				}
			}
		}
		if best < 0 {
			// Nothing left to hide: hide everything rather than show a
			// derivable small number. (A count shown elsewhere cannot be
			// taken back; what is shown here never adds to it.)
			for i := range t.hidden {
				t.hidden[i] = !t.known[i]
			}
			return
		}
		t.hidden[best] = true
	}
}

// complement picks the count to hide beside an exposed one: the smallest
// shown part of a sum the exposed count is in, else that sum's total.
func (t *Table) complement(i int) int {
	best, bestTotal := -1, -1
	for _, s := range t.sums {
		in := s.total == i
		for _, p := range s.parts {
			in = in || p == i
		}
		if !in {
			continue
		}
		for _, p := range s.parts {
			if p != i && !t.hidden[p] && !t.known[p] && (best < 0 || t.vals[p] < t.vals[best]) {
				best = p
			}
		}
		if s.total != i && !t.hidden[s.total] && !t.known[s.total] && bestTotal < 0 {
			bestTotal = s.total
		}
	}
	if best >= 0 {
		return best
	}
	return bestTotal
}

// derivable reports, for each hidden count, whether the shown counts and
// the sums determine it exactly.
func (t *Table) Derivable() []bool {
	col := map[int]int{} // cell → unknown index
	var unknowns []int
	for i, h := range t.hidden {
		if h {
			col[i] = len(unknowns)
			unknowns = append(unknowns, i)
		}
	}
	out := make([]bool, len(t.vals))
	if len(unknowns) == 0 {
		return out
	}
	var m [][]float64
	for _, s := range t.sums {
		row := make([]float64, len(unknowns))
		nonzero := false
		if j, ok := col[s.total]; ok {
			row[j]++
			nonzero = true
		}
		for _, p := range s.parts {
			if j, ok := col[p]; ok {
				row[j]--
				nonzero = true
			}
		}
		if nonzero {
			m = append(m, row)
		}
	}
	// Reduced row echelon form; the entries are small integers, so a
	// tolerance separates zero from not.
	const eps = 1e-9
	r := 0
	pivotRow := map[int]int{}
	for c := 0; c < len(unknowns) && r < len(m); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > eps && (p < 0 || math.Abs(m[i][c]) > math.Abs(m[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		d := m[r][c]
		for k := range m[r] {
			m[r][k] /= d
		}
		for i := range m {
			if i != r && math.Abs(m[i][c]) > eps {
				f := m[i][c]
				for k := range m[i] {
					m[i][k] -= f * m[r][k]
				}
			}
		}
		pivotRow[c] = r
		r++
	}
	for c, r := range pivotRow {
		alone := true
		for k, v := range m[r] {
			if k != c && math.Abs(v) > eps {
				alone = false
				break
			}
		}
		out[unknowns[c]] = alone
	}
	return out
}

// Show is how a count is shown: the number, "<5" when it is small, or
// "[c]" when it is withheld to protect a small number here or elsewhere.
func (t *Table) Show(i int) string {
	switch {
	case t.primary[i] && Small(t.vals[i]):
		return joinedup.Suppress(t.vals[i])
	case t.hidden[i]:
		return Withheld
	}
	return strconv.Itoa(t.vals[i])
}

// visible reports whether the count at i is shown.
func (t *Table) Visible(i int) bool { return !t.hidden[i] }

// Withheld stands for a count withheld so that a small number cannot be
// worked out from it (secondary suppression).
const Withheld = "[c]"

// Value is the count at i, shown or not: for drawing what is shown, never
// for showing.
func (t *Table) Value(i int) int { return t.vals[i] }

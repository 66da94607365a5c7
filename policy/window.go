package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// Window is a look-back period in calendar units ("15m" is fifteen calendar
// months, not 450 days), because clinical rules are written that way.
type Window struct {
	Years, Months, Days int
}

// IsZero reports whether no window was set, meaning "any time up to as-of".
func (w Window) IsZero() bool { return w == Window{} }

// Since returns the first instant inside the window ending at asOf: the
// start of the calendar day in London the window's length before asOf's
// (clinical windows are counted in whole days). A fact dated exactly at
// Since is inside it.
func (w Window) Since(asOf time.Time) time.Time {
	if w.IsZero() {
		return time.Time{}
	}
	y, m, d := asOf.In(joinedup.London).Date()
	return time.Date(y-w.Years, m-time.Month(w.Months), d-w.Days, 0, 0, 0, 0, joinedup.London)
}

// Contains reports whether t falls in [Since(asOf), asOf]. A zero window
// contains every time up to asOf.
func (w Window) Contains(t, asOf time.Time) bool {
	if t.After(asOf) {
		return false
	}
	return w.IsZero() || !t.Before(w.Since(asOf))
}

// String writes the window as it is written in a policy file.
func (w Window) String() string {
	var b strings.Builder
	if w.Years != 0 {
		fmt.Fprintf(&b, "%dy", w.Years)
	}
	if w.Months != 0 {
		fmt.Fprintf(&b, "%dm", w.Months)
	}
	if w.Days != 0 {
		fmt.Fprintf(&b, "%dd", w.Days)
	}
	return b.String()
}

// Words writes the window for people: "15 months", "2 years".
func (w Window) Words() string {
	var parts []string
	add := func(n int, unit string) {
		if n == 1 {
			parts = append(parts, "1 "+unit)
		} else if n != 0 {
			parts = append(parts, strconv.Itoa(n)+" "+unit+"s")
		}
	}
	add(w.Years, "year")
	add(w.Months, "month")
	add(w.Days, "day")
	return strings.Join(parts, " ")
}

// ParseWindow reads "2y", "15m", "6w", "90d" or a combination such as "1y6m".
func ParseWindow(s string) (Window, error) {
	var w Window
	rest := strings.TrimSpace(s)
	if rest == "" {
		return w, fmt.Errorf("empty window, want e.g. 12m, 2y, 90d")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Window{}, fmt.Errorf("window %q: want a number and a unit (y, m, w, d), e.g. 12m", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 1000 {
			return Window{}, fmt.Errorf("window %q: number out of range", s)
		}
		switch rest[i] {
		case 'y':
			w.Years += n
		case 'm':
			w.Months += n
		case 'w':
			w.Days += 7 * n
		case 'd':
			w.Days += n
		default:
			return Window{}, fmt.Errorf("window %q: unknown unit %q, want y, m, w or d", s, rest[i])
		}
		rest = rest[i+1:]
	}
	if w.IsZero() {
		return Window{}, fmt.Errorf("window %q is empty", s)
	}
	return w, nil
}

// Package chart lays out server-side SVG charts: horizontal bars, lines
// and columns. A chart is computed here as coordinates and labels and drawn
// by the pages' "chart" template, so html/template escapes every label; no
// chart is built as a string of markup. Each chart has a title and a
// description for assistive technology, and its page puts the same figures
// in a table beside it.
package chart

import (
	"fmt"
	"math"
	"strings"
)

const (
	chartW      = 640.0
	chartLeft   = 190.0 // room for practice names
	chartRight  = 20.0
	chartTop    = 16.0
	chartBottom = 40.0
)

// Chart is one SVG chart, drawn by the "chart" template.
type Chart struct {
	ID, Title, Desc string
	W, H            float64
	Rects           []Rect
	Lines           []Line
	Texts           []Text
	Legend          []Key
}

// Rect is a bar or bar segment.
type Rect struct {
	X, Y, W, H float64
	Fill       string
}

// Line is a polyline: a Series between gaps, or an axis or grid line.
type Line struct {
	Points string
	Stroke string
	Dash   string
	Width  float64
}

// Text is a label.
type Text struct {
	X, Y   float64
	Text   string
	Anchor string
}

// Key is a legend entry.
type Key struct {
	Label, Fill, Dash string
}

// NHS.UK colours; lines also differ by dash, so colour is never the only
// way to tell Series apart.
const (
	Red    = "#d5281b"
	Amber  = "#ffb81c"
	Green  = "#007f3b"
	Blue   = "#005eb8"
	Dark   = "#212b32"
	Grey   = "#768692"
	Purple = "#330072"
)

// niceMax is a round upper bound for an axis.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// Bar is one row of a horizontal bar chart: segments stacked left to
// right, and the label shown at the end (figures as shown in the table).
type Bar struct {
	Label string
	Segs  []Seg
	Note  string
}

// Seg is one segment; a segment not Shown (a withheld figure) is not
// drawn.
type Seg struct {
	Value float64
	Shown bool
	Fill  string
}

// HBar draws horizontal stacked bars, one row each, on a common scale
// up to max (0: the largest row).
func HBar(id, title, desc string, rows []Bar, max float64, unit string, legend []Key) Chart {
	const rowH, barH = 26.0, 16.0
	c := Chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartTop + rowH*float64(len(rows)) + chartBottom, Legend: legend}
	if max == 0 {
		for _, r := range rows {
			t := 0.0
			for _, s := range r.Segs {
				if s.Shown {
					t += s.Value
				}
			}
			max = math.Max(max, t)
		}
		max = niceMax(max)
	}
	plotW := chartW - chartLeft - chartRight - 60
	scale := plotW / max
	axisY := chartTop + rowH*float64(len(rows))
	for i := 0; i <= 4; i++ {
		x := chartLeft + plotW*float64(i)/4
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x, chartTop, x, axisY), Stroke: "#d8dde0", Width: 1})
		c.Texts = append(c.Texts, Text{X: x, Y: axisY + 16, Text: trimFloat(max*float64(i)/4) + unit, Anchor: "middle"})
	}
	for i, r := range rows {
		y := chartTop + rowH*float64(i) + (rowH-barH)/2
		c.Texts = append(c.Texts, Text{X: chartLeft - 6, Y: y + barH - 3, Text: r.Label, Anchor: "end"})
		x := chartLeft
		for _, s := range r.Segs {
			if !s.Shown || s.Value <= 0 {
				continue
			}
			w := s.Value * scale
			c.Rects = append(c.Rects, Rect{X: x, Y: y, W: w, H: barH, Fill: s.Fill})
			x += w
		}
		c.Texts = append(c.Texts, Text{X: x + 4, Y: y + barH - 3, Text: r.Note, Anchor: "start"})
	}
	c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", chartLeft, chartTop, chartLeft, axisY), Stroke: Dark, Width: 1})
	return c
}

// Series is one line of a line chart; a point not Shown is a gap.
type Series struct {
	Name   string
	Stroke string
	Dash   string
	Values []float64
	Shown  []bool
}

// Lines draws Series over the labelled x positions (months).
func Lines(id, title, desc string, xLabels []string, ss []Series, unit string) Chart {
	const h = 260.0
	left := 60.0
	c := Chart{ID: id, Title: title, Desc: desc, W: chartW, H: h}
	max := 0.0
	for _, s := range ss {
		for i, v := range s.Values {
			if s.Shown[i] {
				max = math.Max(max, v)
			}
		}
		c.Legend = append(c.Legend, Key{Label: s.Name, Fill: s.Stroke, Dash: s.Dash})
	}
	max = niceMax(max)
	plotW, plotH := chartW-left-chartRight, h-chartTop-chartBottom
	x := func(i int) float64 {
		if len(xLabels) < 2 {
			return left
		}
		return left + plotW*float64(i)/float64(len(xLabels)-1)
	}
	y := func(v float64) float64 { return chartTop + plotH*(1-v/max) }
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", left, y(v), left+plotW, y(v)), Stroke: "#d8dde0", Width: 1})
		c.Texts = append(c.Texts, Text{X: left - 6, Y: y(v) + 4, Text: trimFloat(v) + unit, Anchor: "end"})
	}
	for i, l := range xLabels {
		if i%3 == 0 || i == len(xLabels)-1 {
			c.Texts = append(c.Texts, Text{X: x(i), Y: h - chartBottom + 16, Text: l, Anchor: "middle"})
		}
	}
	for _, s := range ss {
		var pts []string
		flush := func() {
			if len(pts) == 1 { // a lone point still shows, as a short mark
				pts = append(pts, pts[0])
			}
			if len(pts) > 0 {
				c.Lines = append(c.Lines, Line{Points: strings.Join(pts, " "), Stroke: s.Stroke, Dash: s.Dash, Width: 2.5})
			}
			pts = nil
		}
		for i, v := range s.Values {
			if !s.Shown[i] {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		flush()
	}
	c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", left, h-chartBottom, left+plotW, h-chartBottom), Stroke: Dark, Width: 1})
	return c
}

// Columns draws grouped vertical bars: for each x label, one bar per
// Series side by side.
func Columns(id, title, desc string, xLabels []string, ss []Series) Chart {
	const h = 240.0
	left := 50.0
	c := Chart{ID: id, Title: title, Desc: desc, W: chartW, H: h}
	max := 0.0
	for _, s := range ss {
		for i, v := range s.Values {
			if s.Shown[i] {
				max = math.Max(max, v)
			}
		}
		c.Legend = append(c.Legend, Key{Label: s.Name, Fill: s.Stroke})
	}
	max = niceMax(max)
	plotW, plotH := chartW-left-chartRight, h-chartTop-chartBottom
	slot := plotW / float64(max1(len(xLabels)))
	barW := slot * 0.8 / float64(max1(len(ss)))
	y := func(v float64) float64 { return chartTop + plotH*(1-v/max) }
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", left, y(v), left+plotW, y(v)), Stroke: "#d8dde0", Width: 1})
		c.Texts = append(c.Texts, Text{X: left - 6, Y: y(v) + 4, Text: trimFloat(v), Anchor: "end"})
	}
	for i, l := range xLabels {
		x0 := left + slot*float64(i) + slot*0.1
		for j, s := range ss {
			if s.Shown[i] && s.Values[i] > 0 {
				c.Rects = append(c.Rects, Rect{X: x0 + barW*float64(j), Y: y(s.Values[i]), W: barW, H: y(0) - y(s.Values[i]), Fill: s.Stroke})
			}
		}
		if i%3 == 0 || i == len(xLabels)-1 {
			c.Texts = append(c.Texts, Text{X: x0 + slot*0.4, Y: h - chartBottom + 16, Text: l, Anchor: "middle"})
		}
	}
	c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%.1f,%.1f %.1f,%.1f", left, h-chartBottom, left+plotW, h-chartBottom), Stroke: Dark, Width: 1})
	return c
}

func max1(n int) int { return max(n, 1) }

// trimFloat shows an axis value without trailing zeros.
func trimFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

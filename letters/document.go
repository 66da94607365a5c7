package letters

import (
	"strings"
	"time"
)

// BlockKind says how a block of a letter is laid out.
type BlockKind int

// The kinds of block.
const (
	Heading   BlockKind = iota // a short heading
	Paragraph                  // one paragraph
	Bullets                    // a bulleted list, one item per entry of Items
)

// Block is one heading, paragraph or list of a letter's body.
type Block struct {
	Kind  BlockKind
	Text  string   // for Heading and Paragraph
	Items []string // for Bullets
}

// Document is a composed letter: every word it says, in order, in one
// language, ready to render. Patient-supplied text (names, the care plan in
// the patient's own words) is kept exactly as given.
type Document struct {
	Kind      Kind
	Language  string
	Fallback  bool
	Requested string
	Date      time.Time // the letter's date, for the PDF's metadata

	PracticeName    string
	PracticeAddress []string
	PracticePhone   string

	Recipient []string // name, then address lines, then postcode
	DateLine  string
	NHSLine   string // empty when the patient has no NHS number

	Title    string
	Greeting string
	Body     []Block
	SignOff  []string // "With best wishes,", then the practice name
	Footer   string
}

// Text returns the letter as plain text, in reading order: what the golden
// files hold and what the HTML and PDF forms must both show.
func (d *Document) Text() string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	line("NHS")
	line(d.PracticeName)
	for _, a := range d.PracticeAddress {
		line(a)
	}
	line(d.PracticePhone)
	line("")
	for _, r := range d.Recipient {
		line(r)
	}
	line("")
	line(d.DateLine)
	if d.NHSLine != "" {
		line(d.NHSLine)
	}
	line("")
	line("# " + d.Title)
	line("")
	line(d.Greeting)
	for _, bl := range d.Body {
		line("")
		switch bl.Kind {
		case Heading:
			line("## " + bl.Text)
		case Paragraph:
			line(bl.Text)
		case Bullets:
			for _, it := range bl.Items {
				line("- " + it)
			}
		}
	}
	line("")
	for _, s := range d.SignOff {
		line(s)
	}
	line("")
	line(d.Footer)
	return b.String()
}

// Sentences returns the letter's own sentences, without the names,
// addresses and numbers that are filled in: what reading-ease checks
// measure.
func (d *Document) Sentences() []string {
	out := []string{d.Title}
	for _, bl := range d.Body {
		switch bl.Kind {
		case Heading, Paragraph:
			out = append(out, bl.Text)
		case Bullets:
			out = append(out, bl.Items...)
		}
	}
	return append(out, d.Footer)
}

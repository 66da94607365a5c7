package letters

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// DejaVu Sans covers Latin (with every accent), Greek, Cyrillic, Arabic,
// Hebrew and Vietnamese, so names print as recorded. fpdf's core fonts are
// Latin-1 only and would lose them. See fonts/README.md for the licence.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

const fontFamily = "DejaVuSans"

// pdfStyle is the type sizes (points) of one print size.
type pdfStyle struct {
	body, heading, title, logo float64
}

var (
	standardPrint = pdfStyle{body: 12, heading: 14, title: 18, logo: 20}
	largePrint    = pdfStyle{body: 17, heading: 20, title: 24, logo: 24}
)

// Page geometry in millimetres (A4).
const (
	pageWidth     = 210.0
	marginLeft    = 20.0
	marginRight   = 20.0
	marginTop     = 18.0
	marginBottom  = 20.0
	contentWidth  = pageWidth - marginLeft - marginRight
	addressWidth  = 110.0 // the recipient block, as a window envelope shows it
	bulletIndent  = 7.0
	ptToMM        = 25.4 / 72
	lineSpacing   = 1.45
	paragraphSkip = 0.6 // of a line, between blocks
)

// pdfWriter lays a Document out on A4 pages.
type pdfWriter struct {
	pdf   *fpdf.Fpdf
	style pdfStyle
}

// WritePDF writes the letter as an A4 PDF with the fonts it needs embedded.
// Long names and addresses wrap onto further lines; nothing is clipped.
func (d *Document) WritePDF(w io.Writer, opts Options) error {
	style := standardPrint
	if opts.LargePrint {
		style = largePrint
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	// A fixed date keeps the same letter byte-for-byte the same, so its
	// recorded hash identifies it.
	pdf.SetCreationDate(d.Date)
	pdf.SetModificationDate(d.Date)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(d.Title, true)
	pdf.SetAuthor(d.PracticeName, true)
	pdf.SetLang(d.Language)
	pdf.AddPage()
	p := &pdfWriter{pdf: pdf, style: style}
	p.letter(d)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("render %s letter as PDF: %w", d.Kind, err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write %s letter as PDF: %w", d.Kind, err)
	}
	return nil
}

func (p *pdfWriter) lineHeight(size float64) float64 { return size * ptToMM * lineSpacing }

func (p *pdfWriter) letter(d *Document) {
	pdf := p.pdf
	// The NHS identity: a blue block with "NHS" in white, top right, and the
	// practice's name and number beside it.
	logoW, logoH := p.style.logo*1.25, p.style.logo*0.55
	logoX := pageWidth - marginRight - logoW
	pdf.SetFillColor(0x00, 0x5E, 0xB8)
	pdf.Rect(logoX, marginTop, logoW, logoH, "F")
	pdf.SetTextColor(0xFF, 0xFF, 0xFF)
	pdf.SetFont(fontFamily, "B", p.style.logo)
	pdf.SetXY(logoX, marginTop)
	pdf.CellFormat(logoW, logoH, "NHS", "", 0, "C", false, 0, "")
	pdf.SetTextColor(0x21, 0x2B, 0x32)

	pdf.SetXY(marginLeft, marginTop)
	practiceW := logoX - marginLeft - 6
	p.text(d.PracticeName, "B", p.style.body, marginLeft, practiceW)
	for _, a := range d.PracticeAddress {
		p.text(a, "", p.style.body, marginLeft, practiceW)
	}
	p.text(d.PracticePhone, "", p.style.body, marginLeft, practiceW)
	if y := marginTop + logoH; pdf.GetY() < y {
		pdf.SetY(y)
	}

	p.gap(2)
	for _, r := range d.Recipient {
		p.text(r, "", p.style.body, marginLeft, addressWidth)
	}
	p.gap(1.5)
	p.text(d.DateLine, "", p.style.body, marginLeft, contentWidth)
	if d.NHSLine != "" {
		p.text(d.NHSLine, "", p.style.body, marginLeft, contentWidth)
	}
	p.gap(1)
	pdf.SetTextColor(0x00, 0x5E, 0xB8)
	p.text(d.Title, "B", p.style.title, marginLeft, contentWidth)
	pdf.SetTextColor(0x21, 0x2B, 0x32)
	p.gap(paragraphSkip)
	p.text(d.Greeting, "", p.style.body, marginLeft, contentWidth)
	for _, b := range d.Body {
		switch b.Kind {
		case Heading:
			p.gap(paragraphSkip * 1.5)
			p.text(b.Text, "B", p.style.heading, marginLeft, contentWidth)
		case Paragraph:
			p.gap(paragraphSkip)
			p.text(b.Text, "", p.style.body, marginLeft, contentWidth)
		case Bullets:
			p.gap(paragraphSkip / 2)
			for _, it := range b.Items {
				pdf.SetFont(fontFamily, "", p.style.body)
				lh := p.lineHeight(p.style.body)
				// Break the page here rather than inside the item, so the
				// bullet stays beside its first line.
				if _, pageH := pdf.GetPageSize(); pdf.GetY()+lh > pageH-marginBottom {
					pdf.AddPage()
				}
				pdf.Text(marginLeft+1.5, pdf.GetY()+lh*0.7, "•")
				p.text(it, "", p.style.body, marginLeft+bulletIndent, contentWidth-bulletIndent)
			}
		}
	}
	p.gap(paragraphSkip * 2)
	for _, s := range d.SignOff {
		p.text(s, "", p.style.body, marginLeft, contentWidth)
	}
	p.gap(paragraphSkip * 2)
	pdf.SetDrawColor(0xD8, 0xDD, 0xE0)
	pdf.Line(marginLeft, pdf.GetY(), pageWidth-marginRight, pdf.GetY())
	p.gap(paragraphSkip / 2)
	p.text(d.Footer, "", p.style.body, marginLeft, contentWidth)
}

// gap leaves lines of the body size blank.
func (p *pdfWriter) gap(lines float64) {
	p.pdf.SetY(p.pdf.GetY() + p.lineHeight(p.style.body)*lines)
}

// text writes s wrapped to width at x, leaving the cursor under it.
func (p *pdfWriter) text(s, fontStyle string, size, x, width float64) {
	pdf := p.pdf
	pdf.SetFont(fontFamily, fontStyle, size)
	lh := p.lineHeight(size)
	for _, line := range wrap(s, width, pdf.GetStringWidth) {
		pdf.SetX(x)
		pdf.CellFormat(width, lh, visualOrder(line), "", 2, "L", false, 0, "")
	}
}

// wrap breaks s into lines no wider than width, at spaces where it can and
// inside a word only when the word alone is too wide, so a long name or
// address is never clipped and never loses a character. A combining mark
// stays with the letter it belongs to.
func wrap(s string, width float64, measure func(string) float64) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := ""
	for _, w := range words {
		try := w
		if cur != "" {
			try = cur + " " + w
		}
		if measure(try) <= width {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		for measure(w) > width {
			head, rest := splitToWidth(w, width, measure)
			lines = append(lines, head)
			w = rest
		}
		cur = w
	}
	return append(lines, cur)
}

// splitToWidth splits an over-wide word at the last cluster boundary that
// fits, taking at least one cluster so the loop always moves on.
func splitToWidth(w string, width float64, measure func(string) float64) (string, string) {
	cut := 0
	for i := range clusterBounds(w) {
		if i == 0 {
			continue
		}
		if measure(w[:i]) > width {
			break
		}
		cut = i
	}
	if cut == 0 {
		// Not even one cluster fits: take the first whole.
		for i := range clusterBounds(w) {
			if i > 0 {
				cut = i
				break
			}
		}
	}
	return w[:cut], w[cut:]
}

// clusterBounds yields the byte offsets where a base character starts (and
// the end of the string), treating combining marks as part of the
// character before them.
func clusterBounds(s string) func(yield func(int, struct{}) bool) {
	return func(yield func(int, struct{}) bool) {
		for i, r := range s {
			if i > 0 && isMark(r) {
				continue
			}
			if !yield(i, struct{}{}) {
				return
			}
		}
		yield(len(s), struct{}{})
	}
}

func isMark(r rune) bool {
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200d'
}

// isRTL reports whether r is a strong right-to-left character (Hebrew,
// Arabic, Syriac, Thaana, N'Ko and their presentation forms).
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF)
}

// visualOrder returns a left-to-right line with each right-to-left run
// reversed, as PDF text is drawn left to right: a name in Arabic script then
// reads correctly and copies out (pdftotext, screen readers) in logical
// order. Spaces between two right-to-left words belong to the run; a
// combining mark stays after its base. Letters are drawn in their isolated
// forms: fpdf does no Arabic joining (the HTML letter does, in the browser).
func visualOrder(s string) string {
	if !strings.ContainsFunc(s, isRTL) {
		return s
	}
	rs := []rune(s)
	var out []rune
	for i := 0; i < len(rs); {
		if !isRTL(rs[i]) {
			out = append(out, rs[i])
			i++
			continue
		}
		// Extend the run over marks, spaces and further RTL characters, but
		// end it at its last strong RTL character (plus marks).
		end := i
		for j := i; j < len(rs); j++ {
			if isRTL(rs[j]) {
				end = j + 1
				for end < len(rs) && isMark(rs[end]) {
					end++
				}
				j = end - 1
				continue
			}
			if isMark(rs[j]) || rs[j] == ' ' {
				continue
			}
			break
		}
		out = append(out, reverseClusters(rs[i:end])...)
		i = end
	}
	return string(out)
}

// reverseClusters reverses runes by cluster (a base and its marks).
func reverseClusters(rs []rune) []rune {
	var clusters [][]rune
	for _, r := range rs {
		if isMark(r) && len(clusters) > 0 {
			clusters[len(clusters)-1] = append(clusters[len(clusters)-1], r)
			continue
		}
		clusters = append(clusters, []rune{r})
	}
	out := make([]rune, 0, len(rs))
	for i := len(clusters) - 1; i >= 0; i-- {
		out = append(out, clusters[i]...)
	}
	return out
}

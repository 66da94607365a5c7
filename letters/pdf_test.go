package letters

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// pdfToText converts a PDF to text with poppler's pdftotext. Without it the
// test is skipped on a developer's machine, and fails under CI (CI set),
// where scripts/deps.sh installs it: CI must never pass by skipping.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pdftotext is not installed: run scripts/deps.sh (poppler-utils)")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils, or make deps); skipping PDF text checks")
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if !utf8.Valid(out) {
		t.Fatal("pdftotext output is not UTF-8")
	}
	return string(out)
}

// flat joins every run of white space into one space, so text wrapped onto
// two lines still matches.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestPDFText(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		lang string
		want []string
	}{
		{KindInvitation, "en", []string{"Maria Fernandes", "Date: 3 March 2026", "NHS",
			"We want to talk about what matters to you and plan your care together.",
			"All your medicines, or a list of them.", "A family member or carer, if you wish.",
			"Please phone the practice on 020 7946 0123.", "Your appointment is on 17 March 2026 at 10:30am."}},
		{KindInvitation, "pt", []string{"Maria Fernandes", "Data: 3 de março de 2026",
			"Queremos falar sobre o que é importante para si e planear juntos os seus cuidados.",
			"Já marcámos um intérprete para si."}},
		{KindCarePlan, "en", []string{"Maria Fernandes", "Date: 3 March 2026", "What matters to me",
			"Seeing my grandchildren on Sundays.", "In an emergency, call 999.", "3 September 2026"}},
		{KindReferral, "pt", []string{"Maria Fernandes", "Data: 3 de março de 2026", "Age UK Lambeth Befriending",
			"Telefone: 020 7946 0789"}},
	} {
		t.Run(string(c.kind)+"."+c.lang, func(t *testing.T) {
			for _, large := range []bool{false, true} {
				r, err := Render(sample(c.kind, testPatient(c.lang, c.lang == "pt")), FormatPDF, Options{LargePrint: large})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(r.Content, []byte("%PDF-")) {
					t.Fatal("output is not a PDF")
				}
				text := flat(pdfToText(t, r.Content))
				for _, w := range c.want {
					if !strings.Contains(text, w) {
						t.Errorf("large print %v: PDF text lacks %q:\n%s", large, w, text)
					}
				}
			}
		})
	}
}

// hardNames are names that a Latin-1 font or a fixed-width box would lose.
func hardNames() []string {
	long := "Maximiliana Alexandrina Concepción Wilhelmina Anastasia Bartholomew-Fitzgerald de la Cruz Oyelaran-Montgomery Smythe"
	for utf8.RuneCountInString(long) < 120 {
		long += "e"
	}
	return []string{
		"Zoë Ngozi Adébáyọ̀-Oluwaseun",
		"Łukasz Wąsowski",
		"Nguyễn Thị Minh Khai",
		"محمد عبد الله",
		long,
		// One 70-letter word: too wide for the address block, so it must
		// break inside the word without losing a letter.
		strings.Repeat("Wolfeschlegelsteinhausen", 3)[:70],
	}
}

func TestNamesRenderWithoutLoss(t *testing.T) {
	names := hardNames()
	if n := utf8.RuneCountInString(names[4]); n != 120 {
		t.Fatalf("long name has %d characters, want 120", n)
	}
	for _, name := range names {
		p := testPatient("en", false)
		p.GivenName, p.FamilyName = name, ""
		l := sample(KindInvitation, p)
		l.Address = []string{"Flat 12, " + strings.Repeat("Ngozi Adébáyọ̀ House ", 4), "Łukasz Street"}

		h, err := Render(l, FormatHTML, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if htmlText := textOfHTML(t, h.Content); !strings.Contains(htmlText, name) || !strings.Contains(htmlText, "Dear "+name+",") {
			t.Errorf("HTML lacks %q", name)
		}
		for _, large := range []bool{false, true} {
			r, err := Render(l, FormatPDF, Options{LargePrint: large})
			if err != nil {
				t.Fatal(err)
			}
			raw := pdfToText(t, r.Content)
			text := flat(raw)
			found := strings.Contains(text, name)
			if !found && !strings.Contains(name, " ") {
				// A word wider than the line breaks inside it: it must come
				// back whole once the line breaks are taken out.
				found = strings.Contains(strings.ReplaceAll(raw, "\n", ""), name)
			}
			if !found {
				t.Errorf("large print %v: PDF text lacks %q:\n%s", large, name, raw)
			}
			if !strings.Contains(text, flat(l.Address[0])) {
				t.Errorf("large print %v: PDF text lacks the long address line", large)
			}
		}
	}
}

func TestWrapNeverLosesText(t *testing.T) {
	measure := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, s := range append(hardNames(), "", "a", "  two   spaces  ", "Adébáyọ̀Adébáyọ̀Adébáyọ̀") {
		for _, width := range []float64{1, 3, 10, 40} {
			lines := wrap(s, width, measure)
			if got, want := strings.Join(lines, ""), strings.Join(strings.Fields(s), ""); strings.ReplaceAll(got, " ", "") != want {
				t.Errorf("wrap(%q, %v) = %q: text lost or changed", s, width, lines)
			}
			for _, l := range lines {
				if measure(l) > width && utf8.RuneCountInString(l) > 2 {
					t.Errorf("wrap(%q, %v): line %q is too wide", s, width, l)
				}
				if r, _ := utf8.DecodeRuneInString(l); isMark(r) {
					t.Errorf("wrap(%q, %v): line %q starts with a combining mark cut from its letter", s, width, l)
				}
			}
		}
	}
}

func TestVisualOrder(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Maria", "Maria"},
		{"ابc", "باc"},
		{"Dear محمد عبد,", "Dear دبع دمحم,"},
		{"بَت", "تبَ"}, // the mark stays with its letter
	} {
		if got := visualOrder(c.in); got != c.want {
			t.Errorf("visualOrder(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

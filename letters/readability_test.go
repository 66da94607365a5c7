package letters

import (
	"strings"
	"testing"
	"unicode"
)

// Reading ease, measured the way Flesch (1948) and Kincaid (1975) did:
// words per sentence and syllables per word.
//
//	reading ease = 206.835 − 1.015 × words/sentences − 84.6 × syllables/words
//	grade        = 0.39 × words/sentences + 11.8 × syllables/words − 15.59
//
// A US grade of 4 is a reading age of about 9 (grade + 5).

// splitSentences splits text at full stops, question marks, exclamation
// marks and colons (a heading counts as a sentence).
func splitSentences(text string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '?' || r == '!' || r == ':' }) {
		if len(words(s)) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && !unicode.IsDigit(r) })
}

// syllables estimates an English word's syllables: groups of vowels, less a
// silent final e, at least one.
func syllables(word string) int {
	w := strings.ToLower(word)
	n, prevVowel := 0, false
	for _, r := range w {
		v := strings.ContainsRune("aeiouy", r)
		if v && !prevVowel {
			n++
		}
		prevVowel = v
	}
	if strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "le") && n > 1 {
		n--
	}
	if strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "ted") && !strings.HasSuffix(w, "ded") && n > 1 {
		n--
	}
	return max(n, 1)
}

type readability struct {
	sentences, words, syllables int
	longest                     string
}

func (r *readability) add(text string) {
	for _, s := range splitSentences(text) {
		ws := words(s)
		r.sentences++
		r.words += len(ws)
		for _, w := range ws {
			r.syllables += syllables(w)
		}
		if len(ws) > len(words(r.longest)) {
			r.longest = s
		}
	}
}

func (r readability) ease() float64 {
	return 206.835 - 1.015*float64(r.words)/float64(r.sentences) - 84.6*float64(r.syllables)/float64(r.words)
}

func (r readability) grade() float64 {
	return 0.39*float64(r.words)/float64(r.sentences) + 11.8*float64(r.syllables)/float64(r.words) - 15.59
}

func TestSyllables(t *testing.T) {
	for w, want := range map[string]int{"care": 1, "plan": 1, "medicine": 3, "together": 3, "interpreter": 4, "phone": 1, "matters": 2, "emergency": 4, "booked": 1, "wanted": 2} {
		if got := syllables(w); got != want {
			t.Errorf("syllables(%q) = %d, want %d", w, got, want)
		}
	}
}

// TestEnglishIsPlain measures every English letter's own wording (not the
// names and numbers filled in) and holds it to a reading age of about 9.
func TestEnglishIsPlain(t *testing.T) {
	var all readability
	for _, kind := range Kinds() {
		l := sample(kind, testPatient("en", false))
		d, err := Compose(l)
		if err != nil {
			t.Fatal(err)
		}
		var r readability
		for _, s := range d.Sentences() {
			if kind == KindCarePlan {
				// The care plan's entries are the patient's own words, not ours.
				if cp := l.CarePlan; strings.Contains(s, cp.WhatMattersToMe) || strings.Contains(s, cp.IfWorse) || strings.Contains(s, cp.Goals[0].What) || strings.Contains(s, cp.Goals[1].What) {
					continue
				}
			}
			r.add(s)
			all.add(s)
		}
		t.Logf("%s: reading ease %.0f, grade %.1f, %d sentences, %.1f words each; longest: %q",
			kind, r.ease(), r.grade(), r.sentences, float64(r.words)/float64(r.sentences), strings.TrimSpace(r.longest))
		if r.ease() < 75 {
			t.Errorf("%s letter: Flesch reading ease %.0f, want 75 or more (fairly easy to easy)", kind, r.ease())
		}
		if len(words(r.longest)) > 20 {
			t.Errorf("%s letter: a sentence of %d words, want 20 at most: %q", kind, len(words(r.longest)), r.longest)
		}
	}
	t.Logf("all English letters: reading ease %.0f, grade %.1f", all.ease(), all.grade())
	if all.ease() < 80 {
		t.Errorf("English letters: Flesch reading ease %.0f, want 80 or more", all.ease())
	}
	if all.grade() > 4 {
		t.Errorf("English letters: Flesch-Kincaid grade %.1f, want 4 or less (reading age about 9)", all.grade())
	}
}

// TestPortugueseSentencesShort holds the Portuguese letters to the same
// sentence length as the English.
func TestPortugueseSentencesShort(t *testing.T) {
	for _, kind := range Kinds() {
		d, err := Compose(sample(kind, testPatient("pt", false)))
		if err != nil {
			t.Fatal(err)
		}
		var r readability
		for _, s := range d.Sentences() {
			r.add(s)
		}
		if n := len(words(r.longest)); n > 24 {
			t.Errorf("%s letter in Portuguese: a sentence of %d words, want 24 at most: %q", kind, n, r.longest)
		}
	}
}

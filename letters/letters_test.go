package letters

import (
	"bytes"
	"errors"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// letterDate is the date every test letter carries: pinned, never today.
var letterDate = time.Date(2026, time.March, 3, 0, 0, 0, 0, time.UTC)

func testPractice() Practice {
	return Practice{ODS: "G85001", Name: "Kennington Road Surgery", Phone: "020 7946 0123",
		Address: []string{"12 Kennington Road", "London SE11 4QZ"}}
}

func testPatient(lang string, interpreter bool) joinedup.Patient {
	return joinedup.Patient{ID: "0190b7a2-0000-7000-8000-000000000001", NHSNumber: "9434765919",
		GivenName: "Maria", FamilyName: "Fernandes", Language: lang, InterpreterRequired: interpreter,
		Postcode: "SE11 5RS", Phone: "07700 900123"}
}

// sample returns a full letter of each kind for the patient.
func sample(kind Kind, p joinedup.Patient) Letter {
	l := Letter{Kind: kind, Date: letterDate, Practice: testPractice(), Patient: p, Address: []string{"Flat 3", "21 Oval Way", "London"}}
	switch kind {
	case KindInvitation:
		l.Invitation = &Invitation{Appointment: time.Date(2026, time.March, 17, 10, 30, 0, 0, time.UTC),
			With: "Sam Okoro, care coordinator", Place: "Kennington Road Surgery, 12 Kennington Road"}
	case KindCarePlan:
		l.CarePlan = &CarePlanSummary{
			WhatMattersToMe: "Seeing my grandchildren on Sundays. Staying in my own home.",
			Goals: []Goal{
				{What: "Walk to the park and back without stopping.", Steps: "Walk for ten minutes every day.", TargetDate: time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)},
				{What: "Understand my medicines.", Steps: "Go through them with the pharmacist."},
			},
			Contacts: []Contact{
				{Name: "Sam Okoro", Role: "care coordinator", Phone: "020 7946 0456"},
				{Name: "Kennington Road Surgery", Role: "GP practice", Phone: "020 7946 0123"},
			},
			IfWorse:    "If I get more breathless than usual, I will use my rescue pack and phone the practice the same day.",
			NextReview: time.Date(2026, time.September, 3, 0, 0, 0, 0, time.UTC),
		}
	case KindOneDay:
		l.OneDay = &OneDayAppointments{Site: "St Thomas' Hospital", Day: time.Date(2026, time.April, 14, 0, 0, 0, 0, joinedup.London),
			Appointments: []OneDayAppointment{
				{Clinic: "Diabetes clinic", Booked: time.Date(2026, time.April, 2, 9, 30, 0, 0, time.UTC), Moves: true},
				{Clinic: "Heart failure clinic", Booked: time.Date(2026, time.April, 14, 14, 0, 0, 0, time.UTC)},
				{Clinic: "Kidney clinic", Booked: time.Date(2026, time.May, 5, 23, 30, 0, 0, time.UTC), Moves: true},
			}}
	case KindReferral:
		l.Referral = &ReferralConfirmation{Service: "Age UK Lambeth Befriending", Reason: "To feel less lonely and get out more.",
			Phone: "020 7946 0789", Email: "befriending@example.org", Website: "www.example.org/befriending"}
	}
	return l
}

// textOfHTML extracts the text of an HTML letter, one line per block, as a
// reader sees it.
func textOfHTML(t *testing.T, page []byte) string {
	t.Helper()
	s := string(page)
	s = regexp.MustCompile(`(?s)<head>.*</head>`).ReplaceAllString(s, "")
	s = regexp.MustCompile(`<br>|</(p|h1|h2|li|div)>`).ReplaceAllString(s, "\n")
	s = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(s, "")
	var lines []string
	for _, l := range strings.Split(html.UnescapeString(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// contentLines returns the document's non-blank text lines without the
// markdown-style markers Text adds.
func contentLines(d *Document) []string {
	var out []string
	for _, l := range strings.Split(d.Text(), "\n") {
		l = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(l, "# "), "## "), "- ")
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestGoldenText(t *testing.T) {
	for _, kind := range Kinds() {
		for _, lang := range []string{"en", "pt"} {
			t.Run(string(kind)+"."+lang, func(t *testing.T) {
				d, err := Compose(sample(kind, testPatient(lang, lang == "pt")))
				if err != nil {
					t.Fatal(err)
				}
				if d.Language != lang || d.Fallback {
					t.Fatalf("language %q fallback %v, want %q without fallback", d.Language, d.Fallback, lang)
				}
				got := d.Text()
				path := filepath.Join("testdata", string(kind)+"."+lang+".golden.txt")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./letters -run TestGoldenText -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (run with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
				}

				// The HTML letter shows exactly these lines, in this order.
				r, err := d.Render(FormatHTML, Options{})
				if err != nil {
					t.Fatal(err)
				}
				htmlText := textOfHTML(t, r.Content)
				if want := strings.Join(contentLines(d), "\n"); htmlText != want {
					t.Errorf("HTML text differs from the document:\n--- html\n%s\n--- document\n%s", htmlText, want)
				}
			})
		}
	}
}

func TestInvitationSaysWhatPatientsAskedFor(t *testing.T) {
	d, err := Compose(sample(KindInvitation, testPatient("en", false)))
	if err != nil {
		t.Fatal(err)
	}
	text := d.Text()
	for _, want := range []string{
		"Kennington Road Surgery",
		"talk about what matters to you and plan your care together",
		"All your medicines",
		"Any questions you want to ask",
		"A family member or carer, if you wish",
		"phone the practice on 020 7946 0123",
		"We can get you an interpreter",
		"17 March 2026 at 10:30am",
		"NHS number: 943 476 5919",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("invitation lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "We have booked an interpreter") {
		t.Error("invitation says an interpreter is booked for a patient who needs none")
	}
}

func TestInterpreterArrangedWhenRequired(t *testing.T) {
	for _, lang := range []string{"en", "pt", "so"} {
		d, err := Compose(sample(KindInvitation, testPatient(lang, true)))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := newMessages(d.Language)
		arranged, _ := m.get("InterpreterArranged", nil)
		offer, _ := m.get("InterpreterOffer", nil)
		text := d.Text()
		if !strings.Contains(text, arranged) || strings.Contains(text, offer) {
			t.Errorf("%s: a patient who needs an interpreter is not told one is booked:\n%s", lang, text)
		}
	}
}

func TestInvitationWithoutAppointment(t *testing.T) {
	l := sample(KindInvitation, testPatient("en", false))
	l.Invitation = &Invitation{}
	d, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	if text := d.Text(); !strings.Contains(text, "We will phone you to find a time") || strings.Contains(text, "Your appointment is on") {
		t.Errorf("invitation with no time booked:\n%s", text)
	}
}

func TestChooseLanguage(t *testing.T) {
	for _, c := range []struct {
		recorded string
		want     string
		fallback bool
	}{
		{"", "en", false},
		{"en", "en", false},
		{"en-GB", "en", false},
		{"pt", "pt", false},
		{"pt-PT", "pt", false},
		{"pt-BR", "pt", false},
		{"PT_pt", "pt", false},
		{"gl", "en", true}, // Galician is close to Portuguese, but not it
		{"so", "en", true},
		{"ar", "en", true},
		{"not a tag!", "en", true},
	} {
		got, fb, err := ChooseLanguage(c.recorded)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want || fb != c.fallback {
			t.Errorf("ChooseLanguage(%q) = %q, fallback %v; want %q, fallback %v", c.recorded, got, fb, c.want, c.fallback)
		}
	}
}

func TestFallbackReported(t *testing.T) {
	r, err := Render(sample(KindInvitation, testPatient("so", true)), FormatHTML, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "en" || !r.Fallback || r.Requested != "so" {
		t.Errorf("Somali patient: language %q fallback %v requested %q; want en, true, so", r.Language, r.Fallback, r.Requested)
	}
	if !bytes.Contains(r.Content, []byte(`<html lang="en">`)) {
		t.Error("fallback letter not marked as English")
	}
}

func TestEveryMessageInEveryCatalogue(t *testing.T) {
	ids := func(lang string) map[string]bool {
		data, err := locales.ReadFile("locales/active." + lang + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^\[(\w+)\]`).FindAllStringSubmatch(string(data), -1) {
			out[m[1]] = true
		}
		return out
	}
	langs, err := Languages()
	if err != nil {
		t.Fatal(err)
	}
	if len(langs) < 2 || langs[0] != "en" {
		t.Fatalf("languages %v: want English first and at least one more", langs)
	}
	english := ids("en")
	if len(english) < 40 {
		t.Fatalf("only %d English messages found: is the catalogue parsed?", len(english))
	}
	for _, lang := range langs[1:] {
		other := ids(lang)
		m, err := newMessages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id := range english {
			if !other[id] {
				t.Errorf("message %s is in English but not in %s", id, lang)
				continue
			}
			// And it resolves in that language, not through English.
			if _, err := m.get(id, map[string]any{}); err != nil {
				t.Errorf("%s: %v", lang, err)
			}
		}
		for id := range other {
			if !english[id] {
				t.Errorf("message %s is in %s but not in English", id, lang)
			}
		}
	}
}

func TestMissingMessageIsAnErrorNotEnglish(t *testing.T) {
	m, err := newMessages("pt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.get("NoSuchMessage", nil); err == nil {
		t.Error("a missing message gave no error")
	}
}

func TestIncompleteLetterRefused(t *testing.T) {
	l := sample(KindInvitation, testPatient("en", false))
	l.Practice.Phone = ""
	if _, err := Compose(l); !errors.Is(err, ErrIncomplete) {
		t.Errorf("letter with no practice phone: err %v, want ErrIncomplete", err)
	}
	l = sample(KindReferral, testPatient("en", false))
	l.Referral.Service = " "
	if _, err := Compose(l); !errors.Is(err, ErrIncomplete) {
		t.Errorf("referral with no service: err %v, want ErrIncomplete", err)
	}
	l = sample(KindCarePlan, testPatient("en", false))
	l.Patient.GivenName, l.Patient.FamilyName = "", ""
	if _, err := Compose(l); !errors.Is(err, ErrIncomplete) {
		t.Errorf("letter with no name: err %v, want ErrIncomplete", err)
	}
}

func TestHTMLEscapesPatientText(t *testing.T) {
	l := sample(KindCarePlan, testPatient("en", false))
	l.Patient.GivenName = `<script>alert("x")</script>`
	l.CarePlan.WhatMattersToMe = `My garden & my cat <b>Tom</b>`
	r, err := Render(l, FormatHTML, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(r.Content, []byte("<script>")) || bytes.Contains(r.Content, []byte("<b>Tom")) {
		t.Error("patient text reached the HTML unescaped")
	}
	if !strings.Contains(textOfHTML(t, r.Content), `My garden & my cat <b>Tom</b>`) {
		t.Error("escaped text does not read back as written")
	}
}

func TestLargePrint(t *testing.T) {
	l := sample(KindInvitation, testPatient("en", false))
	r, err := Render(l, FormatHTML, Options{LargePrint: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(r.Content, []byte("font-size: 17pt")) || !bytes.Contains(r.Content, []byte(`class="large-print"`)) {
		t.Error("large-print HTML does not set 17pt body text")
	}
	if largePrint.body < 16 || largePrint.heading <= largePrint.body || largePrint.title <= largePrint.heading {
		t.Errorf("large-print PDF sizes %+v: want body 16pt or more, headings bigger", largePrint)
	}
}

func TestHashStableAndDistinct(t *testing.T) {
	a1, err := Render(sample(KindInvitation, testPatient("en", false)), FormatPDF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Render(sample(KindInvitation, testPatient("en", false)), FormatPDF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	other := testPatient("en", false)
	other.GivenName = "Mario"
	b, err := Render(sample(KindInvitation, other), FormatPDF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a1.Hash() != a2.Hash() {
		t.Error("the same letter rendered twice has two hashes")
	}
	if a1.Hash() == b.Hash() {
		t.Error("letters to two patients have the same hash")
	}
}

func TestAppointmentInLondonTime(t *testing.T) {
	l := sample(KindInvitation, testPatient("en", false))
	// 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
	l.Invitation.Appointment = time.Date(2026, time.June, 30, 23, 30, 0, 0, time.UTC)
	d, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	if text := d.Text(); !strings.Contains(text, "1 July 2026 at 12:30am") {
		t.Errorf("summer appointment not in London time:\n%s", text)
	}
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// seedLetters stores a practice with three newly eligible patients (one
// with a Portuguese language tag, one needing an interpreter in Somali, for
// which there is no catalogue) and one already decided.
func seedLetters(t *testing.T, e store.Engine) (string, *store.DB, map[string]joinedup.Patient) {
	t.Helper()
	ctx := context.Background()
	url := storetest.URL(t, e)
	db, err := store.OpenAndMigrate(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prac := joinedup.Organisation{ODS: "G85001", Name: "Kennington Road Surgery", Kind: joinedup.OrgPractice, Source: joinedup.Source{System: "test", ID: "p"}}
	prac.ID = store.OrganisationID(prac)
	ps := map[string]joinedup.Patient{}
	var batch []joinedup.Patient
	for _, p := range []joinedup.Patient{
		{GivenName: "Maria", FamilyName: "Fernandes", Language: "pt-PT", InterpreterRequired: true, Postcode: "SE11 5RS"},
		{GivenName: "Zoë Ngozi", FamilyName: "Adébáyọ̀-Oluwaseun", Language: "en-GB", Postcode: "SE17 1AA"},
		{GivenName: "Hodan", FamilyName: "Warsame", Language: "so", InterpreterRequired: true},
		{GivenName: "Decided", FamilyName: "Already", Language: "en"},
	} {
		p.PracticeID = prac.ID
		p.Source = joinedup.Source{System: "test", ID: p.GivenName}
		p.ID = joinedup.PatientID(p)
		ps[p.GivenName] = p
		batch = append(batch, p)
	}
	if _, err := store.Write(ctx, db, &store.Batch{Organisations: []joinedup.Organisation{prac}, Patients: batch}); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	eligible := map[string]bool{}
	for _, p := range ps {
		eligible[p.ID] = true
	}
	assessed := storetest.Assess(t, db, asOf, eligible)
	d := &joinedup.TierDecision{PatientID: ps["Decided"].ID, AssessmentID: assessed[ps["Decided"].ID], SuggestedTier: joinedup.TierAmber,
		Tier: joinedup.TierAmber, DecidedBy: "u1", DecidedAt: asOf}
	if err := store.SaveDecision(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	return url, db, ps
}

func TestLettersCommand(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url, db, ps := seedLetters(t, e)
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, "letters", "--db", url, "--kind", "invitation", "--practice", "G85001",
				"--practice-phone", "020 7946 0123", "--out", out, "--format", "both", "--date", "2026-03-03", "--by", "admin.jo")
			if code != exitOK {
				t.Fatalf("exit %d: %s %s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "3 newly eligible patients; wrote 6 invitation letters") {
				t.Errorf("summary: %q", stdout)
			}
			if !strings.Contains(stdout, ps["Hodan"].ID+" (so)") || strings.Contains(stdout, ps["Maria"].ID) {
				t.Errorf("the English fallback is not reported for the Somali speaker alone:\n%s", stdout)
			}

			files, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name())
				for _, p := range ps {
					if strings.Contains(strings.ToLower(f.Name()), strings.ToLower(p.FamilyName)) || strings.Contains(f.Name(), p.GivenName) {
						t.Errorf("file name %q contains a patient's name", f.Name())
					}
				}
			}
			sort.Strings(names)
			var want []string
			for _, n := range []string{"Maria", "Zoë Ngozi", "Hodan"} {
				want = append(want, "invitation-"+ps[n].ID+".html", "invitation-"+ps[n].ID+".pdf")
			}
			sort.Strings(want)
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Errorf("files %v, want %v", names, want)
			}

			// Each letter is recorded on its patient with the hash of its file.
			for _, n := range []string{"Maria", "Zoë Ngozi", "Hodan"} {
				p := ps[n]
				recs, err := store.PatientLetters(context.Background(), db, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != 2 {
					t.Fatalf("%s: %d letters recorded, want 2", n, len(recs))
				}
				for _, r := range recs {
					data, err := os.ReadFile(filepath.Join(out, "invitation-"+p.ID+"."+r.Format))
					if err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(data)
					if r.ContentHash != hex.EncodeToString(sum[:]) || r.Kind != "invitation" || r.GeneratedBy != "admin.jo" {
						t.Errorf("%s: record %+v does not match its file", n, r)
					}
					wantLang := map[string]string{"Maria": "pt", "Zoë Ngozi": "en", "Hodan": "en"}[n]
					if r.Language != wantLang {
						t.Errorf("%s: language %q, want %q", n, r.Language, wantLang)
					}
				}
			}
			if recs, _ := store.PatientLetters(context.Background(), db, ps["Decided"].ID); len(recs) != 0 {
				t.Error("a patient whose tier is decided was sent an invitation")
			}

			// The PDF carries the right patient's name, the date, and the
			// Portuguese text for the Portuguese speaker.
			text := pdfToTextCmd(t, filepath.Join(out, "invitation-"+ps["Maria"].ID+".pdf"))
			for _, w := range []string{"Maria Fernandes", "3 de março de 2026", "Kennington Road Surgery", "Já marcámos um intérprete para si.", "020 7946 0123"} {
				if !strings.Contains(text, w) {
					t.Errorf("Maria's PDF lacks %q:\n%s", w, text)
				}
			}
			if text := pdfToTextCmd(t, filepath.Join(out, "invitation-"+ps["Zoë Ngozi"].ID+".pdf")); !strings.Contains(text, "Zoë Ngozi Adébáyọ̀-Oluwaseun") ||
				strings.Contains(text, "Maria") || !strings.Contains(text, "3 March 2026") {
				t.Errorf("Zoë's PDF:\n%s", text)
			}

			// A second run sends nobody a second invitation.
			code, stdout, stderr = runCLI(t, "letters", "--db", url, "--practice", "G85001", "--practice-phone", "020 7946 0123", "--out", out, "--date", "2026-03-04")
			if code != exitOK || !strings.Contains(stdout, "0 newly eligible patients; wrote 0") {
				t.Errorf("second run: %d %q %q", code, stdout, stderr)
			}
		})
	}
}

func TestLettersCommandUsage(t *testing.T) {
	url := storetest.URL(t, store.SQLite)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--practice-phone", "1", "--out", "x"}, "--practice is required"},
		{[]string{"--practice", "G85001", "--out", "x"}, "--practice-phone is required"},
		{[]string{"--practice", "G85001", "--practice-phone", "1"}, "--out is required"},
		{[]string{"--practice", "G85001", "--practice-phone", "1", "--out", "x", "--kind", "careplan"}, "made per patient"},
		{[]string{"--practice", "G85001", "--practice-phone", "1", "--out", "x", "--kind", "poem"}, "want invitation"},
		{[]string{"--practice", "G85001", "--practice-phone", "1", "--out", "x", "--format", "doc"}, "want pdf, html or both"},
		{[]string{"--practice", "G85001", "--practice-phone", "1", "--out", "x", "--date", "3/3/26"}, "want YYYY-MM-DD"},
	} {
		code, _, stderr := runCLI(t, append([]string{"letters", "--db", url}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %q, want usage error containing %q", c.args, code, stderr, c.want)
		}
	}
}

// pdfToTextCmd converts a PDF file to text, flattened to single spaces;
// without pdftotext it skips, except under CI, where it fails.
func pdfToTextCmd(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed: run scripts/deps.sh (poppler-utils)")
		}
		t.Skip("pdftotext not installed; skipping PDF text checks")
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

package letters

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // letters give times in London time wherever they are printed

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// locales holds one catalogue per language, named active.LANG.toml as
// go-i18n's tools name them, so translators can use those tools too.
//
//go:embed locales/active.*.toml
var locales embed.FS

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	bundleErr  error
	supported  []language.Tag // English first: the fallback
)

// loadBundle parses the embedded catalogues once.
func loadBundle() (*i18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := i18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
		names, err := fs.Glob(locales, "locales/active.*.toml")
		if err != nil {
			bundleErr = fmt.Errorf("list letter catalogues: %w", err)
			return
		}
		sort.Strings(names)
		for _, name := range names {
			data, err := locales.ReadFile(name)
			if err != nil {
				bundleErr = fmt.Errorf("read letter catalogue %s: %w", name, err)
				return
			}
			if _, err := b.ParseMessageFileBytes(data, name); err != nil {
				bundleErr = fmt.Errorf("parse letter catalogue %s: %w", name, err)
				return
			}
		}
		bundle = b
		supported = append([]language.Tag{language.English}, withoutEnglish(b.LanguageTags())...)
	})
	return bundle, bundleErr
}

func withoutEnglish(tags []language.Tag) []language.Tag {
	var out []language.Tag
	for _, t := range tags {
		if t != language.English {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Languages returns the languages letters can be written in, English first.
func Languages() ([]string, error) {
	if _, err := loadBundle(); err != nil {
		return nil, err
	}
	out := make([]string, len(supported))
	for i, t := range supported {
		out[i] = t.String()
	}
	return out, nil
}

// ChooseLanguage picks the catalogue for a patient's recorded language (a
// BCP 47 tag such as "pt", "pt-PT" or "pt-BR"). Any variant of a language
// with a catalogue gets that catalogue. A language with no catalogue, or a
// tag that cannot be read, gets English with fallback set, so the caller can
// report it; no recorded language gets English without fallback.
func ChooseLanguage(recorded string) (lang string, fallback bool, err error) {
	if _, err := loadBundle(); err != nil {
		return "", false, err
	}
	recorded = strings.TrimSpace(recorded)
	if recorded == "" {
		return "en", false, nil
	}
	tag, err := language.Parse(strings.ReplaceAll(recorded, "_", "-"))
	if err != nil {
		return "en", true, nil
	}
	// Compare base languages only: regional variants share a catalogue, and
	// a near-miss match (say Galician for Portuguese) must not pass as a
	// match.
	base, _ := tag.Base()
	for _, s := range supported {
		if sb, _ := s.Base(); sb == base {
			return s.String(), false, nil
		}
	}
	return "en", true, nil
}

// messages looks messages up in one language's catalogue.
type messages struct {
	loc  *i18n.Localizer
	lang string
}

func newMessages(lang string) (*messages, error) {
	b, err := loadBundle()
	if err != nil {
		return nil, err
	}
	return &messages{loc: i18n.NewLocalizer(b, lang), lang: lang}, nil
}

// get returns message id filled in with data. A message missing from the
// catalogue is an error, never a blank line in a letter.
func (m *messages) get(id string, data map[string]any) (string, error) {
	s, tag, err := m.loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return "", fmt.Errorf("letter message %s in %s: %w", id, m.lang, err)
	}
	if got, _ := tag.Base(); got.String() != baseOf(m.lang) {
		// go-i18n falls back to English silently; a letter half in another
		// language than the one reported would mislead.
		return "", fmt.Errorf("letter message %s missing from the %s catalogue", id, m.lang)
	}
	return s, nil
}

func baseOf(lang string) string {
	t, err := language.Parse(lang)
	if err != nil {
		return lang
	}
	b, _ := t.Base()
	return b.String()
}

// date formats a date in the catalogue's long form, e.g. "3 March 2026" or
// "3 de março de 2026".
func (m *messages) date(t time.Time) (string, error) {
	month, err := m.get(fmt.Sprintf("Month%d", int(t.Month())), nil)
	if err != nil {
		return "", err
	}
	return m.get("DateLong", map[string]any{"Day": t.Day(), "Month": month, "Year": t.Year()})
}

// london is where every appointment in a letter takes place.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("letters: no Europe/London time zone: " + err.Error())
	}
	return loc
}()

// clock formats a time of day in London time, e.g. "10:30am" or "10h30".
func (m *messages) clock(t time.Time) (string, error) {
	t = t.In(london)
	h12, ampm := t.Hour()%12, "am"
	if h12 == 0 {
		h12 = 12
	}
	if t.Hour() >= 12 {
		ampm = "pm"
	}
	return m.get("TimeOfDay", map[string]any{
		"Hour12": h12, "Hour24": fmt.Sprintf("%02d", t.Hour()), "Minute": fmt.Sprintf("%02d", t.Minute()), "AmPm": ampm,
	})
}

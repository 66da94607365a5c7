package joinedup

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Service is one community or voluntary service in the directory, in the
// shape of an Open Referral UK (HSDS 3.0 UK profile) service with what
// JoinedUp searches on drawn out: where it runs, in which languages, for
// whom and for what need.
type Service struct {
	ID             string // the Open Referral UK service id (a UUID)
	OrganisationID string // the providing organisation (Organisation.ID)
	Organisation   ServiceOrganisation
	Name           string
	Description    string
	URL            string
	Email          string
	Status         string // active, inactive, defunct, temporarily closed
	Fees           string // how much it costs, in words; "" when free or unknown
	Costs          []ServiceCost
	MinimumAge     int // 0: no lower limit
	MaximumAge     int // 0: no upper limit
	// Areas are the localities the service covers (Open Referral UK
	// service areas), e.g. "North Lambeth".
	Areas     []string
	Locations []ServiceLocation
	// Languages are the languages the service is delivered in, by name.
	Languages []string
	// Terms classify the service: its needs, the circumstances it is for
	// (eligibility) and its type, from the taxonomies Open Referral UK
	// publishers use.
	Terms     []ServiceTerm
	Contacts  []ServiceContact
	Schedules []ServiceSchedule
	Version   int
}

// ServiceOrganisation is the Open Referral UK organisation providing a
// service.
type ServiceOrganisation struct {
	ID string // the Open Referral UK organisation id
	// ODS is the organisation's ODS code when it has one, so a provider
	// already known to JoinedUp (and its link workers) is the same
	// organisation here.
	ODS         string
	Name        string
	Description string
	Website     string
	Email       string
}

// ServiceCost is one cost option (e.g. "per session", £3).
type ServiceCost struct {
	Option      string
	Amount      float64
	Description string
}

// ServiceLocation is a place the service is delivered.
type ServiceLocation struct {
	Name     string
	Address  string
	Postcode string
}

// ServiceContact is a named contact for the service.
type ServiceContact struct {
	Name  string
	Title string
	Phone string
}

// ServiceSchedule is when the service runs.
type ServiceSchedule struct {
	Description string
	ByDay       string // iCal days, e.g. "MO,WE"
	OpensAt     string // HH:MM[:SS]
	ClosesAt    string
}

// ServiceTerm is one taxonomy term a service is classified by.
type ServiceTerm struct {
	Taxonomy string // e.g. TaxonomyNeeds
	Code     string // the term's code in the taxonomy
	Name     string
}

// The taxonomies JoinedUp reads from a service's attributes: the LGA's
// needs, circumstances and service types, as Open Referral UK publishers
// use them.
const (
	TaxonomyNeeds         = "esdNeeds"
	TaxonomyCircumstances = "esdCircumstances"
	TaxonomyServiceTypes  = "esdServiceTypes"
)

// ServiceStatuses are the Open Referral UK service statuses.
var ServiceStatuses = []string{"active", "inactive", "defunct", "temporarily closed"}

// Validate checks what JoinedUp needs of a service: a name, a status from
// the list, an organisation and sensible ages.
func (s Service) Validate() error {
	e := FieldErrors{}
	checkText(e, "name", s.Name, true)
	checkText(e, "description", s.Description, false)
	if !slices.Contains(ServiceStatuses, s.Status) {
		e["status"] = fmt.Sprintf("must be one of %s", strings.Join(ServiceStatuses, ", "))
	}
	if strings.TrimSpace(s.Organisation.Name) == "" {
		e["organization.name"] = "is required"
	}
	if s.URL != "" && !safeLink(s.URL) {
		e["url"] = "must be a web address (http or https), or a mailto: or tel: link"
	}
	if s.MinimumAge < 0 || s.MaximumAge < 0 || (s.MaximumAge > 0 && s.MaximumAge < s.MinimumAge) {
		e["maximum_age"] = "must not be less than the minimum age"
	}
	if len(e) > 0 {
		return e
	}
	return nil
}

// TermNames returns the names of the service's terms in one taxonomy.
func (s Service) TermNames(taxonomy string) []string {
	var out []string
	for _, t := range s.Terms {
		if t.Taxonomy == taxonomy {
			out = append(out, t.Name)
		}
	}
	return out
}

// PostcodeDistrict returns the outward code of a UK postcode ("SE11 5AB"
// → "SE11"), upper case; "" for an empty postcode.
func PostcodeDistrict(postcode string) string {
	p := strings.ToUpper(strings.Join(strings.Fields(postcode), ""))
	if len(p) > 4 && len(p) <= 7 && unicode.IsDigit(rune(p[len(p)-3])) {
		return p[:len(p)-3]
	}
	return p
}

// ServiceQuery finds services; an empty field matches every service.
type ServiceQuery struct {
	Need        string // matches a need or service-type term, or the name
	Area        string // a locality, e.g. "North Lambeth"
	District    string // a postcode district, e.g. "SE11"
	Language    string // a language name, e.g. "Portuguese"
	Eligibility string // a circumstance, e.g. "Carers"
	Age         int    // the person's age; 0: any
	// IncludeClosed includes services not currently active.
	IncludeClosed bool
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

func anyContains(xs []string, sub string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return contains(x, sub) })
}

// Matches reports whether the service meets every field of q.
func (s Service) Matches(q ServiceQuery) bool {
	if !q.IncludeClosed && s.Status != "active" {
		return false
	}
	if q.Need != "" && !anyContains(s.TermNames(TaxonomyNeeds), q.Need) &&
		!anyContains(s.TermNames(TaxonomyServiceTypes), q.Need) && !contains(s.Name, q.Need) {
		return false
	}
	if q.Area != "" && !slices.ContainsFunc(s.Areas, func(a string) bool {
		return strings.EqualFold(a, q.Area) || strings.EqualFold(a, "Lambeth and Southwark")
	}) {
		return false
	}
	if q.District != "" {
		d := PostcodeDistrict(q.District)
		if !slices.ContainsFunc(s.Locations, func(l ServiceLocation) bool { return PostcodeDistrict(l.Postcode) == d }) {
			return false
		}
	}
	if q.Language != "" && !slices.ContainsFunc(s.Languages, func(l string) bool { return strings.EqualFold(l, q.Language) }) {
		return false
	}
	if q.Eligibility != "" && !anyContains(s.TermNames(TaxonomyCircumstances), q.Eligibility) {
		return false
	}
	if q.Age > 0 && (s.MinimumAge > 0 && q.Age < s.MinimumAge || s.MaximumAge > 0 && q.Age > s.MaximumAge) {
		return false
	}
	return true
}

// TierNeeds are the needs whose services suit each tier's pathway: Green
// self-management and wellbeing groups; Amber befriending and carers'
// support; Red care navigation. A service meeting one of its tier's needs
// is suggested ahead of others.
var TierNeeds = map[Tier][]string{
	TierGreen: {"self-management", "wellbeing", "physical activity", "healthy living", "education"},
	TierAmber: {"befriending", "carers", "social isolation", "falls", "money and debt"},
	TierRed:   {"care navigation", "social prescribing"},
}

// Suggestion is a service suggested for a patient, with why.
type Suggestion struct {
	Service Service
	Score   int
	Why     []string
}

var stopWords = map[string]bool{"a": true, "an": true, "and": true, "the": true, "to": true, "of": true, "in": true, "my": true,
	"i": true, "me": true, "for": true, "with": true, "on": true, "be": true, "get": true, "more": true, "want": true, "would": true,
	"like": true, "able": true, "again": true, "back": true, "out": true, "go": true, "at": true, "is": true, "it": true, "or": true}

// keywords returns the words of s worth matching: lower case, no stop
// words, a crude stem (trailing "s" and "ing" removed) so "walking" meets
// "walk".
func keywords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		if len(w) < 3 || stopWords[w] {
			continue
		}
		w = strings.TrimSuffix(w, "ing")
		if len(w) > 4 {
			w = strings.TrimSuffix(w, "s")
		}
		out[w] = true
	}
	return out
}

// languageNames maps the BCP 47 tags patients' records carry to the
// language names services publish.
var languageNames = map[string]string{"en": "English", "pt": "Portuguese", "es": "Spanish", "so": "Somali", "yo": "Yoruba",
	"tw": "Twi", "bn": "Bengali", "pl": "Polish", "fr": "French", "ar": "Arabic", "tr": "Turkish", "ti": "Tigrinya"}

// LanguageName is the name of a BCP 47 language tag ("pt-BR" →
// "Portuguese"); the tag itself when unknown.
func LanguageName(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if n, ok := languageNames[base]; ok {
		return n
	}
	return tag
}

// SuggestServices ranks the active services for a patient: words of the
// care plan's goals and what matters to them that meet a service's terms,
// name or description; a need suiting the patient's tier; and a service in
// the patient's own language (other than English). Services that match
// nothing are left out; the best come first.
func SuggestServices(services []Service, plan CarePlan, tier Tier, language string, limit int) []Suggestion {
	text := plan.WhatMatters
	for _, g := range plan.Goals {
		text += " " + g.Description
	}
	want := keywords(text)
	lang := ""
	if language != "" && LanguageName(language) != "English" {
		lang = LanguageName(language)
	}
	var out []Suggestion
	for _, s := range services {
		if s.Status != "active" {
			continue
		}
		sg := Suggestion{Service: s}
		terms := strings.Join(s.TermNames(TaxonomyNeeds), " ") + " " + strings.Join(s.TermNames(TaxonomyServiceTypes), " ")
		have := keywords(s.Name + " " + s.Description + " " + terms)
		var hit []string
		for w := range want {
			if have[w] {
				hit = append(hit, w)
			}
		}
		if len(hit) > 0 {
			sort.Strings(hit)
			sg.Score += 2 * len(hit)
			sg.Why = append(sg.Why, "matches the plan: "+strings.Join(hit, ", "))
		}
		for _, n := range TierNeeds[tier] {
			if anyContains(s.TermNames(TaxonomyNeeds), n) {
				sg.Score += 2
				sg.Why = append(sg.Why, fmt.Sprintf("suits the %s tier: %s", tier.String(), n))
				break
			}
		}
		if lang != "" && slices.ContainsFunc(s.Languages, func(l string) bool { return strings.EqualFold(l, lang) }) {
			sg.Score += 3
			sg.Why = append(sg.Why, "delivered in "+lang)
		}
		if sg.Score > 0 {
			out = append(out, sg)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Service.Name < out[j].Service.Name
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Signpost is information about a service given to the patient: recorded on
// the patient's record, nothing sent to the service.
type Signpost struct {
	ID        string
	PatientID string
	ServiceID string
	Note      string
	GivenBy   string // User.ID
	GivenAt   time.Time
}

// SystemOpenReferral is the source system of organisations and services
// loaded from an Open Referral UK directory.
const SystemOpenReferral = "https://openreferraluk.org"

// safeLink reports whether a link a directory publishes may be shown to
// staff as one: a web, mail or phone address. Anything else (javascript:,
// data:, a file or a scheme a browser might run) is refused, since the
// page that lists services links to it.
func safeLink(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto", "tel":
		return u.Opaque != ""
	}
	return false
}

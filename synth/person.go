package synth

import (
	"math"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
)

// person is the model of one synthetic patient before it is written: who
// they are, their conditions and the latent factors that drive their
// observations, medicines and service use.
type person struct {
	idx      int
	id       string
	nhs      joinedup.NHSNumber
	female   bool
	age      int
	birth    time.Time
	given    string
	family   string
	origin   *NameOrigin
	practice *Org
	district District
	street   string
	house    int
	postcode string
	phone    string
	language string // BCP 47; "" for English
	interp   bool

	general, cardio float64 // latent factors, standard normal

	ltcs    []personLTC
	has     [32]bool // by index in LTCs
	pain    bool
	frailty int // 0 none, 1 mild, 2 moderate, 3 severe (65 and over only)
}

// personLTC is one condition a person has.
type personLTC struct {
	ltc   *LTC
	index int
	code  Code
	onset time.Time
}

// ltcP returns the probability, before the latent factors, that a person of
// this age and sex has the condition.
func ltcP(l *LTC, age int, female bool) float64 {
	p := l.Prevalence[ageBand(age)] / 100
	if female {
		p *= l.Female
	} else {
		p *= l.Male
	}
	return min(p, maxP)
}

// maxP caps any one probability so that the latent factors never make a
// condition certain.
const maxP = 0.95

// newPerson draws patient idx. The draws happen in a fixed order so that the
// same (seed, idx) always gives the same person.
func (g *generator) newPerson(r *rng, idx int, p *person) {
	*p = person{idx: idx, ltcs: p.ltcs[:0]}
	p.id = "p" + strconv.Itoa(idx+1)
	p.nhs, _ = NHSNumber(idx)

	row := &AgeTable[r.pick(g.ageWeights)]
	p.age = row.From + r.IntN(row.To-row.From+1)
	p.female = r.chance(row.Female)
	// Birth date: age completed years before as-of, on a random day of the
	// year before that.
	p.birth = g.asOf.AddDate(-p.age-1, 0, 1+r.IntN(364))

	p.practice = g.practices[r.pick(g.practiceWeights)]
	loc := p.practice.Locality
	p.district = oneOf(r, loc.Districts)
	p.street = oneOf(r, p.district.Streets)
	p.house = 1 + r.IntN(180)
	p.postcode = p.district.Code + " " + strconv.Itoa(1+r.IntN(9)) + string(inwardLetters[r.IntN(len(inwardLetters))]) + string(inwardLetters[r.IntN(len(inwardLetters))])
	p.phone = "07700 900" + threeDigits(r.IntN(1000))
	if r.chance(0.3) {
		p.phone = "020 7946 0" + threeDigits(r.IntN(1000))
	}

	p.origin = &NameOrigins[r.pick(loc.Origins)]
	if p.female {
		p.given = oneOf(r, p.origin.Female)
	} else {
		p.given = oneOf(r, p.origin.Male)
	}
	p.family = oneOf(r, p.origin.Family)
	if p.origin.Language != "" && r.chance(p.origin.LanguageP*(0.6+0.012*float64(p.age))) {
		p.language = p.origin.Language
		p.interp = r.chance(p.origin.InterpreteP * (0.5 + 0.015*float64(p.age)))
	}

	p.general = r.NormFloat64()
	p.cardio = r.NormFloat64()
	for i, l := range LTCs {
		base := ltcP(l, p.age, p.female)
		if base == 0 {
			continue
		}
		// A lognormal multiplier with mean one keeps each condition's
		// prevalence at its table value while making conditions that load
		// on the same factor co-occur.
		a, b := latentScale*l.General, latentScale*l.Cardio
		m := math.Exp(a*p.general + b*p.cardio - (a*a+b*b)/2)
		if kronecker(g.cfg.Seed, i, idx) >= min(base*m, maxP) {
			continue
		}
		p.has[i] = true
		p.ltcs = append(p.ltcs, personLTC{ltc: l, index: i, code: r.pickCode(l.Codes), onset: g.onset(r, p)})
	}
	adult := p.age >= 18
	if adult {
		base := ChronicPainPrevalence[ageBand(p.age)] / 100
		if p.has[iRA] || p.has[iOsteoporosis] || p.has[iDepression] {
			base *= 2
		}
		p.pain = r.chance(min(base*math.Exp(0.6*p.general-0.18), maxP))
	}
	if p.age >= 65 {
		score := 0.55*float64(len(p.ltcs)) + 0.7*p.general + 0.06*float64(p.age-65) + r.normal(0, 0.7)
		switch {
		case score >= 4.3:
			p.frailty = 3
		case score >= 3:
			p.frailty = 2
		case score >= 1.4:
			p.frailty = 1
		}
	}
}

// latentScale scales every condition's loadings on the latent factors; it
// sets how strongly conditions cluster (and so how common three or more
// conditions are) without changing any one condition's prevalence.
const latentScale = 1.35

// kronecker returns the uniform draw that decides whether patient idx has
// condition c: the Kronecker (additive recurrence) sequence
// frac(offset + idx·α), with a different irrational α per condition. The
// draws are equidistributed over patient indexes, so the count of people
// with a condition stays much closer to its expected value than
// independent draws would leave it, which lets a modest population show
// the target prevalence; being a function of (seed, c, idx) alone, they
// keep generation deterministic and parallel.
func kronecker(seed uint64, c, idx int) float64 {
	alpha := math.Sqrt(float64(kroneckerPrimes[c%len(kroneckerPrimes)]))
	alpha -= math.Floor(alpha)
	offset := float64(mix(seed, uint64(c))>>11) / (1 << 53)
	_, f := math.Modf(offset + float64(idx+1)*alpha)
	return f
}

var kroneckerPrimes = []int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101}

// onset draws when a condition was first recorded: some time in the
// person's adult life (or childhood for the young), at most 25 years ago.
func (g *generator) onset(r *rng, p *person) time.Time {
	yearsBack := min(float64(p.age)-1, 25)
	if p.age >= 30 {
		yearsBack = min(float64(p.age-18), 25)
	}
	yearsBack = max(yearsBack, 0.2)
	days := int(r.between(14, yearsBack*365))
	return g.asOf.AddDate(0, 0, -days)
}

// inwardLetters are the letters a postcode's inward code may end with.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

func threeDigits(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// ltcIndex maps LTC keys to their index in LTCs.
var ltcIndex = func() map[string]int {
	m := make(map[string]int, len(LTCs))
	for i, l := range LTCs {
		m[l.Key] = i
	}
	return m
}()

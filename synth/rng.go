package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/joinedup/joinedup"
)

// mix combines two 64-bit values into a well-scrambled seed (the SplitMix64
// finaliser), so that neighbouring patient indexes get unrelated streams.
func mix(a, b uint64) uint64 {
	z := a ^ (b+0x9e3779b97f4a7c15)*0xbf58476d1ce4e5b9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// rng is the random source of one patient, reseeded for each.
type rng struct {
	pcg *rand.PCG
	*rand.Rand
}

func newRNG() *rng {
	p := rand.NewPCG(0, 0)
	return &rng{pcg: p, Rand: rand.New(p)}
}

// seed resets the source to the stream of patient idx under seed.
func (r *rng) seed(seed uint64, idx int) {
	r.pcg.Seed(mix(seed, uint64(idx)), mix(^seed, uint64(idx)*0x2545f4914f6cdd1d))
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns a uniform float in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// normal returns a normal draw with the given mean and standard deviation.
func (r *rng) normal(mean, sd float64) float64 { return mean + sd*r.NormFloat64() }

// poisson returns a Poisson draw with mean lambda (Knuth's method; the
// means here are small).
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(r.normal(lambda, math.Sqrt(lambda)))))
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns an index into weights, chosen in proportion to them.
func (r *rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// pickCode returns one of codes, chosen by weight.
func (r *rng) pickCode(codes []Code) Code {
	total := 0.0
	for _, c := range codes {
		total += c.Weight
	}
	x := r.Float64() * total
	for _, c := range codes {
		if x < c.Weight {
			return c
		}
		x -= c.Weight
	}
	return codes[len(codes)-1]
}

// oneOf returns a random element of s.
func oneOf[T any](r *rng, s []T) T { return s[r.IntN(len(s))] }

// MaxNHSNumbers is how many valid NHS numbers the reserved test range
// 999 000 0000–999 999 9999 holds: the nine-digit prefixes 999000000 to
// 999999999 less those whose Modulus 11 check digit would be 10.
const MaxNHSNumbers = 909091

var (
	nhsOnce     sync.Once
	nhsPrefixes []uint32 // the valid prefixes, less 999000000, in order
)

// NHSNumber returns the NHS number of the patient with index idx: the
// idx-th valid number of the test range, or false beyond MaxNHSNumbers.
func NHSNumber(idx int) (joinedup.NHSNumber, bool) {
	nhsOnce.Do(func() {
		nhsPrefixes = make([]uint32, 0, MaxNHSNumbers)
		for p := 999000000; p <= 999999999; p++ {
			if _, ok := joinedup.NHSNumberFromDigits(strconv.Itoa(p)); ok {
				nhsPrefixes = append(nhsPrefixes, uint32(p-999000000))
			}
		}
	})
	if idx < 0 || idx >= len(nhsPrefixes) {
		return "", false
	}
	return joinedup.NHSNumberFromDigits(strconv.Itoa(999000000 + int(nhsPrefixes[idx])))
}

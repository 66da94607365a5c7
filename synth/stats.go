package synth

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Stats is what a generated population turned out to be, beside what the
// tables aimed for.
type Stats struct {
	Patients, Adults, Over65 int
	WithoutNHSNumber         int
	Resources                [numTypes]int
	Conditions               []ConditionStats // by index in LTCs
	ChronicPain              int
	Frailty                  [4]int // none, mild, moderate, severe (aged 65 and over)
	Polypharmacy             int    // people with 10 or more current medicines
	Multimorbid              int    // people with 3 or more LTCs
	// A&E attendances and emergency admissions in the 12 months before
	// as-of, and the numbers the rate model expected.
	AE, Admissions                 int
	ExpectedAE, ExpectedAdmissions float64
}

// ConditionStats is one condition's achieved prevalence against its target,
// and the service use of the people who have it.
type ConditionStats struct {
	LTC *LTC
	// Count is the people with the condition; Expected the sum of the
	// table probabilities over the people generated (the target count);
	// Denominator everyone, or adults for conditions QOF reports per adult.
	Count       int
	Expected    float64
	Denominator int
	// A&E attendances and emergency admissions in the last 12 months among
	// people with the condition.
	AE, Admissions int
}

// Target returns the target prevalence in percent.
func (c ConditionStats) Target() float64 { return pct(c.Expected, c.Denominator) }

// Achieved returns the achieved prevalence in percent.
func (c ConditionStats) Achieved() float64 { return pct(float64(c.Count), c.Denominator) }

func pct(n float64, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * n / float64(d)
}

func per1000(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 1000 * float64(n) / float64(d)
}

func newStats() *Stats {
	s := &Stats{}
	s.reset()
	return s
}

func (s *Stats) reset() {
	cs := s.Conditions
	*s = Stats{Conditions: cs[:0]}
	for _, l := range LTCs {
		s.Conditions = append(s.Conditions, ConditionStats{LTC: l})
	}
}

// addPerson counts a person's demographics and conditions.
func (s *Stats) addPerson(p *person) {
	s.Patients++
	adult := p.age >= 18
	if adult {
		s.Adults++
	}
	if p.age >= 65 {
		s.Over65++
		s.Frailty[p.frailty]++
	}
	if p.nhs == "" {
		s.WithoutNHSNumber++
	}
	if p.pain {
		s.ChronicPain++
	}
	if len(p.ltcs) >= 3 {
		s.Multimorbid++
	}
	for i, l := range LTCs {
		c := &s.Conditions[i]
		if l.AdultOnly && !adult {
			continue
		}
		c.Denominator++
		c.Expected += ltcP(l, p.age, p.female)
		if p.has[i] {
			c.Count++
		}
	}
}

func (s *Stats) merge(o *Stats) {
	s.Patients += o.Patients
	s.Adults += o.Adults
	s.Over65 += o.Over65
	s.WithoutNHSNumber += o.WithoutNHSNumber
	s.ChronicPain += o.ChronicPain
	s.Polypharmacy += o.Polypharmacy
	s.Multimorbid += o.Multimorbid
	for i := range s.Frailty {
		s.Frailty[i] += o.Frailty[i]
	}
	s.AE += o.AE
	s.Admissions += o.Admissions
	s.ExpectedAE += o.ExpectedAE
	s.ExpectedAdmissions += o.ExpectedAdmissions
	for i := range s.Conditions {
		c, x := &s.Conditions[i], &o.Conditions[i]
		c.Count += x.Count
		c.Expected += x.Expected
		c.Denominator += x.Denominator
		c.AE += x.AE
		c.Admissions += x.Admissions
	}
}

// Print writes the prevalence and service-use table.
func (s *Stats) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "condition\tQOF England %%\ttarget %%\tachieved %%\tpeople\tA&E /1000/yr\tadmissions /1000/yr\t\n")
	for _, c := range s.Conditions {
		name := c.LTC.Key
		if c.LTC.AdultOnly {
			name += " (adults)"
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t%d\t%.0f\t%.0f\t\n", name, c.LTC.National, c.Target(), c.Achieved(), c.Count,
			per1000(c.AE, c.Count), per1000(c.Admissions, c.Count))
	}
	fmt.Fprintf(tw, "everyone\t\t\t\t%d\t%.0f\t%.0f\t\n", s.Patients, per1000(s.AE, s.Patients), per1000(s.Admissions, s.Patients))
	fmt.Fprintf(tw, "everyone (model expectation)\t\t\t\t\t%.0f\t%.0f\t\n",
		1000*s.ExpectedAE/float64(max(s.Patients, 1)), 1000*s.ExpectedAdmissions/float64(max(s.Patients, 1)))
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\npatients %d (adults %d, aged 65+ %d, without NHS number %d); 3+ LTCs %.1f%%; chronic pain %.1f%% of adults; "+
		"10+ repeat medicines %.1f%%\nfrailty among 65+: mild %.1f%%, moderate %.1f%%, severe %.1f%%\n",
		s.Patients, s.Adults, s.Over65, s.WithoutNHSNumber, pct(float64(s.Multimorbid), s.Patients), pct(float64(s.ChronicPain), s.Adults),
		pct(float64(s.Polypharmacy), s.Patients),
		pct(float64(s.Frailty[1]), s.Over65), pct(float64(s.Frailty[2]), s.Over65), pct(float64(s.Frailty[3]), s.Over65))
	if err != nil {
		return err
	}
	for t, n := range s.Resources {
		if _, err := fmt.Fprintf(w, "%s %d; ", ResourceType(t), n); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(w)
	return err
}

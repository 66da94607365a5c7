package synth

import (
	"math"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
)

// writer is where one patient's resources go: an encoder per resource type
// and counters for the statistics.
type writer interface {
	encode(t ResourceType, v any)
}

// facts draws and writes everything recorded about p, in a fixed order.
func (g *generator) facts(r *rng, p *person, w writer, st *Stats) {
	pid := p.id
	subject := ref("Patient", pid)
	n := 0
	next := func(kind string) string {
		n++
		return pid + "-" + kind + strconv.Itoa(n)
	}

	// Conditions.
	for _, c := range p.ltcs {
		w.encode(TypeCondition, g.condition(next("c"), subject, c.code, c.onset))
	}
	if p.pain {
		w.encode(TypeCondition, g.condition(next("c"), subject, r.pickCode(ChronicPainCodes), g.onset(r, p)))
	}

	// Observations.
	adult := p.age >= 18
	nLTC := len(p.ltcs)
	if adult {
		g.bmiSeries(r, p, subject, next, w)
		g.bpSeries(r, p, subject, next, w)
		g.smoking(r, p, subject, next, w)
	}
	if p.has[iDiabetes] {
		g.hba1cSeries(r, p, subject, next, w)
	}
	if p.pain {
		for k := 1 + r.IntN(3); k > 0; k-- {
			score := float64(min(10, max(0, int(math.Round(r.normal(6, 1.8))))))
			w.encode(TypeObservation, &fhir.Observation{
				DomainResource:    fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
				Status:            "final",
				Category:          categorySurvey,
				Code:              codePain,
				Subject:           subject,
				EffectiveDateTime: dateTime(g.pastTime(r, 2*365)),
				ValueQuantity:     &fhir.Quantity{Value: &score, Unit: "{score}", System: joinedup.SystemUCUM, Code: "{score}"},
			})
		}
	}
	if p.frailty > 0 {
		code := [...]Code{MildFrailty, ModerateFrailty, SevereFrailty}[p.frailty-1]
		w.encode(TypeObservation, &fhir.Observation{
			DomainResource:    fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
			Status:            "final",
			Category:          categoryExam,
			Code:              snomed(code),
			Subject:           subject,
			EffectiveDateTime: dateTime(g.pastTime(r, 3*365)),
		})
	}

	// Repeat medicines: each condition's usual medicines, analgesics for
	// pain, and the additions that make polypharmacy common among the
	// multimorbid and frail.
	var meds [40]*Medicine
	nm := 0
	add := func(m *Medicine) {
		for _, x := range meds[:nm] {
			if x == m {
				return
			}
		}
		if nm < len(meds) {
			meds[nm] = m
			nm++
		}
	}
	for _, c := range p.ltcs {
		for _, pr := range c.ltc.Medicines {
			if r.chance(pr.P) {
				add(pr.Medicine)
			}
		}
	}
	opioid, nsaid := false, false
	if p.pain {
		for _, pr := range Analgesics {
			if r.chance(pr.P) {
				add(pr.Medicine)
				opioid = opioid || pr.Medicine == &CoCodamol || pr.Medicine == &Tramadol
				nsaid = nsaid || pr.Medicine == &Naproxen
			}
		}
	}
	if nsaid || (nLTC >= 3 && r.chance(0.5)) {
		add(&Omeprazole)
	}
	if opioid && r.chance(0.5) {
		add(&Laxido)
	}
	if p.has[iOsteoporosis] || (p.frailty >= 2 && r.chance(0.5)) {
		add(&Colecalciferol)
	}
	if nLTC >= 4 && r.chance(0.6) {
		add(&Paracetamol)
	}
	for _, m := range meds[:nm] {
		analgesic := m == &CoCodamol || m == &Tramadol || m == &Naproxen || m == &Paracetamol
		issues := 1
		if analgesic {
			// Repeated issues are what a "repeated analgesic prescribing"
			// rule looks for.
			issues = 2 + r.IntN(5)
		}
		last := g.asOf.AddDate(0, 0, -r.IntN(56))
		for k := issues - 1; k >= 0; k-- {
			status := "completed"
			if k == 0 {
				status = "active"
			}
			w.encode(TypeMedicationRequest, &fhir.MedicationRequest{
				DomainResource: fhir.DomainResource{Resource: fhir.Resource{ResourceType: "MedicationRequest", ID: next("m")}},
				Status:         status,
				Intent:         "order",
				MedicationCodeableConcept: &fhir.CodeableConcept{Coding: []fhir.Coding{{
					System: joinedup.SystemDMD, Code: m.Code, Display: m.Name,
				}}},
				Subject:             subject,
				AuthoredOn:          last.AddDate(0, 0, -28*k).Format("2006-01-02"),
				Requester:           ref("Organization", p.practice.ID),
				CourseOfTherapyType: courseContinuous,
			})
		}
	}
	if nm >= 10 {
		st.Polypharmacy++
	}

	// Service use rises with multimorbidity, frailty and the general
	// factor.
	band := ageBand(p.age)
	load := float64(min(nLTC, 8))
	if p.pain {
		load += 0.5
	}
	aeRate := aeBase[band] * math.Exp(0.18*load+0.25*float64(p.frailty)+0.25*p.general)
	adRate := admitBase[band] * math.Exp(0.27*load+0.35*float64(p.frailty)+0.25*p.general)
	yearAgo := g.asOf.AddDate(-1, 0, 0)
	acute, acute2 := g.trusts(r, p)
	nAE, nAd := 0, 0
	for k := r.poisson(3 * aeRate); k > 0; k-- {
		start := g.pastTime(r, 3*365)
		if !start.Before(yearAgo) {
			nAE++
		}
		prov := acute
		if r.chance(0.2) {
			prov = acute2
		}
		w.encode(TypeEncounter, &fhir.Encounter{
			DomainResource:  fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Encounter", ID: next("e")}},
			Status:          "finished",
			Class:           &classEmergency,
			Type:            typeEmergencyVisit,
			ServiceType:     specialtyConcept(Emergency),
			Subject:         subject,
			Period:          &fhir.Period{Start: dateTime(start), End: dateTime(start.Add(time.Duration(60+r.IntN(480)) * time.Minute))},
			ServiceProvider: ref("Organization", prov.ID),
		})
	}
	for k := r.poisson(3 * adRate); k > 0; k-- {
		start := g.pastTime(r, 3*365)
		if !start.Before(yearAgo) {
			nAd++
		}
		enc := &fhir.Encounter{
			DomainResource:  fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Encounter", ID: next("e")}},
			Status:          "finished",
			Class:           &classInpatient,
			Type:            typeEmergencyAdmit,
			Subject:         subject,
			Hospitalization: &fhir.Hospitalization{AdmitSource: admitEmergency},
			ServiceProvider: ref("Organization", acute.ID),
		}
		end := start.Add(time.Duration(1+r.poisson(3+2*float64(p.frailty))) * 24 * time.Hour)
		enc.Period = &fhir.Period{Start: dateTime(start)}
		if !end.Before(g.asOf) {
			enc.Status = "in-progress"
		} else {
			enc.Period.End = dateTime(end)
		}
		if len(p.ltcs) > 0 {
			c := p.ltcs[r.IntN(len(p.ltcs))]
			enc.ReasonCode = []fhir.CodeableConcept{*snomed(c.code)}
		}
		w.encode(TypeEncounter, enc)
	}
	st.AE += nAE
	st.Admissions += nAd
	st.ExpectedAE += aeRate
	st.ExpectedAdmissions += adRate
	for _, c := range p.ltcs {
		cs := &st.Conditions[c.index]
		cs.AE += nAE
		cs.Admissions += nAd
	}

	// GP consultations in the last year.
	for k := r.poisson(1.5 + 1.1*load + 0.8*float64(p.frailty)); k > 0; k-- {
		start := g.pastTime(r, 365)
		w.encode(TypeEncounter, &fhir.Encounter{
			DomainResource:  fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Encounter", ID: next("e")}},
			Status:          "finished",
			Class:           &classAmbulatory,
			Type:            typeConsultation,
			ServiceType:     specialtyConcept(GeneralPrac),
			Subject:         subject,
			Period:          &fhir.Period{Start: dateTime(start), End: dateTime(start.Add(10 * time.Minute))},
			ServiceProvider: ref("Organization", p.practice.ID),
		})
	}

	// Outpatient clinics: attendances in the last two years and booked
	// appointments ahead, by specialty. Several conditions may share a
	// specialty, so a person can hold two appointments in one clinic.
	apptWeek := time.Time{}
	for _, c := range p.ltcs {
		spec := c.ltc.Specialty
		if spec.Code == "" || !r.chance(clinicP[c.index]*(1+0.15*load)) {
			continue
		}
		prov := acute
		if spec == MentalHealth {
			prov = &SLaM
		}
		for k := 1 + r.poisson(1.2); k > 0; k-- {
			start := g.pastTime(r, 2*365)
			w.encode(TypeEncounter, &fhir.Encounter{
				DomainResource:  fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Encounter", ID: next("e")}},
				Status:          "finished",
				Class:           &classAmbulatory,
				Type:            typeConsultation,
				ServiceType:     specialtyConcept(spec),
				Subject:         subject,
				Period:          &fhir.Period{Start: dateTime(start), End: dateTime(start.Add(30 * time.Minute))},
				ServiceProvider: ref("Organization", prov.ID),
			})
		}
		if !r.chance(0.55) {
			continue
		}
		for k := 1 + b2i(r.chance(0.15)); k > 0; k-- {
			var start time.Time
			if !apptWeek.IsZero() && r.chance(0.3) {
				// In the same week as another: what streamlining
				// appointments is meant to fix.
				start = apptWeek.AddDate(0, 0, r.IntN(5))
			} else {
				start = g.asOf.AddDate(0, 0, 1+r.IntN(120))
			}
			start = start.Add(time.Duration(9*60+15*r.IntN(28)) * time.Minute)
			if apptWeek.IsZero() {
				apptWeek = g.asOf.AddDate(0, 0, int(start.Sub(g.asOf).Hours()/24))
			}
			w.encode(TypeAppointment, &fhir.Appointment{
				DomainResource: fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Appointment", ID: next("a")}},
				Status:         "booked",
				ServiceType:    []fhir.CodeableConcept{*specialtyConcept(spec)},
				Specialty:      []fhir.CodeableConcept{*specialtyConcept(spec)},
				Description:    spec.Display + " outpatient clinic, " + prov.Name,
				Start:          dateTime(start),
				End:            dateTime(start.Add(30 * time.Minute)),
				Participant: []fhir.AppointmentParticipant{
					{Type: participantPatient, Actor: subject, Required: "required", Status: "accepted"},
					{Actor: &fhir.Reference{Type: "Location", Display: prov.Site}, Required: "required", Status: "accepted"},
				},
				SupportingInformation: []fhir.Reference{{Reference: "Organization/" + prov.ID, Display: prov.Name}},
			})
		}
	}

	// Carers, for those who most often have one.
	carerP := 0.02
	switch p.frailty {
	case 3:
		carerP += 0.35
	case 2:
		carerP += 0.12
	}
	if p.has[iDementia] {
		carerP += 0.35
	}
	if p.has[iLD] {
		carerP += 0.4
	}
	if r.chance(min(carerP, 0.9)) {
		rel := carerRelations[r.pick(carerRelationWeights)]
		female := r.chance(0.6)
		given := oneOf(r, p.origin.Male)
		gender := "male"
		if female {
			given, gender = oneOf(r, p.origin.Female), "female"
		}
		family := p.family
		if rel.Code == "FRND" || rel.Code == "NBOR" {
			family = oneOf(r, p.origin.Family)
		}
		w.encode(TypeRelatedPerson, &fhir.RelatedPerson{
			DomainResource: fhir.DomainResource{Resource: fhir.Resource{ResourceType: "RelatedPerson", ID: next("r")}},
			Active:         ptrTrue,
			Patient:        subject,
			Relationship: []fhir.CodeableConcept{
				{Coding: []fhir.Coding{{System: systemRoleCode, Code: rel.Code, Display: rel.Display}}},
				{Coding: []fhir.Coding{{System: systemRoleCode, Code: "CAREGIVER", Display: "caregiver"}}},
			},
			Name:    []fhir.HumanName{{Family: family, Given: []string{given}}},
			Telecom: []fhir.ContactPoint{{System: "phone", Value: "07700 900" + threeDigits(r.IntN(1000)), Use: "mobile"}},
			Gender:  gender,
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Indexes of conditions the generator treats specially.
var (
	iDiabetes     = ltcIndex["diabetes"]
	iHypertension = ltcIndex["hypertension"]
	iCOPD         = ltcIndex["copd"]
	iOsteoporosis = ltcIndex["osteoporosis"]
	iDementia     = ltcIndex["dementia"]
	iLD           = ltcIndex["learning-disability"]
	iRA           = ltcIndex["rheumatoid-arthritis"]
	iDepression   = ltcIndex["depression"]
)

var carerRelationWeights = func() []float64 {
	w := make([]float64, len(carerRelations))
	for i, c := range carerRelations {
		w[i] = c.Weight
	}
	return w
}()

// aeBase and admitBase are yearly A&E attendances and emergency admissions
// per person of average risk with no long-term condition, by age band,
// shaped like Hospital Episode Statistics: high in infancy and old age.
var (
	aeBase    = [8]float64{0.32, 0.34, 0.26, 0.22, 0.2, 0.2, 0.25, 0.4}
	admitBase = [8]float64{0.04, 0.03, 0.03, 0.035, 0.04, 0.05, 0.07, 0.14}
)

// clinicP is the chance that a person with a condition is under its
// specialty's outpatient clinic.
var clinicP = func() []float64 {
	p := make([]float64, len(LTCs))
	for i, l := range LTCs {
		switch l.Key {
		case "heart-failure", "cancer", "rheumatoid-arthritis", "smi", "ckd":
			p[i] = 0.5
		case "hypertension", "depression", "asthma":
			p[i] = 0.06
		default:
			p[i] = 0.25
		}
	}
	return p
}()

// trusts returns the acute trust a person mostly uses, by locality, and
// the other one.
func (g *generator) trusts(r *rng, p *person) (*Org, *Org) {
	switch p.practice.Locality.ID {
	case "lcn-north-lambeth", "lcn-north-southwark", "lcn-south-west-lambeth":
		return &GSTT, &Kings
	}
	return &Kings, &GSTT
}

func (g *generator) condition(id string, subject *fhir.Reference, c Code, onset time.Time) *fhir.Condition {
	return &fhir.Condition{
		DomainResource:     fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Condition", ID: id}},
		ClinicalStatus:     conceptActive,
		VerificationStatus: conceptConfirmed,
		Category:           categoryProblem,
		Code:               snomed(c),
		Subject:            subject,
		OnsetDateTime:      onset.Format("2006-01-02"),
		RecordedDate:       onset.Format("2006-01-02"),
	}
}

// pastTime returns a time in the last `days` days before as-of, in working
// hours.
func (g *generator) pastTime(r *rng, days int) time.Time {
	d := 1 + r.IntN(days)
	return g.asOf.AddDate(0, 0, -d).Add(time.Duration(8*60+r.IntN(10*60)) * time.Minute)
}

// readingDates returns up to n dates spread over the last years: roughly
// one every interval days, jittered, newest last.
func (g *generator) readingDates(r *rng, buf []time.Time, n, interval int) []time.Time {
	buf = buf[:0]
	first := g.asOf.AddDate(0, 0, -interval*n+r.IntN(interval/2+1))
	for i := 0; i < n; i++ {
		t := first.AddDate(0, 0, i*interval+r.IntN(interval/3+1)).Add(time.Duration(8*60+r.IntN(9*60)) * time.Minute)
		if !t.Before(g.asOf) {
			break
		}
		buf = append(buf, t)
	}
	return buf
}

func (g *generator) bmiSeries(r *rng, p *person, subject *fhir.Reference, next func(string) string, w writer) {
	n := 1 + r.IntN(2) + min(len(p.ltcs), 3)
	if !r.chance(0.75) && len(p.ltcs) == 0 {
		return // many healthy young adults have no recent BMI
	}
	median := bmiMedian[ageBand(p.age)]
	z := 0.55*p.cardio + 0.835*r.NormFloat64()
	bmi := median * math.Exp(0.19*z)
	drift := r.normal(0, 0.4)
	var buf [8]time.Time
	for i, t := range g.readingDates(r, buf[:0], n, 365) {
		v := round1(max(15, bmi+drift*float64(i)+r.normal(0, 0.4)))
		w.encode(TypeObservation, &fhir.Observation{
			DomainResource:    fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
			Status:            "final",
			Category:          categoryVitals,
			Code:              codeBMI,
			Subject:           subject,
			EffectiveDateTime: dateTime(t),
			ValueQuantity:     quantity(v, unitsBMI),
		})
	}
}

// bmiMedian is the median adult BMI by age band; with the spread used, about
// a quarter of adults have a BMI of 30 or more (Health Survey for England).
var bmiMedian = [8]float64{0, 24.5, 26, 27.2, 27.8, 28, 27.5, 26.5}

func (g *generator) bpSeries(r *rng, p *person, subject *fhir.Reference, next func(string) string, w writer) {
	hyp := p.has[iHypertension]
	if !hyp && p.age < 40 && !r.chance(0.4) {
		return
	}
	n := 1 + r.IntN(2)
	if hyp || p.has[iDiabetes] {
		n += 2 + r.IntN(3)
	}
	sys0 := 116 + 0.45*float64(p.age-30) + 6*p.cardio + r.normal(0, 9)
	if hyp {
		sys0 += 14
	}
	var buf [8]time.Time
	for _, t := range g.readingDates(r, buf[:0], n, 300) {
		sys := math.Round(max(90, sys0+r.normal(0, 8)))
		dia := math.Round(max(50, 0.5*sys+15+r.normal(0, 6)))
		w.encode(TypeObservation, &fhir.Observation{
			DomainResource:    fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
			Status:            "final",
			Category:          categoryVitals,
			Code:              codeBP,
			Subject:           subject,
			EffectiveDateTime: dateTime(t),
			Component: []fhir.ObservationComponent{
				{Code: codeSystolic, ValueQuantity: quantity(sys, "mm[Hg]")},
				{Code: codeDiastolic, ValueQuantity: quantity(dia, "mm[Hg]")},
			},
		})
	}
}

func (g *generator) smoking(r *rng, p *person, subject *fhir.Reference, next func(string) string, w writer) {
	current := 0.13 * math.Exp(0.5*p.general-0.125)
	ex := min(0.08+0.006*float64(p.age-18), 0.45)
	if p.has[iCOPD] {
		current, ex = 0.4, 0.55
	}
	value := smokerNever
	switch x := r.Float64(); {
	case x < current:
		value = smokerCurrent
	case x < current+ex:
		value = smokerEx
	}
	w.encode(TypeObservation, &fhir.Observation{
		DomainResource:       fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
		Status:               "final",
		Category:             categorySocial,
		Code:                 codeSmoking,
		Subject:              subject,
		EffectiveDateTime:    dateTime(g.pastTime(r, 3*365)),
		ValueCodeableConcept: value,
	})
}

// hba1cSeries writes six-monthly HbA1c results over up to five years. A
// person's control is stable, steadily worsening, or swinging widely, the
// patterns a "varying widely" risk rule is meant to catch. Laboratories
// report in IFCC mmol/mol (SNOMED CT 999791000000106); some results come in
// DCCT percent (LOINC 4548-4), as older and some out-of-area systems send.
func (g *generator) hba1cSeries(r *rng, p *person, subject *fhir.Reference, next func(string) string, w writer) {
	pattern := r.Float64()
	level := r.normal(54, 8)
	slope := 0.0
	swing := 3.0
	switch {
	case pattern < 0.2:
		level, slope = r.normal(50, 5), r.between(2, 4) // mmol/mol per six months
	case pattern < 0.42:
		level, swing = r.normal(62, 8), r.between(10, 18)
	}
	percentShare := 0.0
	switch x := r.Float64(); {
	case x < 0.2:
		percentShare = 1
	case x < 0.4:
		percentShare = 0.5
	}
	var buf [12]time.Time
	for i, t := range g.readingDates(r, buf[:0], 4+r.IntN(7), 182) {
		v := min(max(level+slope*float64(i)+r.normal(0, swing), 36), 140)
		obs := &fhir.Observation{
			DomainResource:    fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Observation", ID: next("o")}},
			Status:            "final",
			Category:          categoryLab,
			Subject:           subject,
			EffectiveDateTime: dateTime(t),
		}
		if r.chance(percentShare) {
			obs.Code = codeHbA1cPercent
			obs.ValueQuantity = quantity(round1(v/10.929+2.15), "%")
		} else {
			obs.Code = codeHbA1cIFCC
			obs.ValueQuantity = quantity(math.Round(v), "mmol/mol")
		}
		w.encode(TypeObservation, obs)
	}
}

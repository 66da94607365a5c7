package stratify_test

import (
	"time"

	"github.com/joinedup/joinedup"
)

// asOf is pinned: the golden files must not depend on the wall clock.
var asOf = time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)

const (
	snomed = joinedup.SystemSNOMED
	loinc  = joinedup.SystemLOINC
	rxnorm = joinedup.SystemRxNorm
	ctv3   = "http://read.info/ctv3"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func src(id string) joinedup.Source { return joinedup.Source{System: "fixture", ID: "src-" + id} }

func cond(id, code, display string, onset time.Time, status string) joinedup.Condition {
	return joinedup.Condition{ID: id, Source: src(id), Codes: joinedup.Codings{{System: snomed, Code: code, Display: display}}, ClinicalStatus: status, Onset: onset}
}

func obs(id, system, code string, at time.Time, value float64, unit string) joinedup.Observation {
	return joinedup.Observation{ID: id, Source: src(id), Codes: joinedup.Codings{{System: system, Code: code}}, Status: "final", Effective: at, Value: &joinedup.Quantity{Value: value, Unit: unit}}
}

func coded(id, system, code string, at time.Time, valueCode, valueDisplay string) joinedup.Observation {
	o := joinedup.Observation{ID: id, Source: src(id), Codes: joinedup.Codings{{System: system, Code: code}}, Status: "final", Effective: at}
	if valueCode != "" {
		o.ValueCode = &joinedup.Coding{System: snomed, Code: valueCode, Display: valueDisplay}
	}
	return o
}

func med(id, system, code string, at time.Time, status string) joinedup.Medication {
	return joinedup.Medication{ID: id, Source: src(id), Kind: joinedup.MedicationRequest, Codes: joinedup.Codings{{System: system, Code: code}}, Status: status, Authored: at}
}

func enc(id, class string, at time.Time, specialty string) joinedup.Encounter {
	e := joinedup.Encounter{ID: id, Source: src(id), Class: class, Start: at, End: at.Add(2 * time.Hour)}
	if specialty != "" {
		e.Specialty = joinedup.Codings{{System: snomed, Code: specialty}}
	}
	return e
}

// base is a person with three LTCs (hypertension, diabetes, COPD) and two
// risk factors (BMI 32, current smoker), in the cohort and Green.
func base(id string) *joinedup.Facts {
	return &joinedup.Facts{
		Patient: joinedup.Patient{ID: id, BirthDate: day(1950, 3, 1)},
		Conditions: []joinedup.Condition{
			cond(id+"-htn", "38341003", "Hypertension", day(2010, 1, 1), "active"),
			cond(id+"-dm", "44054006", "Diabetes", day(2012, 1, 1), "active"),
			cond(id+"-copd", "185086009", "Chronic obstructive bronchitis", day(2015, 1, 1), ""),
		},
		Observations: []joinedup.Observation{
			obs(id+"-bmi", loinc, "39156-5", day(2024, 1, 10), 32, "kg/m2"),
			coded(id+"-smk", loinc, "72166-2", day(2024, 1, 10), "449868002", "Current every day smoker"),
			obs(id+"-a1c", loinc, "4548-4", day(2024, 1, 10), 6.0, "%"),
		},
	}
}

// bare is a person with three LTCs and nothing else recorded.
func bare(id string) *joinedup.Facts {
	f := base(id)
	f.Observations = nil
	return f
}

type fixture struct {
	name     string
	facts    *joinedup.Facts
	eligible bool
	tier     joinedup.Tier
	ltcs     []string
	rfs      []string
	gaps     []string
}

func with(f *joinedup.Facts, fn func(f *joinedup.Facts)) *joinedup.Facts { fn(f); return f }

func fixtures() []fixture {
	std := []string{"hypertension", "diabetes", "copd"}
	stdRF := []string{"high-bmi", "current-smoker"}
	a1c := func(id string, at time.Time, v float64, unit string) joinedup.Observation {
		return obs(id, loinc, "4548-4", at, v, unit)
	}
	return []fixture{
		{name: "base", facts: base("base"), eligible: true, tier: joinedup.TierGreen, ltcs: std, rfs: stdRF},
		{name: "every-ltc", eligible: false, tier: joinedup.TierGreen, facts: &joinedup.Facts{
			Patient: joinedup.Patient{ID: "every-ltc", BirthDate: day(1940, 1, 1)},
			Conditions: []joinedup.Condition{
				cond("l1", "59621000", "Essential hypertension", day(2001, 1, 1), "active"),
				cond("l2", "368581000119106", "Neuropathy due to type 2 diabetes mellitus", day(2002, 1, 1), "active"),
				cond("l3", "195967001", "Asthma", day(2003, 1, 1), "active"),
				cond("l4", "13645005", "Chronic obstructive lung disease", day(2004, 1, 1), "active"),
				cond("l5", "53741008", "Coronary heart disease", day(2005, 1, 1), "active"),
				cond("l6", "88805009", "Chronic congestive heart failure", day(2006, 1, 1), "active"),
				cond("l7", "49436004", "Atrial fibrillation", day(2007, 1, 1), "active"),
				cond("l8", "433144002", "Chronic kidney disease stage 3", day(2008, 1, 1), "active"),
				cond("l9", "230690007", "Stroke", day(2009, 1, 1), "resolved"), // a past stroke still counts
				cond("l10", "26929004", "Alzheimer's disease", day(2010, 1, 1), "active"),
				cond("l11", "370143000", "Major depressive disorder", day(2011, 1, 1), "active"),
				cond("l12", "58214004", "Schizophrenia", day(2012, 1, 1), "active"),
				cond("l13", "128613002", "Seizure disorder", day(2013, 1, 1), "active"),
				cond("l14", "363406005", "Malignant tumour of colon", day(2014, 1, 1), "active"),
				cond("l15", "64859006", "Osteoporosis", day(2015, 1, 1), "active"),
				cond("l16", "69896004", "Rheumatoid arthritis", day(2016, 1, 1), "active"),
				{ID: "l17", Source: src("l17"), Codes: joinedup.Codings{{System: "http://local", Code: "X1"}, {System: snomed, Code: "12236991000119103", Display: "Pain at rest of bilateral lower limbs due to atherosclerosis"}}, Onset: day(2017, 1, 1)},
				cond("l18", "10007009", "Coffin-Siris syndrome", day(1940, 1, 1), "inactive"), // lifelong
				cond("l19", "15777000", "Prediabetes", day(2018, 1, 1), "active"),             // not diabetes
				cond("l20", "431855005", "Chronic kidney disease stage 1", day(2018, 1, 1), "active"),
			},
		}, ltcs: []string{"hypertension", "diabetes", "asthma", "copd", "chd", "heart-failure", "af", "ckd", "stroke-tia", "dementia", "depression", "smi", "epilepsy", "cancer", "osteoporosis", "rheumatoid-arthritis", "pad", "learning-disability"},
			gaps: []string{"hba1c-diabetes", "bmi", "smoking-status-never"}},
		{name: "resolved-not-counted", eligible: false, tier: joinedup.TierGreen, facts: with(base("resolved"), func(f *joinedup.Facts) {
			f.Conditions[0].ClinicalStatus = "resolved"
			f.Conditions[1].ClinicalStatus = "inactive"
			f.Conditions[2].Abated = day(2024, 6, 30) // abated on the as-of date: no longer active
		}), ltcs: nil, rfs: stdRF},
		{name: "abated-after-asof-counts", eligible: true, tier: joinedup.TierGreen, facts: with(base("abated-later"), func(f *joinedup.Facts) {
			f.Conditions[0].ClinicalStatus = "resolved"
			f.Conditions[0].Abated = day(2024, 7, 1)
		}), ltcs: std, rfs: stdRF},
		{name: "future-facts-ignored", eligible: false, tier: joinedup.TierGreen, facts: with(bare("future"), func(f *joinedup.Facts) {
			f.Conditions = append(f.Conditions, cond("future-ckd", "433144002", "CKD stage 3", day(2024, 7, 1), "active"))
			f.Observations = append(f.Observations,
				obs("future-bmi", loinc, "39156-5", day(2024, 7, 1), 40, "kg/m2"),
				obs("past-bmi", loinc, "39156-5", day(2024, 6, 30), 25, "kg/m2"),
				coded("future-smk", loinc, "72166-2", day(2024, 7, 1), "449868002", "Current every day smoker"))
			f.Encounters = append(f.Encounters, enc("future-ae", "EMER", day(2024, 7, 1), ""))
		}), ltcs: std, gaps: []string{"hba1c-diabetes", "smoking-status-never"}},
		{name: "bmi-29.9", eligible: false, tier: joinedup.TierGreen, facts: with(base("bmi299"), func(f *joinedup.Facts) {
			f.Observations[0].Value.Value = 29.9
		}), ltcs: std, rfs: []string{"current-smoker"}},
		{name: "bmi-30.0-snomed", eligible: true, tier: joinedup.TierGreen, facts: with(base("bmi300"), func(f *joinedup.Facts) {
			f.Observations[0] = obs("bmi300-bmi", snomed, "60621009", day(2024, 1, 10), 30.0, "kg/m2")
		}), ltcs: std, rfs: stdRF},
		{name: "bmi-window-edge-2y", eligible: true, tier: joinedup.TierGreen, facts: with(base("bmi2y"), func(f *joinedup.Facts) {
			f.Observations[0].Effective = day(2022, 6, 30)
		}), ltcs: std, rfs: stdRF},
		{name: "bmi-window-2y-plus-1d", eligible: false, tier: joinedup.TierGreen, facts: with(base("bmi2y1"), func(f *joinedup.Facts) {
			f.Observations[0].Effective = day(2022, 6, 29)
		}), ltcs: std, rfs: []string{"current-smoker"}, gaps: []string{"bmi"}},
		{name: "bmi-unknown-unit-ignored", eligible: false, tier: joinedup.TierGreen, facts: with(base("bmiunit"), func(f *joinedup.Facts) {
			f.Observations[0].Value.Unit = "lb/in2"
		}), ltcs: std, rfs: []string{"current-smoker"}, gaps: []string{"bmi"}},
		{name: "hba1c-58-mmol", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1c58"), func(f *joinedup.Facts) {
			f.Observations[2] = a1c("a1c58-a1c", day(2024, 5, 1), 58, "mmol/mol")
		}), ltcs: std, rfs: stdRF},
		{name: "hba1c-59-mmol", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1c59"), func(f *joinedup.Facts) {
			f.Observations[2] = obs("a1c59-a1c", snomed, "999791000000106", day(2024, 5, 1), 59, "mmol/mol")
		}), ltcs: std, rfs: []string{"high-bmi", "unstable-hba1c", "current-smoker"}},
		{name: "hba1c-7.5-percent", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1c75"), func(f *joinedup.Facts) {
			f.Observations[2] = a1c("a1c75-a1c", day(2024, 5, 1), 7.5, "%")
		}), ltcs: std, rfs: []string{"high-bmi", "unstable-hba1c", "current-smoker"}},
		{name: "hba1c-range-10", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1crange"), func(f *joinedup.Facts) {
			f.Observations = append(f.Observations[:2],
				a1c("r1", day(2024, 5, 1), 48, "mmol/mol"),
				a1c("r2", day(2023, 11, 1), 55, "mmol/mol"),
				a1c("r3", day(2023, 5, 1), 45, "mmol/mol"),
				a1c("r4", day(2022, 11, 1), 80, "mmol/mol")) // fourth back: not among the last three
		}), ltcs: std, rfs: []string{"high-bmi", "unstable-hba1c", "current-smoker"}},
		{name: "hba1c-range-9.9-mixed-units", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1crange9"), func(f *joinedup.Facts) {
			f.Observations = append(f.Observations[:2],
				a1c("m1", day(2024, 5, 1), 48, "mmol/mol"),
				a1c("m2", day(2023, 11, 1), 6.8, "%"), // 50.8 mmol/mol
				a1c("m3", day(2023, 5, 1), 57.9, "mmol/mol"))
		}), ltcs: std, rfs: stdRF},
		{name: "hba1c-stale-diabetes-gap", eligible: true, tier: joinedup.TierGreen, facts: with(base("a1cstale"), func(f *joinedup.Facts) {
			f.Observations[2].Effective = day(2023, 3, 29) // 15 months and a day before as-of
			f.Observations[2].Value.Value = 9              // high, but too old for latest_value
		}), ltcs: std, rfs: stdRF, gaps: []string{"hba1c-diabetes"}},
		{name: "chronic-pain-diagnosis", eligible: true, tier: joinedup.TierGreen, facts: with(bare("pain"), func(f *joinedup.Facts) {
			f.Conditions = append(f.Conditions, cond("pain-dx", "82423001", "Chronic pain", day(2020, 1, 1), "active"),
				cond("pain-dx-old", "278860009", "Chronic low back pain", day(2015, 1, 1), "resolved"))
			f.Observations = append(f.Observations, coded("pain-smk", loinc, "72166-2", day(2024, 1, 1), "449868002", "Current every day smoker"),
				a1c("pain-a1c", day(2024, 1, 1), 40, "mmol/mol"))
		}), ltcs: std, rfs: []string{"chronic-pain", "current-smoker"}, gaps: []string{"bmi"}},
		{name: "analgesics-3-in-6m", eligible: true, tier: joinedup.TierGreen, facts: with(base("anal3"), func(f *joinedup.Facts) {
			f.Medications = []joinedup.Medication{
				med("an1", rxnorm, "849574", day(2023, 12, 30), "completed"), // exactly 6 months back
				med("an2", rxnorm, "1049221", day(2024, 3, 1), "completed"),
				med("an3", rxnorm, "310965", day(2024, 6, 1), "completed"),
				med("an4", rxnorm, "313782", day(2024, 6, 2), "completed"), // paracetamol alone is not counted
			}
		}), ltcs: std, rfs: []string{"high-bmi", "chronic-pain", "current-smoker"}},
		{name: "analgesics-2-in-6m", eligible: true, tier: joinedup.TierGreen, facts: with(base("anal2"), func(f *joinedup.Facts) {
			f.Medications = []joinedup.Medication{
				med("an1", rxnorm, "849574", day(2023, 12, 29), "completed"), // a day outside
				med("an2", rxnorm, "1049221", day(2024, 3, 1), "completed"),
				med("an3", rxnorm, "310965", day(2024, 6, 1), "completed"),
			}
		}), ltcs: std, rfs: stdRF},
		{name: "polypharmacy-10", eligible: true, tier: joinedup.TierGreen, facts: with(base("poly10"), func(f *joinedup.Facts) {
			for i, c := range []string{"316672", "316049", "866414", "315971", "309362", "904419", "197319", "197361", "855332", "197604"} {
				f.Medications = append(f.Medications, med("pm"+c, rxnorm, c, day(2024, 1, 1+i), "active"))
			}
			f.Medications = append(f.Medications, med("pm-dup", rxnorm, "316672", day(2024, 3, 1), "active"), // same medicine again
				med("pm-stopped", rxnorm, "860975", day(2024, 2, 1), "stopped"))
		}), ltcs: std, rfs: []string{"high-bmi", "polypharmacy", "current-smoker"}},
		{name: "polypharmacy-9", eligible: true, tier: joinedup.TierGreen, facts: with(base("poly9"), func(f *joinedup.Facts) {
			for i, c := range []string{"316672", "316049", "866414", "315971", "309362", "904419", "197319", "197361", "855332"} {
				f.Medications = append(f.Medications, med("pm"+c, rxnorm, c, day(2024, 1, 1+i), "active"))
			}
			f.Medications = append(f.Medications, med("pm-old", rxnorm, "197604", day(2023, 6, 29), "active")) // outside 12 months
		}), ltcs: std, rfs: stdRF},
		{name: "smoker-ctv3-latest-ex", eligible: false, tier: joinedup.TierGreen, facts: with(base("smkctv3"), func(f *joinedup.Facts) {
			f.Observations[1] = coded("c1", ctv3, "137R.", day(2023, 1, 1), "", "")                      // current smoker
			f.Observations = append(f.Observations, coded("c2", ctv3, "137F.", day(2024, 1, 1), "", "")) // ex-smoker, later
		}), ltcs: std, rfs: []string{"high-bmi"}},
		{name: "smoker-ctv3-current", eligible: true, tier: joinedup.TierGreen, facts: with(base("smkctv3c"), func(f *joinedup.Facts) {
			f.Observations[1] = coded("c1", ctv3, "137R.", day(2024, 1, 1), "", "")
		}), ltcs: std, rfs: stdRF},
		{name: "lives-alone", eligible: true, tier: joinedup.TierGreen, facts: with(base("alone"), func(f *joinedup.Facts) {
			f.Observations[1].ValueCode.Code = "8517006" // former smoker
			f.Observations = append(f.Observations, coded("alone-obs", snomed, "105529008", day(2019, 1, 1), "", ""))
		}), ltcs: std, rfs: []string{"high-bmi", "lives-alone"}},
		{name: "red-admissions", eligible: true, tier: joinedup.TierRed, facts: with(base("redadm"), func(f *joinedup.Facts) {
			a := enc("adm1", "IMP", day(2023, 9, 1), "")
			a.Emergency = true
			f.Encounters = []joinedup.Encounter{a,
				enc("ae2", "EMER", day(2024, 2, 1), ""),
				enc("adm2", "IMP", day(2024, 2, 1).Add(5*time.Hour), ""), // admitted from A&E
				enc("adm3", "IMP", day(2024, 4, 1), "")}                  // planned
		}), ltcs: std, rfs: stdRF},
		{name: "red-specialties", eligible: true, tier: joinedup.TierRed, facts: with(base("redspec"), func(f *joinedup.Facts) {
			f.Encounters = []joinedup.Encounter{enc("o1", "AMB", day(2023, 7, 1), "394579002"), enc("o2", "AMB", day(2023, 8, 1), "394579002"),
				enc("o3", "AMB", day(2023, 9, 1), "394582007")}
			f.Appointments = []joinedup.Appointment{{ID: "ap1", Start: day(2024, 5, 1), Status: "fulfilled", Specialty: joinedup.Codings{{System: snomed, Code: "394537008"}}},
				{ID: "ap2", Start: day(2024, 5, 2), Status: "cancelled", Specialty: joinedup.Codings{{System: snomed, Code: "394585009"}}}}
		}), ltcs: std, rfs: stdRF},
		{name: "red-severe-frailty", eligible: true, tier: joinedup.TierRed, facts: with(base("redfrail"), func(f *joinedup.Facts) {
			f.Observations = append(f.Observations, coded("fr-mod", snomed, "925831000000107", day(2023, 1, 1), "", ""),
				coded("fr-sev", snomed, "925861000000102", day(2024, 1, 1), "", ""))
		}), ltcs: std, rfs: []string{"high-bmi", "frailty", "current-smoker"}},
		{name: "amber-ae-window-edge", eligible: true, tier: joinedup.TierAmber, facts: with(base("amberae"), func(f *joinedup.Facts) {
			f.Encounters = []joinedup.Encounter{enc("ae", "EMER", day(2023, 6, 30), "")} // exactly 12 months back
		}), ltcs: std, rfs: stdRF},
		{name: "green-ae-12m-plus-1d", eligible: true, tier: joinedup.TierGreen, facts: with(base("greenae"), func(f *joinedup.Facts) {
			f.Encounters = []joinedup.Encounter{enc("ae", "EMER", day(2023, 6, 29), "")}
		}), ltcs: std, rfs: stdRF},
		{name: "amber-moderate-frailty", eligible: true, tier: joinedup.TierAmber, facts: with(base("amberfrail"), func(f *joinedup.Facts) {
			f.Observations = append(f.Observations, coded("fr-sev", snomed, "925861000000102", day(2022, 1, 1), "", ""), // older and outside 2y
				coded("fr-mod", snomed, "925831000000107", day(2024, 1, 1), "", ""))
		}), ltcs: std, rfs: []string{"high-bmi", "frailty", "current-smoker"}},
		{name: "amber-rising-service-use", eligible: true, tier: joinedup.TierAmber, facts: with(base("amberrise"), func(f *joinedup.Facts) {
			f.Encounters = []joinedup.Encounter{enc("g1", "AMB", day(2023, 9, 1), ""),
				enc("g2", "AMB", day(2024, 2, 1), ""), enc("g3", "AMB", day(2024, 3, 1), ""), enc("g4", "AMB", day(2024, 4, 1), "")}
		}), ltcs: std, rfs: stdRF},
		{name: "not-eligible-one-risk-factor", eligible: false, tier: joinedup.TierRed, facts: with(base("noteligible"), func(f *joinedup.Facts) {
			f.Observations = f.Observations[:1]
			f.Observations = append(f.Observations, coded("smk", loinc, "72166-2", day(2024, 1, 1), "266919005", "Never smoker"),
				coded("fr", snomed, "925861000000102", day(2024, 1, 1), "", ""))
			f.Observations[2].Codes = joinedup.Codings{{System: snomed, Code: "925791000000100"}} // mild frailty only
			f.Encounters = []joinedup.Encounter{enc("a", "IMP", day(2024, 1, 1), ""), enc("b", "IMP", day(2024, 2, 1), "")}
			f.Encounters[0].Emergency, f.Encounters[1].Emergency = true, true
		}), ltcs: std, rfs: []string{"high-bmi"}, gaps: []string{"hba1c-diabetes"}},
	}
}

package synth

// Code lists the condition codes come from. Each LTC's codes are a few
// common concepts chosen from one NHS Digital primary-care domain reference
// set (a QOF cluster), as published in these repositories (paths relative to
// the shared data folder; see its SOURCES.md):
//
//   - codelists/opensafely-deaths-at-home/nhsd-primary-care-domain-refsets-<cluster>.csv,
//     from opensafely/deaths-at-home-covid19, path codelists/, commit
//     b0cf90c1b75d5ae0f933c02f5b4e464767f02d35 (refset versions 2020-08-12
//     and 2021-01-27).
//   - codelists/phc-coding-club/nhsd-primary-care-domain-refsets-<cluster>.csv
//     (frailty clusters), from milanwiedemann/phc-coding-club, path
//     codelists/, commit 38d427e5a1fdbf1c8191c11da0e7c8471259db73.
const (
	qofDir     = "codelists/opensafely-deaths-at-home/"
	phcDir     = "codelists/phc-coding-club/"
	refsetFile = "nhsd-primary-care-domain-refsets-"
)

// Code is a SNOMED CT concept with the weight of its use among the codes of
// one condition.
type Code struct {
	Code    string
	Display string
	Weight  float64
}

// AgeBands are the lower bounds of the age bands the prevalence tables use:
// 0–17, 18–29, 30–39, 40–49, 50–59, 60–69, 70–79 and 80+.
var AgeBands = [8]int{0, 18, 30, 40, 50, 60, 70, 80}

// ageBand returns the index in AgeBands of an age.
func ageBand(age int) int {
	for i := len(AgeBands) - 1; i > 0; i-- {
		if age >= AgeBands[i] {
			return i
		}
	}
	return 0
}

// LTC is a long-term condition: its QOF cluster, the codes written for it,
// its prevalence by age band, and how strongly it follows the latent
// factors that make conditions cluster.
type LTC struct {
	Key       string  // short name used in statistics, e.g. "hypertension"
	Name      string  // as a clinician says it
	Cluster   string  // the QOF cluster (refset file stem), e.g. "hyp_cod"
	Dir       string  // the folder of the cluster CSV under the shared data folder
	National  float64 // England QOF crude prevalence, percent (for comparison only)
	AdultOnly bool    // National is a percentage of adults, as QOF reports it
	// Prevalence is the probability, in percent, of having the condition in
	// each of AgeBands, for a person of average risk.
	Prevalence [8]float64
	// Female and Male scale the prevalence by sex.
	Female, Male float64
	// General and Cardio are the loadings on the two latent factors: a
	// general frailty/deprivation factor shared by every condition, and a
	// cardiometabolic factor shared by hypertension, diabetes, CKD and
	// vascular disease. They make conditions cluster as real
	// multimorbidity does without changing each condition's prevalence.
	General, Cardio float64
	Codes           []Code
	Specialty       Specialty // the outpatient specialty that usually sees it
	Medicines       []Prescribing
}

// Prescribing is a medicine commonly prescribed for a condition and the
// chance a person with it is on it.
type Prescribing struct {
	Medicine *Medicine
	P        float64
}

// LTCs are the long-term conditions generated, with target prevalence by age.
//
// The shape of every table is taken from QOF (NHS Digital, Quality and
// Outcomes Framework, England, 2022-23 and 2023-24: crude register
// prevalence, in National) and the age gradients reported alongside it and
// in the published epidemiology QOF registers follow. The bands are set so
// that on England's age structure they give close to the national crude
// rate; on this population's younger, inner-London age structure (see
// AgeTable) the crude rates come out lower, as Lambeth's and Southwark's
// registers do. The targets Stats reports are these tables applied to the
// generated population's ages and sexes.
var LTCs = []*LTC{
	{Key: "hypertension", Name: "Hypertension", Cluster: "hyp_cod", Dir: qofDir, National: 14.4,
		Prevalence: [8]float64{0, 0.6, 2.2, 7.5, 17, 32, 47, 58}, Female: 0.95, Male: 1.05, General: 0.3, Cardio: 0.55,
		Codes: []Code{
			{"38341003", "Hypertensive disorder, systemic arterial", 5},
			{"59621000", "Essential hypertension", 3},
			{"1201005", "Benign essential hypertension", 1},
		},
		Specialty: Cardiology,
		Medicines: []Prescribing{{&Amlodipine, 0.65}, {&Ramipril, 0.5}, {&Indapamide, 0.3}, {&Atorvastatin, 0.45}, {&Bisoprolol, 0.1}}},
	{Key: "diabetes", Name: "Diabetes mellitus", Cluster: "dm_cod", Dir: qofDir, National: 7.7, AdultOnly: true,
		Prevalence: [8]float64{0.15, 1.2, 2.8, 6, 10.5, 15, 18.5, 18}, Female: 0.9, Male: 1.1, General: 0.3, Cardio: 0.6,
		Codes: []Code{
			{"44054006", "Diabetes mellitus type 2", 6},
			{"313436004", "Type II diabetes mellitus without complication", 2},
			{"46635009", "Diabetes mellitus type 1", 1},
		},
		Specialty: Endocrinology,
		Medicines: []Prescribing{{&Metformin, 0.85}, {&Gliclazide, 0.35}, {&Atorvastatin, 0.75}, {&Ramipril, 0.4}, {&Aspirin, 0.15}}},
	{Key: "asthma", Name: "Asthma", Cluster: "ast_cod", Dir: qofDir, National: 6.5,
		Prevalence: [8]float64{5, 7, 6.5, 6.5, 6.5, 7, 7.5, 7}, Female: 1.1, Male: 0.9, General: 0.3,
		Codes: []Code{
			{"195967001", "Asthma", 6},
			{"389145006", "Allergic asthma", 2},
		},
		Specialty: Respiratory,
		Medicines: []Prescribing{{&Salbutamol, 0.9}, {&Beclometasone, 0.6}}},
	{Key: "copd", Name: "COPD", Cluster: "copd_cod", Dir: qofDir, National: 1.9,
		Prevalence: [8]float64{0, 0.05, 0.2, 0.7, 2, 4.5, 7, 8}, Female: 0.95, Male: 1.05, General: 0.7,
		Codes: []Code{
			{"13645005", "Chronic obstructive lung disease", 6},
			{"313297008", "Moderate chronic obstructive pulmonary disease", 2},
			{"313296004", "Mild chronic obstructive pulmonary disease", 1},
		},
		Specialty: Respiratory,
		Medicines: []Prescribing{{&Salbutamol, 0.9}, {&BeclometasoneFormoterol, 0.6}}},
	{Key: "chd", Name: "Coronary heart disease", Cluster: "chd_cod", Dir: qofDir, National: 3.0,
		Prevalence: [8]float64{0, 0, 0.1, 0.8, 2.5, 6, 11, 16}, Female: 0.7, Male: 1.3, General: 0.4, Cardio: 0.5,
		Codes: []Code{
			{"53741008", "Coronary arteriosclerosis", 3},
			{"194828000", "Angina", 3},
			{"22298006", "Myocardial infarction", 2},
			{"414545008", "Ischemic heart disease", 2},
		},
		Specialty: Cardiology,
		Medicines: []Prescribing{{&Aspirin, 0.7}, {&Atorvastatin, 0.85}, {&Bisoprolol, 0.6}, {&Ramipril, 0.5}, {&Amlodipine, 0.2}}},
	{Key: "heart-failure", Name: "Heart failure", Cluster: "hf_cod", Dir: qofDir, National: 1.0,
		Prevalence: [8]float64{0, 0, 0.05, 0.2, 0.6, 1.6, 4, 9}, Female: 0.85, Male: 1.15, General: 0.5, Cardio: 0.4,
		Codes: []Code{
			{"84114007", "Heart failure", 4},
			{"42343007", "Congestive heart failure", 2},
			{"703272007", "Heart failure with reduced ejection fraction", 1},
		},
		Specialty: Cardiology,
		Medicines: []Prescribing{{&Furosemide, 0.8}, {&Bisoprolol, 0.75}, {&Ramipril, 0.65}, {&Atorvastatin, 0.4}}},
	{Key: "af", Name: "Atrial fibrillation", Cluster: "afib_cod", Dir: qofDir, National: 2.1,
		Prevalence: [8]float64{0, 0.02, 0.1, 0.3, 1, 3, 7.5, 14}, Female: 0.85, Male: 1.15, General: 0.3, Cardio: 0.2,
		Codes: []Code{
			{"49436004", "Atrial fibrillation", 5},
			{"282825002", "Paroxysmal atrial fibrillation", 2},
			{"440028005", "Permanent atrial fibrillation", 1},
		},
		Specialty: Cardiology,
		Medicines: []Prescribing{{&Apixaban, 0.8}, {&Bisoprolol, 0.6}}},
	{Key: "ckd", Name: "Chronic kidney disease (stage 3–5)", Cluster: "ckd_cod", Dir: qofDir, National: 4.4, AdultOnly: true,
		Prevalence: [8]float64{0, 0.1, 0.3, 0.8, 2.5, 6, 12, 25}, Female: 1.05, Male: 0.95, General: 0.4, Cardio: 0.6,
		// Stage 3 to 5 only: the QOF CKD register excludes stages 1 and 2
		// (ckd1and2_cod).
		Codes: []Code{
			{"433144002", "Chronic kidney disease stage 3", 3},
			{"700378005", "Chronic kidney disease stage 3A", 3},
			{"700379002", "Chronic kidney disease stage 3B", 2},
			{"431857002", "Chronic kidney disease stage 4", 1},
			{"433146000", "Chronic kidney disease stage 5", 0.3},
		},
		Specialty: Nephrology,
		Medicines: []Prescribing{{&Atorvastatin, 0.6}, {&Ramipril, 0.4}, {&Amlodipine, 0.3}, {&Colecalciferol, 0.3}, {&Furosemide, 0.15}}},
	{Key: "stroke", Name: "Stroke", Cluster: "strk_cod", Dir: qofDir, National: 1.8,
		Prevalence: [8]float64{0, 0.05, 0.15, 0.5, 1.3, 3, 6, 10}, Female: 0.95, Male: 1.05, General: 0.4, Cardio: 0.4,
		Codes: []Code{
			{"230690007", "Cerebrovascular accident", 5},
			{"432504007", "Cerebral infarction", 3},
			{"1078001000000105", "Haemorrhagic stroke", 1},
		},
		Specialty: Neurology,
		Medicines: []Prescribing{{&Clopidogrel, 0.7}, {&Atorvastatin, 0.8}}},
	{Key: "dementia", Name: "Dementia", Cluster: "dem_cod", Dir: qofDir, National: 0.7,
		Prevalence: [8]float64{0, 0, 0, 0.02, 0.15, 0.8, 2.5, 10}, Female: 1.15, Male: 0.85, General: 0.5, Cardio: 0.1,
		Codes: []Code{
			{"52448006", "Dementia", 3},
			{"26929004", "Alzheimer's disease", 3},
			{"429998004", "Vascular dementia", 2},
		},
		Specialty: Geriatrics,
		Medicines: []Prescribing{{&Donepezil, 0.5}}},
	{Key: "depression", Name: "Depression", Cluster: "depr_cod", Dir: qofDir, National: 13.2, AdultOnly: true,
		Prevalence: [8]float64{0, 12, 14, 15, 15, 13, 11, 10}, Female: 1.3, Male: 0.7, General: 0.5,
		Codes: []Code{
			{"35489007", "Depressive disorder", 5},
			{"370143000", "Major depressive disorder", 2},
			{"310495003", "Mild depression", 1},
			{"310496002", "Moderate depression", 1},
		},
		Specialty: MentalHealth,
		Medicines: []Prescribing{{&Sertraline, 0.35}, {&Citalopram, 0.25}, {&Fluoxetine, 0.1}}},
	{Key: "smi", Name: "Severe mental illness", Cluster: "mh_cod", Dir: qofDir, National: 1.0,
		Prevalence: [8]float64{0.05, 0.9, 1.2, 1.4, 1.4, 1.2, 1, 0.9}, Female: 0.95, Male: 1.05, General: 0.5,
		Codes: []Code{
			{"58214004", "Schizophrenia", 4},
			{"13746004", "Bipolar disorder", 3},
			{"69322001", "Psychotic disorder", 1},
		},
		Specialty: MentalHealth,
		Medicines: []Prescribing{{&Olanzapine, 0.5}, {&Aripiprazole, 0.3}}},
	{Key: "epilepsy", Name: "Epilepsy", Cluster: "epil_cod", Dir: qofDir, National: 0.8, AdultOnly: true,
		Prevalence: [8]float64{0.4, 0.8, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9}, Female: 1, Male: 1, General: 0.2,
		Codes: []Code{
			{"84757009", "Epilepsy", 5},
			{"352818000", "Tonic-clonic epilepsy", 1},
		},
		Specialty: Neurology,
		Medicines: []Prescribing{{&Levetiracetam, 0.5}, {&Lamotrigine, 0.35}}},
	{Key: "cancer", Name: "Cancer", Cluster: "c19can_cod", Dir: qofDir, National: 3.5,
		Prevalence: [8]float64{0.05, 0.2, 0.6, 1.5, 3.5, 7, 11, 13}, Female: 1.05, Male: 0.95, General: 0.2,
		Codes: []Code{
			{"254837009", "Malignant neoplasm of breast", 3},
			{"399068003", "Malignant tumor of prostate", 3},
			{"363406005", "Malignant neoplasm of colon", 2},
			{"93880001", "Primary malignant neoplasm of lung", 1},
		},
		Specialty: Oncology},
	{Key: "osteoporosis", Name: "Osteoporosis", Cluster: "osteo_cod", Dir: qofDir, National: 0.9,
		Prevalence: [8]float64{0, 0, 0, 0, 0.8, 2, 4.5, 8}, Female: 1.75, Male: 0.25, General: 0.3,
		Codes: []Code{
			{"64859006", "Osteoporosis", 4},
			{"102447009", "Postmenopausal osteoporosis", 1},
		},
		Specialty: Rheumatology,
		Medicines: []Prescribing{{&Alendronate, 0.7}}},
	{Key: "rheumatoid-arthritis", Name: "Rheumatoid arthritis", Cluster: "rarth_cod", Dir: qofDir, National: 0.8, AdultOnly: true,
		Prevalence: [8]float64{0, 0.15, 0.3, 0.6, 1, 1.4, 1.7, 1.7}, Female: 1.45, Male: 0.55, General: 0.2,
		Codes: []Code{
			{"69896004", "Rheumatoid arthritis", 4},
			{"239791005", "Seropositive rheumatoid arthritis", 1},
		},
		Specialty: Rheumatology,
		Medicines: []Prescribing{{&Methotrexate, 0.6}, {&Sulfasalazine, 0.25}}},
	{Key: "pad", Name: "Peripheral arterial disease", Cluster: "pad_cod", Dir: qofDir, National: 0.6,
		Prevalence: [8]float64{0, 0, 0.02, 0.15, 0.5, 1.3, 2.5, 3.5}, Female: 0.8, Male: 1.2, General: 0.5, Cardio: 0.4,
		Codes: []Code{
			{"840580004", "Peripheral arterial disease", 3},
			{"399957001", "Peripheral arterial occlusive disease", 1},
		},
		Specialty: Vascular,
		Medicines: []Prescribing{{&Clopidogrel, 0.7}, {&Atorvastatin, 0.8}}},
	{Key: "learning-disability", Name: "Learning disability", Cluster: "ld_cod", Dir: qofDir, National: 0.5,
		Prevalence: [8]float64{0.6, 0.6, 0.5, 0.5, 0.45, 0.35, 0.25, 0.15}, Female: 0.8, Male: 1.2,
		Codes: []Code{
			{"110359009", "Intellectual disability", 4},
			{"86765009", "Mild intellectual disability", 2},
			{"61152003", "Moderate intellectual disability", 1},
		},
		Specialty: MentalHealth},
}

// Frailty codes, from the eFI-based clusters mildfrail_cod, modfrail_cod and
// sevfrail_cod (phc-coding-club), written as Observations for people aged
// 65 and over.
var (
	MildFrailty     = Code{"925791000000100", "Mild frailty", 1}
	ModerateFrailty = Code{"925831000000107", "Moderate frailty", 1}
	SevereFrailty   = Code{"925861000000102", "Severe frailty", 1}
)

// FrailtyCodes maps each frailty code to its cluster, for the code-list test.
var FrailtyCodes = map[string]Code{
	"mildfrail_cod": MildFrailty,
	"modfrail_cod":  ModerateFrailty,
	"sevfrail_cod":  SevereFrailty,
}

// Chronic pain diagnoses. No QOF cluster covers chronic pain; these are the
// SNOMED CT concepts GP systems record.
var ChronicPainCodes = []Code{
	{"82423001", "Chronic pain", 3},
	{"278860009", "Chronic low back pain", 2},
}

// ChronicPainPrevalence is the percentage of people with a recorded chronic
// pain diagnosis by age band; coded chronic pain is far rarer than
// self-reported pain.
var ChronicPainPrevalence = [8]float64{0, 2, 4, 7, 10, 12, 14, 16}

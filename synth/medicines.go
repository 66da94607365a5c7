package synth

// Medicine is a product written on a prescription: a dm+d Virtual Medicinal
// Product (VMP) identifier, which is a SNOMED CT concept in the UK drug
// extension, and its name.
type Medicine struct {
	Code string
	Name string
}

// Medicines prescribed. Where a code appears in a dm+d code list in the
// shared data folder, that list is named; the others are the dm+d VMP
// identifiers as prescribing systems record them.
var (
	Amlodipine   = Medicine{"319283006", "Amlodipine 5mg tablets"}
	Ramipril     = Medicine{"319773006", "Ramipril 5mg capsules"}
	Indapamide   = Medicine{"317919004", "Indapamide 2.5mg tablets"}
	Atorvastatin = Medicine{"320000009", "Atorvastatin 20mg tablets"}
	Metformin    = Medicine{"325278007", "Metformin 500mg tablets"}
	Gliclazide   = Medicine{"325238002", "Gliclazide 80mg tablets"}
	// opensafely-nhs-covid-vaccination-coverage/primis-covid19-vacc-uptake-astrxm1.csv
	Salbutamol = Medicine{"39113611000001102", "Salbutamol 100micrograms/dose inhaler CFC free"}
	// opensafely-nhs-covid-vaccination-coverage/primis-covid19-vacc-uptake-ast*.csv
	Beclometasone           = Medicine{"35908111000001105", "Beclometasone 100micrograms/dose inhaler CFC free"}
	BeclometasoneFormoterol = Medicine{"12911011000001100", "Beclometasone 100micrograms/dose / Formoterol 6micrograms/dose inhaler CFC free"}
	Aspirin                 = Medicine{"319770009", "Aspirin 75mg dispersible tablets"}
	Bisoprolol              = Medicine{"318590006", "Bisoprolol 2.5mg tablets"}
	Furosemide              = Medicine{"317972000", "Furosemide 40mg tablets"}
	Apixaban                = Medicine{"703907002", "Apixaban 5mg tablets"}
	Clopidogrel             = Medicine{"319809004", "Clopidogrel 75mg tablets"}
	Donepezil               = Medicine{"407651007", "Donepezil 5mg tablets"}
	// opensafely-nhs-covid-vaccination-coverage/opensafely-selective-serotonin-reuptake-inhibitors-dmd.csv
	Sertraline = Medicine{"321959007", "Sertraline 50mg tablets"}
	Citalopram = Medicine{"321987003", "Citalopram 20mg tablets"}
	Fluoxetine = Medicine{"321949006", "Fluoxetine 20mg capsules"}

	Olanzapine    = Medicine{"321576005", "Olanzapine 10mg tablets"}
	Aripiprazole  = Medicine{"385015001", "Aripiprazole 10mg tablets"}
	Levetiracetam = Medicine{"407813006", "Levetiracetam 500mg tablets"}
	Lamotrigine   = Medicine{"322932002", "Lamotrigine 100mg tablets"}
	Alendronate   = Medicine{"411795006", "Alendronic acid 70mg tablets"}
	// opensafely-nhs-covid-vaccination-coverage/opensafely-dmards.csv
	Methotrexate  = Medicine{"326874007", "Methotrexate 2.5mg tablets"}
	Sulfasalazine = Medicine{"330040008", "Sulfasalazine 500mg gastro-resistant tablets"}

	// Analgesics for people with chronic pain.
	Paracetamol = Medicine{"322236009", "Paracetamol 500mg tablets"}
	CoCodamol   = Medicine{"322341003", "Co-codamol 30mg/500mg tablets"}
	Tramadol    = Medicine{"322693000", "Tramadol 50mg capsules"}
	Naproxen    = Medicine{"329652003", "Naproxen 500mg tablets"}
	Omeprazole  = Medicine{"317335000", "Omeprazole 20mg gastro-resistant capsules"}
	// Common additions for older multimorbid people.
	Colecalciferol = Medicine{"375761004", "Colecalciferol 800unit capsules"}
	Laxido         = Medicine{"9145411000001103", "Macrogol compound oral powder sachets NPF sugar free"}
)

// Analgesics are the repeat painkillers people with chronic pain get, with
// the chance of each.
var Analgesics = []Prescribing{{&CoCodamol, 0.45}, {&Tramadol, 0.25}, {&Naproxen, 0.3}, {&Paracetamol, 0.4}}

// Specialty is a SNOMED CT specialty concept used in Encounter.serviceType
// and Appointment.specialty.
type Specialty struct {
	Code    string
	Display string
}

// Specialties of outpatient clinics, A&E and general practice.
var (
	Cardiology    = Specialty{"394579002", "Cardiology"}
	Respiratory   = Specialty{"418112009", "Pulmonary medicine"}
	Nephrology    = Specialty{"394589003", "Nephrology"}
	Endocrinology = Specialty{"394583002", "Endocrinology"}
	Rheumatology  = Specialty{"394810000", "Rheumatology"}
	MentalHealth  = Specialty{"394587001", "Psychiatry"}
	Neurology     = Specialty{"394591006", "Neurology"}
	Oncology      = Specialty{"394593009", "Medical oncology"}
	Geriatrics    = Specialty{"394811001", "Geriatric medicine"}
	Vascular      = Specialty{"408463005", "Vascular surgery"}
	PainMedicine  = Specialty{"394882004", "Pain management"}
	Emergency     = Specialty{"773568002", "Emergency medicine"}
	GeneralPrac   = Specialty{"394814009", "General practice"}
)

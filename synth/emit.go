package synth

import (
	"math"
	"strconv"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
)

// Systems written by the generator besides those of packages joinedup and fhir.
const (
	systemObsCategory    = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemConditionCat   = "http://terminology.hl7.org/CodeSystem/condition-category"
	systemConditionVer   = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	systemRoleCode       = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
	systemParticipation  = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	systemInterpreterExt = "interpreterRequired"
	systemLanguageExt    = "language"
)

// Often-used codings, built once.
var (
	conceptActive       = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemConditionClinical, Code: "active"}}}
	conceptConfirmed    = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: systemConditionVer, Code: "confirmed"}}}
	categoryProblem     = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemConditionCat, Code: "problem-list-item", Display: "Problem List Item"}}}}
	categoryVitals      = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemObsCategory, Code: "vital-signs", Display: "Vital Signs"}}}}
	categoryLab         = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemObsCategory, Code: "laboratory", Display: "Laboratory"}}}}
	categorySocial      = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemObsCategory, Code: "social-history", Display: "Social History"}}}}
	categorySurvey      = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemObsCategory, Code: "survey", Display: "Survey"}}}}
	categoryExam        = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemObsCategory, Code: "exam", Display: "Exam"}}}}
	codeBMI             = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "39156-5", Display: "Body mass index (BMI) [Ratio]"}, {System: joinedup.SystemSNOMED, Code: "60621009", Display: "Body mass index"}}}
	codeHbA1cPercent    = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "4548-4", Display: "Hemoglobin A1c/Hemoglobin.total in Blood"}}}
	codeHbA1cIFCC       = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "999791000000106", Display: "Haemoglobin A1c level - International Federation of Clinical Chemistry and Laboratory Medicine standardised"}}}
	codeBP              = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "85354-9", Display: "Blood pressure panel with all children optional"}}}
	codeSystolic        = fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "8480-6", Display: "Systolic blood pressure"}}}
	codeDiastolic       = fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "8462-4", Display: "Diastolic blood pressure"}}}
	codePain            = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "72514-3", Display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}}}
	codeSmoking         = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemLOINC, Code: "72166-2", Display: "Tobacco smoking status"}}}
	smokerCurrent       = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "449868002", Display: "Current every day smoker"}}}
	smokerEx            = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "8517006", Display: "Ex-smoker"}}}
	smokerNever         = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "266919005", Display: "Never smoked tobacco"}}}
	courseContinuous    = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemCourseOfTherapy, Code: "continuous", Display: "Continuous long term therapy"}}}
	admitEmergency      = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemAdmitSource, Code: "emd", Display: "From accident/emergency department"}}}
	typeConsultation    = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "11429006", Display: "Consultation"}}}}
	typeEmergencyVisit  = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "4525004", Display: "Emergency department patient visit"}}}}
	typeEmergencyAdmit  = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: "183452005", Display: "Emergency hospital admission"}}}}
	participantPatient  = []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemParticipation, Code: "SBJ", Display: "subject"}}}}
	classAmbulatory     = fhir.Coding{System: fhir.SystemActCode, Code: joinedup.EncounterAmbulatory, Display: "ambulatory"}
	classEmergency      = fhir.Coding{System: fhir.SystemActCode, Code: joinedup.EncounterEmergency, Display: "emergency"}
	classInpatient      = fhir.Coding{System: fhir.SystemActCode, Code: joinedup.EncounterInpatient, Display: "inpatient encounter"}
	unitsBMI            = "kg/m2"
	bcp47English        = "en"
	languageDisplayName = map[string]string{
		"en": "English", "pt": "Portuguese", "es": "Spanish", "pl": "Polish", "so": "Somali", "yo": "Yoruba",
		"bn": "Bengali", "tr": "Turkish", "zh": "Chinese", "fr": "French", "ar": "Arabic", "ru": "Russian",
	}
)

func snomed(c Code) *fhir.CodeableConcept {
	return &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: c.Code, Display: c.Display}}}
}

func specialtyConcept(s Specialty) *fhir.CodeableConcept {
	return &fhir.CodeableConcept{Coding: []fhir.Coding{{System: joinedup.SystemSNOMED, Code: s.Code, Display: s.Display}}}
}

func ref(typ, id string) *fhir.Reference { return &fhir.Reference{Reference: typ + "/" + id} }

func quantity(v float64, unit string) *fhir.Quantity {
	return &fhir.Quantity{Value: &v, Unit: unit, System: joinedup.SystemUCUM, Code: unit}
}

// dateTime writes an instant in UTC at whole seconds.
func dateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// round1 rounds to one decimal place, as results are reported.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// organizationResource writes an organisation.
func organizationResource(o *Org) *fhir.Organization {
	res := &fhir.Organization{
		DomainResource: fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Organization", ID: o.ID}},
		Active:         ptrTrue,
		Type: []fhir.CodeableConcept{{Coding: []fhir.Coding{{
			System: OrgKindSystem, Code: string(o.Kind), Display: orgKindDisplay[o.Kind],
		}}}},
		Name: o.Name,
	}
	if o.ODS != "" {
		res.Identifier = []fhir.Identifier{{System: fhir.SystemODS, Value: o.ODS}}
	}
	if o.ParentID != "" {
		res.PartOf = ref("Organization", o.ParentID)
	}
	return res
}

var ptrTrue = func() *bool { b := true; return &b }()

var orgKindDisplay = map[joinedup.OrgKind]string{
	joinedup.OrgICB: "Integrated care board", joinedup.OrgLocality: "Local care network locality",
	joinedup.OrgPractice: "GP practice", joinedup.OrgTrust: "NHS trust",
	joinedup.OrgCommunity: "Community health provider", joinedup.OrgSocialCare: "Social care provider",
	joinedup.OrgVoluntary: "Voluntary organisation",
}

// patientResource writes a person as a UK Core style Patient.
func patientResource(p *person) *fhir.Patient {
	res := &fhir.Patient{
		DomainResource: fhir.DomainResource{Resource: fhir.Resource{ResourceType: "Patient", ID: p.id}},
		Active:         ptrTrue,
		Name:           []fhir.HumanName{{Use: "official", Family: p.family, Given: []string{p.given}}},
		Telecom:        []fhir.ContactPoint{{System: "phone", Value: p.phone, Use: phoneUse(p.phone)}},
		Gender:         "male",
		BirthDate:      p.birth.Format("2006-01-02"),
		Address: []fhir.Address{{
			Use:        "home",
			Line:       []string{strconv.Itoa(p.house) + " " + p.street},
			City:       "London",
			District:   p.district.Area,
			PostalCode: p.postcode,
			Country:    "GB",
		}},
		GeneralPractitioner: []fhir.Reference{{Reference: "Organization/" + p.practice.ID, Display: p.practice.Name}},
	}
	if p.female {
		res.Gender = "female"
	}
	if p.nhs != "" {
		res.Identifier = []fhir.Identifier{{System: joinedup.NHSNumberSystem, Value: string(p.nhs)}}
	}
	lang := p.language
	if lang == "" {
		lang = bcp47English
	}
	language := fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemBCP47, Code: lang, Display: languageDisplayName[lang]}}}
	res.Communication = []fhir.Communication{{Language: language, Preferred: ptrTrue}}
	if p.language != "" {
		interp := p.interp
		res.Extension = []fhir.Extension{{
			URL: fhir.ExtNHSCommunication,
			Extension: []fhir.Extension{
				{URL: systemLanguageExt, ValueCodeableConcept: &language},
				{URL: "preferred", ValueBoolean: ptrTrue},
				{URL: systemInterpreterExt, ValueBoolean: &interp},
			},
		}}
	}
	return res
}

func phoneUse(n string) string {
	if n[:2] == "07" {
		return "mobile"
	}
	return "home"
}

// Package synth generates a synthetic population of the Lambeth and
// Southwark Local Care Networks as FHIR R4 Bulk Data NDJSON: organisations,
// registered patients, long-term conditions, observations, repeat
// prescriptions, hospital and GP activity, booked appointments and carers.
//
// The output is meant for testing import, stratification and the web
// application at borough scale, so it has the shape of the real thing:
// an inner-London age structure, condition prevalence by age close to the
// published Quality and Outcomes Framework (QOF) figures, multimorbidity
// that clusters, and service use that rises with multimorbidity and
// frailty. No record describes a real person.
//
// Generation is deterministic: the same Config gives byte-identical files.
// Each patient draws from a random source seeded from (Config.Seed, patient
// index) alone, so patients are generated in parallel and written in index
// order, and the whole population is never held in memory.
//
// # Organisations
//
// Organization.type carries one coding from the CodeSystem
// OrgKindSystem (https://joinedup.nhs.uk/CodeSystem/organisation-kind), whose
// codes are the values of joinedup.OrgKind: icb, locality, practice, trust,
// community, social-care and voluntary. Organisations with an Organisation
// Data Service code carry it as an identifier in the system
// https://fhir.nhs.uk/Id/ods-organization-code. The tree is
// ICB → five LCN localities → GP practices (Organization.partOf); trusts,
// community, social-care and voluntary providers are partOf the ICB.
//
// # Dates
//
// Every date is relative to Config.AsOf (default DefaultAsOf), never to the
// wall clock, so a population generated for any as-of date has recent
// activity and booked appointments in the weeks after it.
//
// # NHS numbers
//
// NHS numbers come from the reserved test range 999 000 0000–999 999 9999,
// in order of patient index, skipping nine-digit prefixes that have no valid
// Modulus 11 check digit. The range holds MaxNHSNumbers valid numbers;
// patients beyond that have no NHS number, as records from a source that
// has not traced the patient do.
package synth

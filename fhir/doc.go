// Package fhir reads and writes the subset of FHIR R4 that JoinedUp exchanges
// with GP and hospital systems, and maps it to and from the domain types of
// package joinedup.
//
// The package has three parts:
//
//   - R4 structs (Patient, Condition, Observation, …) that encode to JSON
//     accepted by the official R4 JSON schema and decode leniently: unknown
//     elements are ignored, because sources send far more than JoinedUp uses.
//   - Streaming readers for the import formats: one Bundle per file
//     (BundleReader), Bulk Data NDJSON (NDJSONReader), FHIR XML converted to
//     JSON (XMLToJSON), with Open and Detect to recognise gzip, Bundle,
//     NDJSON, XML and CSV input from its first bytes.
//   - Mapping both ways between FHIR resources and domain types
//     (PatientToDomain, FromPatient, …) with errors of type *MappingError that
//     name the resource, its id and the offending element. The records
//     JoinedUp makes (care plans, tier decisions, tasks, …) are mapped back
//     from what it writes (CarePlanToDomain, FlagToDomain, …), so an export
//     imports into another JoinedUp and exports again the same.
//
// Domain ids are never assigned here: a mapped fact carries its FHIR id in
// Source.ID and the caller receives the FHIR references (Links) it needs to
// link facts to patients and organisations.
package fhir

// Package importer loads the records GP practices and hospitals send:
// FHIR R4 Bundles, FHIR Bulk Data NDJSON, FHIR R4 XML (a Bundle or one
// resource per file) and GP CSV extracts, detected from their content,
// gzipped or not.
//
// An import streams: memory stays bounded whatever the file size, except
// that a Bundle is held whole (an XML one as its JSON too, so that XML that
// is not FHIR R4 is rejected before any of it is written). It is
// atomic per patient (a Bundle, or a batch of whole patients), idempotent
// (importing the same input again changes nothing) and crash-safe (a re-run
// after a kill ends in the state of an uninterrupted import). Every bad
// record goes to the rejects file with its reason and the good ones still
// import.
//
// From a JoinedUp export it also reads what JoinedUp records of care
// coordination (care plans and goals, care teams, tier decisions, tasks,
// consents, referrals, assessments and directory services), through the
// store functions that record them, so export, import and export again
// gives the same resources (see care.go).
package importer

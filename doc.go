// Package joinedup holds the domain of JoinedUp, the care-coordination system
// of a Local Care Network (LCN): organisations, patients, the coded facts that
// source systems send about them, and the assessments, decisions and care
// records built from those facts.
//
// The package depends on the standard library alone. Storage, FHIR mapping,
// import, stratification and the web live in their own packages and depend on
// this one, never the other way round.
package joinedup

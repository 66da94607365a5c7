package worklist_test

import (
	"fmt"
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
	"github.com/joinedup/joinedup/worklist"
)

// BenchmarkSyncAll times the daily run over 1,000 patients with a
// confirmed tier, a care plan due for review and a recent A&E attendance
// (the first iteration raises their tasks; later ones find nothing new).
func BenchmarkSyncAll(b *testing.B) {
	cfg := config(b)
	for _, eng := range storetest.Engines() {
		b.Run(string(eng), func(b *testing.B) {
			db := storetest.Open(b, eng)
			const n = 1000
			batch := &store.Batch{}
			for i := range n {
				id := fmt.Sprintf("p%04d", i)
				batch.Patients = append(batch.Patients, joinedup.Patient{ID: id, Source: joinedup.Source{System: "b", ID: id}})
				batch.Encounters = append(batch.Encounters, joinedup.Encounter{PatientID: id, Source: joinedup.Source{System: "b", ID: id + "-ae"},
					Class: joinedup.EncounterEmergency, Start: asOf.AddDate(0, 0, -3)})
			}
			if _, err := store.Write(ctx, db, batch); err != nil {
				b.Fatal(err)
			}
			tiers := []joinedup.Tier{joinedup.TierRed, joinedup.TierAmber, joinedup.TierGreen}
			for i, p := range batch.Patients {
				d := joinedup.TierDecision{PatientID: p.ID, AssessmentID: "a", Tier: tiers[i%3], SuggestedTier: tiers[i%3], DecidedBy: "gp", DecidedAt: asOf.AddDate(0, -2, 0)}
				if err := store.SaveDecision(ctx, db, &d); err != nil {
					b.Fatal(err)
				}
				if _, err := store.SaveCarePlan(ctx, db, joinedup.CarePlan{PatientID: p.ID, WhatMatters: "x", NextReview: asOf.AddDate(0, 0, -1)}, 0, "cc", asOf.AddDate(0, -1, 0)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				r, err := worklist.SyncAll(ctx, db, cfg, asOf, asOf, 500)
				if err != nil || r.Patients != n {
					b.Fatal(r, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/patient")
		})
	}
}

package stratify_test

import (
	"testing"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/stratify"
)

func TestAgreement(t *testing.T) {
	red := []joinedup.RuleFired{{Name: "red-admissions", Tier: joinedup.TierRed}}
	green := []joinedup.RuleFired{{Name: "cohort"}, {Name: "default", Tier: joinedup.TierGreen}}
	ds := []store.DecisionOutcome{
		{PracticeID: "a", Suggested: joinedup.TierRed, Tier: joinedup.TierRed, RulesFired: red},
		{PracticeID: "a", Suggested: joinedup.TierRed, Tier: joinedup.TierAmber, Overridden: true, Reason: "admissions were planned", RulesFired: red},
		{PracticeID: "b", Suggested: joinedup.TierGreen, Tier: joinedup.TierAmber, Overridden: true, Reason: "carer unwell", RulesFired: green},
		{PracticeID: "b", Suggested: joinedup.TierGreen, Tier: joinedup.TierGreen, RulesFired: green},
		{PracticeID: "b", Suggested: joinedup.TierGreen, Tier: joinedup.TierGreen, RulesFired: green},
	}
	byPractice := stratify.AgreementByPractice(ds, func(id string) string { return "practice " + id })
	if a := byPractice.ByGroup["practice a"]; a.Confirmed != 1 || a.Overridden != 1 || a.Down != 1 || a.Rate() != 0.5 {
		t.Fatalf("practice a: %+v", a)
	}
	if b := byPractice.ByGroup["practice b"]; b.Confirmed != 2 || b.Up != 1 {
		t.Fatalf("practice b: %+v", b)
	}
	if byPractice.Total.Confirmed != 3 || byPractice.Total.Overridden != 2 {
		t.Fatalf("total %+v", byPractice.Total)
	}
	byRule := stratify.AgreementByRule(ds)
	if r := byRule.ByGroup["red-admissions"]; r.Overridden != 1 || byRule.Reasons["red-admissions"][0] != "admissions were planned" {
		t.Fatalf("red-admissions: %+v %v", r, byRule.Reasons)
	}
	if _, ok := byRule.ByGroup["cohort"]; ok {
		t.Fatal("a rule without a tier was counted as a tier rule")
	}
	if g := byRule.Groups(); len(g) != 2 || byRule.ByGroup[g[0]].Overridden < byRule.ByGroup[g[1]].Overridden {
		t.Fatalf("groups %v not ordered by overrides", g)
	}
}

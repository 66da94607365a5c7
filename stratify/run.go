package stratify

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
)

// RunOptions says what a population run evaluates.
type RunOptions struct {
	Policy *policy.Policy
	AsOf   time.Time
	// Changed limits the run to patients whose facts changed since their
	// last assessment.
	Changed bool
	// DryRun evaluates and compares with the current assessments, writing
	// nothing: the "what if" of a new policy.
	DryRun bool
	// Now stamps what the run writes; tests pin it.
	Now func() time.Time
	// Workers assess in parallel; 0 means one per CPU.
	Workers int
	// Progress, when set, is called after each batch with the number of
	// patients assessed so far.
	Progress func(done int)
	// Assessed, when set, is called with each patient's facts and new
	// assessment, one at a time: a dry run's caller can tally what the
	// per-practice changes do not tell (a caseload per coordinator). The
	// facts are those the policy can use (see Reads), not the whole record.
	Assessed func(f *joinedup.Facts, a *joinedup.Assessment)
}

// Counts is a tally of assessments by tier.
type Counts struct {
	Assessed int
	Eligible int
	// ByTier counts eligible patients by suggested tier.
	ByTier map[joinedup.Tier]int
}

func (c *Counts) add(a *joinedup.Assessment) {
	c.Assessed++
	if a.Eligible {
		c.Eligible++
		if c.ByTier == nil {
			c.ByTier = map[joinedup.Tier]int{}
		}
		c.ByTier[a.SuggestedTier]++
	}
}

// Change counts how a dry run would move people, against their current
// assessments.
type Change struct {
	Enter, Leave, TierChange, Unchanged int
}

// RunSummary is what a population run did.
type RunSummary struct {
	Total       Counts
	ByLocality  map[string]*Counts // locality name → counts
	Written     int                // assessments that differed from the current one and were stored
	Drift       int                // drift events recorded
	TasksRaised int
	// WhatIf holds, for a dry run, the changes per locality and per
	// practice (keyed "Locality / Practice").
	WhatIf map[string]*Change
}

// batchSize is how many patients are assessed and written per transaction:
// large enough to amortise a commit, small enough to bound memory.
const batchSize = 2000

// Run evaluates the policy over the population (or the changed patients)
// and, unless DryRun, stores an assessment per patient, records drift and
// raises review tasks. Each batch of patients is written in one transaction.
func Run(ctx context.Context, db *store.DB, opt RunOptions) (RunSummary, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if !opt.DryRun {
		// Assessments name their policy version; it must be stored so the
		// suggestion can always be explained from the exact rules.
		if _, err := store.GetPolicyVersion(ctx, db, opt.Policy.Hash()); err != nil {
			return RunSummary{}, fmt.Errorf("policy version %s: %w (load it first)", opt.Policy.Hash(), err)
		}
	}
	places, err := loadPlaces(ctx, db)
	if err != nil {
		return RunSummary{}, err
	}
	sum := RunSummary{ByLocality: map[string]*Counts{}}
	if opt.DryRun {
		sum.WhatIf = map[string]*Change{}
	}
	// Batches are assessed and written by several savers at once, each in
	// a transaction of its own; a batch's patients are nobody else's, so
	// the order the batches land in changes nothing. mu guards the
	// summary and the callbacks, which see one patient at a time.
	var (
		mu   sync.Mutex
		done int
	)
	flush := func(batch []*joinedup.Facts, versions []int64) error {
		as := assessAll(opt.Policy, batch, opt.AsOf, opt.Workers)
		var part RunSummary
		var err error
		if opt.DryRun {
			part.WhatIf = map[string]*Change{}
			err = compare(ctx, db, batch, as, places, part.WhatIf)
		} else {
			err = db.InTx(ctx, func(tx *store.Tx) error {
				part = RunSummary{}
				return save(ctx, db, tx, batch, versions, as, opt, &part)
			})
		}
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range as {
			sum.Total.add(&as[i])
			loc := places.locality(batch[i].Patient.PracticeID)
			c := sum.ByLocality[loc]
			if c == nil {
				c = &Counts{}
				sum.ByLocality[loc] = c
			}
			c.add(&as[i])
			if opt.Assessed != nil {
				opt.Assessed(batch[i], &as[i])
			}
		}
		sum.Written += part.Written
		sum.Drift += part.Drift
		sum.TasksRaised += part.TasksRaised
		for k, ch := range part.WhatIf {
			into := sum.WhatIf[k]
			if into == nil {
				into = &Change{}
				sum.WhatIf[k] = into
			}
			into.Enter += ch.Enter
			into.Leave += ch.Leave
			into.TierChange += ch.TierChange
			into.Unchanged += ch.Unchanged
		}
		done += len(batch)
		if opt.Progress != nil {
			opt.Progress(done)
		}
		return nil
	}

	// The next batches are loaded while earlier ones are assessed and
	// written.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan loaded, savers(db))
	var loadErr error
	go func() {
		defer close(batches)
		var b loaded
		send := func() error {
			select {
			case batches <- b:
				b = loaded{}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		loadErr = store.EachFacts(ctx, db, store.FactsFilter{Stream: true, Changed: opt.Changed, Only: Reads(opt.Policy, opt.AsOf)}, func(f *joinedup.Facts, v int64) error {
			b.facts = append(b.facts, f)
			b.versions = append(b.versions, v)
			if len(b.facts) == batchSize {
				return send()
			}
			return nil
		})
		if loadErr == nil && len(b.facts) > 0 {
			loadErr = send()
		}
	}()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range savers(db) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if ctx.Err() != nil {
					continue // drain, so the loader sees the cancellation
				}
				if err := flush(b.facts, b.versions); err != nil {
					errOnce.Do(func() { firstErr = err })
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if loadErr != nil {
		return sum, loadErr
	}
	if !opt.DryRun && !opt.Changed && sum.Written > 0 {
		// A full run has rewritten the current assessments the lists
		// plan from.
		if err := db.AnalyzeAssessments(ctx); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// savers is how many batches are written at once: two on PostgreSQL,
// whose server works on each connection's statements in parallel; one on
// SQLite, which writes one transaction at a time.
func savers(db *store.DB) int {
	if db.Engine == store.Postgres {
		return 2
	}
	return 1
}

// loaded is a batch of patients' facts and the facts versions they had.
type loaded struct {
	facts    []*joinedup.Facts
	versions []int64
}

// assessAll assesses a batch on several cores; Assess is pure, so the
// result does not depend on the scheduling.
func assessAll(p *policy.Policy, batch []*joinedup.Facts, asOf time.Time, workers int) []joinedup.Assessment {
	out := make([]joinedup.Assessment, len(batch))
	var wg sync.WaitGroup
	per := (len(batch) + workers - 1) / workers
	for start := 0; start < len(batch); start += per {
		end := min(start+per, len(batch))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := start; i < end; i++ {
				out[i] = Assess(p, batch[i], asOf)
			}
		}()
	}
	wg.Wait()
	return out
}

// save writes a batch's assessments, their drift, and the review tasks they
// call for.
func save(ctx context.Context, db *store.DB, tx store.Writer, batch []*joinedup.Facts, versions []int64, as []joinedup.Assessment, opt RunOptions, sum *RunSummary) error {
	now := opt.Now().UTC()
	in := make([]store.AssessmentInput, len(as))
	ids := make([]string, len(as))
	for i := range as {
		in[i] = store.AssessmentInput{Assessment: as[i], FactsVersion: versions[i]}
		ids[i] = as[i].PatientID
	}
	saved, err := store.SaveAssessments(ctx, tx, in, now)
	if err != nil {
		return err
	}
	decided, err := store.CurrentDecisions(ctx, tx, ids)
	if err != nil {
		return err
	}
	var drift []joinedup.DriftEvent
	for i, s := range saved {
		if !s.Changed {
			continue
		}
		sum.Written++
		a := &as[i]
		if s.Previous != nil {
			drift = append(drift, Diff(*s.Previous, *a)...)
		}
		for _, t := range reviewTasks(batch[i].Patient, s, a, decided[a.PatientID], opt.AsOf, now) {
			raised, err := store.RaiseTask(ctx, tx, &t)
			if err != nil {
				return err
			}
			if raised {
				sum.TasksRaised++
			}
		}
	}
	sum.Drift += len(drift)
	return store.SaveDriftEvents(ctx, tx, drift, now)
}

// reviewTasks are the tasks a new assessment raises: a newly eligible
// patient's suggestion to review, and a tier review when the suggestion no
// longer matches the clinician's decision. The suggestion never changes the
// tier by itself.
func reviewTasks(p joinedup.Patient, s store.SavedAssessment, a *joinedup.Assessment, decided joinedup.Tier, asOf, now time.Time) []joinedup.Task {
	var out []joinedup.Task
	newlyEligible := a.Eligible && (!s.HadPrevious || !s.WasEligible)
	if newlyEligible && decided == "" {
		out = append(out, joinedup.Task{
			PatientID: a.PatientID, Kind: joinedup.TaskReviewSuggestedTier, AssigneeOrg: p.PracticeID,
			Title:  "Review suggested tier: " + a.SuggestedTier.String(),
			Reason: fmt.Sprintf("Newly meets the cohort rule (%d LTCs, %d risk factors)", len(a.LTCs), len(a.RiskFactors)),
			Due:    asOf.AddDate(0, 0, 14), Priority: 2, CreatedAt: now,
			DedupeKey: joinedup.TaskReviewSuggestedTier,
		})
	}
	if decided != "" && a.Eligible && decided != a.SuggestedTier {
		out = append(out, joinedup.Task{
			PatientID: a.PatientID, Kind: joinedup.TaskTierReview, AssigneeOrg: p.PracticeID,
			Title:  fmt.Sprintf("Tier review: suggested %s, confirmed %s", a.SuggestedTier, decided),
			Reason: "The latest assessment suggests a different tier from the one confirmed",
			Due:    asOf.AddDate(0, 0, 14), Priority: priorityFor(decided, a.SuggestedTier), CreatedAt: now,
			// One open tier review at a time per patient and suggestion.
			DedupeKey: joinedup.TaskTierReview + ":" + string(a.SuggestedTier),
		})
	}
	return out
}

// priorityFor makes a suggested move up more urgent than a move down.
func priorityFor(decided, suggested joinedup.Tier) int {
	if suggested.Rank() > decided.Rank() {
		return 1
	}
	return 3
}

// compare tallies, for a dry run, how the batch's new assessments differ
// from the current ones.
func compare(ctx context.Context, db *store.DB, batch []*joinedup.Facts, as []joinedup.Assessment, places places, into map[string]*Change) error {
	ids := make([]string, len(as))
	for i := range as {
		ids[i] = as[i].PatientID
	}
	cur, err := store.CurrentSummaries(ctx, db, ids)
	if err != nil {
		return err
	}
	for i := range as {
		a := &as[i]
		c, had := cur[a.PatientID]
		key := places.practiceKey(batch[i].Patient.PracticeID)
		ch := into[key]
		if ch == nil {
			ch = &Change{}
			into[key] = ch
		}
		was := had && c.Eligible
		switch {
		case a.Eligible && !was:
			ch.Enter++
		case !a.Eligible && was:
			ch.Leave++
		case a.Eligible && was && a.SuggestedTier != c.SuggestedTier:
			ch.TierChange++
		default:
			ch.Unchanged++
		}
	}
	return nil
}

// places names each practice and its locality.
type places struct {
	orgs map[string]joinedup.Organisation
}

func loadPlaces(ctx context.Context, db *store.DB) (places, error) {
	orgs, err := store.Organisations(ctx, db)
	if err != nil {
		return places{}, err
	}
	p := places{orgs: make(map[string]joinedup.Organisation, len(orgs))}
	for _, o := range orgs {
		p.orgs[o.ID] = o
	}
	return p, nil
}

// locality returns the name of the locality a practice belongs to.
func (p places) locality(practiceID string) string {
	for id, depth := practiceID, 0; id != "" && depth < 8; depth++ {
		o, ok := p.orgs[id]
		if !ok {
			break
		}
		if o.Kind == joinedup.OrgLocality {
			return o.Name
		}
		id = o.ParentID
	}
	return "(no locality)"
}

func (p places) practiceKey(practiceID string) string {
	name := "(no practice)"
	if o, ok := p.orgs[practiceID]; ok {
		name = o.Name
		if o.ODS != "" {
			name += " (" + o.ODS + ")"
		}
	}
	return p.locality(practiceID) + " / " + name
}

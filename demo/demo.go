// Package demo prepares a JoinedUp installation for a demonstration: a
// synthetic Lambeth and Southwark population, imported and stratified under
// the shipped policy, the community services directory, staff accounts for
// every role, care teams and some confirmed tiers, so every page has
// realistic work on it.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/policies"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/stratify"
	"github.com/joinedup/joinedup/synth"
)

// Options say what population to prepare.
type Options struct {
	Patients int
	Seed     uint64
	// AsOf is the date the population is generated and stratified at.
	AsOf time.Time
	// WorkDir holds the generated FHIR files while they are imported.
	WorkDir string
	// Log receives one line per step; nil discards.
	Log io.Writer
	// Now stamps what is recorded; tests pin it.
	Now func() time.Time
}

// Account is a demo staff account and its freshly set password.
type Account struct {
	Username     string
	Name         string
	Role         joinedup.Role
	Organisation string
	Password     string
}

// Result is what Prepare made.
type Result struct {
	Patients int
	Eligible int
	Created  bool // the population was generated now, not found in place
	Accounts []Account
}

// demoStaff are the demo accounts: one per role, at the organisations that
// role works in.
var demoStaff = []struct {
	username, name string
	role           joinedup.Role
	ods            string // the organisation, by ODS code
}{
	{"demo-gp", "Dr Amara Okafor", joinedup.RoleGP, ""},
	{"demo-coordinator", "Tiago Fernandes", joinedup.RoleCareCoordinator, ""},
	{"demo-specialist", "Dr Helen Marsh", joinedup.RoleLeadSpecialist, "RJ1"},
	{"demo-socialcare", "Grace Mensah", joinedup.RoleCommunitySocialCare, ""},
	{"demo-linkworker", "Joana Silva", joinedup.RoleVoluntaryLinkWorker, ""},
	{"demo-manager", "Priya Shah", joinedup.RoleLCNManager, "QKK"},
	{"demo-admin", "Sam Adeyemi", joinedup.RoleAdmin, "QKK"},
	{"demo-iglead", "Ruth Kowalski", joinedup.RoleIGLead, "QKK"},
}

// Prepare makes db ready for a demonstration. A database that already
// holds patients keeps them (a restart is quick); accounts get new
// passwords every time, so no password is ever written down anywhere but
// the terminal that started the demo.
func Prepare(ctx context.Context, db *store.DB, opt Options) (Result, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = synth.DefaultAsOf
	}
	var res Result
	n, err := countPatients(ctx, db)
	if err != nil {
		return res, err
	}
	if n == 0 {
		if err := populate(ctx, db, opt); err != nil {
			return res, err
		}
		res.Created = true
	}
	if res.Patients, err = countPatients(ctx, db); err != nil {
		return res, err
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM current_assessments WHERE eligible").Scan(&res.Eligible); err != nil {
		return res, fmt.Errorf("count cohort: %w", err)
	}
	if res.Accounts, err = accounts(ctx, db, opt.Now()); err != nil {
		return res, err
	}
	if res.Created {
		if err := careTeams(ctx, db, res.Accounts, opt); err != nil {
			return res, err
		}
	}
	return res, nil
}

func countPatients(ctx context.Context, db *store.DB) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&n); err != nil {
		return 0, fmt.Errorf("count patients: %w", err)
	}
	return n, nil
}

// populate generates, imports and stratifies the population.
func populate(ctx context.Context, db *store.DB, opt Options) error {
	step := func(format string, args ...any) func() {
		start := time.Now()
		fmt.Fprintf(opt.Log, format, args...)
		return func() { fmt.Fprintf(opt.Log, " done in %s\n", time.Since(start).Round(100*time.Millisecond)) }
	}
	dir := filepath.Join(opt.WorkDir, "synthetic-population")
	done := step("generating %d synthetic patients…", opt.Patients)
	if _, err := synth.WriteDir(ctx, synth.Config{Patients: opt.Patients, Seed: opt.Seed, AsOf: opt.AsOf}, dir, false); err != nil {
		return fmt.Errorf("generate population: %w", err)
	}
	done()
	done = step("importing them…")
	sum, err := importer.Import(ctx, db, []string{dir}, importer.Options{Source: "synthetic"})
	if err != nil {
		return fmt.Errorf("import population: %w", err)
	}
	if n := sum.Rejected(); n > 0 {
		return fmt.Errorf("import population: %d records rejected", n)
	}
	done()
	// The files are only a way in; the database now holds everything.
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove generated files: %w", err)
	}
	done = step("stratifying under the shipped policy…")
	p, _, err := stratify.LoadPolicyFS(ctx, db, policies.LCNDefault(), "lcn-default", "demo", opt.Now())
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	if _, err := stratify.Run(ctx, db, stratify.RunOptions{Policy: p, AsOf: opt.AsOf, Now: opt.Now}); err != nil {
		return fmt.Errorf("stratify: %w", err)
	}
	done()
	done = step("loading the community and voluntary services directory…")
	if _, err := coord.New(db, nil).ImportDirectory(ctx, coord.System("joinedup demo", opt.Now()), bytes.NewReader(directory.DemoJSON())); err != nil {
		return fmt.Errorf("load the services directory: %w", err)
	}
	done()
	if err := rollout(ctx, db, opt); err != nil {
		return err
	}
	return nil
}

// rollout puts a third of the practices in the pilot's first wave, a
// year before the population's date and live six months later, and
// another third in a second wave three months before it, so the
// dashboard has a comparison to show.
func rollout(ctx context.Context, db *store.DB, opt Options) error {
	ps, err := store.PracticeRollouts(ctx, db)
	if err != nil {
		return err
	}
	cs, act := coord.New(db, nil), coord.System("joinedup demo", opt.Now())
	for i, p := range ps {
		var pilot, goLive time.Time
		var wave string
		switch i % 3 {
		case 0:
			pilot, goLive, wave = opt.AsOf.AddDate(-1, 0, 0), opt.AsOf.AddDate(0, -6, 0), "Wave 1"
		case 1:
			pilot, wave = opt.AsOf.AddDate(0, -3, 0), "Wave 2"
		default:
			continue
		}
		if _, err := cs.SetRollout(ctx, act, p.PracticeID, day(pilot), day(goLive), wave, ""); err != nil {
			return fmt.Errorf("set the roll-out of %s: %w", p.Name, err)
		}
	}
	return nil
}

// day is a date as YYYY-MM-DD, or "" for none.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// accounts creates the demo accounts that are missing and gives every one
// a new random password.
func accounts(ctx context.Context, db *store.DB, now time.Time) ([]Account, error) {
	orgs, err := store.Organisations(ctx, db)
	if err != nil {
		return nil, err
	}
	// The demo practice is the one with the most people in the cohort, so
	// its GP and coordinator have a full day's work.
	var busiest string
	err = db.QueryRowContext(ctx, `SELECT p.practice_id FROM current_assessments c JOIN patients p ON p.id = c.patient_id
		WHERE c.eligible AND p.practice_id IS NOT NULL GROUP BY p.practice_id ORDER BY COUNT(*) DESC, p.practice_id LIMIT 1`).Scan(&busiest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find the demo practice: %w", err)
	}
	cs, act := coord.New(db, nil), coord.System("joinedup demo", now)
	var out []Account
	for _, s := range demoStaff {
		org := findOrg(orgs, s.ods, s.role, busiest)
		a := Account{Username: s.username, Name: s.name, Role: s.role, Organisation: org.Name, Password: newPassword()}
		_, _, err = store.UserByUsername(ctx, db, s.username)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
			_, err = cs.CreateUser(ctx, act, coord.NewUser{Username: s.username, DisplayName: s.name, Role: s.role,
				OrganisationID: org.ID, Password: a.Password})
		case err == nil:
			err = cs.SetPassword(ctx, act, s.username, a.Password)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// findOrg finds the organisation a demo account belongs to: by ODS code; the
// demo practice for practice staff; else the first organisation of the kind
// the role works in.
func findOrg(orgs []joinedup.Organisation, ods string, role joinedup.Role, practiceID string) joinedup.Organisation {
	for _, o := range orgs {
		if (ods != "" && o.ODS == ods) || (ods == "" && o.ID == practiceID && (role == joinedup.RoleGP || role == joinedup.RoleCareCoordinator)) {
			return o
		}
	}
	var kinds []joinedup.OrgKind
	switch role {
	case joinedup.RoleCommunitySocialCare:
		kinds = []joinedup.OrgKind{joinedup.OrgSocialCare, joinedup.OrgCommunity}
	case joinedup.RoleVoluntaryLinkWorker:
		kinds = []joinedup.OrgKind{joinedup.OrgVoluntary}
	case joinedup.RoleGP, joinedup.RoleCareCoordinator:
		kinds = []joinedup.OrgKind{joinedup.OrgPractice}
	case joinedup.RoleLeadSpecialist:
		kinds = []joinedup.OrgKind{joinedup.OrgTrust}
	default:
		kinds = []joinedup.OrgKind{joinedup.OrgICB}
	}
	for _, k := range kinds {
		for _, o := range orgs {
			if o.Kind == k {
				return o
			}
		}
	}
	return joinedup.Organisation{}
}

// newPassword is 80 random bits, written as 16 letters and digits in groups
// of four so it can be read off a terminal and typed.
func newPassword() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// careTeams gives the demo practice's cohort the care teams and decisions
// an established service would have: the coordinator on every Amber and Red
// patient's team, the lead specialist on every Red one, and the tiers of
// half of them confirmed, so worklists carry their pathway tasks.
func careTeams(ctx context.Context, db *store.DB, accts []Account, opt Options) error {
	users := map[joinedup.Role]joinedup.User{}
	for _, a := range accts {
		u, _, err := store.UserByUsername(ctx, db, a.Username)
		if err != nil {
			return err
		}
		users[a.Role] = u
	}
	gp, cc, spec := users[joinedup.RoleGP], users[joinedup.RoleCareCoordinator], users[joinedup.RoleLeadSpecialist]
	rows, err := db.QueryContext(ctx, `SELECT c.patient_id, c.suggested_tier FROM current_assessments c
		JOIN patients p ON p.id = c.patient_id
		WHERE c.eligible AND p.practice_id = $1 ORDER BY c.patient_id`, gp.OrganisationID)
	if err != nil {
		return fmt.Errorf("read the practice's cohort: %w", err)
	}
	type member struct {
		id   string
		tier joinedup.Tier
	}
	var cohort []member
	for rows.Next() {
		var m member
		var tier string
		if err := rows.Scan(&m.id, &tier); err != nil {
			rows.Close()
			return err
		}
		m.tier = joinedup.Tier(tier)
		cohort = append(cohort, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := opt.Now().UTC()
	start := opt.AsOf.AddDate(0, -2, 0)
	// The GP sets up the teams and confirms half the tiers, through the
	// same changes the pages make.
	act := coord.Actor{User: gp, At: now, Door: "joinedup demo", Scope: joinedup.ScopeFull, Reason: "demo set-up"}
	cs := coord.New(db, nil)
	for i, m := range cohort {
		var err error
		if m.tier != joinedup.TierGreen {
			_, err = cs.AddCareTeamMember(ctx, act, coord.TeamPlace{PatientID: m.id, Role: joinedup.CareCoordinator,
				UserID: cc.ID, OrganisationID: cc.OrganisationID, Start: start})
		}
		if err == nil && m.tier == joinedup.TierRed {
			_, err = cs.AddCareTeamMember(ctx, act, coord.TeamPlace{PatientID: m.id, Role: joinedup.CareLeadSpecialist,
				UserID: spec.ID, OrganisationID: spec.OrganisationID, Start: start})
		}
		if err == nil && i%2 == 0 {
			_, err = cs.DecideTier(ctx, act, m.id, m.tier, "")
		}
		if err != nil {
			return fmt.Errorf("care team of patient %s: %w", m.id, err)
		}
	}
	fmt.Fprintf(opt.Log, "gave %d patients at the demo practice their care teams; confirmed %d tiers\n", len(cohort), (len(cohort)+1)/2)
	return nil
}

package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// Records made in care coordination (care plans and their goals, care
// teams, tier decisions, …) arrive in a JoinedUp export. They are written
// through the store functions the coordination layer uses, one transaction
// per record, after the batch they came in; each is recognised on
// re-import by its id (a care team's places by who holds them from when),
// so importing a file again changes nothing. People are named in them by
// display only: a record naming someone who is not a user here, or a name
// more than one user has, is rejected rather than put on the wrong person
// or on no one.

// careState is what an import keeps between batches of care records.
type careState struct {
	// goals are the Goal resources read, by id, until the CarePlan
	// referring to them is written (Goal files are read first).
	goals map[string]heldGoal
	// users maps users' display names to their ids, read once.
	users map[string][]string
	// orgs are the organisations held, by id, read when a directory
	// service is first imported.
	orgs map[string]joinedup.Organisation
	// policies are the ids of the policy versions held.
	policies map[string]bool
}

type heldGoal struct {
	patientID string
	goal      fhir.PlanGoal
	p         pending
	path      string
}

// maxGoals bounds the goals an import holds waiting for their plans (a
// few hundred bytes each), so memory stays bounded.
const maxGoals = 1_000_000

// needsSubject reports whether a record other than a patient or an
// organisation belongs to a patient, who must be found before it is
// written: a directory service belongs to no one.
func needsSubject(rec any) bool {
	_, isService := rec.(joinedup.Service)
	return !isService
}

// isCare reports whether rec is a care record, written by writeCare.
func isCare(rec any) bool {
	switch rec.(type) {
	case fhir.PlanVersion, fhir.PlanGoal, fhir.CareTeamPlaces, joinedup.TierDecision, joinedup.Task, joinedup.Consent, joinedup.Referral,
		fhir.AssessmentRecord, joinedup.Service:
		return true
	}
	return false
}

// withPatientID is a care record linked to its patient.
type withPatientID struct {
	rec       any
	patientID string
}

// withCarePatient links a care record to its patient.
func withCarePatient(rec any, pid string) any {
	if isCare(rec) {
		return withPatientID{rec: rec, patientID: pid}
	}
	return rec
}

// writeCare writes the care records of a batch, each in its own
// transaction, and tallies them.
func (im *importer) writeCare(ctx context.Context, path string, recs []pending) error {
	if len(recs) == 0 {
		return nil
	}
	if im.care == nil {
		im.care = &careState{goals: map[string]heldGoal{}}
	}
	for _, p := range recs {
		w, ok := p.rec.(withPatientID)
		if !ok {
			w.rec = p.rec // a directory service belongs to no patient
		}
		var changed bool
		var why string
		var err error
		switch v := w.rec.(type) {
		case joinedup.Service:
			changed, why, err = im.writeService(ctx, v, p)
		case fhir.PlanGoal:
			if len(im.care.goals) < maxGoals {
				im.care.goals[v.ID] = heldGoal{patientID: w.patientID, goal: v, p: p, path: path}
				continue
			}
			why = fmt.Sprintf("more than %d goals are waiting for their care plans: import the Goals with their CarePlans in smaller exports", maxGoals)
		case fhir.PlanVersion:
			changed, why, err = im.writeCarePlan(ctx, w.patientID, v, p)
		case fhir.CareTeamPlaces:
			changed, why, err = im.writeCareTeam(ctx, w.patientID, v)
		case joinedup.TierDecision:
			changed, why, err = im.writeDecision(ctx, w.patientID, v, p)
		case joinedup.Task:
			changed, why, err = im.writeTask(ctx, w.patientID, v, p)
		case joinedup.Consent:
			changed, why, err = im.writeConsent(ctx, w.patientID, v, p)
		case joinedup.Referral:
			changed, why, err = im.writeReferral(ctx, w.patientID, v, p)
		case fhir.AssessmentRecord:
			changed, why, err = im.writeAssessment(ctx, w.patientID, v)
		default:
			continue
		}
		if err != nil {
			return err
		}
		if why != "" {
			im.reject(Reject{File: path, Line: p.line, Entry: p.entry, ResourceType: p.typ, ID: p.id,
				Reason: fmt.Sprintf("%s/%s: %s", p.typ, p.id, why)})
			continue
		}
		im.tallyWritten(p.typ, changed)
	}
	return nil
}

func (im *importer) tallyWritten(typ string, changed bool) {
	im.tally(typ, func(c *Counts) {
		if changed {
			c.Imported++
		} else {
			c.Unchanged++
		}
	})
}

// user finds the user a record names. "" names no one; a name no user
// here has, or more than one has, gives the reason the record is rejected.
func (im *importer) user(ctx context.Context, field, name string) (id, why string, err error) {
	if name == "" {
		return "", "", nil
	}
	if im.care.users == nil {
		names, err := store.UserNames(ctx, im.db)
		if err != nil {
			return "", "", err
		}
		im.care.users = map[string][]string{}
		for id, n := range names {
			im.care.users[n] = append(im.care.users[n], id)
		}
	}
	switch ids := im.care.users[name]; len(ids) {
	case 1:
		return ids[0], "", nil
	case 0:
		return "", fmt.Sprintf("%s: no user here is named %q", field, name), nil
	default:
		return "", fmt.Sprintf("%s: %d users here are named %q, so who is meant is not known", field, len(ids), name), nil
	}
}

// writeCarePlan stores a version of a plan, with its goals, as the version
// after the one held: versions are imported in order, and one that does not
// follow the version held is rejected rather than stored over a later one.
func (im *importer) writeCarePlan(ctx context.Context, patientID string, v fhir.PlanVersion, p pending) (bool, string, error) {
	plan := v.Plan
	plan.PatientID = patientID
	var goals []heldGoal
	for i, gid := range v.Goals {
		if gid == "" {
			continue
		}
		g, ok := im.care.goals[gid]
		if !ok {
			return false, fmt.Sprintf("goal[%d]: Goal/%s was not imported with the plan", i, gid), nil
		}
		if g.patientID != patientID {
			return false, fmt.Sprintf("goal[%d]: Goal/%s is another patient's", i, gid), nil
		}
		plan.Goals[i] = g.goal.Goal
		goals = append(goals, g)
	}
	by, why, err := im.user(ctx, "author", p.links.Author)
	if err != nil || why != "" {
		return false, why, err
	}
	changed := false
	err = im.db.InTx(ctx, func(tx *store.Tx) error {
		held, err := store.HasRecord(ctx, tx, "care_plans", patientID, v.ID)
		if err != nil || held {
			return err
		}
		cur, err := store.CurrentCarePlan(ctx, tx, patientID)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
		case err != nil:
			return err
		}
		if plan.Version != cur.Version+1 {
			why = fmt.Sprintf("meta.versionId: version %d does not follow version %d, the one held here", plan.Version, cur.Version)
			return nil
		}
		s, err := store.SaveCarePlanVersion(ctx, tx, v.ID, plan, cur.Version, by, plan.SavedAt)
		if err != nil {
			return err
		}
		if s.Conflict {
			return fmt.Errorf("care plan %s of %s: saved concurrently", v.ID, patientID)
		}
		changed = true
		return nil
	})
	if err != nil || why != "" {
		return false, why, err
	}
	for _, g := range goals {
		delete(im.care.goals, g.goal.ID)
		im.tallyWritten("Goal", changed)
	}
	return changed, "", nil
}

// writeCareTeam adds the places on a care team not held yet, and ends
// those held that the team shows ended. A place is the same place when
// the same role is held by the same user, organisation or person from the
// same time.
func (im *importer) writeCareTeam(ctx context.Context, patientID string, v fhir.CareTeamPlaces) (bool, string, error) {
	places := make([]joinedup.CareTeamMember, len(v.Places))
	for i, pl := range v.Places {
		m := pl.CareTeamMember
		m.PatientID = patientID
		field := fmt.Sprintf("participant[%d].member", i)
		switch {
		case !pl.Organisation.IsZero():
			if m.OrganisationID = im.org(ctx, pl.Organisation); m.OrganisationID == "" {
				return false, fmt.Sprintf("%s: organisation %s is not held here", field, pl.Organisation), nil
			}
		case pl.UserName != "":
			id, why, err := im.user(ctx, field, pl.UserName)
			if err != nil {
				return false, "", err
			}
			if why != "" {
				// "Name (label)": the user, and the place's label.
				name, label, ok := fhir.CutUserName(pl.UserName)
				if !ok {
					return false, why, nil
				}
				if id, _, err = im.user(ctx, field, name); err != nil || id == "" {
					return false, why, err
				}
				m.Name = label
			}
			m.UserID = id
		}
		if err := m.Validate(); err != nil {
			return false, fmt.Sprintf("participant[%d]: %v", i, err), nil
		}
		places[i] = m
	}
	changed := false
	err := im.db.InTx(ctx, func(tx *store.Tx) error {
		team, err := store.CareTeam(ctx, tx, patientID)
		if err != nil {
			return err
		}
		for _, m := range places {
			i := samePlace(team, m)
			if i < 0 {
				if _, err := store.AddCareTeamMember(ctx, tx, m); err != nil {
					return err
				}
				changed = true
				continue
			}
			if team[i].End.IsZero() && !m.End.IsZero() {
				if _, err := store.EndCareTeamMember(ctx, tx, patientID, team[i].ID, m.End, ""); err != nil {
					return err
				}
				changed = true
			}
		}
		return nil
	})
	return changed, "", err
}

// samePlace returns the index of the place in team that m is, or -1.
func samePlace(team []joinedup.CareTeamMember, m joinedup.CareTeamMember) int {
	for i, t := range team {
		if t.Role == m.Role && t.UserID == m.UserID && t.OrganisationID == m.OrganisationID && t.Start.Equal(m.Start.UTC().Truncate(time.Microsecond)) &&
			(!m.Role.Person() || t.Name == m.Name && t.Relationship == m.Relationship) {
			return i
		}
	}
	return -1
}

// writeDecision stores a tier decision; it becomes the current tier unless
// a later decision is held.
func (im *importer) writeDecision(ctx context.Context, patientID string, d joinedup.TierDecision, p pending) (bool, string, error) {
	d.PatientID = patientID
	by, why, err := im.user(ctx, "author", p.links.Author)
	if err != nil || why != "" {
		return false, why, err
	}
	d.DecidedBy = by
	changed, err := im.insertOnce(ctx, "tier_decisions", patientID, d.ID, func(tx *store.Tx) error {
		return store.SaveDecision(ctx, tx, &d)
	})
	return changed, "", err
}

// insertOnce stores a record in its own transaction unless the patient has
// one with its id in table already; it reports whether it stored it.
func (im *importer) insertOnce(ctx context.Context, table, patientID, id string, write func(tx *store.Tx) error) (bool, error) {
	changed := false
	err := im.db.InTx(ctx, func(tx *store.Tx) error {
		held, err := store.HasRecord(ctx, tx, table, patientID, id)
		if err != nil || held {
			return err
		}
		changed = true
		return write(tx)
	})
	return changed, err
}

// writeTask stores a task with its status, owner and dates as exported.
// Its owner is found here: an organisation not held, or a person who is
// not one user here, rejects it rather than leave it on no one's list.
func (im *importer) writeTask(ctx context.Context, patientID string, t joinedup.Task, p pending) (bool, string, error) {
	t.PatientID = patientID
	if !p.links.Performer.IsZero() {
		if t.AssigneeOrg = im.org(ctx, p.links.Performer); t.AssigneeOrg == "" {
			return false, fmt.Sprintf("owner: organisation %s is not held here", p.links.Performer), nil
		}
	}
	var why string
	var err error
	if t.AssigneeUser, why, err = im.user(ctx, "owner", p.links.Author); err != nil || why != "" {
		return false, why, err
	}
	// A task keeps the event it was raised for, so the worklist rules here
	// do not raise it again; when they already have, it is that task.
	t.Source, t.Version = "import", 1
	if t.DedupeKey == "" {
		t.DedupeKey = "import:" + t.ID
	}
	changed := false
	err = im.db.InTx(ctx, func(tx *store.Tx) error {
		held, err := store.HasRecord(ctx, tx, "tasks", patientID, t.ID)
		if err != nil || held {
			return err
		}
		changed, err = store.RaiseTask(ctx, tx, &t)
		return err
	})
	return changed, "", err
}

// writeConsent stores a consent as recorded by the user who recorded it;
// one whose recorder is not a user here is rejected, as a consent is
// accountable to who took it.
func (im *importer) writeConsent(ctx context.Context, patientID string, c joinedup.Consent, p pending) (bool, string, error) {
	c.PatientID = patientID
	if p.links.Author == "" {
		return false, "performer: missing: who recorded the consent", nil
	}
	var why string
	var err error
	if c.RecordedBy, why, err = im.user(ctx, "performer[0]", p.links.Author); err != nil || why != "" {
		return false, why, err
	}
	changed, err := im.insertOnce(ctx, "consents", patientID, c.ID, func(tx *store.Tx) error {
		_, err := store.RecordConsent(ctx, tx, c)
		return err
	})
	return changed, "", err
}

// writeReferral stores a referral to an organisation, and to a directory
// service, when it is to one, which must be held.
func (im *importer) writeReferral(ctx context.Context, patientID string, r joinedup.Referral, p pending) (bool, string, error) {
	r.PatientID = patientID
	if r.OrganisationID = im.org(ctx, p.links.Performer); r.OrganisationID == "" {
		return false, fmt.Sprintf("performer: organisation %s is not held here", p.links.Performer), nil
	}
	if r.ServiceID != "" {
		s, err := store.GetService(ctx, im.db, r.ServiceID)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
			return false, fmt.Sprintf("performer: HealthcareService/%s is not in the directory here", r.ServiceID), nil
		case err != nil:
			return false, "", err
		case s.OrganisationID != r.OrganisationID:
			return false, fmt.Sprintf("performer: HealthcareService/%s is not provided by %s", r.ServiceID, p.links.Performer), nil
		}
	}
	var why string
	var err error
	if r.CreatedBy, why, err = im.user(ctx, "requester", p.links.Author); err != nil || why != "" {
		return false, why, err
	}
	changed, err := im.insertOnce(ctx, "referrals", patientID, r.ID, func(tx *store.Tx) error {
		_, err := store.AddReferral(ctx, tx, r)
		return err
	})
	return changed, "", err
}

// writeAssessment stores an assessment with the id and time it was made,
// as the patient's current one (assessments are exported oldest first);
// one equal to the patient's current assessment is not stored again.
func (im *importer) writeAssessment(ctx context.Context, patientID string, a fhir.AssessmentRecord) (bool, string, error) {
	a.Assessment.PatientID = patientID
	// An assessment is of a policy version, which is loaded into an
	// installation, not exported: it must be held here.
	if a.Assessment.PolicyVersion == "" {
		return false, "method: missing: the policy version", nil
	}
	if im.care.policies == nil {
		vs, err := store.PolicyVersions(ctx, im.db)
		if err != nil {
			return false, "", err
		}
		im.care.policies = map[string]bool{}
		for _, v := range vs {
			im.care.policies[v.ID] = true
		}
	}
	if !im.care.policies[a.Assessment.PolicyVersion] {
		return false, fmt.Sprintf("method: policy version %q is not held here: load it before importing its assessments", a.Assessment.PolicyVersion), nil
	}
	changed := false
	err := im.db.InTx(ctx, func(tx *store.Tx) error {
		held, err := store.HasRecord(ctx, tx, "assessments", patientID, a.ID)
		if err != nil || held {
			return err
		}
		saved, err := store.SaveAssessments(ctx, tx, []store.AssessmentInput{{Assessment: a.Assessment, ID: a.ID}}, a.Created)
		if err != nil {
			return err
		}
		changed = saved[0].Changed
		return nil
	})
	return changed, "", err
}

// writeService stores a directory service, provided by the directory
// organisation it names (which must be held, and is left as held), unless
// the service held exports the same. A service that differs replaces the
// one held as its next version.
func (im *importer) writeService(ctx context.Context, s joinedup.Service, p pending) (bool, string, error) {
	orgID := im.org(ctx, p.links.Performer)
	if orgID == "" {
		return false, fmt.Sprintf("providedBy: organisation %s is not held here", p.links.Performer), nil
	}
	if im.care.orgs == nil {
		orgs, err := store.Organisations(ctx, im.db)
		if err != nil {
			return false, "", err
		}
		im.care.orgs = map[string]joinedup.Organisation{}
		for _, o := range orgs {
			im.care.orgs[o.ID] = o
		}
	}
	o, ok := im.care.orgs[orgID]
	if !ok || o.ODS == "" && o.Source.System != joinedup.SystemOpenReferral {
		return false, fmt.Sprintf("providedBy: %s is not an organisation of the service directory", p.links.Performer), nil
	}
	s.Organisation.ODS = o.ODS
	if o.Source.System == joinedup.SystemOpenReferral {
		s.Organisation.ID = o.Source.ID
	}
	if s.Organisation.Name == "" {
		s.Organisation.Name = o.Name
	}
	provider := joinedup.Organisation{ODS: o.ODS, Source: joinedup.Source{System: joinedup.SystemOpenReferral, ID: s.Organisation.ID}}
	if store.OrganisationID(provider) != orgID {
		return false, fmt.Sprintf("providedBy: %s is not the directory organisation it would be stored as", p.links.Performer), nil
	}
	changed := false
	err := im.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := store.GetService(ctx, tx, s.ID)
		switch {
		case errors.Is(err, joinedup.ErrNotFound):
		case err != nil:
			return err
		default:
			s.OrganisationID = orgID
			if sameJSON(fhir.FromService(cur), fhir.FromService(s)) {
				return nil
			}
		}
		saved, err := store.PutService(ctx, tx, s, "", time.Now())
		if err != nil {
			return err
		}
		if saved.OrganisationID != orgID {
			return fmt.Errorf("service %s: provided by %s, not %s", s.ID, saved.OrganisationID, orgID)
		}
		// PutService also writes the provider as the directory describes
		// it; here the organisation is as held (as its Organization
		// resource said), which a service does not change.
		if _, err := store.Write(ctx, tx, &store.Batch{Organisations: []joinedup.Organisation{o}}); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if errors.Is(err, joinedup.ErrConflict) || errors.As(err, new(joinedup.FieldErrors)) {
		return false, err.Error(), nil
	}
	return changed, "", err
}

// sameJSON reports whether two resources are written the same.
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// rejectUnclaimedGoals rejects, at the end of an import, the goals whose
// care plan did not come (or was rejected), so every goal read is
// accounted for.
func (im *importer) rejectUnclaimedGoals() {
	if im.care == nil {
		return
	}
	ids := make([]string, 0, len(im.care.goals))
	for id := range im.care.goals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		g := im.care.goals[id]
		im.reject(Reject{File: g.path, Line: g.p.line, Entry: g.p.entry, ResourceType: "Goal", ID: id,
			Reason: fmt.Sprintf("Goal/%s: its care plan (CarePlan/%s) was not imported", id, fhir.PlanOfGoal(id))})
	}
	im.care.goals = map[string]heldGoal{}
}

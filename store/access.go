package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// RelationshipFor works out how user u is linked to the patient at now:
// registration at u's organisation, a current place on the care team (the
// user or the user's organisation), an open referral to u's organisation, a
// place on a recent or coming MDT meeting of u's organisation,
// the patient's consent in force, and an unexpired break-glass grant. A
// patient that does not exist has no relationship with anyone.
func RelationshipFor(ctx context.Context, q Querier, u joinedup.User, patientID string, now time.Time) (joinedup.Relationship, error) {
	var rel joinedup.Relationship
	now = dbTime(now)
	err := q.QueryRowContext(ctx, `SELECT
		COALESCE(p.practice_id = $2, FALSE),
		EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = p.id
			AND (c.user_id = $3 OR c.organisation_id = $2)
			AND c.period_start <= $4 AND (c.period_end IS NULL OR c.period_end > $4)),
		EXISTS (SELECT 1 FROM referrals r WHERE r.patient_id = p.id AND r.organisation_id = $2
			AND r.created_at <= $4 AND (r.closed_at IS NULL OR r.closed_at > $4)),
		EXISTS (SELECT 1 FROM break_glass_grants g WHERE g.patient_id = p.id AND g.user_id = $3
			AND g.granted_at <= $4 AND g.expires_at > $4),
		EXISTS (SELECT 1 FROM mdt_cases mc JOIN mdt_meetings mm ON mm.id = mc.meeting_id WHERE mc.patient_id = p.id
			AND mm.organisation_id = $2 AND mm.starts_at >= $5),
		COALESCE(lc.social_care, FALSE), COALESCE(lc.voluntary, FALSE)
		FROM patients p LEFT JOIN consents lc ON lc.patient_id = p.id AND lc.id = (SELECT c.id FROM consents c WHERE c.patient_id = p.id
			ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1)
		WHERE p.id = $1`,
		patientID, u.OrganisationID, u.ID, now, dbTime(now.Add(-joinedup.MDTCaseAccess))).
		Scan(&rel.Registered, &rel.CareTeam, &rel.Referred, &rel.BreakGlass, &rel.OnMDT, &rel.ConsentSocialCare, &rel.ConsentVoluntary)
	if errors.Is(err, sql.ErrNoRows) {
		return joinedup.Relationship{}, nil
	}
	if err != nil {
		return rel, fmt.Errorf("relationship of %s with patient %s: %w", u.Username, patientID, err)
	}
	if u.OrganisationID == "" {
		// No organisation, so nothing can be registered, referred or
		// discussed there.
		rel.Registered, rel.Referred, rel.OnMDT = false, false, false
	}
	return rel, nil
}

// RecordConsent stores the patient's current sharing decisions; earlier
// records stay as the history.
func RecordConsent(ctx context.Context, q Writer, c joinedup.Consent) (joinedup.Consent, error) {
	if c.ID == "" {
		c.ID = NewID()
	}
	c.RecordedAt = dbTime(c.RecordedAt)
	_, err := q.ExecContext(ctx, `INSERT INTO consents (patient_id, id, social_care, voluntary, note, recorded_by, recorded_at, voluntary_fields)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.PatientID, c.ID, c.SocialCare, c.Voluntary, c.Note, c.RecordedBy, c.RecordedAt,
		strings.Join(c.VoluntaryFields, ","))
	if err != nil {
		return c, fmt.Errorf("record consent for patient %s: %w", c.PatientID, err)
	}
	return c, nil
}

// LatestConsent returns the consent in force for the patient, or
// joinedup.ErrNotFound when none was ever recorded (which shares nothing).
func LatestConsent(ctx context.Context, q Querier, patientID string) (joinedup.Consent, error) {
	c := joinedup.Consent{PatientID: patientID}
	var at nt
	var fields string
	err := q.QueryRowContext(ctx, `SELECT id, social_care, voluntary, note, recorded_by, recorded_at, voluntary_fields FROM consents
		WHERE patient_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1`, patientID).
		Scan(&c.ID, &c.SocialCare, &c.Voluntary, &c.Note, &c.RecordedBy, &at, &fields)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("consent for patient %s: %w", patientID, joinedup.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read consent for patient %s: %w", patientID, err)
	}
	c.RecordedAt, c.VoluntaryFields = at.t(), splitList(fields)
	return c, nil
}

// GrantBreakGlass stores an emergency grant lasting
// joinedup.BreakGlassDuration from now; the reason must pass
// joinedup.CheckBreakGlassReason.
func GrantBreakGlass(ctx context.Context, q Writer, patientID, userID, reason string, now time.Time) (joinedup.BreakGlassGrant, error) {
	if err := joinedup.CheckBreakGlassReason(reason); err != nil {
		return joinedup.BreakGlassGrant{}, err
	}
	g := joinedup.BreakGlassGrant{ID: NewID(), PatientID: patientID, UserID: userID, Reason: reason,
		Granted: dbTime(now), Expires: dbTime(now.Add(joinedup.BreakGlassDuration))}
	_, err := q.ExecContext(ctx, `INSERT INTO break_glass_grants (patient_id, id, user_id, reason, granted_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, g.PatientID, g.ID, g.UserID, g.Reason, g.Granted, g.Expires)
	if err != nil {
		return g, fmt.Errorf("grant break-glass access to patient %s: %w", patientID, err)
	}
	return g, nil
}

// AddReferral stores a referral.
func AddReferral(ctx context.Context, q Writer, r joinedup.Referral) (joinedup.Referral, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.Created = dbTime(r.Created)
	if r.Status == "" {
		r.Status = joinedup.ReferralSent
	}
	if r.Version == 0 {
		r.Version = 1
	}
	_, err := q.ExecContext(ctx, `INSERT INTO referrals (patient_id, id, organisation_id, reason, what_matters, created_by, created_at, closed_at,
		service_id, status, version, shared_fields)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, r.PatientID, r.ID, r.OrganisationID, r.Reason, r.WhatMatters,
		nullString(r.CreatedBy), r.Created, nullTime(dbTime(r.Closed)), nullString(r.ServiceID), string(r.Status), r.Version,
		strings.Join(r.Shared, ","))
	if err != nil {
		return r, fmt.Errorf("add referral for patient %s: %w", r.PatientID, err)
	}
	return r, nil
}

// OpenReferrals returns the patient's referrals to the organisation that are
// open at now, oldest first.
func OpenReferrals(ctx context.Context, q Querier, patientID, organisationID string, now time.Time) ([]joinedup.Referral, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, reason, what_matters, created_by, created_at FROM referrals
		WHERE patient_id = $1 AND organisation_id = $2 AND created_at <= $3 AND (closed_at IS NULL OR closed_at > $3)
		ORDER BY created_at, id`, patientID, organisationID, dbTime(now))
	if err != nil {
		return nil, fmt.Errorf("read referrals of patient %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Referral
	for rows.Next() {
		r := joinedup.Referral{PatientID: patientID, OrganisationID: organisationID}
		var by sql.NullString
		var at nt
		if err := rows.Scan(&r.ID, &r.Reason, &r.WhatMatters, &by, &at); err != nil {
			return nil, fmt.Errorf("read referrals of patient %s: %w", patientID, err)
		}
		r.CreatedBy, r.Created = by.String, at.t()
		out = append(out, r)
	}
	return out, rows.Err()
}

// PracticeCount is the number of patients registered at one practice.
type PracticeCount struct {
	OrganisationID string
	ODS            string
	Name           string
	Patients       int
}

// PatientCountsByPractice counts the patients registered at each practice,
// including practices with none, ordered by name.
func PatientCountsByPractice(ctx context.Context, q Querier) ([]PracticeCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, COALESCE(o.ods, ''), o.name, COUNT(p.id)
		FROM organisations o LEFT JOIN patients p ON p.practice_id = o.id
		WHERE o.kind = $1 GROUP BY o.id, o.ods, o.name ORDER BY o.name, o.id`, string(joinedup.OrgPractice))
	if err != nil {
		return nil, fmt.Errorf("count patients by practice: %w", err)
	}
	defer rows.Close()
	var out []PracticeCount
	for rows.Next() {
		var c PracticeCount
		if err := rows.Scan(&c.OrganisationID, &c.ODS, &c.Name, &c.Patients); err != nil {
			return nil, fmt.Errorf("count patients by practice: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// serviceOrganisation is the organisation row of a service's provider: a
// voluntary organisation known by its Open joinedup.Referral UK id.
func serviceOrganisation(s joinedup.Service) joinedup.Organisation {
	o := joinedup.Organisation{ODS: s.Organisation.ODS, Name: s.Organisation.Name, Kind: joinedup.OrgVoluntary,
		Source: joinedup.Source{System: joinedup.SystemOpenReferral, ID: s.Organisation.ID}}
	o.ID = OrganisationID(o)
	return o
}

// PutService stores a service from an import: created at version 1, or
// replaced as the next version. Its providing organisation is added to
// the organisations (as a voluntary organisation) or renamed. The stored
// service, with OrganisationID and Version set, is returned.
func PutService(ctx context.Context, q Writer, s joinedup.Service, by string, at time.Time) (joinedup.Service, error) {
	cur, err := GetService(ctx, q, s.ID)
	switch {
	case errors.Is(err, joinedup.ErrNotFound):
		return saveService(ctx, q, s, 0, by, at)
	case err != nil:
		return s, err
	}
	return saveService(ctx, q, s, cur.Version, by, at)
}

// SaveService stores an edit of a service made from base, the version the
// editor read (0 for a new service). It returns an error wrapping
// joinedup.ErrConflict when base is no longer current, and changes nothing.
func SaveService(ctx context.Context, q Writer, s joinedup.Service, base int, by string, at time.Time) (joinedup.Service, error) {
	return saveService(ctx, q, s, base, by, at)
}

func saveService(ctx context.Context, q Writer, s joinedup.Service, base int, by string, at time.Time) (joinedup.Service, error) {
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("service %s: %w", s.ID, err)
	}
	if s.Organisation.ID == "" {
		s.Organisation.ID = s.ID + "-organisation"
	}
	o := serviceOrganisation(s)
	if _, err := Write(ctx, q, &Batch{Organisations: []joinedup.Organisation{o}}); err != nil {
		return s, fmt.Errorf("service %s: organisation %s: %w", s.ID, s.Organisation.ID, err)
	}
	s.OrganisationID, s.Version = o.ID, base+1
	doc, err := json.Marshal(s)
	if err != nil {
		return s, fmt.Errorf("service %s: %w", s.ID, err)
	}
	var res sql.Result
	if base == 0 {
		res, err = q.ExecContext(ctx, `INSERT INTO directory_services (id, organisation_id, name, status, document, version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $7) ON CONFLICT (id) DO NOTHING`,
			s.ID, s.OrganisationID, s.Name, s.Status, string(doc), nullString(by), dbTime(at))
	} else {
		res, err = q.ExecContext(ctx, `UPDATE directory_services SET organisation_id = $2, name = $3, status = $4, document = $5,
			version = $6, updated_by = $7, updated_at = $8 WHERE id = $1 AND version = $9`,
			s.ID, s.OrganisationID, s.Name, s.Status, string(doc), s.Version, nullString(by), dbTime(at), base)
	}
	if err != nil {
		return s, fmt.Errorf("save service %s: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return s, fmt.Errorf("service %s changed since version %d: %w", s.ID, base, joinedup.ErrConflict)
	}
	return s, nil
}

func scanService(doc string, version int) (joinedup.Service, error) {
	var s joinedup.Service
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return s, fmt.Errorf("decode service: %w", err)
	}
	s.Version = version
	return s, nil
}

// GetService returns the service with this id.
func GetService(ctx context.Context, q Querier, id string) (joinedup.Service, error) {
	var doc string
	var version int
	err := q.QueryRowContext(ctx, `SELECT document, version FROM directory_services WHERE id = $1`, id).Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return joinedup.Service{}, fmt.Errorf("service %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return joinedup.Service{}, fmt.Errorf("read service %s: %w", id, err)
	}
	return scanService(doc, version)
}

// Services returns every service in the directory, by name. The directory
// is small (hundreds of services), so searches filter it in memory with
// joinedup.Service.Matches.
func Services(ctx context.Context, q Querier) ([]joinedup.Service, error) {
	rows, err := q.QueryContext(ctx, `SELECT document, version FROM directory_services ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("read services: %w", err)
	}
	defer rows.Close()
	var out []joinedup.Service
	for rows.Next() {
		var doc string
		var version int
		if err := rows.Scan(&doc, &version); err != nil {
			return nil, fmt.Errorf("read services: %w", err)
		}
		s, err := scanService(doc, version)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// AddSignpost records that the patient was given information about a
// service.
func AddSignpost(ctx context.Context, q Writer, s joinedup.Signpost) (joinedup.Signpost, error) {
	if s.ID == "" {
		s.ID = NewID()
	}
	s.GivenAt = dbTime(s.GivenAt)
	_, err := q.ExecContext(ctx, `INSERT INTO signposts (patient_id, id, service_id, note, given_by, given_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.PatientID, s.ID, s.ServiceID, s.Note, s.GivenBy, s.GivenAt)
	if err != nil {
		return s, fmt.Errorf("signpost patient %s to service %s: %w", s.PatientID, s.ServiceID, err)
	}
	return s, nil
}

// Signposts returns the patient's signposts, oldest first.
func Signposts(ctx context.Context, q Querier, patientID string) ([]joinedup.Signpost, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, service_id, note, given_by, given_at FROM signposts WHERE patient_id = $1 ORDER BY given_at, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read signposts of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Signpost
	for rows.Next() {
		s := joinedup.Signpost{PatientID: patientID}
		var at nt
		if err := rows.Scan(&s.ID, &s.ServiceID, &s.Note, &s.GivenBy, &at); err != nil {
			return nil, fmt.Errorf("read signposts of %s: %w", patientID, err)
		}
		s.GivenAt = at.t()
		out = append(out, s)
	}
	return out, rows.Err()
}

const referralCols = `patient_id, id, organisation_id, reason, what_matters, created_by, created_at, closed_at,
	service_id, status, version, shared_fields, note, outcome, updated_by, updated_at`

func scanReferral(sc interface{ Scan(...any) error }) (joinedup.Referral, error) {
	var r joinedup.Referral
	var by, svc, upBy sql.NullString
	var at, closed, up nt
	var status, shared string
	if err := sc.Scan(&r.PatientID, &r.ID, &r.OrganisationID, &r.Reason, &r.WhatMatters, &by, &at, &closed,
		&svc, &status, &r.Version, &shared, &r.Note, &r.Outcome, &upBy, &up); err != nil {
		return r, err
	}
	r.CreatedBy, r.Created, r.Closed, r.ServiceID, r.Status = by.String, at.t(), closed.t(), svc.String, joinedup.ReferralStatus(status)
	r.Shared, r.UpdatedBy, r.Updated = splitList(shared), upBy.String, up.t()
	return r, nil
}

func queryReferrals(ctx context.Context, q Querier, what, where string, args ...any) ([]joinedup.Referral, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+referralCols+` FROM referrals WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []joinedup.Referral
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetReferral returns one referral by id (ids are unique across patients).
func GetReferral(ctx context.Context, q Querier, id string) (joinedup.Referral, error) {
	rs, err := queryReferrals(ctx, q, "referral "+id, `id = $1`, id)
	if err != nil {
		return joinedup.Referral{}, err
	}
	if len(rs) == 0 {
		return joinedup.Referral{}, fmt.Errorf("referral %s: %w", id, joinedup.ErrNotFound)
	}
	return rs[0], nil
}

// ReferralsToOrganisation returns the referrals to directory services of
// one organisation, open ones first, newest first.
func ReferralsToOrganisation(ctx context.Context, q Querier, organisationID string) ([]joinedup.Referral, error) {
	return queryReferrals(ctx, q, "referrals to "+organisationID,
		`organisation_id = $1 AND service_id IS NOT NULL ORDER BY CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id`, organisationID)
}

// ServiceReferrals returns the patient's referrals to directory services,
// oldest first.
func ServiceReferrals(ctx context.Context, q Querier, patientID string) ([]joinedup.Referral, error) {
	return queryReferrals(ctx, q, "referrals of "+patientID, `patient_id = $1 AND service_id IS NOT NULL ORDER BY created_at, id`, patientID)
}

// OpenServiceReferrals returns every referral to a directory service that
// is still open, for the stalled-referral check.
func OpenServiceReferrals(ctx context.Context, q Querier) ([]joinedup.Referral, error) {
	return queryReferrals(ctx, q, "open referrals", `service_id IS NOT NULL AND closed_at IS NULL ORDER BY created_at, id`)
}

// UpdateReferral moves a referral as u says, from version (the one the
// user read). A move to a closed status closes the referral, ending the
// service's access to the patient. It returns an error wrapping
// joinedup.ErrConflict when the referral changed since, and joinedup.FieldErrors
// for a move its status does not allow.
func UpdateReferral(ctx context.Context, q Writer, patientID, id string, version int, u joinedup.ReferralUpdate, by string, at time.Time) (joinedup.Referral, error) {
	rs, err := queryReferrals(ctx, q, "referral "+id, `patient_id = $1 AND id = $2`, patientID, id)
	if err != nil {
		return joinedup.Referral{}, err
	}
	if len(rs) == 0 {
		return joinedup.Referral{}, fmt.Errorf("referral %s: %w", id, joinedup.ErrNotFound)
	}
	r := rs[0]
	if r.Version != version {
		return r, fmt.Errorf("referral %s at version %d (now %d): %w", id, version, r.Version, joinedup.ErrConflict)
	}
	if err := joinedup.CheckMove(r.Status, u); err != nil {
		return r, err
	}
	at = dbTime(at)
	var closed any
	if u.Status.Closed() {
		closed, r.Closed = at, at
	}
	if u.Outcome != "" {
		r.Outcome = u.Outcome
	}
	res, err := q.ExecContext(ctx, `UPDATE referrals SET status = $3, version = version + 1, note = $4, outcome = $5, updated_by = $6,
		updated_at = $7, closed_at = COALESCE($8, closed_at) WHERE patient_id = $1 AND id = $2 AND version = $9`,
		patientID, id, string(u.Status), u.Note, r.Outcome, nullString(by), at, closed, version)
	if err != nil {
		return r, fmt.Errorf("update referral %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return r, fmt.Errorf("referral %s changed since version %d: %w", id, version, joinedup.ErrConflict)
	}
	r.Status, r.Version, r.Note, r.UpdatedBy, r.Updated = u.Status, version+1, u.Note, by, at
	return r, nil
}

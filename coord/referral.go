package coord

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// Signpost records that the patient was told about a service.
func (s *Service) Signpost(ctx context.Context, a Actor, patientID, serviceID, note string) (joinedup.Signpost, joinedup.Service, error) {
	var (
		sp  joinedup.Signpost
		svc joinedup.Service
	)
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := joinedup.FieldErrors{}
		var err error
		if svc, err = serviceRef(ctx, tx, fe, serviceID); err != nil {
			return err
		}
		if len(note) > joinedup.MaxText {
			fe["note"] = fmt.Sprintf("is longer than %d characters", joinedup.MaxText)
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		if sp, err = store.AddSignpost(ctx, tx, joinedup.Signpost{PatientID: patientID, ServiceID: svc.ID, Note: strings.TrimSpace(note),
			GivenBy: a.User.ID, GivenAt: a.At}); err != nil {
			return err
		}
		say(e, "signposted to %s", svc.ID)
		return nil
	})
	return sp, svc, err
}

// NoConsentMessage explains a referral refused for want of consent.
const NoConsentMessage = "the patient has not consented to sharing with voluntary organisations: record their consent before referring"

// Refer refers the patient to a directory service, sharing what the
// patient's consent to share with voluntary organisations allows. A
// service that is not active takes no referrals; without consent nothing is
// sent (both joinedup.ErrInvalid, with codes "service_not_active" and
// "no_consent").
func (s *Service) Refer(ctx context.Context, a Actor, patientID, serviceID, reason, whatMatters string) (joinedup.Referral, joinedup.Service, error) {
	var (
		r   joinedup.Referral
		svc joinedup.Service
	)
	err := s.change(ctx, a, joinedup.ActionWritePatient, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := needFull(a); err != nil {
			return err
		}
		fe := joinedup.FieldErrors{}
		var err error
		if svc, err = serviceRef(ctx, tx, fe, serviceID); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			fe["reason"] = "is required: the service needs to know why"
		}
		if len(reason) > joinedup.MaxText || len(whatMatters) > joinedup.MaxText {
			fe["reason"] = fmt.Sprintf("is longer than %d characters", joinedup.MaxText)
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		if svc.Status != "active" {
			return &joinedup.Error{Kind: joinedup.ErrInvalid, Code: "service_not_active", Message: fmt.Sprintf("%s is %s and takes no referrals", svc.Name, svc.Status)}
		}
		consent, err := store.LatestConsent(ctx, tx, patientID)
		if err != nil && !errors.Is(err, joinedup.ErrNotFound) {
			return err
		}
		shared := joinedup.ConsentedFields(consent.Voluntary, consent.VoluntaryFields)
		if len(shared) == 0 {
			return &joinedup.Error{Kind: joinedup.ErrInvalid, Code: "no_consent", Message: NoConsentMessage}
		}
		if r, err = store.AddReferral(ctx, tx, joinedup.Referral{PatientID: patientID, OrganisationID: svc.OrganisationID, ServiceID: svc.ID,
			Reason: strings.TrimSpace(reason), WhatMatters: strings.TrimSpace(whatMatters), Shared: shared, CreatedBy: a.User.ID, Created: a.At}); err != nil {
			return err
		}
		say(e, "referred to %s, sharing %s", svc.ID, strings.Join(shared, ", "))
		return nil
	})
	return r, svc, err
}

// ReferralMove moves a referral along, from the version read.
type ReferralMove struct {
	Version int
	Status  joinedup.ReferralStatus
	Note    string
	Outcome string
}

// UpdateReferral moves one of the patient's referrals to a service on. The
// service (a link worker, seeing the referral share) moves only its own
// organisation's referrals and never cancels one; the referrer may cancel.
// A referral changed since the version read is a conflict.
func (s *Service) UpdateReferral(ctx context.Context, a Actor, patientID, referralID string, m ReferralMove) (joinedup.Referral, error) {
	var r joinedup.Referral
	err := s.change(ctx, a, joinedup.ActionUpdateReferral, patientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		var err error
		r, err = store.GetReferral(ctx, tx, referralID)
		if errors.Is(err, joinedup.ErrNotFound) || err == nil && (r.PatientID != patientID || r.ServiceID == "") {
			return joinedup.NotFound("no such referral")
		}
		if err != nil {
			return err
		}
		if a.Scope != joinedup.ScopeFull && r.OrganisationID != a.User.OrganisationID {
			return joinedup.NotFound("no such referral")
		}
		u := joinedup.ReferralUpdate{Status: m.Status, Note: strings.TrimSpace(m.Note), Outcome: strings.TrimSpace(m.Outcome)}
		if u.Status == joinedup.ReferralCancelled && a.Scope != joinedup.ScopeFull {
			return joinedup.FieldErrors{"status": "only the referrer cancels a referral"}
		}
		r, err = store.UpdateReferral(ctx, tx, patientID, referralID, m.Version, u, a.User.ID, a.At)
		if errors.Is(err, joinedup.ErrConflict) {
			return joinedup.Conflict("the referral was updated by someone else (now version %d); reload it", r.Version)
		}
		if err != nil {
			return err
		}
		say(e, "referral %s now %s", r.ID, r.Status)
		return nil
	})
	return r, err
}

// serviceRef finds the service a request names, noting a missing or
// unknown one in fe.
func serviceRef(ctx context.Context, q store.Querier, fe joinedup.FieldErrors, id string) (joinedup.Service, error) {
	if strings.TrimSpace(id) == "" {
		fe["service_id"] = "is required"
		return joinedup.Service{}, nil
	}
	svc, err := store.GetService(ctx, q, id)
	if errors.Is(err, joinedup.ErrNotFound) {
		fe["service_id"] = "no service with id " + id
		return svc, nil
	}
	return svc, err
}

package coord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
)

// NewUser is a staff account as the administrator asks for it: the
// organisation by ODS code, and a password (empty for an account that signs
// in through OpenID Connect alone).
type NewUser struct {
	Username        string
	DisplayName     string
	Role            joinedup.Role
	OrganisationODS string
	// OrganisationID names the organisation by id, for doors that hold
	// it already.
	OrganisationID string
	Email          string
	OIDCSubject    string
	Password       string
}

// CreateUser adds a staff account. A username already taken is a conflict.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (joinedup.User, error) {
	u := joinedup.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, Email: in.Email, OIDCSubject: in.OIDCSubject}
	err := s.change(ctx, a, joinedup.ActionManageUsers, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		fe := joinedup.FieldErrors{}
		if err := u.Validate(); err != nil {
			field := "username"
			if errors.Is(err, joinedup.ErrRole) {
				field = "role"
			}
			fe[field] = err.Error()
		}
		u.OrganisationID = in.OrganisationID
		var err error
		if in.OrganisationODS != "" {
			if u.OrganisationID, err = orgRef(ctx, tx, fe, "organisation_ods", in.OrganisationODS); err != nil {
				return err
			}
		}
		var hash string
		if in.Password != "" {
			if hash, err = password.Hash(in.Password); err != nil {
				fe["password"] = err.Error()
			}
		}
		if err := fieldsErr(fe); err != nil {
			return err
		}
		if u, err = store.CreateUser(ctx, tx, u, hash, a.At); err != nil {
			if errors.Is(err, joinedup.ErrConflict) {
				return joinedup.Conflict("username %s is already taken", u.Username)
			}
			return err
		}
		say(e, "created %s as %s", u.Username, u.Role)
		return nil
	})
	return u, err
}

// DisableUser stops an account signing in; its history stays.
func (s *Service) DisableUser(ctx context.Context, a Actor, username string) error {
	return s.change(ctx, a, joinedup.ActionManageUsers, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := store.DisableUser(ctx, tx, username); err != nil {
			return err
		}
		say(e, "disabled %s", username)
		return nil
	})
}

// SetPassword sets an account's password.
func (s *Service) SetPassword(ctx context.Context, a Actor, username, pw string) error {
	return s.change(ctx, a, joinedup.ActionManageUsers, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		hash, err := password.Hash(pw)
		if err != nil {
			return joinedup.FieldErrors{"password": err.Error()}
		}
		if err := store.SetPasswordHash(ctx, tx, username, hash); err != nil {
			return err
		}
		say(e, "password of %s set", username)
		return nil
	})
}

// CreateClient registers a system client with the public keys (a JWKS)
// its assertions are signed with.
func (s *Service) CreateClient(ctx context.Context, a Actor, c joinedup.Client, jwks string) (joinedup.Client, error) {
	err := s.change(ctx, a, joinedup.ActionManageUsers, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		var err error
		if c, err = store.CreateClient(ctx, tx, c, jwks, a.At); err != nil {
			return err
		}
		say(e, "registered client %s (%s)", c.Name, c.ID)
		return nil
	})
	return c, err
}

// SaveService adds a directory service (base 0) or edits one from the
// version read. A service edited meanwhile is a conflict; the service as
// it now is comes back with the error, for the editor to merge with.
func (s *Service) SaveService(ctx context.Context, a Actor, svc joinedup.Service, base int) (saved, current joinedup.Service, err error) {
	err = s.change(ctx, a, joinedup.ActionManageDirectory, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		var err error
		saved, err = store.SaveService(ctx, tx, svc, base, a.User.ID, a.At)
		if errors.Is(err, joinedup.ErrConflict) {
			if cur, gerr := store.GetService(ctx, tx, svc.ID); gerr == nil {
				current = cur
				return joinedup.Conflict("the service was changed by someone else (now version %d); reload it and edit again", cur.Version)
			}
			return joinedup.Conflict("a service with this id already exists")
		}
		if err != nil {
			return err
		}
		say(e, "service %s version %d", saved.ID, saved.Version)
		return nil
	})
	return saved, current, err
}

// ImportDirectory validates the Open Referral UK document in r and stores
// its services in one transaction: a document with any problem changes
// nothing.
func (s *Service) ImportDirectory(ctx context.Context, a Actor, r io.Reader) (*directory.Document, error) {
	doc, err := directory.Parse(r)
	if err != nil {
		return nil, err
	}
	err = s.change(ctx, a, joinedup.ActionManageDirectory, "", func(tx *store.Tx, e *joinedup.AuditEntry) error {
		saved := make([]string, len(doc.Services))
		for i, svc := range doc.Services {
			s, err := store.PutService(ctx, tx, svc, a.User.ID, a.At)
			if err != nil {
				return err
			}
			saved[i] = fmt.Sprintf("service %s version %d", s.ID, s.Version)
		}
		say(e, "%s", strings.Join(saved, "; "))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import directory: %w", err)
	}
	return doc, nil
}

// RecordLetters records letters written to patients, each with the hash of
// its file, and an audit entry for each patient, in one transaction.
func (s *Service) RecordLetters(ctx context.Context, a Actor, recs []*store.LetterRecord) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		es := make([]joinedup.AuditEntry, 0, len(recs))
		for _, r := range recs {
			if err := store.RecordLetter(ctx, tx, r); err != nil {
				return err
			}
			e := a.entry(joinedup.ActionWritePatient, r.PatientID)
			e.Outcome = joinedup.OutcomeAllowed
			say(&e, "%s letter %s", r.Kind, r.ID)
			es = append(es, e)
		}
		return store.AppendAudits(ctx, tx, es)
	})
}

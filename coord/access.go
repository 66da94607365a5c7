package coord

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
)

// Sign-in, sessions and system clients' access tokens: the changes that
// decide who is acting at all. A session or access token is a random
// secret handed to the browser or client once; the database keeps only its
// SHA-256 (TokenHash), so a copy of the database opens no session.

// NewToken returns 256 random bits, URL-safe.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("coord: no randomness: %v", err)) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is what the database keeps instead of a token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Lockout is how many failed sign-ins in a row lock a username, and for how
// long.
type Lockout struct {
	Threshold int
	Period    time.Duration
}

// LockedError is a sign-in refused because the username is locked until
// Until.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "too many failed attempts; try again after " + e.Until.Format("15:04 UTC")
}

// Unwrap makes a lock-out a joinedup.ErrForbidden.
func (e *LockedError) Unwrap() error { return joinedup.ErrForbidden }

// ErrWrongPassword is a sign-in refused for a wrong username or password, or
// a disabled account: the message says no more, so it reveals nothing about
// which usernames exist.
var ErrWrongPassword = &joinedup.Error{Kind: joinedup.ErrUnauthenticated, Code: "wrong_password",
	Message: "the username or password is wrong, or the account is disabled"}

// SignIn checks a username and password and starts a session, returning its
// token. After lock.Threshold failures in a row the username is locked for
// lock.Period, whether or not it exists, so lock-out reveals nothing about
// which usernames do.
func (s *Service) SignIn(ctx context.Context, username, pw string, at time.Time, lock Lockout) (string, joinedup.User, error) {
	failures, last, err := store.RecentFailures(ctx, s.db, username, at.Add(-lock.Period))
	if err != nil {
		return "", joinedup.User{}, err
	}
	if failures >= lock.Threshold && at.Before(last.Add(lock.Period)) {
		s.log.Warn("sign-in refused: locked", "username", username)
		return "", joinedup.User{}, &LockedError{Until: last.Add(lock.Period)}
	}
	u, hash, err := store.UserByUsername(ctx, s.db, username)
	ok := false
	switch {
	case errors.Is(err, joinedup.ErrNotFound) || (err == nil && hash == ""):
		password.VerifyDummy(pw)
	case err != nil:
		return "", joinedup.User{}, err
	default:
		if ok, err = password.Verify(hash, pw); err != nil {
			s.log.Error("stored password hash unreadable", "username", username, "err", err)
		}
		ok = ok && !u.Disabled
	}
	var token string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := store.RecordSignInAttempt(ctx, tx, username, ok, at); err != nil || !ok {
			return err
		}
		token = NewToken()
		return store.CreateSession(ctx, tx, TokenHash(token), u.ID, at)
	})
	switch {
	case err != nil:
		return "", joinedup.User{}, err
	case !ok:
		s.log.Warn("sign-in failed", "username", username)
		return "", joinedup.User{}, ErrWrongPassword
	}
	s.log.Info("signed in", "username", u.Username, "method", "password")
	return token, u, nil
}

// SignInAs starts a session for a user an identity provider vouched for
// (OpenID Connect), returning its token.
func (s *Service) SignInAs(ctx context.Context, u joinedup.User, method string, at time.Time) (string, error) {
	token := NewToken()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := store.RecordSignInAttempt(ctx, tx, u.Username, true, at); err != nil {
			return err
		}
		return store.CreateSession(ctx, tx, TokenHash(token), u.ID, at)
	})
	if err != nil {
		return "", err
	}
	s.log.Info("signed in", "username", u.Username, "method", method)
	return token, nil
}

// Timeouts end a session after Idle without a request, or Absolute after
// sign-in however active.
type Timeouts struct {
	Idle, Absolute time.Duration
}

// Session returns the user of a live session: not idle longer than
// t.Idle, not older than t.Absolute, its user not disabled. A session found
// expired is ended (ok false). A live session's idle timer restarts, at
// most once a minute (or once per thirtieth of the idle timeout), sparing a
// write per request: an idle session ends up to that much sooner, never
// later.
func (s *Service) Session(ctx context.Context, token string, at time.Time, t Timeouts) (u joinedup.User, ok bool, err error) {
	h := TokenHash(token)
	sess, u, err := store.SessionUser(ctx, s.db, h)
	if errors.Is(err, joinedup.ErrNotFound) {
		return joinedup.User{}, false, nil
	}
	if err != nil {
		return joinedup.User{}, false, err
	}
	if at.Sub(sess.LastSeen) >= t.Idle || at.Sub(sess.Created) >= t.Absolute {
		if err := s.SignOut(ctx, token); err != nil {
			return joinedup.User{}, false, err
		}
		s.log.Info("session expired", "user_id", sess.UserID)
		return joinedup.User{}, false, nil
	}
	if u.Disabled {
		return joinedup.User{}, false, nil
	}
	if at.Sub(sess.LastSeen) >= min(time.Minute, t.Idle/30) {
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { return store.TouchSession(ctx, tx, h, at) }); err != nil {
			return joinedup.User{}, false, err
		}
	}
	return u, true, nil
}

// SignOut ends the session of token, if it has one.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return store.DeleteSession(ctx, tx, TokenHash(token)) })
}

// ErrAssertionUsed is a client assertion presented a second time: each is
// good for one access token.
var ErrAssertionUsed = joinedup.Conflict("the assertion was used before")

// IssueToken records the client's assertion (jti, good until expires) as
// used and issues an access token for scopes, returning it. An assertion
// used before gets ErrAssertionUsed and no token.
func (s *Service) IssueToken(ctx context.Context, c joinedup.Client, jti string, expires time.Time, scopes []string, at time.Time, lifetime time.Duration) (string, error) {
	token := NewToken()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := store.UseAssertion(ctx, tx, c.ID, jti, expires, at); errors.Is(err, joinedup.ErrConflict) {
			return ErrAssertionUsed
		} else if err != nil {
			return err
		}
		return store.CreateAccessToken(ctx, tx, TokenHash(token), c.ID, scopes, at, at.Add(lifetime))
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

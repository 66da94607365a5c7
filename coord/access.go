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

// SignInAttempt is one attempt to sign in with a password: the username
// and password typed, the address of the client it came from (as the web
// server counts clients), and when.
type SignInAttempt struct {
	Username, Password string
	Client             string
	At                 time.Time
}

// SignIn checks a username and password and starts a session, returning its
// token. Before the password is checked the attempt must pass the gate's
// limits on attempts per username and per client address (else a
// ThrottledError), and be counted against the username's lock-out in the
// database (else a LockedError: after g's lock-out threshold of failures in
// a row the username is locked for its period, whether or not it exists, so
// lock-out reveals nothing about which usernames do, and the right password
// does not open it). The check then waits briefly for one of the gate's
// password checks, and is refused as busy (a ThrottledError) if none comes
// free. An attempt counts towards the lock-out from the moment it is
// claimed, so one refused as busy counts as a failure: a flood that keeps
// every check busy still locks the username it is aimed at.
//
// Every attempt is logged with its username and client address, and every
// attempt whose password was checked is recorded (store.RecordSignInAttempt).
func (s *Service) SignIn(ctx context.Context, g *SignInGate, a SignInAttempt) (string, joinedup.User, error) {
	lim := g.Limits()
	who := []any{"username", a.Username, "client", a.Client}
	if which, wait, ok := g.allow(a); !ok {
		s.log.Warn("sign-in refused: rate limited", append(who, "limit", which)...)
		return "", joinedup.User{}, &ThrottledError{Retry: wait}
	}
	var (
		claimed bool
		until   time.Time
	)
	err := s.db.InTx(ctx, func(tx *store.Tx) (err error) {
		claimed, until, err = store.ClaimSignIn(ctx, tx, a.Username, a.At, lim.Lockout.Threshold, lim.Lockout.Period)
		return err
	})
	if err != nil {
		return "", joinedup.User{}, err
	}
	if !claimed {
		s.log.Warn("sign-in refused: locked", who...)
		return "", joinedup.User{}, &LockedError{Until: until}
	}
	u, hash, err := store.UserByUsername(ctx, s.db, a.Username)
	if err != nil && !errors.Is(err, joinedup.ErrNotFound) {
		return "", joinedup.User{}, err
	}
	release, err := g.acquire(ctx)
	if err != nil {
		if errors.Is(err, errBusy) {
			s.log.Warn("sign-in refused: busy", who...)
			return "", joinedup.User{}, &ThrottledError{Busy: true, Retry: lim.HashWait}
		}
		return "", joinedup.User{}, err
	}
	ok := false
	g.check(func() {
		if hash == "" { // no such user, or no password
			password.VerifyDummy(a.Password)
			return
		}
		var err error
		if ok, err = password.Verify(hash, a.Password); err != nil {
			s.log.Error("stored password hash unreadable", "username", a.Username, "err", err)
		}
		ok = ok && !u.Disabled
	})
	release()
	var token string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := store.RecordSignInAttempt(ctx, tx, a.Username, ok, a.At); err != nil || !ok {
			return err
		}
		if err := store.ResetSignInFailures(ctx, tx, a.Username); err != nil {
			return err
		}
		token = NewToken()
		return store.CreateSession(ctx, tx, TokenHash(token), u.ID, a.At)
	})
	switch {
	case err != nil:
		return "", joinedup.User{}, err
	case !ok:
		s.log.Warn("sign-in failed", who...)
		return "", joinedup.User{}, ErrWrongPassword
	}
	g.refund(a)
	s.log.Info("signed in", "username", u.Username, "client", a.Client, "method", "password")
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

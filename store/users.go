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

// dbTime is how every access timestamp is stored: UTC, to the microsecond,
// which both engines keep exactly, so a value read back equals the value
// written (the audit chain depends on it).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

const userCols = "id, username, display_name, role, organisation_id, email, oidc_subject, disabled"

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (joinedup.User, error) {
	var (
		u                joinedup.User
		role             string
		org, email, subj sql.NullString
	)
	err := sc.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &role, &org, &email, &subj, &u.Disabled}, extra...)...)
	u.Role, u.OrganisationID, u.Email, u.OIDCSubject = joinedup.Role(role), org.String, email.String, subj.String
	return u, err
}

// CreateUser stores a new account; passwordHash is empty for an account
// that signs in only through OpenID Connect. It gives the user an id when
// it has none and returns the stored user.
func CreateUser(ctx context.Context, q Writer, u joinedup.User, passwordHash string, now time.Time) (joinedup.User, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.ID == "" {
		u.ID = NewID()
	}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE username = $1", u.Username).Scan(&n); err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	if n > 0 {
		return u, fmt.Errorf("username %s is already taken: %w", u.Username, joinedup.ErrConflict)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, username, display_name, role, organisation_id, email, oidc_subject,
		password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.ID, u.Username, u.DisplayName, string(u.Role), nullString(u.OrganisationID), nullString(u.Email),
		nullString(u.OIDCSubject), nullString(passwordHash), u.Disabled, dbTime(now))
	if err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return u, nil
}

// GetUser returns the user with the given id.
func GetUser(ctx context.Context, q Querier, id string) (joinedup.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %s: %w", id, err)
	}
	return u, nil
}

// DisplayNames maps each of the given user ids that exists to its display
// name.
func DisplayNames(ctx context.Context, q Querier, ids []string) (map[string]string, error) {
	return namesByID(ctx, q, "users", "display_name", ids)
}

// OrganisationNames maps each of the given organisation ids that exists to
// its name: what a page needs of the organisations it mentions, rather
// than every organisation.
func OrganisationNames(ctx context.Context, q Querier, ids []string) (map[string]string, error) {
	return namesByID(ctx, q, "organisations", "name", ids)
}

// namesByID reads the column name of the rows of table (a constant, never
// input) whose id is one of ids.
func namesByID(ctx context.Context, q Querier, table, name string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := inChunks(q.engine(), ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, "SELECT id, "+name+" FROM "+table+" WHERE id "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, n string
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read %s names: %w", table, err)
	}
	return out, nil
}

// UserByUsername returns the user with the given username and its password
// hash ("" when it has none).
func UserByUsername(ctx context.Context, q Querier, username string) (joinedup.User, string, error) {
	var hash sql.NullString
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+", password_hash FROM users WHERE username = $1", username), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", fmt.Errorf("user %s: %w", username, joinedup.ErrNotFound)
	}
	if err != nil {
		return u, "", fmt.Errorf("read user %s: %w", username, err)
	}
	return u, hash.String, nil
}

// UserByOIDC returns the pre-provisioned account an OpenID Connect sign-in
// belongs to: the one whose subject matches, else the one whose email does.
// There is no sign-up: no matching account is joinedup.ErrNotFound.
func UserByOIDC(ctx context.Context, q Querier, subject, email string) (joinedup.User, error) {
	if subject != "" {
		u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE oidc_subject = $1", subject))
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return u, fmt.Errorf("read user by OpenID subject: %w", err)
		}
	}
	if email = strings.ToLower(strings.TrimSpace(email)); email != "" {
		u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE email = $1", email))
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return u, fmt.Errorf("read user by email: %w", err)
		}
	}
	return joinedup.User{}, fmt.Errorf("user for OpenID sign-in: %w", joinedup.ErrNotFound)
}

// ListUsers returns every account, ordered by username.
func ListUsers(ctx context.Context, q Querier) ([]joinedup.User, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []joinedup.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DisableUser disables an account and ends its sessions, so a leaver loses
// access at once rather than when their session expires.
func DisableUser(ctx context.Context, q Writer, username string) error {
	var id string
	err := q.QueryRowContext(ctx, "UPDATE users SET disabled = TRUE WHERE username = $1 RETURNING id", username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("disable user %s: %w", username, joinedup.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("disable user %s: %w", username, err)
	}
	if _, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
		return fmt.Errorf("end sessions of %s: %w", username, err)
	}
	return nil
}

// Session is a signed-in user's server-side session.
type Session struct {
	TokenHash string
	UserID    string
	Created   time.Time
	LastSeen  time.Time
}

// CreateSession stores a new session under the hash of its token.
func CreateSession(ctx context.Context, q Writer, tokenHash, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
		tokenHash, userID, dbTime(now))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns the session stored under tokenHash.
func GetSession(ctx context.Context, q Querier, tokenHash string) (Session, error) {
	s := Session{TokenHash: tokenHash}
	var created, seen nt
	err := q.QueryRowContext(ctx, "SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1", tokenHash).
		Scan(&s.UserID, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session: %w", joinedup.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", err)
	}
	s.Created, s.LastSeen = created.t(), seen.t()
	return s, nil
}

// SessionUser returns the session stored under tokenHash and its user, in
// one query: what every signed-in request reads first.
func SessionUser(ctx context.Context, q Querier, tokenHash string) (Session, joinedup.User, error) {
	s := Session{TokenHash: tokenHash}
	var created, seen nt
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT u."+strings.ReplaceAll(userCols, ", ", ", u.")+`, s.created_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash), &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, u, fmt.Errorf("session: %w", joinedup.ErrNotFound)
	}
	if err != nil {
		return s, u, fmt.Errorf("read session: %w", err)
	}
	s.UserID, s.Created, s.LastSeen = u.ID, created.t(), seen.t()
	return s, u, nil
}

// TouchSession records activity on a session, restarting its idle timer.
func TouchSession(ctx context.Context, q Writer, tokenHash string, now time.Time) error {
	if _, err := q.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", dbTime(now), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func DeleteSession(ctx context.Context, q Writer, tokenHash string) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// RecordSignInAttempt notes one attempt to sign in as username.
func RecordSignInAttempt(ctx context.Context, q Writer, username string, succeeded bool, now time.Time) error {
	_, err := q.ExecContext(ctx, "INSERT INTO sign_in_attempts (id, username, at, succeeded) VALUES ($1, $2, $3, $4)",
		NewID(), username, dbTime(now), succeeded)
	if err != nil {
		return fmt.Errorf("record sign-in attempt: %w", err)
	}
	return nil
}

// ClaimSignIn counts an attempt to sign in as username against its
// lock-out before the password is checked: as a failure, until
// ResetSignInFailures says it succeeded. It is refused (claimed false, with
// the moment the lock ends) when threshold attempts in a row have failed,
// the latest less than period before now; a refused attempt is not counted,
// so it does not make the lock last longer. Failures count in a row while
// each comes within period of the one before.
//
// The check and the count are one statement, an upsert whose update applies
// only while the username is not locked, so of any number of attempts made
// at once at most threshold are claimed, on both engines.
func ClaimSignIn(ctx context.Context, q Writer, username string, now time.Time, threshold int, period time.Duration) (bool, time.Time, error) {
	now = dbTime(now)
	stale := dbTime(now.Add(-period))
	var failures int
	err := q.QueryRowContext(ctx, `INSERT INTO sign_in_lockouts (username, failures, last_at) VALUES ($1, 1, $2)
		ON CONFLICT (username) DO UPDATE SET
			failures = CASE WHEN sign_in_lockouts.last_at <= $3 THEN 1 ELSE sign_in_lockouts.failures + 1 END,
			last_at = $2
		WHERE sign_in_lockouts.failures < $4 OR sign_in_lockouts.last_at <= $3
		RETURNING failures`, username, now, stale, threshold).Scan(&failures)
	if err == nil {
		return true, time.Time{}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, fmt.Errorf("claim a sign-in attempt: %w", err)
	}
	var last nt
	if err := q.QueryRowContext(ctx, "SELECT last_at FROM sign_in_lockouts WHERE username = $1", username).Scan(&last); err != nil {
		return false, time.Time{}, fmt.Errorf("read a sign-in lock-out: %w", err)
	}
	return false, last.t().Add(period), nil
}

// ResetSignInFailures records a successful sign-in as username: the
// failures before it no longer count towards a lock-out.
func ResetSignInFailures(ctx context.Context, q Writer, username string) error {
	if _, err := q.ExecContext(ctx, "UPDATE sign_in_lockouts SET failures = 0 WHERE username = $1", username); err != nil {
		return fmt.Errorf("reset sign-in failures: %w", err)
	}
	return nil
}

// SetPasswordHash replaces a local account's password hash.
func SetPasswordHash(ctx context.Context, q Writer, username, hash string) error {
	res, err := q.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE username = $2", hash, username)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set password of %s: %w", username, joinedup.ErrNotFound)
	}
	return nil
}

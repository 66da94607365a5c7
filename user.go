package joinedup

import (
	"errors"
	"fmt"
	"strings"
)

// User is a member of staff who signs in to JoinedUp. Every user belongs to
// one organisation (a practice, trust, social-care provider, voluntary
// organisation or the LCN) and holds one role; together they decide what the
// user may see.
type User struct {
	ID             string
	Username       string
	DisplayName    string
	Role           Role
	OrganisationID string // Organisation.ID; empty for staff not tied to one
	Email          string // matched against the OpenID Connect email claim
	OIDCSubject    string // matched against the OpenID Connect sub claim
	Disabled       bool
}

// Errors returned by User.Validate.
var (
	ErrUsername = errors.New("a username is 3 to 64 letters, digits, dots, dashes, underscores or @")
	ErrRole     = errors.New("unknown role")
)

// Validate checks what a user must have before it is stored.
func (u User) Validate() error {
	if n := len(u.Username); n < 3 || n > 64 || strings.IndexFunc(u.Username, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r))
	}) >= 0 {
		return fmt.Errorf("user %q: %w", u.Username, ErrUsername)
	}
	if !u.Role.Valid() {
		return fmt.Errorf("user %q: %w %q", u.Username, ErrRole, u.Role)
	}
	if strings.TrimSpace(u.DisplayName) == "" {
		return fmt.Errorf("user %q: a display name is required", u.Username)
	}
	return nil
}

// Package password hashes and checks staff passwords with argon2id, storing
// each hash as a PHC-format string that carries its own parameters, so the
// parameters can be raised later without invalidating existing hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// Default follows the OWASP recommendation for argon2id (19 MiB, 2 passes,
// 1 thread), which keeps a sign-in well under 100 ms on a server.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrFormat is returned by Verify for a stored hash it cannot read.
var ErrFormat = errors.New("not an argon2id PHC string")

// MinLength is the shortest password accepted.
const MinLength = 12

// ErrTooShort is returned by Hash for a password shorter than MinLength.
var ErrTooShort = fmt.Errorf("a password has at least %d characters", MinLength)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of pw under the Default parameters:
// $argon2id$v=19$m=…,t=…,p=…$salt$key.
func Hash(pw string) (string, error) {
	return HashWith(pw, Default)
}

// HashWith is Hash with chosen parameters (tests use cheap ones).
func HashWith(pw string, p Params) (string, error) {
	if len([]rune(pw)) < MinLength {
		return "", ErrTooShort
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the stored PHC string, comparing in
// constant time so the comparison leaks nothing about the hash.
func Verify(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("%w: version %q", ErrFormat, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("%w: parameters %q", ErrFormat, parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("%w: salt: %v", ErrFormat, err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return false, fmt.Errorf("%w: key", ErrFormat)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummy is a valid hash of no real password, so signing in as an unknown
// user costs the same time as a wrong password and does not reveal which
// usernames exist.
var dummy, _ = Hash("no account has this password")

// VerifyDummy spends the time a Verify takes, for unknown usernames.
func VerifyDummy(pw string) {
	_, _ = Verify(dummy, pw)
}

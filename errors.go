package joinedup

import (
	"errors"
	"fmt"
)

// The kinds of failure every door reports the same way. A page, the JSON
// API, FHIR and the command line each turn a kind into their own shape in
// one place (an HTTP status, an error page, an OperationOutcome, an exit
// code), so what a failure means never depends on the door it came through.
// Test for a kind with errors.Is.
var (
	// ErrInvalid: the input breaks a rule; FieldErrors names each field.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: what was named does not exist (or is not the caller's
	// to know of).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the record changed since the version the caller read,
	// or the change clashes with what is held (a username taken, a step
	// already taken); nothing was written over anyone's work.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no one is signed in.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrGone: it existed, and is no longer available.
	ErrGone = errors.New("gone")
)

// Error is a failure of one of the kinds above, with a message a person can
// act on.
type Error struct {
	Kind error // ErrInvalid, ErrNotFound, …
	// Code is a short name a program can act on where the kind alone is
	// not enough ("no_consent"); empty means the kind's own.
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is find the kind.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args []any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid is an ErrInvalid with no one field to blame (a body that is not
// JSON); prefer FieldErrors when there is.
func Invalid(format string, args ...any) error { return newError(ErrInvalid, format, args) }

// NotFound is an ErrNotFound.
func NotFound(format string, args ...any) error { return newError(ErrNotFound, format, args) }

// Conflict is an ErrConflict.
func Conflict(format string, args ...any) error { return newError(ErrConflict, format, args) }

// Forbidden is an ErrForbidden.
func Forbidden(format string, args ...any) error { return newError(ErrForbidden, format, args) }

// Unauthenticated is an ErrUnauthenticated.
func Unauthenticated(format string, args ...any) error {
	return newError(ErrUnauthenticated, format, args)
}

// Gone is an ErrGone.
func Gone(format string, args ...any) error { return newError(ErrGone, format, args) }

// Is makes FieldErrors an ErrInvalid.
func (e FieldErrors) Is(target error) bool { return target == ErrInvalid }

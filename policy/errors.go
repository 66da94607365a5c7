package policy

import (
	"strconv"
	"strings"
)

// Error is one problem in a policy, located by file, line and rule.
type Error struct {
	File string // relative to the policy folder
	Line int    // 0 when the problem is with the file as a whole
	Rule string // e.g. `tier rule "red-admissions"`; empty for top-level problems
	Msg  string
}

// Error formats the problem as file:line: rule: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Rule != "" {
		b.WriteString(e.Rule + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem Load found, in the order found.
type ErrorList []*Error

// Error joins the problems one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors stops a badly broken file from producing pages of errors.
const maxErrors = 50

package policy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/joinedup/joinedup"
)

// CodeList is one code list file of a policy: a set of (system, code) pairs
// with their terms, such as an NHS Digital QOF cluster.
type CodeList struct {
	ID    int    // index in Policy.CodeLists, and the bit it sets in a ListSet
	Path  string // relative to the policy folder, with forward slashes
	Codes []joinedup.Coding
}

// codeKey is a map key built from two strings without concatenating them, so
// that looking a fact's coding up allocates nothing.
type codeKey struct{ system, code string }

// parseCodeList reads a CSV with the header system,code,term. Errors name the
// file and line, because an LCN edits these files by hand.
func parseCodeList(path string, r io.Reader) ([]joinedup.Coding, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &Error{File: path, Line: 1, Msg: "empty code list, want the header system,code,term"}
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if len(head) != 3 || head[0] != "system" || head[1] != "code" || head[2] != "term" {
		return nil, &Error{File: path, Line: 1, Msg: fmt.Sprintf("header is %q, want system,code,term", strings.Join(head, ","))}
	}
	var out []joinedup.Coding
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{File: path, Msg: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("%d fields, want 3 (system,code,term)", len(rec))}
		}
		sys, code := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if sys == "" || code == "" {
			return nil, &Error{File: path, Line: line, Msg: "system and code are required"}
		}
		out = append(out, joinedup.Coding{System: sys, Code: code, Display: strings.TrimSpace(rec[2])})
	}
	if len(out) == 0 {
		return nil, &Error{File: path, Msg: "no codes"}
	}
	return out, nil
}

// ListSet is a set of code list ids, as a bitset, so asking whether a fact
// belongs to any of a rule's lists is a few word operations.
type ListSet []uint64

func (s *ListSet) add(id int) {
	for len(*s) <= id/64 {
		*s = append(*s, 0)
	}
	(*s)[id/64] |= 1 << (id % 64)
}

// Has reports whether list id is in the set.
func (s ListSet) Has(id int32) bool {
	w := int(id) / 64
	return w < len(s) && s[w]&(1<<(uint(id)%64)) != 0
}

// Any reports whether any of ids is in the set.
func (s ListSet) Any(ids []int32) bool {
	for _, id := range ids {
		if s.Has(id) {
			return true
		}
	}
	return false
}

// Empty reports whether the set has no lists.
func (s ListSet) Empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// Match returns the first coding of cs that is in one of the set's lists, so
// evidence can name the code that matched rather than the fact's first code.
func (p *Policy) Match(s ListSet, cs joinedup.Codings) (joinedup.Coding, bool) {
	for _, c := range cs {
		if s.Any(p.index[codeKey{c.System, c.Code}]) {
			return c, true
		}
	}
	return joinedup.Coding{}, false
}

// ListsOf appends to buf the ids of the code lists that hold any of cs, and
// returns it. It does not allocate when buf has room.
func (p *Policy) ListsOf(buf []int32, cs joinedup.Codings) []int32 {
	for _, c := range cs {
		buf = append(buf, p.index[codeKey{c.System, c.Code}]...)
	}
	return buf
}

// In reports whether any of cs is in one of the set's lists.
func (p *Policy) In(s ListSet, cs joinedup.Codings) bool {
	for _, c := range cs {
		if s.Any(p.index[codeKey{c.System, c.Code}]) {
			return true
		}
	}
	return false
}

// InCoding reports whether one coding is in one of the set's lists.
func (p *Policy) InCoding(s ListSet, c joinedup.Coding) bool {
	return s.Any(p.index[codeKey{c.System, c.Code}])
}

package model

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem found in a configuration: where it is, what it is
// about, and what is wrong. Its text is "POS: SUBJECT: MESSAGE", with POS a
// "file:line" for the file source.
type Error struct {
	Pos     string
	Subject string
	Message string
}

func (e *Error) Error() string {
	if e.Subject == "" {
		return e.Pos + ": " + e.Message
	}
	return e.Pos + ": " + e.Subject + ": " + e.Message
}

// problems collects every problem of a configuration, so that a user sees
// all of them at once.
type problems struct {
	errs []*Error
}

func (p *problems) add(pos, subject, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Subject: subject, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems joined and sorted by position, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return ComparePos(a.Pos, b.Pos) })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// ComparePos orders positions "file:line" by file, then by line number.
func ComparePos(a, b string) int {
	fa, la := splitPos(a)
	fb, lb := splitPos(b)
	return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb))
}

func splitPos(pos string) (string, int) {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return pos, 0
	}
	line, err := strconv.Atoi(pos[i+1:])
	if err != nil {
		return pos, 0
	}
	return pos[:i], line
}

// Errors flattens an error returned by Validate (or by a source) into the
// list of problems it holds.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	return []error{err}
}

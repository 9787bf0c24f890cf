// Package percent parses the percentages Graylane's APIs write traffic
// shares in: a number from 0 to 100 with at most two decimals, read
// exactly, without going through a float.
package percent

import (
	"errors"
	"strconv"
	"strings"
)

// Full is 100%, in hundredths of a percent.
const Full = 10000

// ErrFormat reports a share that is not a percentage with at most two
// decimals between 0 and 100.
var ErrFormat = errors.New("must be a number from 0 to 100 with at most 2 decimals")

// Parse parses a percentage such as "10", "12.5" or "0.25" into
// hundredths of a percent; the error is ErrFormat.
func Parse(s string) (uint32, error) {
	whole, frac, hasFrac := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || !digits(whole) || !digits(frac) {
		return 0, ErrFormat
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil || w > 100 {
		return 0, ErrFormat
	}
	hundredths := uint64(0)
	if frac != "" {
		hundredths, _ = strconv.ParseUint(frac+strings.Repeat("0", 2-len(frac)), 10, 32)
	}
	if total := w*100 + hundredths; total <= Full {
		return uint32(total), nil
	}
	return 0, ErrFormat
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

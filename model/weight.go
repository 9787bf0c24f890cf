package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Weight is a share of traffic in hundredths of a percent: 10000 is all of
// it. Configuration writes it as a percentage with at most two decimals.
type Weight uint32

// WeightFull is 100%.
const WeightFull Weight = 10000

// ErrWeightFormat reports a weight that is not a percentage with at most two
// decimals between 0 and 100.
var ErrWeightFormat = errors.New("must be a number from 0 to 100 with at most 2 decimals")

// ParseWeight parses a percentage such as "10", "12.5" or "0.25".
func ParseWeight(s string) (Weight, error) {
	whole, frac, hasFrac := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%s %w", Quote(s), ErrWeightFormat)
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil || w > 100 {
		return 0, fmt.Errorf("%s %w", Quote(s), ErrWeightFormat)
	}
	hundredths := uint64(0)
	if frac != "" {
		f, _ := strconv.ParseUint(frac+strings.Repeat("0", 2-len(frac)), 10, 32)
		hundredths = f
	}
	total := Weight(w*100 + hundredths)
	if total > WeightFull {
		return 0, fmt.Errorf("%s %w", Quote(s), ErrWeightFormat)
	}
	return total, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String formats the weight as a percentage without trailing zeros.
func (w Weight) String() string {
	s := fmt.Sprintf("%d.%02d", w/100, w%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Percent returns the weight as a percentage.
func (w Weight) Percent() float64 { return float64(w) / 100 }

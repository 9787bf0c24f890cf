package model

import (
	"fmt"
	"strings"

	"github.com/graylane/graylane/api/percent"
)

// Weight is a share of traffic in hundredths of a percent: 10000 is all of
// it. Configuration writes it as a percentage with at most two decimals.
type Weight uint32

// WeightFull is 100%.
const WeightFull Weight = 10000

// ErrWeightFormat reports a weight that is not a percentage with at most two
// decimals between 0 and 100.
var ErrWeightFormat = percent.ErrFormat

// ParseWeight parses a percentage such as "10", "12.5" or "0.25".
func ParseWeight(s string) (Weight, error) {
	w, err := percent.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%s %w", Quote(s), err)
	}
	return Weight(w), nil
}

// String formats the weight as a percentage without trailing zeros.
func (w Weight) String() string {
	s := fmt.Sprintf("%d.%02d", w/100, w%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Percent returns the weight as a percentage.
func (w Weight) Percent() float64 { return float64(w) / 100 }

package model

import (
	"errors"
	"testing"
)

func TestParseWeight(t *testing.T) {
	good := map[string]Weight{"0": 0, "10": 1000, "12.5": 1250, "0.25": 25, "100": 10000, "100.00": 10000, "7.05": 705}
	for in, want := range good {
		got, err := ParseWeight(in)
		if err != nil || got != want {
			t.Errorf("ParseWeight(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "100.01", "101", "1.234", "1.", ".5", "ten", "1e2", "10%"} {
		if _, err := ParseWeight(in); !errors.Is(err, ErrWeightFormat) {
			t.Errorf("ParseWeight(%q) error = %v, want ErrWeightFormat", in, err)
		}
	}
}

func TestWeightString(t *testing.T) {
	for w, want := range map[Weight]string{0: "0", 1000: "10", 1250: "12.5", 25: "0.25", 10000: "100", 705: "7.05"} {
		if got := w.String(); got != want {
			t.Errorf("Weight(%d).String() = %q, want %q", w, got, want)
		}
	}
}

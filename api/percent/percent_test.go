package percent

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for s, want := range map[string]uint32{"0": 0, "10": 1000, "12.5": 1250, "0.25": 25, " 100 ": Full, "100.00": Full, "7.05": 705} {
		if got, err := Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1", "100.01", "101", "1.234", "1.", ".5", "1e2", "ten", "4294967296"} {
		if got, err := Parse(s); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%q) = %d, %v; want ErrFormat", s, got, err)
		}
	}
}

package v1alpha1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/graylane/graylane/api/percent"
)

// Percent is a percentage written as a JSON number (12.5) or string
// ("12.5"). It keeps the JSON text as written, so that both forms are
// parsed by model.ParseWeight without going through a float. Any other JSON
// value decodes too, and is reported by Weight: a Lane that cannot be read
// must not stop the others from being read.
type Percent struct {
	raw string
}

// errPercentType reports a weight that is neither a number nor a string.
var errPercentType = errors.New("weight must be a number or a string")

// NewPercent returns a Percent written as the number text, such as "12.5".
func NewPercent(text string) Percent { return Percent{raw: text} }

// String is the JSON text as written.
func (p Percent) String() string { return p.raw }

// IsZero reports whether no weight was written.
func (p Percent) IsZero() bool { return p.raw == "" || p.raw == "null" }

// Hundredths parses the percentage into hundredths of a percent; an
// absent one is 0.
func (p Percent) Hundredths() (uint32, error) {
	switch {
	case p.IsZero():
		return 0, nil
	case p.raw[0] == '"':
		var s string
		if err := json.Unmarshal([]byte(p.raw), &s); err != nil {
			return 0, errPercentType
		}
		return parse(s)
	case p.raw[0] == '-' || (p.raw[0] >= '0' && p.raw[0] <= '9'):
		return parse(p.raw)
	}
	return 0, errPercentType
}

// UnmarshalJSON keeps the JSON value's text.
func (p *Percent) UnmarshalJSON(data []byte) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return err
	}
	p.raw = buf.String()
	return nil
}

// MarshalJSON writes the value back as it was written.
func (p Percent) MarshalJSON() ([]byte, error) {
	if p.raw == "" {
		return []byte("null"), nil
	}
	return []byte(p.raw), nil
}

// parse is percent.Parse, with the value in its error.
func parse(s string) (uint32, error) {
	w, err := percent.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%q %w", s, err)
	}
	return w, nil
}

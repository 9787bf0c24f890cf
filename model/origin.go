package model

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Origin says where a model object was defined, so that an error about it
// can point there: "file:line" for the file source, an object reference for
// the Kubernetes source. The zero Origin is "unknown".
//
// Field paths are dotted, with list items indexed: "match[0].header".
//
// An Origin is immutable once built and safe to share between copies; it is
// one string inside, so that copying and comparing configurations stays
// cheap.
type Origin struct {
	pos    string
	fields string // "path\x00pos\x00path\x00pos..."
}

// NewOrigin returns an Origin at pos whose fields (dotted paths below the
// object, such as "policy.timeout") may have positions of their own.
func NewOrigin(pos string, fields map[string]string) Origin {
	var b strings.Builder
	size := 0
	for path, at := range fields {
		size += len(path) + len(at) + 2
	}
	b.Grow(size)
	for _, path := range slices.Sorted(maps.Keys(fields)) { // equal origins are equal strings
		b.WriteString(path)
		b.WriteByte(0)
		b.WriteString(fields[path])
		b.WriteByte(0)
	}
	return Origin{pos: pos, fields: b.String()}
}

// String is the position of the object itself.
func (o Origin) String() string {
	if o.pos == "" {
		return "<unknown>"
	}
	return o.pos
}

// At is the position of a field of the object: the field's own position when
// known, else that of its closest known parent, else the object's.
func (o Origin) At(field string) string {
	for field != "" {
		if p, ok := o.field(field); ok {
			return p
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return o.String()
}

// field looks a path up.
func (o Origin) field(path string) (string, bool) {
	rest := o.fields
	for rest != "" {
		var key, pos string
		key, rest, _ = strings.Cut(rest, "\x00")
		pos, rest, _ = strings.Cut(rest, "\x00")
		if key == path {
			return pos, true
		}
	}
	return "", false
}

// originJSON is how an Origin is written as JSON: sources that keep a last
// good state outside the process write it with its positions.
type originJSON struct {
	Pos    string            `json:"pos,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// MarshalJSON writes the position and the field positions.
func (o Origin) MarshalJSON() ([]byte, error) {
	out := originJSON{Pos: o.pos}
	rest := o.fields
	for rest != "" {
		var key, pos string
		key, rest, _ = strings.Cut(rest, "\x00")
		pos, rest, _ = strings.Cut(rest, "\x00")
		if out.Fields == nil {
			out.Fields = map[string]string{}
		}
		out.Fields[key] = pos
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (o *Origin) UnmarshalJSON(data []byte) error {
	var in originJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*o = NewOrigin(in.Pos, in.Fields)
	return nil
}

package lane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Config is the plugin configuration written by the Graylane control plane
// (the "configuration" of the Envoy Wasm filter, delivered by ECDS).
type Config struct {
	// LaneHeader is the request header that carries the lane name between
	// hops. Empty means DefaultLaneHeader.
	LaneHeader string `json:"laneHeader,omitempty"`
	// LaneBaggageKey is the key of the W3C baggage member that also
	// carries the lane. Empty means DefaultBaggageKey.
	LaneBaggageKey string `json:"laneBaggageKey,omitempty"`
	// TrustLaneHeader keeps a lane sent by the client (the lane header,
	// else the baggage member) instead of deciding the lane again.
	TrustLaneHeader bool `json:"trustLaneHeader,omitempty"`
	// Lanes are the release lanes, in the order they are checked.
	Lanes []LaneConfig `json:"lanes,omitempty"`
}

// LaneConfig is one release lane.
type LaneConfig struct {
	// Name is the lane name, the value of the lane header for the lane.
	Name string `json:"name"`
	// Weight is the percentage (0-100, at most 2 decimals) of edge traffic
	// that enters the lane.
	Weight float64 `json:"weight,omitempty"`
	// Sticky names the request attribute that keeps a user in the same lane;
	// nil means the lane is chosen at random per request.
	Sticky *Sticky `json:"sticky,omitempty"`
	// Match rules send a request to the lane regardless of the weight.
	Match []Match `json:"match,omitempty"`
}

// Sticky names the sticky key of a lane: exactly one of Header or Cookie.
type Sticky struct {
	Header string `json:"header,omitempty"`
	Cookie string `json:"cookie,omitempty"`
	// MaxAgeSeconds is the Max-Age of a generated sticky cookie; nil means
	// DefaultCookieMaxAge, 0 means a session cookie (no Max-Age attribute).
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// Match is one match rule: exactly one of Header or Cookie.
type Match struct {
	Header *NameValue `json:"header,omitempty"`
	Cookie *NameValue `json:"cookie,omitempty"`
}

// NameValue is a header or cookie that must be present with exactly Value.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FieldError is a configuration error at a field path such as
// "lanes[1].weight".
type FieldError struct {
	Path string
	Msg  string
	Err  error
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Decode parses the plugin configuration strictly: unknown fields and values
// of the wrong JSON type are errors naming the field. An empty document is
// the empty configuration. A JSON null counts as an absent field.
func Decode(data []byte) (Config, error) {
	var cfg Config
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return cfg, nil
	}
	if !json.Valid(data) {
		return cfg, &FieldError{Msg: "configuration is not valid JSON", Err: json.Unmarshal(data, new(any))}
	}
	err := decodeObject(data, "", fieldDecoders{
		"laneHeader":      stringField(&cfg.LaneHeader),
		"laneBaggageKey":  stringField(&cfg.LaneBaggageKey),
		"trustLaneHeader": boolField(&cfg.TrustLaneHeader),
		"lanes":           arrayField(&cfg.Lanes, decodeLane),
	})
	return cfg, err
}

type fieldDecoders map[string]func(raw json.RawMessage, path string) error

// decodeObject decodes a JSON object field by field, reporting every unknown
// field and every field that fails to decode.
func decodeObject(raw json.RawMessage, path string, fields fieldDecoders) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return &FieldError{Path: path, Msg: "must be an object", Err: err}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		sub := joinPath(path, k)
		dec, ok := fields[k]
		switch {
		case !ok:
			errs = append(errs, fieldErr(sub, "unknown field"))
		case isNull(obj[k]):
		default:
			errs = append(errs, dec(obj[k], sub))
		}
	}
	return errors.Join(errs...)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// scalarField decodes a JSON scalar into dst, naming the expected type on
// failure.
func scalarField[T any](dst *T, want string) func(json.RawMessage, string) error {
	return func(raw json.RawMessage, path string) error {
		if err := json.Unmarshal(raw, dst); err != nil {
			return &FieldError{Path: path, Msg: "must be " + want, Err: err}
		}
		return nil
	}
}

func stringField(dst *string) func(json.RawMessage, string) error {
	return scalarField(dst, "a string")
}

func boolField(dst *bool) func(json.RawMessage, string) error {
	return scalarField(dst, "a boolean")
}

func numberField(dst *float64) func(json.RawMessage, string) error {
	return scalarField(dst, "a number")
}

func intField(dst **int64) func(json.RawMessage, string) error {
	return func(raw json.RawMessage, path string) error {
		var v int64
		if err := scalarField(&v, "an integer")(raw, path); err != nil {
			return err
		}
		*dst = &v
		return nil
	}
}

// arrayField decodes a JSON array, decoding each element with elem at the
// path "field[i]".
func arrayField[T any](dst *[]T, elem func(json.RawMessage, string) (T, error)) func(json.RawMessage, string) error {
	return func(raw json.RawMessage, path string) error {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return &FieldError{Path: path, Msg: "must be an array", Err: err}
		}
		out := make([]T, len(items))
		var errs []error
		for i, item := range items {
			v, err := elem(item, path+"["+strconv.Itoa(i)+"]")
			out[i] = v
			errs = append(errs, err)
		}
		*dst = out
		return errors.Join(errs...)
	}
}

func decodeLane(raw json.RawMessage, path string) (LaneConfig, error) {
	var l LaneConfig
	err := decodeObject(raw, path, fieldDecoders{
		"name":   stringField(&l.Name),
		"weight": numberField(&l.Weight),
		"sticky": func(raw json.RawMessage, path string) error {
			s, err := decodeSticky(raw, path)
			l.Sticky = &s
			return err
		},
		"match": arrayField(&l.Match, decodeMatch),
	})
	return l, err
}

func decodeSticky(raw json.RawMessage, path string) (Sticky, error) {
	var s Sticky
	err := decodeObject(raw, path, fieldDecoders{
		"header":        stringField(&s.Header),
		"cookie":        stringField(&s.Cookie),
		"maxAgeSeconds": intField(&s.MaxAgeSeconds),
	})
	return s, err
}

func decodeMatch(raw json.RawMessage, path string) (Match, error) {
	if isNull(raw) {
		return Match{}, fieldErr(path, "must be an object")
	}
	var m Match
	err := decodeObject(raw, path, fieldDecoders{
		"header": nameValueField(&m.Header),
		"cookie": nameValueField(&m.Cookie),
	})
	return m, err
}

func nameValueField(dst **NameValue) func(json.RawMessage, string) error {
	return func(raw json.RawMessage, path string) error {
		var nv NameValue
		*dst = &nv
		return decodeObject(raw, path, fieldDecoders{
			"name":  stringField(&nv.Name),
			"value": stringField(&nv.Value),
		})
	}
}

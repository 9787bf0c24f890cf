package lane

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

const (
	// DefaultLaneHeader is the lane header when the configuration names none.
	DefaultLaneHeader = "x-canary"
	// Stable is the implicit baseline lane of requests that enter no lane.
	Stable = "stable"
	// DefaultCookieMaxAge is the Max-Age, in seconds, of a generated sticky
	// cookie when the configuration sets none: 30 days.
	DefaultCookieMaxAge int64 = 30 * 24 * 60 * 60
	// Buckets is the number of hash buckets a weight is expressed in: a
	// weight w percent covers w x 100 buckets.
	Buckets = 10000
)

// Validate reports every problem of the configuration, each as a
// *FieldError naming the field, joined with errors.Join.
func (c *Config) Validate() error {
	var errs []error
	if c.LaneHeader != "" && !isToken(c.LaneHeader) {
		errs = append(errs, fieldErr("laneHeader", "must be a valid header name"))
	}
	if k := c.LaneBaggageKey; k != "" && (!isToken(k) || len(k) > MaxBaggageKeyLength) {
		errs = append(errs, fieldErr("laneBaggageKey", "must be a W3C baggage key (header-name characters) of at most %d bytes", MaxBaggageKeyLength))
	}
	seen := make(map[string]int, len(c.Lanes))
	var sum int64
	for i := range c.Lanes {
		path := fmt.Sprintf("lanes[%d]", i)
		l := &c.Lanes[i]
		errs = append(errs, validateName(l.Name, path+".name", seen, i))
		bp, err := basisPoints(l.Weight, path+".weight")
		errs = append(errs, err, validateSticky(l.Sticky, path+".sticky"))
		for j, m := range l.Match {
			errs = append(errs, validateMatch(m, fmt.Sprintf("%s.match[%d]", path, j)))
		}
		sum += bp
	}
	if sum > Buckets {
		errs = append(errs, fieldErr("lanes", "weights sum to %s, must be at most 100", formatBasisPoints(sum)))
	}
	return errors.Join(errs...)
}

func validateName(name, path string, seen map[string]int, i int) error {
	switch {
	case name == "":
		return fieldErr(path, "must not be empty")
	case name == Stable:
		return fieldErr(path, "%q is the implicit baseline lane and cannot be configured", Stable)
	case !isToken(name):
		return fieldErr(path, "%q must use header-name characters (letters, digits, !#$%%&'*+-.^_`|~)", name)
	}
	if first, dup := seen[name]; dup {
		return fieldErr(path, "%q is already the name of lanes[%d]", name, first)
	}
	seen[name] = i
	return nil
}

// basisPoints converts a weight in percent to hundredths of a percent,
// rejecting weights outside [0,100] or with more than 2 decimals.
func basisPoints(w float64, path string) (int64, error) {
	if math.IsNaN(w) || w < 0 || w > 100 {
		return 0, fieldErr(path, "must be between 0 and 100")
	}
	scaled := w * 100
	bp := math.Round(scaled)
	if math.Abs(scaled-bp) > 1e-6 {
		return 0, fieldErr(path, "must have at most 2 decimals")
	}
	return int64(bp), nil
}

func formatBasisPoints(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

func validateSticky(s *Sticky, path string) error {
	if s == nil {
		return nil
	}
	var errs []error
	switch {
	case (s.Header == "") == (s.Cookie == ""):
		errs = append(errs, fieldErr(path, "must set exactly one of header or cookie"))
	case s.Header != "" && !isToken(s.Header):
		errs = append(errs, fieldErr(path+".header", "must be a valid header name"))
	case s.Cookie != "" && !isToken(s.Cookie):
		errs = append(errs, fieldErr(path+".cookie", "must be a valid cookie name"))
	}
	if s.MaxAgeSeconds != nil {
		switch {
		case s.Cookie == "":
			errs = append(errs, fieldErr(path+".maxAgeSeconds", "is only valid with cookie"))
		case *s.MaxAgeSeconds < 0:
			errs = append(errs, fieldErr(path+".maxAgeSeconds", "must be at least 0"))
		}
	}
	return errors.Join(errs...)
}

func validateMatch(m Match, path string) error {
	switch {
	case (m.Header == nil) == (m.Cookie == nil):
		return fieldErr(path, "must set exactly one of header or cookie")
	case m.Header != nil:
		return validateNameValue(m.Header, path+".header", "header")
	default:
		return validateNameValue(m.Cookie, path+".cookie", "cookie")
	}
}

func validateNameValue(nv *NameValue, path, kind string) error {
	switch {
	case nv.Name == "":
		return fieldErr(path+".name", "must not be empty")
	case !isToken(nv.Name):
		return fieldErr(path+".name", "must be a valid %s name", kind)
	}
	return nil
}

// isToken reports whether s is a non-empty RFC 9110 token, the syntax of
// header names and cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

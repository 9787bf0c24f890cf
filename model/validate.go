package model

import (
	"regexp"
	"strconv"
)

// DefaultSidecarPort is the port of the sidecar's outbound HTTP listener.
const DefaultSidecarPort = 15001

// Length limits, in bytes. Every name and value below ends up in resources
// sent to every client, and most in every request a proxy routes, so none
// may be larger than a real one would ever be.
const (
	// MaxNameLength bounds service, namespace, version, lane and gateway
	// names (RFC 1123 labels) and zones.
	MaxNameLength = 63
	// MaxHeaderNameLength bounds header names: the lane header and the
	// headers of sticky keys, hashOn and match rules.
	MaxHeaderNameLength = 256
	// MaxCookieNameLength bounds cookie names.
	MaxCookieNameLength = 256
	// MaxValueLength bounds the values match rules compare with: 4 KiB,
	// the size of a whole cookie that browsers are required to keep.
	MaxValueLength = 4096
	// MaxPathLength bounds a gateway route's path or path prefix.
	MaxPathLength = 4096
)

// MaxLaneBaggageKeyLength bounds laneBaggageKey, in bytes.
const MaxLaneBaggageKeyLength = 64

var (
	// labelRE is an RFC 1123 label, as used for Kubernetes names.
	labelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// laneRE also allows dots and underscores, as lane names travel in a header.
	laneRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$`)
	// headerRE is a lower-case HTTP header name (RFC 9110 token).
	headerRE = regexp.MustCompile("^[a-z0-9!#$%&'*+.^_`|~-]+$")
	// cookieRE is a cookie name (RFC 6265 token).
	cookieRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	// baggageKeyRE is a W3C baggage key (RFC 9110 token).
	baggageKeyRE = cookieRE
)

// reservedHeaders cannot carry a lane: proxies treat them specially.
var reservedHeaders = map[string]bool{
	"host": true, "cookie": true, "set-cookie": true, "content-length": true,
	"transfer-encoding": true, "connection": true, "te": true, "upgrade": true,
}

// Validate reports every problem of a normalized configuration, or nil. The
// error joins *Error values sorted by position.
func Validate(c *Config) error { return Revalidate(c, nil, nil) }

// Revalidate is Validate for a configuration that follows last, which
// passed Validate: a service that reused marks (the very service last had;
// see Reuse) is not checked again on its own when the lane header and the
// lanes' names are as last's, as it depends on nothing else; nor is a
// gateway route that is as last had it and leads to such a service. What
// spans services (duplicates, ports, which service a route leads to) is
// checked as Validate does.
// A change to one service of thousands so costs about one service.
func Revalidate(c, last *Config, reused []bool) error {
	var p problems
	v := validator{cfg: c, p: &p, byHost: map[string][]int{}, laneNames: map[string]bool{}, certNames: map[string]Origin{}}
	for i := range c.Services {
		host := c.Services[i].Host()
		v.byHost[host] = append(v.byHost[host], i)
	}
	for _, l := range c.Lanes {
		v.laneNames[l.Name] = true
	}
	if last != nil && len(reused) == len(c.Services) && sameServiceInputs(c, last) {
		v.last, v.reused = last, reused
	}
	v.config()
	return p.err()
}

// sameServiceInputs reports whether what a service's checks read besides
// the service, the lane header and the lanes' names, is the same in c and
// last.
func sameServiceInputs(c, last *Config) bool {
	if c.LaneHeader != last.LaneHeader || len(c.Lanes) != len(last.Lanes) {
		return false
	}
	for i := range c.Lanes {
		if c.Lanes[i].Name != last.Lanes[i].Name {
			return false
		}
	}
	return true
}

type validator struct {
	cfg       *Config
	p         *problems
	byHost    map[string][]int  // service indexes by name.namespace
	laneNames map[string]bool   // defined lane names
	certNames map[string]Origin // certificates seen so far
	// reused marks, by index, the services known valid, of last; nil
	// for none.
	reused []bool
	last   *Config
}

// valid reports whether the i-th service is known valid on its own.
func (v *validator) valid(i int) bool { return v.reused != nil && v.reused[i] }

func (v *validator) config() {
	pos := v.cfg.Origin.At("laneHeader")
	if v.checkLength(pos, "laneHeader", "laneHeader", v.cfg.LaneHeader, MaxHeaderNameLength) &&
		(!headerRE.MatchString(v.cfg.LaneHeader) || reservedHeaders[v.cfg.LaneHeader]) {
		v.p.add(pos, "laneHeader", "%s is not a usable lower-case header name", Quote(v.cfg.LaneHeader))
	}
	if k := v.cfg.LaneBaggageKey; !baggageKeyRE.MatchString(k) || len(k) > MaxLaneBaggageKeyLength {
		v.p.add(v.cfg.Origin.At("laneBaggageKey"), "laneBaggageKey", "%q is not a W3C baggage key (header-name characters, at most %d)", k, MaxLaneBaggageKeyLength)
	}
	v.checkPort(v.cfg.Origin.At("sidecarPort"), "sidecarPort", "port", v.cfg.SidecarPort)
	v.lanes()
	v.services()
	v.gateways()
}

func (v *validator) checkLabel(pos, subject, what, name string, re *regexp.Regexp) {
	switch {
	case name == "":
		v.p.add(pos, subject, "%s is required", what)
	case len(name) > MaxNameLength || !re.MatchString(name):
		v.p.add(pos, subject, "%s %s must be lower-case letters, digits and '-' (at most %d), starting and ending with a letter or digit", what, Quote(name), MaxNameLength)
	}
}

func (v *validator) checkPort(pos, subject, what string, port uint32) {
	if port < 1 || port > 65535 {
		v.p.add(pos, subject, "%s %d must be between 1 and 65535", what, port)
	}
}

// checkLength reports a string longer than limit bytes; it returns whether
// the string is short enough to be checked further.
func (v *validator) checkLength(pos, subject, what, s string, limit int) bool {
	if len(s) > limit {
		v.p.add(pos, subject, "%s %s is %d bytes long, more than %d", what, Quote(s), len(s), limit)
		return false
	}
	return true
}

func (v *validator) checkHeader(pos, subject, what, name string) {
	if v.checkLength(pos, subject, what, name, MaxHeaderNameLength) && !headerRE.MatchString(name) {
		v.p.add(pos, subject, "%s %s is not a lower-case header name", what, Quote(name))
	}
}

func (v *validator) checkCookie(pos, subject, what, name string) {
	if v.checkLength(pos, subject, what, name, MaxCookieNameLength) && !cookieRE.MatchString(name) {
		v.p.add(pos, subject, "%s %s is not a cookie name", what, Quote(name))
	}
}

// checkHeaderMatch checks a header name and the value it must equal.
func (v *validator) checkHeaderMatch(pos, subject, what string, h NameValue) {
	v.checkHeader(pos, subject, what, h.Name)
	v.checkLength(pos, subject, what+" value", h.Value, MaxValueLength)
}

func describe(kind, name string) string { return kind + " " + Clip(name) }

// quoteLimit is how much of a string a message shows.
const quoteLimit = 64

// Quote quotes s for a message, cut to its first 64 bytes when longer, so
// that a huge value never ends up whole in a log line.
func Quote(s string) string {
	if len(s) <= quoteLimit {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:cutAt(s)]) + "..."
}

// Clip is s, cut as Quote cuts it, unquoted.
func Clip(s string) string {
	if len(s) <= quoteLimit {
		return s
	}
	return s[:cutAt(s)] + "..."
}

// cutAt is where a long string is cut: at most quoteLimit bytes, on a rune
// boundary.
func cutAt(s string) int {
	cut := quoteLimit
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return cut
}

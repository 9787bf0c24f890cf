package model

import (
	"fmt"
	"regexp"
)

// DefaultSidecarPort is the port of the sidecar's outbound HTTP listener.
const DefaultSidecarPort = 15001

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
func Validate(c *Config) error {
	var p problems
	v := validator{cfg: c, p: &p, byHost: map[string][]*Service{}, laneNames: map[string]bool{}}
	for i := range c.Services {
		s := &c.Services[i]
		v.byHost[s.Host()] = append(v.byHost[s.Host()], s)
	}
	for _, l := range c.Lanes {
		v.laneNames[l.Name] = true
	}
	v.config()
	return p.err()
}

type validator struct {
	cfg       *Config
	p         *problems
	byHost    map[string][]*Service // services by name.namespace
	laneNames map[string]bool       // defined lane names
}

func (v *validator) config() {
	if !headerRE.MatchString(v.cfg.LaneHeader) || reservedHeaders[v.cfg.LaneHeader] {
		v.p.add(v.cfg.Origin.At("laneHeader"), "laneHeader", "%q is not a usable lower-case header name", v.cfg.LaneHeader)
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
	case len(name) > 63 || !re.MatchString(name):
		v.p.add(pos, subject, "%s %q must be lower-case letters, digits and '-' (at most 63), starting and ending with a letter or digit", what, name)
	}
}

func (v *validator) checkPort(pos, subject, what string, port uint32) {
	if port < 1 || port > 65535 {
		v.p.add(pos, subject, "%s %d must be between 1 and 65535", what, port)
	}
}

func (v *validator) checkHeader(pos, subject, what, name string) {
	if !headerRE.MatchString(name) {
		v.p.add(pos, subject, "%s %q is not a lower-case header name", what, name)
	}
}

func describe(kind, name string) string { return fmt.Sprintf("%s %s", kind, name) }

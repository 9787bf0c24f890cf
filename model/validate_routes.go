package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// maxRegex bounds a route's regular expressions: Envoy and gRPC compile
// each one for every proxy.
const maxRegex = 1024

// methods are the HTTP methods a route can match.
var methods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true, "PATCH": true,
}

// hostnameRE is a DNS name, optionally with a leading "*." wildcard.
var hostnameRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// routeMatch checks one match of a route.
func (v *validator) routeMatch(pos, subject string, m *RouteMatch) {
	paths := 0
	for _, p := range []string{m.PathPrefix, m.Path, m.PathRegex} {
		if p != "" {
			paths++
		}
	}
	switch {
	case paths > 1:
		v.p.add(pos, subject, "match takes at most one of pathPrefix, path and pathRegex")
	case !v.checkLength(pos, subject, "match path", m.PathPrefix+m.Path, MaxPathLength):
	case m.PathPrefix+m.Path != "" && !strings.HasPrefix(m.PathPrefix+m.Path, "/"):
		v.p.add(pos, subject, "match path %s must start with '/'", Quote(m.PathPrefix+m.Path))
	case m.PathRegex != "":
		v.checkRegex(pos, subject, "pathRegex", m.PathRegex)
	}
	for _, h := range m.Headers {
		v.valueMatch(pos, subject, "header", h)
		v.checkHeader(pos, subject, "match header", h.Name)
		if h.Name == v.cfg.LaneHeader {
			v.p.add(pos, subject, "match header %s is the lane header, which routing by lane already uses", Quote(h.Name))
		}
	}
	for _, q := range m.Query {
		v.valueMatch(pos, subject, "query parameter", q)
	}
	if m.Method != "" && !methods[m.Method] {
		v.p.add(pos, subject, "match method %s is not an HTTP method (GET, POST, ...)", Quote(m.Method))
	}
}

func (v *validator) valueMatch(pos, subject, what string, m ValueMatch) {
	if m.Name == "" {
		v.p.add(pos, subject, "match %s needs a name", what)
	}
	v.checkLength(pos, subject, "match "+what+" name", m.Name, MaxHeaderNameLength)
	if m.Regex {
		v.checkRegex(pos, subject, what+" "+Clip(m.Name)+" regex", m.Value)
	} else {
		v.checkLength(pos, subject, "match "+what+" value", m.Value, MaxValueLength)
	}
}

func (v *validator) checkRegex(pos, subject, what, re string) {
	if len(re) > maxRegex {
		v.p.add(pos, subject, "%s is %d characters long, more than %d", what, len(re), maxRegex)
		return
	}
	if _, err := regexp.Compile(re); err != nil {
		v.p.add(pos, subject, "%s %s is not an RE2 regular expression: %v", what, Quote(re), err)
	}
}

// action checks what a route does; matches are its route's matches, s
// the service it routes to.
func (v *validator) action(o Origin, subject string, a *RouteAction, matches []RouteMatch, s *Service) {
	v.headerModifier(o.At("requestHeaders"), subject, "requestHeaders", a.RequestHeaders)
	v.headerModifier(o.At("responseHeaders"), subject, "responseHeaders", a.ResponseHeaders)
	v.rewrite(o.At("rewrite"), subject, a.Rewrite, matches)
	v.positive(o.At("timeout"), subject, "timeout", a.Timeout)
	v.positive(o.At("backendTimeout"), subject, "backendTimeout", a.BackendTimeout)
	if a.Timeout > 0 && a.BackendTimeout > a.Timeout {
		v.p.add(o.At("backendTimeout"), subject, "backendTimeout %v is longer than timeout %v", a.BackendTimeout, a.Timeout)
	}
	if s != nil {
		v.mirrors(subject, a.Mirrors, s)
	}
}

func (v *validator) headerModifier(pos, subject, what string, h *HeaderModifier) {
	if h == nil {
		return
	}
	seen := map[string]bool{}
	check := func(name string) {
		v.checkHeader(pos, subject, what+" header", name)
		switch {
		case name == v.cfg.LaneHeader || name == "baggage":
			v.p.add(pos, subject, "%s cannot change %s, which carries the lane", what, Quote(name))
		case reservedHeaders[name]:
			v.p.add(pos, subject, "%s cannot change %s", what, Quote(name))
		case seen[name]:
			v.p.add(pos, subject, "%s changes header %s twice", what, Quote(name))
		}
		seen[name] = true
	}
	for _, nv := range slices.Concat(h.Set, h.Add) {
		check(nv.Name)
		v.checkLength(pos, subject, what+" value", nv.Value, MaxValueLength)
	}
	for _, name := range h.Remove {
		check(name)
	}
}

func (v *validator) rewrite(pos, subject string, r *Rewrite, matches []RouteMatch) {
	if r == nil {
		return
	}
	if r.Hostname != "" && (strings.HasPrefix(r.Hostname, "*") || !hostnameRE.MatchString(r.Hostname)) {
		v.p.add(pos, subject, "rewrite hostname %s is not a DNS name", Quote(r.Hostname))
	}
	switch {
	case r.FullPath != "" && r.PathPrefix != "":
		v.p.add(pos, subject, "rewrite takes at most one of fullPath and pathPrefix")
	case r.FullPath != "" && !strings.HasPrefix(r.FullPath, "/"):
		v.p.add(pos, subject, "rewrite fullPath %s must start with '/'", Quote(r.FullPath))
	case r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/"):
		v.p.add(pos, subject, "rewrite pathPrefix %s must start with '/'", Quote(r.PathPrefix))
	case r.PathPrefix != "" && !allPrefixMatches(matches):
		v.p.add(pos, subject, "rewrite pathPrefix replaces what a pathPrefix match matched: every match of the route needs pathPrefix")
	}
}

func allPrefixMatches(ms []RouteMatch) bool {
	for _, m := range ms {
		if m.PathPrefix == "" {
			return false
		}
	}
	return len(ms) > 0
}

// mirrors checks that each mirror copies to a version of s, once, a share
// above zero.
func (v *validator) mirrors(subject string, ms []Mirror, s *Service) {
	seen := map[string]bool{}
	for _, m := range ms {
		if !s.hasVersion(m.Version) {
			v.p.add(m.Origin.At("version"), subject, "mirror version %s is not a version of service %s", Quote(m.Version), s.Key())
		}
		if seen[m.Version] {
			v.p.add(m.Origin.At("version"), subject, "mirrors version %s twice", Quote(m.Version))
		}
		seen[m.Version] = true
		if m.Percent == 0 || m.Percent > WeightFull {
			v.p.add(m.Origin.At("percent"), subject, "mirror percent %s must be above 0 and at most 100", m.Percent)
		}
	}
	if len(ms) > 0 && s.Protocol == ProtocolTCP {
		v.p.add(s.Origin.At("mirror"), subject, "a tcp service cannot mirror requests")
	}
}

// serviceRoutes checks a service's own routes.
func (v *validator) serviceRoutes(s *Service, subject string) {
	if len(s.Routes) > 0 && s.Protocol == ProtocolTCP {
		v.p.add(s.Origin.At("routes"), subject, "a tcp service has no requests to route")
	}
	v.mirrors(subject, s.Mirrors, s)
	for i := range s.Routes {
		r := &s.Routes[i]
		rs := fmt.Sprintf("%s: route %d", subject, i+1)
		for j := range r.Matches {
			v.routeMatch(r.Origin.At(fmt.Sprintf("match[%d]", j)), rs, &r.Matches[j])
		}
		v.splitOf(r.Origin, rs, r.Weights, s)
		v.action(r.Origin, rs, &r.Action, r.Matches, s)
	}
}

// splitOf checks weights that split requests among the versions of s: each
// names a version, and together they make 100%.
func (v *validator) splitOf(o Origin, subject string, ws map[string]Weight, s *Service) {
	if len(ws) == 0 {
		return
	}
	var total uint64
	for _, name := range slices.Sorted(maps.Keys(ws)) {
		w := ws[name]
		if !s.hasVersion(name) {
			v.p.add(o.At("weights."+name), subject, "weights name version %s, which service %s does not have", Quote(name), s.Key())
		}
		if w > WeightFull {
			v.p.add(o.At("weights."+name), subject, "weight %s %v", w, ErrWeightFormat)
		}
		total += uint64(w)
	}
	if total != uint64(WeightFull) {
		v.p.add(o.At("weights"), subject, "weights add up to %s%%, not 100%%", percentOf(total))
	}
}

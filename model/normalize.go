package model

import (
	"cmp"
	"slices"
)

// Normalize applies defaults and sorts the configuration in place, so that
// two configurations that mean the same thing compare equal. Sources call it
// before Validate; lane and route order is kept because it has meaning.
//
// Normalize writes only into the configuration's own structs and lists
// (those of Config itself, and the structs in them): a service, lane or
// gateway that needs more is copied deeply first. Configurations that
// share lists, such as a Merge and its parts, stay independent, and
// normalizing what is normalized already writes nothing below them.
func (c *Config) Normalize() {
	if c.LaneHeader == "" {
		c.LaneHeader = DefaultLaneHeader
	}
	c.LaneBaggageKey = cmp.Or(c.LaneBaggageKey, DefaultLaneBaggageKey)
	c.SidecarPort = cmp.Or(c.SidecarPort, DefaultSidecarPort)
	for i := range c.Lanes {
		normalizeLane(&c.Lanes[i])
	}
	for i := range c.Services {
		normalizeService(&c.Services[i])
	}
	for i := range c.Gateways {
		normalizeGateway(&c.Gateways[i])
	}
	slices.SortStableFunc(c.Services, compareServices)
	slices.SortStableFunc(c.Gateways, func(a, b Gateway) int { return cmp.Compare(a.Name, b.Name) })
}

func normalizeLane(l *Lane) {
	if l.Sticky != nil && l.Sticky.Cookie != "" && l.Sticky.CookieMaxAge == 0 {
		*l = l.deepCopy()
		l.Sticky.CookieMaxAge = DefaultCookieMaxAge
	}
}

func normalizeGateway(g *Gateway) {
	if !slices.ContainsFunc(g.Routes, func(r GatewayRoute) bool { return r.Service.Namespace == "" }) {
		return
	}
	g.Routes = slices.Clone(g.Routes)
	for j := range g.Routes {
		ref := &g.Routes[j].Service
		ref.Namespace = cmp.Or(ref.Namespace, DefaultNamespace)
	}
}

func normalizeService(s *Service) {
	s.Namespace = cmp.Or(s.Namespace, DefaultNamespace)
	s.Protocol = cmp.Or(s.Protocol, ProtocolHTTP)
	if !normalized(s) {
		*s = s.deepCopy()
		normalizeBelow(s)
	}
}

// normalized reports whether what lies below a service (its versions,
// endpoints and policy) is normalized already.
func normalized(s *Service) bool {
	for i := range s.Versions {
		es := s.Versions[i].Endpoints
		if slices.ContainsFunc(es, func(e Endpoint) bool { return e.Port == 0 || e.Weight == 0 }) ||
			!slices.IsSortedFunc(es, compareEndpoints) {
			return false
		}
	}
	rl, r := s.Policy.RateLimit, s.Policy.Retries
	return slices.IsSortedFunc(s.Versions, compareVersions) &&
		(rl == nil || rl.Burst != 0) && (r == nil || len(r.RetryOn) > 0)
}

func normalizeBelow(s *Service) {
	for i := range s.Versions {
		v := &s.Versions[i]
		for j := range v.Endpoints {
			e := &v.Endpoints[j]
			e.Port = cmp.Or(e.Port, s.Port)
			e.Weight = cmp.Or(e.Weight, 1)
		}
		slices.SortStableFunc(v.Endpoints, compareEndpoints)
	}
	slices.SortStableFunc(s.Versions, compareVersions)
	if rl := s.Policy.RateLimit; rl != nil && rl.Burst == 0 {
		rl.Burst = rl.RequestsPerSecond
	}
	if r := s.Policy.Retries; r != nil && len(r.RetryOn) == 0 {
		r.RetryOn = DefaultRetryOn(s.Protocol)
	}
}

// DefaultRetryOn is what a retry policy without retryOn retries on.
func DefaultRetryOn(p Protocol) []string {
	if p == ProtocolGRPC {
		return []string{"unavailable", "reset", "connect-failure"}
	}
	return []string{"5xx", "reset", "connect-failure"}
}

func compareServices(a, b Service) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port))
}

func compareVersions(a, b Version) int { return cmp.Compare(a.Name, b.Name) }

func compareEndpoints(a, b Endpoint) int {
	return cmp.Or(cmp.Compare(a.Zone, b.Zone), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Port, b.Port))
}

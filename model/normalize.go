package model

import (
	"cmp"
	"slices"
)

// Normalize applies defaults and sorts the configuration in place, so that
// two configurations that mean the same thing compare equal. Sources call it
// before Validate; lane and route order is kept because it has meaning.
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
		for j := range c.Gateways[i].Routes {
			ref := &c.Gateways[i].Routes[j].Service
			ref.Namespace = cmp.Or(ref.Namespace, DefaultNamespace)
		}
	}
	slices.SortStableFunc(c.Services, compareServices)
	slices.SortStableFunc(c.Gateways, func(a, b Gateway) int { return cmp.Compare(a.Name, b.Name) })
}

func normalizeLane(l *Lane) {
	if l.Sticky != nil && l.Sticky.Cookie != "" && l.Sticky.CookieMaxAge == 0 {
		l.Sticky.CookieMaxAge = DefaultCookieMaxAge
	}
}

func normalizeService(s *Service) {
	s.Namespace = cmp.Or(s.Namespace, DefaultNamespace)
	s.Protocol = cmp.Or(s.Protocol, ProtocolHTTP)
	for i := range s.Versions {
		v := &s.Versions[i]
		for j := range v.Endpoints {
			e := &v.Endpoints[j]
			e.Port = cmp.Or(e.Port, s.Port)
			e.Weight = cmp.Or(e.Weight, 1)
		}
		slices.SortStableFunc(v.Endpoints, compareEndpoints)
	}
	slices.SortStableFunc(s.Versions, func(a, b Version) int { return cmp.Compare(a.Name, b.Name) })
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

func compareEndpoints(a, b Endpoint) int {
	return cmp.Or(cmp.Compare(a.Zone, b.Zone), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Port, b.Port))
}

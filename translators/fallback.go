package translators

import (
	"net/netip"
	"slices"

	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// A lane version never fails a request for want of an endpoint: its
// endpoints (ClusterLoadAssignment) list its own endpoints at priority 0
// and the baseline's at priority 1, or the baseline's at priority 0 when
// it has none. Envoy and proxyless gRPC clients (the priority load
// balancing policy) both send a cluster's requests to its highest
// priority that has a healthy endpoint, so lane requests, and the share of
// untagged requests split to the version, reach the baseline while the
// version has no ready endpoint and return as soon as one is listed again.
//
// The baseline's localities carry fallbackSubZone, so that no locality is
// listed at two priorities (gRPC clients before 2023 tell localities apart
// without their priority) and keep their identity when they move to
// priority 0. An endpoint the version shares with the baseline is listed
// once, at the version's priority: gRPC rejects an address listed twice.

// fallbackSubZone marks the baseline's localities in a lane version's
// endpoints.
const fallbackSubZone = "graylane-fallback"

// laneOverprovisioning is the overprovisioning factor, in percent, of a
// lane version's endpoints. Envoy sends part of a priority's requests to
// the next when fewer than 100/factor of its endpoints are healthy (72%
// with Envoy's default of 140); this factor keeps every lane request on the
// lane while any of its endpoints is healthy, as gRPC clients do.
const laneOverprovisioning = 1_000_000

// serviceEndpoints builds a service's endpoints: each version's endpoint
// messages once, and the baseline's fallback localities once, shared by
// the lane versions' endpoints.
type serviceEndpoints struct {
	s        *svc
	policy   *endpointv3.ClusterLoadAssignment_Policy
	groups   [][]zoneGroup                        // each version's endpoints by zone
	locs     [][]*endpointv3.LocalityLbEndpoints  // each version's own, at priority 0
	fallback [2][]*endpointv3.LocalityLbEndpoints // the baseline's, at priority 0 and 1
	base     []netip.AddrPort
}

func newServiceEndpoints(s *svc, policy *endpointv3.ClusterLoadAssignment_Policy) *serviceEndpoints {
	return &serviceEndpoints{
		s: s, policy: policy,
		groups: make([][]zoneGroup, len(s.Versions)), locs: make([][]*endpointv3.LocalityLbEndpoints, len(s.Versions)),
	}
}

// grouped are version i's endpoints by zone.
func (e *serviceEndpoints) grouped(i int) []zoneGroup {
	if e.groups[i] == nil {
		e.groups[i] = groupByZone(e.s.Versions[i].Endpoints)
	}
	return e.groups[i]
}

// own are version i's endpoints at priority 0.
func (e *serviceEndpoints) own(i int) []*endpointv3.LocalityLbEndpoints {
	if e.locs[i] == nil && len(e.s.Versions[i].Endpoints) > 0 {
		e.locs[i] = localities(e.grouped(i), 0, "")
	}
	return e.locs[i]
}

// baseline are the baseline's endpoints as a lane version's fallback, at a
// priority: the baseline's own endpoint messages in localities of their
// own.
func (e *serviceEndpoints) baseline(priority uint32) []*endpointv3.LocalityLbEndpoints {
	if e.fallback[priority] == nil {
		e.fallback[priority] = localities(e.grouped(e.s.baseline), priority, fallbackSubZone)
	}
	return e.fallback[priority]
}

// loadAssignment is version i's endpoints: a lane version's fall back to
// the baseline's.
func (e *serviceEndpoints) loadAssignment(name string, i int) *endpointv3.ClusterLoadAssignment {
	v, base := &e.s.Versions[i], &e.s.Versions[e.s.baseline]
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	switch {
	case v.Lane == "" || len(base.Endpoints) == 0:
		cla.Endpoints = e.own(i)
	case len(v.Endpoints) == 0:
		cla.Endpoints = e.baseline(0)
	default:
		fallback := e.baseline(1)
		if e.sharesBaselineEndpoint(v) {
			fallback = localities(groupByZone(withoutEndpointsOf(base.Endpoints, v.Endpoints)), 1, fallbackSubZone)
		}
		if len(fallback) == 0 {
			cla.Endpoints = e.own(i)
			break
		}
		cla.Endpoints = append(e.own(i)[:len(e.own(i)):len(e.own(i))], fallback...)
		cla.Policy = e.policy
	}
	return cla
}

// sharesBaselineEndpoint reports whether v lists an address and port the
// baseline lists too.
func (e *serviceEndpoints) sharesBaselineEndpoint(v *model.Version) bool {
	if e.base == nil {
		base := e.s.Versions[e.s.baseline].Endpoints
		e.base = make([]netip.AddrPort, len(base))
		for i, b := range base {
			e.base[i] = addrPort(b)
		}
	}
	for _, ep := range v.Endpoints {
		if slices.Contains(e.base, addrPort(ep)) {
			return true
		}
	}
	return false
}

// withoutEndpointsOf returns the endpoints of eps whose address and port
// are not in other's.
func withoutEndpointsOf(eps, other []model.Endpoint) []model.Endpoint {
	out := make([]model.Endpoint, 0, len(eps))
	for _, e := range eps {
		if !slices.ContainsFunc(other, func(o model.Endpoint) bool { return addrPort(o) == addrPort(e) }) {
			out = append(out, e)
		}
	}
	return out
}

func addrPort(e model.Endpoint) netip.AddrPort {
	a, _ := netip.ParseAddr(e.Address)
	return netip.AddrPortFrom(a, uint16(e.Port))
}

// fallbackPolicy is the policy of a lane version's endpoints that fall
// back, which every endpoint assignment shares: messages are not changed
// once built.
var fallbackPolicy = &endpointv3.ClusterLoadAssignment_Policy{OverprovisioningFactor: wrapperspb.UInt32(laneOverprovisioning)}

// Fallback tells whether a lane version falls back to its service's
// baseline: Active while it has no endpoint.
type Fallback struct {
	// Service is the service key, Version and Lane the version's.
	Service string
	Version string
	Lane    string
	Active  bool
}

// Fallbacks lists the lane versions of cfg, by service and version, and
// whether each falls back to its baseline.
func Fallbacks(cfg *model.Config) []Fallback {
	var out []Fallback
	for i := range cfg.Services {
		s := &cfg.Services[i]
		for _, v := range s.LaneVersions() {
			out = append(out, Fallback{Service: s.Key(), Version: v.Name, Lane: v.Lane, Active: len(v.Endpoints) == 0})
		}
	}
	return out
}

package translators

import (
	"net/netip"

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

// versionLoadAssignment is a version's endpoints: a lane version's fall
// back to base, the baseline's.
func versionLoadAssignment(name string, v, base *model.Version) *endpointv3.ClusterLoadAssignment {
	if v.Lane == "" || len(base.Endpoints) == 0 {
		return loadAssignment(name, v.Endpoints)
	}
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	if len(v.Endpoints) == 0 {
		appendLocalities(cla, base.Endpoints, 0, fallbackSubZone)
		return cla
	}
	appendLocalities(cla, v.Endpoints, 0, "")
	if rest := withoutEndpointsOf(base.Endpoints, v.Endpoints); len(rest) > 0 {
		appendLocalities(cla, rest, 1, fallbackSubZone)
		cla.Policy = &endpointv3.ClusterLoadAssignment_Policy{OverprovisioningFactor: wrapperspb.UInt32(laneOverprovisioning)}
	}
	return cla
}

// withoutEndpointsOf returns the endpoints of eps whose address and port
// are not in other's.
func withoutEndpointsOf(eps, other []model.Endpoint) []model.Endpoint {
	seen := make(map[netip.AddrPort]bool, len(other))
	for _, e := range other {
		seen[addrPort(e)] = true
	}
	out := make([]model.Endpoint, 0, len(eps))
	for _, e := range eps {
		if !seen[addrPort(e)] {
			out = append(out, e)
		}
	}
	return out
}

func addrPort(e model.Endpoint) netip.AddrPort {
	a, _ := netip.ParseAddr(e.Address)
	return netip.AddrPortFrom(a, uint16(e.Port))
}

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

package kubernetes

import (
	"cmp"
	"net/netip"
	"slices"

	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/graylane/graylane/model"
)

// endpointsOf lists the ready endpoints of a Service's EndpointSlices on
// the slice port named port (a slice names its ports as the Service does).
// Terminating and not-ready endpoints are left out; an address listed by
// several slices (as while slices are being replaced) is kept once.
func endpointsOf(all []discoveryv1.EndpointSlice, port string) []model.Endpoint {
	var out []model.Endpoint
	seen := map[netip.AddrPort]bool{}
	for i := range all {
		s := &all[i]
		number, ok := slicePort(s, port)
		if !ok || (s.AddressType != discoveryv1.AddressTypeIPv4 && s.AddressType != discoveryv1.AddressTypeIPv6) {
			continue
		}
		origin := model.NewOrigin(objPos("EndpointSlice", s), nil)
		for j := range s.Endpoints {
			e := &s.Endpoints[j]
			addr, err := netip.ParseAddr(firstAddress(e))
			if err != nil || !ready(e) || seen[netip.AddrPortFrom(addr, uint16(number))] {
				continue
			}
			seen[netip.AddrPortFrom(addr, uint16(number))] = true
			out = append(out, model.Endpoint{Address: addr.String(), Port: number, Weight: 1, Zone: zoneOf(e), Origin: origin})
		}
	}
	slices.SortFunc(out, func(a, b model.Endpoint) int {
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.Port, b.Port))
	})
	return out
}

// slicePort finds the number of the slice's TCP port named name.
func slicePort(s *discoveryv1.EndpointSlice, name string) (uint32, bool) {
	for _, p := range s.Ports {
		if p.Port == nil || (p.Protocol != nil && *p.Protocol != "TCP") {
			continue
		}
		if p.Name != nil && *p.Name == name || p.Name == nil && name == "" {
			return uint32(*p.Port), true
		}
	}
	return 0, false
}

// ready is true unless the endpoint is not ready or terminating; an unset
// ready condition means ready, as the API documents.
func ready(e *discoveryv1.Endpoint) bool {
	c := e.Conditions
	return (c.Ready == nil || *c.Ready) && (c.Terminating == nil || !*c.Terminating)
}

// firstAddress is the address consumers use: the addresses of an endpoint
// are fungible.
func firstAddress(e *discoveryv1.Endpoint) string {
	if len(e.Addresses) == 0 {
		return ""
	}
	return e.Addresses[0]
}

func zoneOf(e *discoveryv1.Endpoint) string {
	if e.Zone != nil && *e.Zone != "" {
		return *e.Zone
	}
	if e.Hints != nil && len(e.Hints.ForZones) > 0 {
		return e.Hints.ForZones[0].Name
	}
	return ""
}

package model

import (
	"fmt"
	"net/netip"
)

// MaxEndpointWeight bounds an endpoint's weight so that the weights of a
// zone cannot overflow the proxies' 32-bit sums.
const MaxEndpointWeight = 1_000_000

func (v *validator) services() {
	seen := map[string]Origin{}
	tcpPorts := map[uint32]string{}
	for i := range v.cfg.Services {
		s := &v.cfg.Services[i]
		subject := describe("service", s.Key())
		if prev, dup := seen[s.Key()]; dup {
			v.p.add(s.Origin.String(), subject, "defined twice (also at %s)", prev)
		}
		seen[s.Key()] = s.Origin
		v.service(s, subject)
		if s.Protocol == ProtocolTCP {
			v.tcpPort(s, subject, tcpPorts)
		}
	}
}

func (v *validator) service(s *Service, subject string) {
	v.checkLabel(s.Origin.At("name"), subject, "name", s.Name, labelRE)
	v.checkLabel(s.Origin.At("namespace"), subject, "namespace", s.Namespace, labelRE)
	v.checkPort(s.Origin.At("port"), subject, "port", s.Port)
	switch s.Protocol {
	case ProtocolHTTP, ProtocolGRPC, ProtocolTCP:
	default:
		v.p.add(s.Origin.At("protocol"), subject, "protocol %q must be http, grpc or tcp", s.Protocol)
	}
	v.versions(s, subject)
	v.matches(s, subject)
	v.weights(s, subject)
	v.serviceRoutes(s, subject)
	v.policy(s, subject)
}

// tcpPort checks that the sidecar can give every TCP service its own port.
func (v *validator) tcpPort(s *Service, subject string, ports map[uint32]string) {
	if s.Port == v.cfg.SidecarPort {
		v.p.add(s.Origin.At("port"), subject, "tcp port %d is the sidecar's outbound HTTP port", s.Port)
	}
	if other, dup := ports[s.Port]; dup {
		v.p.add(s.Origin.At("port"), subject, "tcp port %d is also used by tcp service %s; sidecars listen on it for one service only", s.Port, other)
	}
	ports[s.Port] = s.Key()
}

func (v *validator) versions(s *Service, subject string) {
	if len(s.Versions) == 0 {
		v.p.add(s.Origin.At("versions"), subject, "needs at least one version")
		return
	}
	names, lanes := map[string]bool{}, map[string]string{}
	baselines := 0
	for i := range s.Versions {
		ver := &s.Versions[i]
		vs := fmt.Sprintf("%s: version %s", subject, ver.Name)
		v.checkLabel(ver.Origin.At("name"), vs, "name", ver.Name, laneRE)
		if names[ver.Name] {
			v.p.add(ver.Origin.At("name"), vs, "defined twice")
		}
		names[ver.Name] = true
		v.versionLane(ver, vs, lanes)
		if ver.Lane == "" {
			baselines++
		}
		v.endpoints(ver, vs)
	}
	if baselines != 1 {
		v.p.add(s.Origin.At("versions"), subject, "needs exactly one baseline version (a version with no lane), has %d", baselines)
	}
}

func (v *validator) versionLane(ver *Version, subject string, lanes map[string]string) {
	if ver.Lane == "" {
		return
	}
	if !v.laneNames[ver.Lane] {
		v.p.add(ver.Origin.At("lane"), subject, "lane %q is not defined in lanes", ver.Lane)
	}
	if other, dup := lanes[ver.Lane]; dup {
		v.p.add(ver.Origin.At("lane"), subject, "lane %q is also served by version %s; a lane has one version per service", ver.Lane, other)
	}
	lanes[ver.Lane] = ver.Name
}

func (v *validator) endpoints(ver *Version, subject string) {
	seen := map[netip.AddrPort]bool{}
	for i := range ver.Endpoints {
		e := &ver.Endpoints[i]
		addr, err := netip.ParseAddr(e.Address)
		if err != nil {
			v.p.add(e.Origin.At("address"), subject, "endpoint address %q is not an IP address", e.Address)
			continue
		}
		v.checkPort(e.Origin.At("port"), subject, "endpoint port", e.Port)
		if e.Weight < 1 || e.Weight > MaxEndpointWeight {
			v.p.add(e.Origin.At("weight"), subject, "endpoint weight %d must be between 1 and %d", e.Weight, MaxEndpointWeight)
		}
		ap := netip.AddrPortFrom(addr, uint16(e.Port))
		if seen[ap] {
			v.p.add(e.Origin.String(), subject, "endpoint %s is listed twice", ap)
		}
		seen[ap] = true
	}
}

func (v *validator) matches(s *Service, subject string) {
	for i := range s.Matches {
		m := &s.Matches[i]
		ms := fmt.Sprintf("%s: match %d", subject, i+1)
		if s.Protocol == ProtocolTCP {
			v.p.add(m.Origin.String(), ms, "a tcp service has no headers to match")
		}
		if !s.hasVersion(m.Version) {
			v.p.add(m.Origin.At("version"), ms, "version %q is not a version of the service", m.Version)
		}
		if len(m.Headers) == 0 {
			v.p.add(m.Origin.At("headers"), ms, "needs at least one header")
		}
		for _, h := range m.Headers {
			v.checkHeader(m.Origin.At("headers"), ms, "header", h.Name)
			if h.Name == v.cfg.LaneHeader {
				v.p.add(m.Origin.At("headers"), ms, "header %q is the lane header, which routing by lane already uses", h.Name)
			}
		}
	}
}

func (v *validator) weights(s *Service, subject string) {
	v.splitOf(s.Origin, subject, s.Weights, s)
}

func (s *Service) hasVersion(name string) bool {
	for i := range s.Versions {
		if s.Versions[i].Name == name {
			return true
		}
	}
	return false
}

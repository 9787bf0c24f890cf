package model

import (
	"fmt"
	"math"
	"net/netip"
)

// MaxEndpointWeight bounds an endpoint's weight.
const MaxEndpointWeight = 1_000_000

// MaxVersionEndpointWeight bounds the sum of a version's endpoint weights:
// proxies add the weights of a locality, and the localities of a cluster,
// in 32 bits.
const MaxVersionEndpointWeight = math.MaxUint32

func (v *validator) services() {
	seen := map[string]Origin{}
	tcpPorts := map[uint32]*Service{}
	for i := range v.cfg.Services {
		s := &v.cfg.Services[i]
		key := s.Key()
		if prev, dup := seen[key]; dup {
			v.p.add(s.Origin.String(), describe("service", key), "defined twice (also at %s)", prev)
		}
		seen[key] = s.Origin
		if !v.valid(i) {
			v.service(s, describe("service", key))
		}
		if s.Protocol == ProtocolTCP {
			v.tcpPort(s, describe("service", key), tcpPorts)
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
		v.p.add(s.Origin.At("protocol"), subject, "protocol %s must be http, grpc or tcp", Quote(string(s.Protocol)))
	}
	v.versions(s, subject)
	v.matches(s, subject)
	v.weights(s, subject)
	v.serviceRoutes(s, subject)
	v.policy(s, subject)
	v.text(s.Origin.String(), subject, s)
}

// tcpPort checks that the sidecar can give every TCP service its own port.
func (v *validator) tcpPort(s *Service, subject string, ports map[uint32]*Service) {
	if s.Port == v.cfg.SidecarPort {
		v.p.add(s.Origin.At("port"), subject, "tcp port %d is the sidecar's outbound HTTP port", s.Port)
	}
	if other, dup := ports[s.Port]; dup {
		v.p.add(s.Origin.At("port"), subject, "tcp port %d is also used by tcp service %s (at %s); sidecars listen on it for one service only",
			s.Port, Clip(other.Key()), other.Origin.At("port"))
	}
	ports[s.Port] = s
}

func (v *validator) versions(s *Service, subject string) {
	if len(s.Versions) == 0 {
		v.p.add(s.Origin.At("versions"), subject, "needs at least one version")
		return
	}
	names := map[string]Origin{}
	lanes := map[string]*Version{}
	baselines := 0
	for i := range s.Versions {
		ver := &s.Versions[i]
		vs := fmt.Sprintf("%s: version %s", subject, Clip(ver.Name))
		v.checkLabel(ver.Origin.At("name"), vs, "name", ver.Name, laneRE)
		if prev, dup := names[ver.Name]; dup {
			v.p.add(ver.Origin.At("name"), vs, "defined twice (also at %s)", prev)
		}
		names[ver.Name] = ver.Origin
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

func (v *validator) versionLane(ver *Version, subject string, lanes map[string]*Version) {
	if ver.Lane == "" {
		return
	}
	if !v.laneNames[ver.Lane] {
		v.p.add(ver.Origin.At("lane"), subject, "lane %s is not defined in lanes", Quote(ver.Lane))
	}
	if other, dup := lanes[ver.Lane]; dup {
		v.p.add(ver.Origin.At("lane"), subject, "lane %s is also served by version %s (at %s); a lane has one version per service",
			Quote(ver.Lane), Clip(other.Name), other.Origin.At("lane"))
	}
	lanes[ver.Lane] = ver
}

func (v *validator) endpoints(ver *Version, subject string) {
	seen := map[netip.AddrPort]Origin{}
	var total uint64
	for i := range ver.Endpoints {
		e := &ver.Endpoints[i]
		if len(e.Zone) > MaxNameLength {
			v.p.add(e.Origin.At("zone"), subject, "endpoint zone %s is %d bytes long, more than %d", Quote(e.Zone), len(e.Zone), MaxNameLength)
		}
		if e.Weight < 1 || e.Weight > MaxEndpointWeight {
			v.p.add(e.Origin.At("weight"), subject, "endpoint weight %d must be between 1 and %d", e.Weight, MaxEndpointWeight)
		}
		total += uint64(e.Weight)
		addr, err := netip.ParseAddr(e.Address)
		if err != nil {
			v.p.add(e.Origin.At("address"), subject, "endpoint address %s is not an IP address", Quote(e.Address))
			continue
		}
		v.checkPort(e.Origin.At("port"), subject, "endpoint port", e.Port)
		ap := netip.AddrPortFrom(addr, uint16(e.Port))
		if prev, dup := seen[ap]; dup {
			v.p.add(e.Origin.String(), subject, "endpoint %s is listed twice (also at %s)", ap, prev)
		}
		seen[ap] = e.Origin
	}
	if total > MaxVersionEndpointWeight {
		v.p.add(ver.Origin.At("endpoints"), subject, "endpoint weights add up to %d, more than %d, the most a proxy can add up", total, uint64(MaxVersionEndpointWeight))
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
			v.p.add(m.Origin.At("version"), ms, "version %s is not a version of the service", Quote(m.Version))
		}
		if len(m.Headers) == 0 {
			v.p.add(m.Origin.At("headers"), ms, "needs at least one header")
		}
		for _, h := range m.Headers {
			v.checkHeaderMatch(m.Origin.At("headers"), ms, "header", h)
			if h.Name == v.cfg.LaneHeader {
				v.p.add(m.Origin.At("headers"), ms, "header %s is the lane header, which routing by lane already uses", Quote(h.Name))
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

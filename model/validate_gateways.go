package model

import (
	"fmt"
	"strings"
)

func (v *validator) gateways() {
	names, ports := map[string]Origin{}, map[uint32]*Gateway{}
	for i := range v.cfg.Gateways {
		g := &v.cfg.Gateways[i]
		subject := describe("gateway", g.Name)
		v.checkLabel(g.Origin.At("name"), subject, "name", g.Name, labelRE)
		if prev, dup := names[g.Name]; dup {
			v.p.add(g.Origin.At("name"), subject, "defined twice (also at %s)", prev)
		}
		names[g.Name] = g.Origin
		v.checkPort(g.Origin.At("port"), subject, "port", g.Port)
		if other, dup := ports[g.Port]; dup {
			v.p.add(g.Origin.At("port"), subject, "port %d is also used by gateway %s (at %s)", g.Port, Clip(other.Name), other.Origin.At("port"))
		}
		ports[g.Port] = g
		for j := range g.Routes {
			v.route(&g.Routes[j], fmt.Sprintf("%s: route %d", subject, j+1))
		}
	}
}

func (v *validator) route(r *GatewayRoute, subject string) {
	m := &r.Match
	pos := r.Origin.At("match")
	path := m.PathPrefix + m.Path
	switch {
	case (m.PathPrefix == "") == (m.Path == ""):
		v.p.add(pos, subject, "match needs exactly one of pathPrefix and path")
	case !v.checkLength(pos, subject, "match path", path, MaxPathLength):
	case !strings.HasPrefix(path, "/"):
		v.p.add(pos, subject, "match path %s must start with '/'", Quote(path))
	}
	for _, h := range m.Headers {
		v.checkHeaderMatch(pos, subject, "match header", h)
		if h.Name == v.cfg.LaneHeader {
			v.p.add(pos, subject, "match header %s is the lane header, which routing by lane already uses", Quote(h.Name))
		}
	}
	v.routeService(r, subject)
}

func (v *validator) routeService(r *GatewayRoute, subject string) {
	pos := r.Origin.At("service")
	matches := 0
	for _, s := range v.byHost[r.Service.Name+"."+r.Service.Namespace] {
		if r.Service.Matches(s) {
			matches++
			if !s.Protocol.IsHTTP() {
				v.p.add(pos, subject, "service %s is a tcp service; gateways route HTTP requests", s.Key())
			}
		}
	}
	switch {
	case matches == 0:
		v.p.add(pos, subject, "service %s is not defined", Clip(r.Service.String()))
	case matches > 1:
		v.p.add(pos, subject, "service %s has several ports; name one with port", r.Service)
	}
}

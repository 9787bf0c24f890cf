package model

import (
	"crypto/tls"
	"fmt"
)

func (v *validator) gateways() {
	names, ports := map[string]Origin{}, map[uint32]string{}
	for i := range v.cfg.Gateways {
		g := &v.cfg.Gateways[i]
		subject := describe("gateway", g.Name)
		v.checkLabel(g.Origin.At("name"), subject, "name", g.Name, labelRE)
		if prev, dup := names[g.Name]; dup {
			v.p.add(g.Origin.At("name"), subject, "defined twice (also at %s)", prev)
		}
		names[g.Name] = g.Origin
		v.gatewayPort(g.Origin.At("port"), subject, g.Port, ports)
		v.gatewayTLS(g, subject, ports)
		for j := range g.Routes {
			if !v.knownRoute(i, j) {
				v.route(&g.Routes[j], fmt.Sprintf("%s: route %d", subject, j+1))
			}
		}
	}
}

// gatewayPort checks that a port an edge proxy listens on is valid and
// used once; ports holds, by port, who uses it and where.
func (v *validator) gatewayPort(pos, subject string, port uint32, ports map[uint32]string) {
	v.checkPort(pos, subject, "port", port)
	if other, dup := ports[port]; dup {
		v.p.add(pos, subject, "port %d is also used by %s", port, other)
	}
	ports[port] = subject + " (at " + pos + ")"
}

func (v *validator) gatewayTLS(g *Gateway, subject string, ports map[uint32]string) {
	t := g.TLS
	if t == nil {
		return
	}
	pos := g.Origin.At("tls")
	if len(t.Certificates) == 0 {
		v.p.add(pos, subject, "tls needs at least one certificate")
	}
	if t.RedirectPort != 0 {
		v.gatewayPort(g.Origin.At("tls.redirectPort"), subject+" (HTTP redirect)", t.RedirectPort, ports)
	}
	sni, defaults := map[string]string{}, 0
	for i := range t.Certificates {
		c := &t.Certificates[i]
		v.certificate(c, subject)
		if len(c.Hostnames) == 0 {
			defaults++
		}
		for _, h := range c.Hostnames {
			v.checkHostname(c.Origin.At("hostnames"), subject, h)
			if other, dup := sni[h]; dup {
				v.p.add(c.Origin.At("hostnames"), subject, "hostname %q is also served by certificate %s", h, other)
			}
			sni[h] = c.Name
		}
	}
	if defaults > 1 {
		v.p.add(pos, subject, "%d certificates have no hostnames; at most one can be the default", defaults)
	}
}

// certificate checks that a certificate is named once and that its chain
// and key are a pair.
func (v *validator) certificate(c *Certificate, subject string) {
	v.checkLabel(c.Origin.At("name"), subject, "certificate name", c.Name, laneRE)
	if prev, dup := v.certNames[c.Name]; dup && c.Name != "" {
		v.p.add(c.Origin.At("name"), subject, "certificate %s is defined twice (also at %s)", c.Name, prev)
	}
	v.certNames[c.Name] = c.Origin
	if _, err := tls.X509KeyPair(c.Chain, c.Key); err != nil {
		v.p.add(c.Origin.String(), subject, "certificate %s (%s) is not a usable PEM certificate chain and key: %v", c.Name, c.From, err)
	}
}

func (v *validator) checkHostname(pos, subject, h string) {
	if len(h) > 253 || !hostnameRE.MatchString(h) {
		v.p.add(pos, subject, "hostname %s is not a lower-case DNS name (a leading *. is allowed)", Quote(h))
	}
}

func (v *validator) route(r *GatewayRoute, subject string) {
	pos := r.Origin.At("match")
	v.routeMatch(pos, subject, &r.Match)
	for _, h := range r.Hostnames {
		v.checkHostname(r.Origin.At("hostnames"), subject, h)
	}
	s := v.routeService(r, subject)
	if s != nil {
		v.splitOf(r.Origin, subject, r.Weights, s)
	}
	v.action(r.Origin, subject, &r.Action, []RouteMatch{r.Match}, s)
}

// knownRoute reports whether route j of gateway i is known valid: it is
// as the last configuration had it, and it leads to one service, a reused
// one, as it did then.
func (v *validator) knownRoute(i, j int) bool {
	if v.last == nil || i >= len(v.last.Gateways) {
		return false
	}
	g, lg := &v.cfg.Gateways[i], &v.last.Gateways[i]
	if lg.Name != g.Name || j >= len(lg.Routes) || !lg.Routes[j].Equal(&g.Routes[j]) {
		return false
	}
	found := v.servicesOf(&g.Routes[j])
	return len(found) == 1 && v.reused[found[0]]
}

// servicesOf lists the indexes of the services a route's reference
// matches.
func (v *validator) servicesOf(r *GatewayRoute) []int {
	var found []int
	for _, i := range v.byHost[r.Service.Name+"."+r.Service.Namespace] {
		if r.Service.Matches(&v.cfg.Services[i]) {
			found = append(found, i)
		}
	}
	return found
}

// routeService resolves the route's service, or reports why it cannot.
func (v *validator) routeService(r *GatewayRoute, subject string) *Service {
	pos := r.Origin.At("service")
	var found []*Service
	for _, i := range v.servicesOf(r) {
		found = append(found, &v.cfg.Services[i])
	}
	switch {
	case len(found) == 0:
		v.p.add(pos, subject, "service %s is not defined", Clip(r.Service.String()))
	case len(found) > 1:
		v.p.add(pos, subject, "service %s has several ports; name one with port", r.Service)
	case !found[0].Protocol.IsHTTP():
		v.p.add(pos, subject, "service %s is a tcp service; gateways route HTTP requests", found[0].Key())
	default:
		return found[0]
	}
	return nil
}

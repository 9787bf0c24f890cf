package translators

import (
	"fmt"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// edgeAddress is where an edge proxy listens: every interface.
const edgeAddress = "0.0.0.0"

// edge serves Envoy at the edge: a listener per gateway whose routes lead
// to services by lane, with the edge filters (the lane filter) before the
// router, and the clusters of every service a gateway routes to.
func (t *translator) edge() {
	used := map[string]bool{}
	for i := range t.cfg.Gateways {
		g := &t.cfg.Gateways[i]
		var services []*svc
		vh := &routev3.VirtualHost{Name: g.Name, Domains: []string{"*"}}
		for j := range g.Routes {
			r := &g.Routes[j]
			s := t.service(r.Service)
			if s == nil {
				t.fail(fmt.Errorf("gateway %s: route %d: service %s is not defined", g.Name, j+1, r.Service))
				continue
			}
			services = append(services, s)
			vh.Routes = append(vh.Routes, t.gatewayRoutes(s, r, routeName(g, j, s))...)
			if !used[s.key] {
				used[s.key] = true
				t.add(t.piece(s, "", func() piece {
					var p piece
					t.versionClusters(s, &p)
					return p
				}))
			}
		}
		name := GatewayListener(g)
		t.out.Routes = append(t.out.Routes, &routev3.RouteConfiguration{Name: name, VirtualHosts: []*routev3.VirtualHost{vh}})
		t.out.Listeners = append(t.out.Listeners, t.httpListener(name, edgeAddress, g.Port, t.edgeHCM(g, name, services)))
	}
}

// gatewayRoutes are a gateway route's lane routes. A rate limit sits on
// each of them: a gateway's virtual host spans services, so each route (and
// lane) has a bucket of its own.
func (t *translator) gatewayRoutes(s *svc, r *model.GatewayRoute, name string) []*routev3.Route {
	routes := t.serviceRoutes(s, t.gatewayMatch(r), name)
	if cfg := t.rateLimitConfig(s); cfg != nil {
		for _, rt := range routes {
			rt.TypedPerFilterConfig = cfg
		}
	}
	return routes
}

func routeName(g *model.Gateway, i int, s *svc) string {
	return g.Name + "/" + itoa(i+1) + "/" + s.key
}

// edgeHCM is a gateway's connection manager, set up as Envoy recommends for
// an edge proxy: the client address is the remote address, and paths are
// normalized before routing.
func (t *translator) edgeHCM(g *model.Gateway, name string, services []*svc) *hcmv3.HttpConnectionManager {
	var extra []*hcmv3.HttpFilter
	if t.opts.edgeFilters != nil {
		filters, ecds, err := t.opts.edgeFilters.EdgeFilters(t.cfg, g)
		t.fail(err)
		extra = filters
		t.out.ExtensionConfigs = append(t.out.ExtensionConfigs, ecds...)
	}
	m := t.hcm(name, name, t.envoyFilters(services, extra...))
	m.UseRemoteAddress = wrapperspb.Bool(true)
	m.NormalizePath = wrapperspb.Bool(true)
	m.MergeSlashes = true
	return m
}

// gatewayMatch is a gateway route's own match.
func (t *translator) gatewayMatch(r *model.GatewayRoute) baseMatch {
	return baseMatch{
		prefix: r.Match.PathPrefix, path: r.Match.Path, exact: r.Match.Path != "",
		headers: t.exactHeaders(exactValues(r.Match.Headers)),
	}
}

// exactValues are the exact-value tests of a match.
func exactValues(ms []model.ValueMatch) []model.NameValue {
	out := make([]model.NameValue, 0, len(ms))
	for _, m := range ms {
		out = append(out, model.NameValue{Name: m.Name, Value: m.Value})
	}
	return out
}

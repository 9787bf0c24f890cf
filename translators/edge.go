package translators

import (
	"fmt"
	"slices"
	"strings"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// edgeAddress is where an edge proxy listens: every interface.
const edgeAddress = "0.0.0.0"

// edge serves Envoy at the edge: a listener per gateway whose routes lead
// to services by lane, with the edge filters (the lane filter) before the
// router, and the clusters of every service a gateway routes to. A gateway
// with TLS serves HTTPS with certificates sent by SDS, and may redirect a
// plain HTTP port to it.
func (t *translator) edge() {
	mirrored := t.gatewayMirrors()
	used := make([]bool, len(t.services))
	for i := range t.cfg.Gateways {
		g := &t.cfg.Gateways[i]
		var services []*svc
		routes := make([][]*routev3.Route, len(g.Routes))
		gm := t.gatewayMemo(g)
		for j := range g.Routes {
			r := &g.Routes[j]
			s, si := gm.service(t, j, r)
			if s == nil {
				t.fail(fmt.Errorf("gateway %s: route %d: service %s is not defined", g.Name, j+1, r.Service))
				gm.forget() // the route configuration lacks this route's routes
				continue
			}
			services = append(services, s)
			routes[j] = gm.routesOf(j, s, r, func() []*routev3.Route {
				return t.gatewayRoutes(s, r, routeName(g, j, s))
			})
			if !used[si] {
				used[si] = true
				t.add(t.edgeService(s, mirrored[s.key]))
			}
		}
		name := GatewayListener(g)
		t.out.Routes = append(t.out.Routes, gm.routeConfig(name, func() *routev3.RouteConfiguration { return gatewayRouteConfig(g, name, routes) }))
		t.gatewayListeners(g, name, t.edgeHCM(g, name, services))
	}
}

// edgeService is a service's clusters at the edge, with mirror clusters
// for its own mirrors and for the versions gateway routes mirror to.
func (t *translator) edgeService(s *svc, mirrored []string) *Piece {
	return t.piece(s, strings.Join(mirrored, ","), func() *Piece {
		p := &Piece{Key: s.key}
		t.versionClusters(s, p, mirroredVersions(s, s.Mirrors, mirrored))
		return p
	})
}

// gatewayMirrors lists, by service key, the versions gateway routes mirror
// requests to, sorted and without duplicates: a service's clusters at the
// edge depend on them.
func (t *translator) gatewayMirrors() map[string][]string {
	out := map[string][]string{}
	for i := range t.cfg.Gateways {
		for _, r := range t.cfg.Gateways[i].Routes {
			if len(r.Action.Mirrors) == 0 {
				continue
			}
			if s, _ := t.service(r.Service); s != nil {
				for _, m := range r.Action.Mirrors {
					out[s.key] = append(out[s.key], m.Version)
				}
			}
		}
	}
	for key, vs := range out {
		slices.Sort(vs)
		out[key] = slices.Compact(vs)
	}
	return out
}

// gatewayRoutes are a gateway route's routes: the route's own match,
// action and split (the service's when it has none) over the service's
// lane routes and header matches. The service's own route rules are for
// calls between services and do not apply. A rate limit sits on each
// route: a gateway's virtual host spans services, so each route (and
// lane) has a bucket of its own.
func (t *translator) gatewayRoutes(s *svc, r *model.GatewayRoute, name string) []*routev3.Route {
	base, _ := t.routeMatch(&r.Match, "")
	weights := r.Weights
	if len(weights) == 0 {
		weights = s.Weights
	}
	action := *t.withAction(t.servicePolicy(s), s, &r.Action)
	action.perFilter = t.rateLimitConfig(s)
	b := t.batchFor(s, 1)
	t.block(b, s, &block{name: name, base: base, action: &action, split: splitTargets(s, weights), matches: s.Matches})
	return b.routes
}

func routeName(g *model.Gateway, i int, s *svc) string {
	return g.Name + "/" + itoa(i+1) + "/" + s.key
}

// gatewayRouteConfig is a gateway's route configuration. Without
// hostnames it has one virtual host for any Host. With them, each
// hostname's virtual host lists, in the gateway's order, the routes that
// serve it: those naming it or a wildcard that covers it, and those that
// name no hostname; hostnames served by the same routes share a virtual
// host, and the routes without hostnames alone serve any other Host. The
// port of the Host header is ignored.
func gatewayRouteConfig(g *model.Gateway, name string, routes [][]*routev3.Route) *routev3.RouteConfiguration {
	rc := &routev3.RouteConfiguration{Name: name}
	groups, order := map[string][]string{}, []string(nil)
	for _, h := range gatewayHostnames(g) {
		key := fmt.Sprint(servingRoutes(g, h))
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], h)
	}
	for _, key := range order {
		hosts := groups[key]
		rc.VirtualHosts = append(rc.VirtualHosts, &routev3.VirtualHost{
			Name: g.Name + "/" + hosts[0], Domains: hosts, Routes: routesOf(routes, servingRoutes(g, hosts[0])),
		})
	}
	if len(order) > 0 {
		rc.IgnorePortInHostMatching = true
	}
	if rest := servingRoutes(g, ""); len(rest) > 0 || len(order) == 0 {
		rc.VirtualHosts = append(rc.VirtualHosts, &routev3.VirtualHost{Name: g.Name, Domains: []string{"*"}, Routes: routesOf(routes, rest)})
	}
	return rc
}

// gatewayHostnames are the hostnames a gateway's routes name, sorted.
func gatewayHostnames(g *model.Gateway) []string {
	var out []string
	for _, r := range g.Routes {
		out = append(out, r.Hostnames...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// servingRoutes are the indexes of the routes that serve hostname h; ""
// stands for any other name.
func servingRoutes(g *model.Gateway, h string) []int {
	var out []int
	for i, r := range g.Routes {
		if len(r.Hostnames) == 0 || (h != "" && slices.ContainsFunc(r.Hostnames, func(rh string) bool { return covers(rh, h) })) {
			out = append(out, i)
		}
	}
	return out
}

// covers reports whether a route's hostname serves every name hostname h
// stands for: the same name, or a wildcard ("*.example.com") whose suffix
// h ends with.
func covers(route, h string) bool {
	return route == h || (strings.HasPrefix(route, "*.") && strings.HasSuffix(h, route[1:]))
}

func routesOf(routes [][]*routev3.Route, indexes []int) []*routev3.Route {
	var out []*routev3.Route
	for _, i := range indexes {
		out = append(out, routes[i]...)
	}
	return out
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
	m := t.hcm(name, name, t.envoyFilters(anyRateLimit(services), extra...))
	edgeSettings(m)
	return m
}

// edgeSettings sets what every edge connection manager shares.
func edgeSettings(m *hcmv3.HttpConnectionManager) {
	m.UseRemoteAddress = wrapperspb.Bool(true)
	m.NormalizePath = wrapperspb.Bool(true)
	m.MergeSlashes = true
}

// gatewayListeners adds a gateway's listener: plain HTTP, or HTTPS with
// its certificates and, when asked, the plain listener that redirects to
// it.
func (t *translator) gatewayListeners(g *model.Gateway, name string, m *hcmv3.HttpConnectionManager) {
	if g.TLS == nil {
		t.out.Listeners = append(t.out.Listeners, t.httpListener(name, edgeAddress, g.Port, m))
		return
	}
	t.out.Listeners = append(t.out.Listeners, t.httpsListener(g, name, m))
	t.out.Secrets = append(t.out.Secrets, certificateSecrets(g.TLS)...)
	if g.TLS.RedirectPort != 0 {
		t.redirectListener(g)
	}
}

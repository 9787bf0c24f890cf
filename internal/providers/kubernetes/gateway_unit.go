package kubernetes

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// defaultHTTPSPort is where a redirect without a port sends requests.
const defaultHTTPSPort = 443

// portGroup is the served listeners of a Gateway on one port: one model
// gateway.
type portGroup struct {
	port      int32
	https     bool
	listeners []*listenerState
}

func (g *portGroup) has(l *listenerState) bool { return slices.Contains(g.listeners, l) }

// portGroups groups a Gateway's served listeners by port, in port order.
func portGroups(gs *gatewayState) []*portGroup {
	byPort := map[int32]*portGroup{}
	var out []*portGroup
	for _, l := range gs.listeners {
		if !l.serving() {
			continue
		}
		g := byPort[int32(l.l.Port)]
		if g == nil {
			g = &portGroup{port: int32(l.l.Port), https: l.https()}
			byPort[g.port] = g
			out = append(out, g)
		}
		g.listeners = append(g.listeners, l)
	}
	slices.SortFunc(out, func(a, b *portGroup) int { return cmp.Compare(a.port, b.port) })
	return out
}

// gatewayUnit maps a Gateway and the routes attached to it: a model
// gateway per port of its served listeners. An HTTP port whose routes
// only redirect to HTTPS becomes the redirect port of the HTTPS port they
// redirect to.
func (m *mapper) gatewayUnit(gs *gatewayState) *unit {
	u := newUnit(gatewayKey(nameOf(gs.obj)))
	atts := m.routes.byGateway[nameOf(gs.obj)]
	groups := portGroups(gs)
	redirects := map[int32]int32{} // HTTP port -> HTTPS port
	for _, g := range groups {
		if to, ok := m.redirectOnly(g, groups, atts); ok {
			redirects[g.port] = to
		}
	}
	from := map[int32]*portGroup{} // HTTPS port -> the HTTP port redirecting to it
	for http, https := range redirects {
		from[https] = groupOf(groups, http)
	}
	for _, g := range groups {
		if _, ok := redirects[g.port]; !ok {
			u.gateways = append(u.gateways, m.modelGateway(u, gs, g, atts, from[g.port]))
		}
	}
	return u
}

func groupOf(groups []*portGroup, port int32) *portGroup {
	for _, g := range groups {
		if g.port == port {
			return g
		}
	}
	return nil
}

func listenerPos(gs *gatewayState, l *listenerState) string {
	return fmt.Sprintf("%s: spec.listeners[%d]", objPos("Gateway", gs.obj), l.index)
}

// modelGateway maps one port of a Gateway; redirect is the HTTP port that
// redirects to it, if any.
func (m *mapper) modelGateway(u *unit, gs *gatewayState, g *portGroup, atts []attachment, redirect *portGroup) model.Gateway {
	pos := listenerPos(gs, g.listeners[0])
	mg := model.Gateway{Name: hyphenName(63, gs.obj.Namespace, gs.obj.Name, fmt.Sprint(g.port)), Port: uint32(g.port)}
	fields := map[string]string{"name": pos + ".name", "port": pos + ".port", "tls": pos + ".tls"}
	if redirect != nil {
		fields["tls.redirectPort"] = listenerPos(gs, redirect.listeners[0]) + ".port"
	}
	mg.Origin = u.origin(pos, fields)
	if g.https {
		mg.TLS = &model.GatewayTLS{}
		if redirect != nil {
			mg.TLS.RedirectPort = uint32(redirect.port)
		}
		for _, l := range g.listeners {
			mg.TLS.Certificates = append(mg.TLS.Certificates, l.certificate(u, m.certs, m.w.secrets))
		}
	}
	mg.Routes = m.gatewayRoutes(u, g, atts)
	return mg
}

// redirectOnly reports whether every rule served on an HTTP port redirects
// to HTTPS, and to which HTTPS port of the Gateway.
func (m *mapper) redirectOnly(g *portGroup, groups []*portGroup, atts []attachment) (int32, bool) {
	if g.https {
		return 0, false
	}
	var to int32
	found := false
	for _, a := range atts {
		if !slices.ContainsFunc(a.parent.listeners, g.has) {
			continue
		}
		for _, r := range a.route.rules {
			if !a.parent.serves(r) {
				continue
			}
			port, ok := httpsRedirect(r, groups)
			if !ok || (found && port != to) {
				return 0, false
			}
			to, found = port, true
		}
	}
	return to, found
}

// httpsRedirect is the HTTPS port of the Gateway a rule redirects every
// request to, when it does only that.
func httpsRedirect(r *parsedRule, groups []*portGroup) (int32, bool) {
	rd := r.redirect
	if rd == nil || ptrOr(rd.Scheme, "") != "https" || rd.Hostname != nil || rd.Path != nil || len(r.backends) > 0 || !r.action.IsZero() || !r.matchesAll() {
		return 0, false
	}
	want := int32(ptrOr(rd.Port, defaultHTTPSPort))
	var https []*portGroup
	for _, g := range groups {
		if g.https {
			https = append(https, g)
		}
	}
	for _, g := range https {
		if g.port == want {
			return g.port, true
		}
	}
	if rd.Port == nil && len(https) == 1 {
		return https[0].port, true
	}
	return 0, false
}

// edgeRoute is a gateway route with what orders it.
type edgeRoute struct {
	route    model.GatewayRoute
	hostname string
	ranked   rankedMatch
}

// gatewayRoutes are the routes of one port of a Gateway: every match of
// every rule served there, by hostname, ordered as Gateway API orders
// them.
func (m *mapper) gatewayRoutes(u *unit, g *portGroup, atts []attachment) []model.GatewayRoute {
	var out []edgeRoute
	for _, a := range atts {
		var hostnames []string
		anyHost := false
		for _, l := range a.parent.listeners {
			if g.has(l) {
				hs, _ := hostnamesFor(l.hostname(), a.route.hostnames)
				hostnames = append(hostnames, hs...)
				anyHost = anyHost || len(hs) == 0
			}
		}
		if len(hostnames) == 0 && !anyHost {
			continue // not attached to this port
		}
		hostnames = dedupe(hostnames)
		if anyHost {
			hostnames = []string{""}
		}
		for _, r := range a.route.rules {
			if a.parent.serves(r) {
				out = append(out, m.ruleRoutes(u, a, r, hostnames)...)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b edgeRoute) int {
		return cmp.Or(compareHosts(a.hostname, b.hostname), compareRanks(a.ranked.match.rank, b.ranked.match.rank),
			olderRoute(a.ranked.rule.route, b.ranked.rule.route), cmp.Compare(a.ranked.rule.index, b.ranked.rule.index),
			cmp.Compare(a.ranked.match.index, b.ranked.match.index))
	})
	routes := make([]model.GatewayRoute, 0, len(out))
	for _, e := range out {
		routes = append(routes, e.route)
	}
	return routes
}

// compareHosts orders exact hostnames first, the longest first, then
// wildcards, the longest first, then routes for any host.
func compareHosts(a, b string) int {
	class := func(h string) int {
		switch {
		case h == "":
			return 0
		case strings.HasPrefix(h, "*"):
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(class(b), class(a)), cmp.Compare(len(b), len(a)))
}

// ruleRoutes are the gateway routes of one rule: one per match and
// hostname.
func (m *mapper) ruleRoutes(u *unit, a attachment, r *parsedRule, hostnames []string) []edgeRoute {
	if r.redirect != nil {
		a.parent.dropped[r.index] = "RequestRedirect is supported only as an HTTP listener whose every rule redirects to an HTTPS listener of the Gateway"
		return nil
	}
	ref, weights, mirrors, ok := m.edgeTarget(u, a, r)
	if !ok {
		return nil
	}
	matches := r.matches
	if len(matches) == 0 {
		matches = []ruleMatch{{rank: httpRank(model.RouteMatch{})}}
	}
	var out []edgeRoute
	for _, rm := range matches {
		for _, h := range hostnames {
			fields := ruleFields(r, nil)
			fields["match"] = fmt.Sprintf("%s.matches[%d]", r.pos, rm.index)
			fields["service"] = r.pos + ".backendRefs"
			fields["hostnames"] = r.route.pos() + ": spec.hostnames"
			gr := model.GatewayRoute{Match: rm.match, Service: ref, Weights: weights, Action: withMirrors(r.action, mirrors),
				Origin: u.ruleOrigin(rulePlace{r, a.parent}, r.pos, fields)}
			if h != "" {
				gr.Hostnames = []string{h}
			}
			out = append(out, edgeRoute{route: gr, hostname: h, ranked: rankedMatch{rule: r, match: rm}})
		}
	}
	return out
}

// edgeTarget resolves a rule's backendRefs to one service and its
// versions' weights, and its mirrors to versions of that service.
func (m *mapper) edgeTarget(u *unit, a attachment, r *parsedRule) (model.ServiceRef, map[string]model.Weight, []model.Mirror, bool) {
	var ref model.ServiceRef
	var split versionSplit
	for _, b := range r.backends {
		to, version, problem := m.edgeBackend(a.route.obj.GetNamespace(), b.ref)
		if problem != nil {
			a.parent.unresolved[refName(b.ref)] = *problem
			continue
		}
		if len(split.names) > 0 && to != ref {
			a.parent.dropped[r.index] = fmt.Sprintf("backendRefs name versions of %s and of %s; a rule routes to one Service", ref, to)
			return ref, nil, nil, false
		}
		ref = to
		split.add(version, b.weight)
	}
	weights := split.weights()
	if weights == nil {
		a.parent.dropped[r.index] = "no backendRef names a version of a Service with a weight above 0"
		return ref, nil, nil, false
	}
	return ref, weights, m.edgeMirrors(u, a, r, ref), true
}

func (m *mapper) edgeMirrors(u *unit, a attachment, r *parsedRule, target model.ServiceRef) []model.Mirror {
	var out []model.Mirror
	for _, mr := range r.mirrors {
		to, version, problem := m.edgeBackend(a.route.obj.GetNamespace(), mr.ref)
		if problem == nil && to != target {
			problem = &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("mirror backendRef %s is not a version of %s", mr.ref.Name, target)}
		}
		if problem != nil {
			a.parent.unresolved[refName(mr.ref)] = *problem
			continue
		}
		fields := map[string]string{"version": mr.pos + ".requestMirror.backendRef", "percent": mr.pos + ".requestMirror"}
		out = append(out, model.Mirror{Version: version, Percent: mr.percent, Origin: u.ruleOrigin(rulePlace{r, a.parent}, mr.pos, fields)})
	}
	return out
}

// edgeBackend resolves a backendRef of a Gateway's route: the service port
// it routes to (a version Service stands for the Service it is a version
// of) and the version.
func (m *mapper) edgeBackend(ns string, b gatewayv1.BackendObjectReference) (model.ServiceRef, string, *refProblem) {
	key := types.NamespacedName{Namespace: ns, Name: string(b.Name)}
	svc := m.services[key]
	switch {
	case !isServiceBackend(b):
		return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonInvalidKind, fmt.Sprintf("backendRef %s is not a Service", b.Name)}
	case b.Namespace != nil && string(*b.Namespace) != ns:
		return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonRefNotPermitted, fmt.Sprintf("backendRef %s/%s is in another namespace than the route; ReferenceGrants are not supported", *b.Namespace, b.Name)}
	case svc == nil:
		return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s does not exist", key)}
	case m.leftOut[key] != "":
		return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is left out: %s", key, m.leftOut[key])}
	}
	parent := svc
	if of, ok := svc.Labels[LabelVersionOf]; ok {
		parent = m.services[types.NamespacedName{Namespace: ns, Name: of}]
	}
	if parent == nil {
		return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is a version of %s, which does not exist", key, svc.Labels[LabelVersionOf])}
	}
	for i := range parent.Spec.Ports {
		pp := &parent.Spec.Ports[i]
		vp := matchPort(svc, pp)
		if !isTCP(pp) || vp == nil || (b.Port != nil && vp.Port != int32(*b.Port)) {
			continue
		}
		if v := m.named[servicePort{nameOf(parent), pp.Port}][svc.Name]; v != "" {
			return model.ServiceRef{Name: parent.Name, Namespace: ns, Port: uint32(pp.Port)}, v, nil
		}
	}
	return model.ServiceRef{}, "", &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s has no port %d that serves a version of %s", key, ptrOr(b.Port, 0), parent.Name)}
}

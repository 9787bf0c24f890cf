package kubernetes

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// gatewayIndex holds the GatewayClasses Graylane owns and their Gateways.
type gatewayIndex struct {
	classes  []*gatewayv1.GatewayClass
	gateways []*gatewayState
	byName   map[types.NamespacedName]*gatewayState
}

// gatewayState is what became of one Gateway of a class Graylane owns, for
// its status.
type gatewayState struct {
	obj       *gatewayv1.Gateway
	listeners []*listenerState
	// problems make the Gateway not programmed; pending says it serves its
	// last good state, or nothing.
	problems []string
	pending  string
	// programmed is set once the Gateway is in the model the build
	// publishes, as built from its objects or as its last good state.
	programmed bool
}

// listenerState is what became of one listener.
type listenerState struct {
	gw    *gatewayState
	l     *gatewayv1.Listener
	index int
	// attached counts the routes attached to it.
	attached int32
	// unsupported says why Graylane does not serve the listener at all.
	unsupported       string
	unsupportedReason gatewayv1.ListenerConditionReason
	// conflicted says why the listener yields to an earlier one.
	conflicted       string
	conflictedReason gatewayv1.ListenerConditionReason
	// refProblem says why its certificate or route kinds do not resolve.
	refProblem       string
	refProblemReason gatewayv1.ListenerConditionReason
	// keptCertificate says the listener serves its last good certificate.
	keptCertificate string
}

// serving reports whether the listener is served.
func (l *listenerState) serving() bool {
	return l.unsupported == "" && l.conflicted == "" && l.refProblem == ""
}

func (l *listenerState) https() bool { return l.l.Protocol == gatewayv1.HTTPSProtocolType }

func (l *listenerState) hostname() string {
	if l.l.Hostname == nil {
		return ""
	}
	return strings.ToLower(string(*l.l.Hostname))
}

// indexGateways finds the GatewayClasses whose controllerName is
// Graylane's and the Gateways of those classes.
func (m *mapper) indexGateways() *gatewayIndex {
	idx := &gatewayIndex{byName: map[types.NamespacedName]*gatewayState{}}
	ours := map[string]bool{}
	for i := range m.w.classes {
		c := &m.w.classes[i]
		if c.Spec.ControllerName == GatewayControllerName {
			idx.classes = append(idx.classes, c)
			ours[c.Name] = true
		}
	}
	for i := range m.w.gateways {
		g := &m.w.gateways[i]
		if !ours[string(g.Spec.GatewayClassName)] {
			continue
		}
		gs := &gatewayState{obj: g}
		for j := range g.Spec.Listeners {
			l := newListener(gs, j)
			l.resolveCertificate(m.certs, m.w.secrets)
			gs.listeners = append(gs.listeners, l)
		}
		markConflicts(gs.listeners)
		idx.gateways = append(idx.gateways, gs)
		idx.byName[nameOf(g)] = gs
	}
	return idx
}

func newListener(gs *gatewayState, i int) *listenerState {
	l := &listenerState{gw: gs, l: &gs.obj.Spec.Listeners[i], index: i}
	switch l.l.Protocol {
	case gatewayv1.HTTPProtocolType:
	case gatewayv1.HTTPSProtocolType:
		if t := l.l.TLS; t != nil && t.Mode != nil && *t.Mode != gatewayv1.TLSModeTerminate {
			l.unsupported, l.unsupportedReason = "TLS mode "+string(*t.Mode)+" is not supported; HTTPS listeners terminate TLS", gatewayv1.ListenerReasonUnsupportedProtocol
		}
	default:
		l.unsupported, l.unsupportedReason = fmt.Sprintf("protocol %s is not supported; listeners serve HTTP or HTTPS", l.l.Protocol), gatewayv1.ListenerReasonUnsupportedProtocol
	}
	if why := l.routeKinds(); why != "" && l.unsupported == "" {
		l.refProblem, l.refProblemReason = why, gatewayv1.ListenerReasonInvalidRouteKinds
	}
	return l
}

// routeKinds says what of the listener's allowedRoutes.kinds Graylane
// cannot serve, or "".
func (l *listenerState) routeKinds() string {
	if l.l.AllowedRoutes == nil {
		return ""
	}
	for _, k := range l.l.AllowedRoutes.Kinds {
		if !routeKindOK(k) {
			return fmt.Sprintf("route kind %s is not supported; listeners take HTTPRoutes and GRPCRoutes", k.Kind)
		}
	}
	return ""
}

func routeKindOK(k gatewayv1.RouteGroupKind) bool {
	return ptrOr(k.Group, gatewayv1.GroupName) == gatewayv1.GroupName && (k.Kind == kindHTTPRoute || k.Kind == kindGRPCRoute)
}

// markConflicts makes a listener yield to an earlier one of its Gateway on
// the same port with another protocol, or with the same hostname.
func markConflicts(ls []*listenerState) {
	for i, l := range ls {
		for _, earlier := range ls[:i] {
			switch {
			case l.unsupported != "" || earlier.unsupported != "" || earlier.l.Port != l.l.Port:
			case earlier.l.Protocol != l.l.Protocol:
				l.conflicted, l.conflictedReason = fmt.Sprintf("listener %s serves %s on port %d", earlier.l.Name, earlier.l.Protocol, l.l.Port), gatewayv1.ListenerReasonProtocolConflict
			case earlier.hostname() == l.hostname():
				l.conflicted, l.conflictedReason = fmt.Sprintf("listener %s serves the same hostname on port %d", earlier.l.Name, l.l.Port), gatewayv1.ListenerReasonHostnameConflict
			}
		}
	}
}

// supportedKinds are the route kinds a listener takes.
func (l *listenerState) supportedKinds() []gatewayv1.RouteGroupKind {
	group := gatewayv1.Group(gatewayv1.GroupName)
	all := []gatewayv1.RouteGroupKind{{Group: &group, Kind: kindHTTPRoute}, {Group: &group, Kind: kindGRPCRoute}}
	if l.l.AllowedRoutes == nil || len(l.l.AllowedRoutes.Kinds) == 0 {
		return all
	}
	var out []gatewayv1.RouteGroupKind
	for _, k := range l.l.AllowedRoutes.Kinds {
		if routeKindOK(k) {
			out = append(out, gatewayv1.RouteGroupKind{Group: &group, Kind: k.Kind})
		}
	}
	return out
}

// allows says why the listener does not take a route, or "".
func (l *listenerState) allows(pr *parsedRoute) (gatewayv1.RouteConditionReason, string) {
	kindOK := false
	for _, k := range l.supportedKinds() {
		kindOK = kindOK || string(k.Kind) == pr.kind
	}
	if !kindOK {
		return gatewayv1.RouteReasonNotAllowedByListeners, fmt.Sprintf("listener %s does not take %ss", l.l.Name, pr.kind)
	}
	from := gatewayv1.NamespacesFromSame
	if ar := l.l.AllowedRoutes; ar != nil && ar.Namespaces != nil && ar.Namespaces.From != nil {
		from = *ar.Namespaces.From
	}
	switch {
	case from == gatewayv1.NamespacesFromAll:
	case from == gatewayv1.NamespacesFromSame && pr.obj.GetNamespace() == l.gw.obj.Namespace:
	case from == gatewayv1.NamespacesFromSelector:
		return gatewayv1.RouteReasonNotAllowedByListeners, fmt.Sprintf("listener %s takes routes from namespaces by selector, which Graylane does not support", l.l.Name)
	default:
		return gatewayv1.RouteReasonNotAllowedByListeners, fmt.Sprintf("listener %s does not take routes from namespace %s", l.l.Name, pr.obj.GetNamespace())
	}
	if _, ok := hostnamesFor(l.hostname(), pr.hostnames); !ok {
		return gatewayv1.RouteReasonNoMatchingListenerHostname, fmt.Sprintf("no hostname of the route matches listener %s's %s", l.l.Name, l.hostname())
	}
	return "", ""
}

// hostnamesFor are the hostnames a route serves on a listener: the route's
// that the listener's hostname matches, or the more specific of the two;
// none means any. ok is false when they have no hostname in common.
func hostnamesFor(listener string, route []string) ([]string, bool) {
	switch {
	case len(route) == 0 && listener == "":
		return nil, true
	case len(route) == 0:
		return []string{listener}, true
	case listener == "":
		return route, true
	}
	var out []string
	for _, h := range route {
		switch {
		case h == listener, hostCovers(listener, h):
			out = append(out, h)
		case hostCovers(h, listener):
			out = append(out, listener)
		}
	}
	return dedupe(out), len(out) > 0
}

// hostCovers reports whether wildcard pattern (*.example.com) covers h.
func hostCovers(pattern, h string) bool {
	suffix, ok := strings.CutPrefix(pattern, "*")
	return ok && strings.HasSuffix(h, suffix) && len(h) > len(suffix)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// isGatewayRef reports whether a parentRef names a Gateway, the API's
// default.
func isGatewayRef(ref gatewayv1.ParentReference) bool {
	return ptrOr(ref.Group, gatewayv1.GroupName) == gatewayv1.GroupName && ptrOr(ref.Kind, "Gateway") == "Gateway"
}

// attachGateway attaches a route to the listeners of a Gateway Graylane
// owns that its parentRef selects; a parentRef to another Gateway is
// another controller's and is left alone.
func (m *mapper) attachGateway(idx *routeIndex, pr *parsedRoute, ref gatewayv1.ParentReference) {
	key := types.NamespacedName{Namespace: string(ptrOr(ref.Namespace, gatewayv1.Namespace(pr.obj.GetNamespace()))), Name: string(ref.Name)}
	gs := m.gateways.byName[key]
	if gs == nil {
		return
	}
	ps := newParentState(ref, GatewayControllerName)
	pr.parents = append(pr.parents, ps)
	selected := false
	for _, l := range gs.listeners {
		if (ref.SectionName != nil && *ref.SectionName != l.l.Name) || (ref.Port != nil && *ref.Port != l.l.Port) {
			continue
		}
		selected = true
		if !l.serving() {
			continue
		}
		if reason, why := l.allows(pr); why != "" {
			ps.noParentReason, ps.noParent = reason, why
			continue
		}
		ps.listeners = append(ps.listeners, l)
		l.attached++
	}
	switch {
	case !selected:
		ps.noParentReason, ps.noParent = gatewayv1.RouteReasonNoMatchingParent, fmt.Sprintf("Gateway %s has no listener that the parentRef's sectionName and port select", key)
	case len(ps.listeners) > 0:
		ps.noParent = ""
		idx.byGateway[key] = append(idx.byGateway[key], attachment{route: pr, parent: ps})
	case ps.noParent == "":
		ps.noParentReason, ps.noParent = gatewayv1.RouteReasonNoMatchingParent, fmt.Sprintf("no listener of Gateway %s that the parentRef selects is served", key)
	}
}

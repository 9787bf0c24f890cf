package kubernetes

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// routeIndex holds every route of a build and, by Service and by Gateway,
// the parentRefs attached to it.
type routeIndex struct {
	routes    []*parsedRoute
	byKey     map[routeKey]*parsedRoute
	byParent  map[types.NamespacedName][]attachment
	byGateway map[types.NamespacedName][]attachment
}

// routeKey names a route: its kind, namespace and name.
type routeKey struct {
	kind string
	types.NamespacedName
}

// attachment is one parentRef of a route that Graylane serves.
type attachment struct {
	route  *parsedRoute
	parent *parentState
}

// parentState is what became of one parentRef Graylane serves, for its
// status.
type parentState struct {
	ref        gatewayv1.ParentReference
	controller gatewayv1.GatewayController
	// ports are the Service ports a Service parentRef attaches to.
	ports map[int32]bool
	// listeners are the Gateway listeners a Gateway parentRef attaches to.
	listeners []*listenerState
	// noParent says why the parentRef attaches to nothing, with its reason.
	noParent       string
	noParentReason gatewayv1.RouteConditionReason
	// invalid are problems that make the route not accepted by this parent.
	invalid []string
	// dropped are the rules this parent does not serve, by index, with why
	// (besides those no parent serves).
	dropped map[int]string
	// notes are what this parent leaves out of the rules it serves.
	notes []string
	// unresolved are references that name nothing Graylane can route to.
	unresolved map[string]refProblem
	// pending says the parent serves its last good state, or nothing.
	pending string
}

func newParentState(ref gatewayv1.ParentReference, controller gatewayv1.GatewayController) *parentState {
	return &parentState{ref: ref, controller: controller, dropped: map[int]string{}, unresolved: map[string]refProblem{}}
}

// serves reports whether the parent serves a rule.
func (ps *parentState) serves(r *parsedRule) bool { return r.served() && ps.dropped[r.index] == "" }

// refProblem is why a reference does not resolve.
type refProblem struct {
	reason  gatewayv1.RouteConditionReason
	message string
}

func (m *mapper) indexRoutes() *routeIndex {
	idx := &routeIndex{byKey: map[routeKey]*parsedRoute{}, byParent: map[types.NamespacedName][]attachment{},
		byGateway: map[types.NamespacedName][]attachment{}}
	for _, pr := range m.parsed {
		for _, ref := range pr.refs {
			switch {
			case isServiceRef(ref):
				ps := newParentState(ref, ControllerName)
				pr.parents = append(pr.parents, ps)
				m.attach(idx, pr, ps)
			case isGatewayRef(ref):
				m.attachGateway(idx, pr, ref)
			}
		}
		idx.routes = append(idx.routes, pr)
		idx.byKey[routeKey{pr.kind, nameOf(pr.obj)}] = pr
	}
	for _, byParent := range []map[types.NamespacedName][]attachment{idx.byParent, idx.byGateway} {
		for _, atts := range byParent {
			slices.SortStableFunc(atts, func(a, b attachment) int { return olderRoute(a.route, b.route) })
		}
	}
	return idx
}

// isServiceRef reports whether a parentRef names a Service (GAMMA). The
// API defaults an unset group and kind to a Gateway's.
func isServiceRef(ref gatewayv1.ParentReference) bool {
	return ref.Group != nil && (*ref.Group == "" || *ref.Group == "core") && ref.Kind != nil && *ref.Kind == "Service"
}

func (m *mapper) attach(idx *routeIndex, pr *parsedRoute, ps *parentState) {
	ns := pr.obj.GetNamespace()
	if ps.ref.Namespace != nil && string(*ps.ref.Namespace) != ns {
		ps.invalid = append(ps.invalid, "a route in another namespace than its Service (a consumer route) is not supported")
		return
	}
	key := types.NamespacedName{Namespace: ns, Name: string(ps.ref.Name)}
	svc := m.services[key]
	ps.noParentReason = gatewayv1.RouteReasonNoMatchingParent
	switch {
	case svc == nil:
		ps.noParent = fmt.Sprintf("Service %s does not exist", key)
	case m.isVersion(svc):
		ps.noParent = fmt.Sprintf("Service %s is a version of %s; attach the route to that Service", key, svc.Labels[LabelVersionOf])
	default:
		ps.ports = refPorts(svc, ps.ref)
		if len(ps.ports) == 0 {
			ps.noParent = fmt.Sprintf("Service %s has no TCP port that the parentRef's port and sectionName select", key)
			return
		}
		idx.byParent[key] = append(idx.byParent[key], attachment{route: pr, parent: ps})
	}
}

// refPorts are the TCP ports of svc a parentRef selects: all of them, or
// those of its port number and sectionName (a port name).
func refPorts(svc *corev1.Service, ref gatewayv1.ParentReference) map[int32]bool {
	out := map[int32]bool{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if isTCP(p) && (ref.Port == nil || int32(*ref.Port) == p.Port) && (ref.SectionName == nil || string(*ref.SectionName) == p.Name) {
			out[p.Port] = true
		}
	}
	return out
}

// attachedTo lists the parentRefs attached to a Service port, the oldest
// route first. Routes of one kind only apply to a port, as HTTPRoutes and
// GRPCRoutes do not merge: the oldest route's kind; the others are not
// accepted there.
func (idx *routeIndex) attachedTo(svc types.NamespacedName, port int32) []attachment {
	var out []attachment
	for _, a := range idx.byParent[svc] {
		if !a.parent.ports[port] {
			continue
		}
		if len(out) > 0 && a.route.kind != out[0].route.kind {
			first := out[0].route
			a.parent.invalid = append(a.parent.invalid, fmt.Sprintf("%s %s, older, applies to port %d; an HTTPRoute and a GRPCRoute do not merge",
				first.kind, first.obj.GetName(), port))
			continue
		}
		out = append(out, a)
	}
	return out
}

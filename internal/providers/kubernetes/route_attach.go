package kubernetes

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// routeIndex holds every HTTPRoute of a build and, by Service, the
// parentRefs attached to it.
type routeIndex struct {
	routes   []*parsedRoute
	byParent map[types.NamespacedName][]attachment
}

// attachment is one Service parentRef of a route.
type attachment struct {
	route  *parsedRoute
	parent *parentState
}

// parentState is what became of one Service parentRef of a route, for its
// status.
type parentState struct {
	ref gatewayv1.ParentReference
	// ports are the Service ports the route attaches to.
	ports map[int32]bool
	// noParent says why the parentRef attaches to nothing.
	noParent string
	// invalid are problems that make the route not accepted by this parent.
	invalid []string
	// unresolved are backendRefs that name no version, by name.
	unresolved map[string]refProblem
	// pending says the Service serves its last good state, or nothing.
	pending string
}

// refProblem is why a backendRef does not resolve.
type refProblem struct {
	reason  gatewayv1.RouteConditionReason
	message string
}

func (m *mapper) indexRoutes() *routeIndex {
	idx := &routeIndex{byParent: map[types.NamespacedName][]attachment{}}
	for i := range m.w.routes {
		pr := parseRoute(&m.w.routes[i])
		for _, ref := range pr.obj.Spec.ParentRefs {
			if isServiceRef(ref) {
				ps := &parentState{ref: ref, unresolved: map[string]refProblem{}}
				pr.parents = append(pr.parents, ps)
				m.attach(idx, pr, ps)
			}
		}
		idx.routes = append(idx.routes, pr)
	}
	for _, atts := range idx.byParent {
		slices.SortStableFunc(atts, func(a, b attachment) int { return olderRoute(a.route, b.route) })
	}
	return idx
}

// isServiceRef reports whether a parentRef names a Service (GAMMA). The
// API defaults an unset group and kind to a Gateway's.
func isServiceRef(ref gatewayv1.ParentReference) bool {
	return ref.Group != nil && (*ref.Group == "" || *ref.Group == "core") && ref.Kind != nil && *ref.Kind == "Service"
}

func (m *mapper) attach(idx *routeIndex, pr *parsedRoute, ps *parentState) {
	r := pr.obj
	ns := r.Namespace
	if ps.ref.Namespace != nil && string(*ps.ref.Namespace) != r.Namespace {
		ps.invalid = append(ps.invalid, "a route in another namespace than its Service (a consumer route) is not supported")
		return
	}
	key := types.NamespacedName{Namespace: ns, Name: string(ps.ref.Name)}
	svc := m.services[key]
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
// route first.
func (idx *routeIndex) attachedTo(svc types.NamespacedName, port int32) []attachment {
	var out []attachment
	for _, a := range idx.byParent[svc] {
		if a.parent.ports[port] {
			out = append(out, a)
		}
	}
	return out
}

// olderRoute orders routes as Gateway API resolves conflicts: by creation
// time, then by namespace and name.
func olderRoute(a, b *parsedRoute) int {
	ta, tb := a.obj.CreationTimestamp.Time, b.obj.CreationTimestamp.Time
	return cmp.Or(ta.Compare(tb), cmp.Compare(a.obj.Namespace, b.obj.Namespace), cmp.Compare(a.obj.Name, b.obj.Name))
}

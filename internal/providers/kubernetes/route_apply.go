package kubernetes

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// applyRoutes sets the weights and header matches of one port of a unit's
// Service from the routes attached to it, merged as Gateway API merges
// routes: the oldest route's rule that matches everything splits the
// untagged traffic; header matches of every route are checked, most
// headers first, then oldest route first.
func (m *mapper) applyRoutes(u *unit, s *model.Service, p *corev1.Service, port *corev1.ServicePort, byService map[string]string, fields map[string]string) {
	var split *attachment
	var matches []attachment
	for _, a := range m.routes.attachedTo(nameOf(p), port.Port) {
		if len(a.route.unsupported) > 0 {
			continue // an error of the unit: see unsupportedRoutes
		}
		if a.route.split != nil && split == nil {
			split = &a
		}
		if len(a.route.matches) > 0 {
			matches = append(matches, a)
		}
	}
	if split != nil {
		s.Weights = m.weights(split, p, port.Port, byService)
		fields["weights"] = split.route.split.pos
	}
	for _, hm := range sortedMatches(matches) {
		if version, ok := m.resolve(hm.a, hm.m.backend, p, port.Port, byService); ok {
			s.Matches = append(s.Matches, model.ServiceMatch{
				Headers: hm.m.headers, Version: version,
				Origin: u.origin(hm.m.pos, map[string]string{"headers": hm.m.pos + ".headers", "version": hm.m.pos + ".backendRefs"}),
			})
		}
	}
}

// unsupportedRoutes makes each route attached to a Service that Graylane
// cannot serve an error of the Service's unit, which then keeps its last
// good state: the route's last good effect included.
func (m *mapper) unsupportedRoutes(u *unit, p *corev1.Service) {
	seen := map[*parsedRoute]bool{}
	for _, a := range m.routes.byParent[nameOf(p)] {
		if len(a.route.unsupported) > 0 && !seen[a.route] {
			seen[a.route] = true
			u.errs = append(u.errs, &model.Error{Pos: objPos("HTTPRoute", a.route.obj), Message: "not accepted: " + strings.Join(a.route.unsupported, "; ")})
		}
	}
}

// weights splits untagged traffic by the resolved backendRefs' weights,
// made exact shares of 100%. backendRefs that name no version are left out
// and the others share their traffic; with no weight left, untagged traffic
// goes to the baseline.
func (m *mapper) weights(a *attachment, p *corev1.Service, port int32, byService map[string]string) map[string]model.Weight {
	var names []string
	totals := map[string]int64{}
	for _, b := range a.route.split.backends {
		v, ok := m.resolve(*a, b, p, port, byService)
		if !ok {
			continue
		}
		if _, seen := totals[v]; !seen {
			names = append(names, v)
		}
		totals[v] += weightOf(b)
	}
	ws := make([]int64, len(names))
	for i, n := range names {
		ws[i] = totals[n]
	}
	shares := shares(ws)
	if shares == nil {
		return nil
	}
	out := make(map[string]model.Weight, len(names))
	for i, n := range names {
		out[n] = shares[i]
	}
	return out
}

// shares divides 100% among ws in proportion, exactly: each gets the floor
// of its share in hundredths of a percent, and what is left goes one
// hundredth at a time to the largest remainders, the earliest first. It
// returns nil when ws add up to 0.
func shares(ws []int64) []model.Weight {
	var total int64
	for _, w := range ws {
		total += w
	}
	if total == 0 {
		return nil
	}
	out := make([]model.Weight, len(ws))
	rem := make([]int64, len(ws))
	left := int64(model.WeightFull)
	for i, w := range ws {
		q := w * int64(model.WeightFull)
		out[i], rem[i] = model.Weight(q/total), q%total
		left -= q / total
	}
	order := make([]int, len(ws))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for k := range int(left) {
		out[order[k]]++
	}
	return out
}

// resolve finds the version a backendRef names, or records why it names
// none in the parentRef's status.
func (m *mapper) resolve(a attachment, b gatewayv1.HTTPBackendRef, p *corev1.Service, port int32, byService map[string]string) (string, bool) {
	problem := m.backendProblem(a.route.obj, b.BackendObjectReference, p, port, byService)
	if problem == nil {
		return byService[string(b.Name)], true
	}
	a.parent.unresolved[string(b.Name)] = *problem
	return "", false
}

func (m *mapper) backendProblem(r *gatewayv1.HTTPRoute, b gatewayv1.BackendObjectReference, p *corev1.Service, port int32, byService map[string]string) *refProblem {
	key := types.NamespacedName{Namespace: r.Namespace, Name: string(b.Name)}
	switch {
	case b.Group != nil && *b.Group != "" && *b.Group != "core" || b.Kind != nil && *b.Kind != "Service":
		return &refProblem{gatewayv1.RouteReasonInvalidKind, fmt.Sprintf("backendRef %s is not a Service", b.Name)}
	case b.Namespace != nil && string(*b.Namespace) != r.Namespace:
		return &refProblem{gatewayv1.RouteReasonRefNotPermitted, fmt.Sprintf("backendRef %s/%s is in another namespace than its Service", *b.Namespace, b.Name)}
	case byService[string(b.Name)] != "":
		return nil
	case m.services[key] == nil:
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s does not exist", key)}
	case m.leftOut[key] != "":
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is left out: %s", key, m.leftOut[key])}
	case m.services[key].Labels[LabelVersionOf] != p.Name:
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is not a version of %s (label %s: %s)", key, p.Name, LabelVersionOf, p.Name)}
	}
	return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s has no port matching port %d of %s; set the parentRef's port", key, port, p.Name)}
}

// routeMatch is a header match with the parentRef it came through.
type routeMatch struct {
	a attachment
	m headerMatch
}

// sortedMatches orders header matches as Gateway API ranks them: more
// headers first, then older route, then rule and match order.
func sortedMatches(atts []attachment) []routeMatch {
	var out []routeMatch
	for _, a := range atts {
		for _, hm := range a.route.matches {
			out = append(out, routeMatch{a: a, m: hm})
		}
	}
	slices.SortStableFunc(out, func(x, y routeMatch) int {
		return cmp.Or(cmp.Compare(len(y.m.headers), len(x.m.headers)), olderRoute(x.a.route, y.a.route),
			cmp.Compare(x.m.rule, y.m.rule), cmp.Compare(x.m.match, y.m.match))
	})
	return out
}

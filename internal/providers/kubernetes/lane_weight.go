package kubernetes

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/model"
)

// routeLookup finds the routes lanes follow and the Services their
// backendRefs name.
type routeLookup struct {
	routes   map[routeKey]*parsedRoute
	services map[types.NamespacedName]*corev1.Service
}

func newRouteLookup(w *world, parsed []*parsedRoute) *routeLookup {
	rl := &routeLookup{routes: map[routeKey]*parsedRoute{}, services: map[types.NamespacedName]*corev1.Service{}}
	for _, pr := range parsed {
		rl.routes[routeKey{pr.kind, nameOf(pr.obj)}] = pr
	}
	for i := range w.services {
		rl.services[nameOf(&w.services[i])] = &w.services[i]
	}
	return rl
}

// followResult is how a lane's weightFrom resolved: the weight, the rule
// it was read from, or why there is none (and the weight is 0).
type followResult struct {
	weight  model.Weight
	rule    string
	reason  string
	problem string
}

// laneShare is the share of a route's split that goes to the backendRefs
// naming a version Service of lane.
func (rl *routeLookup) laneShare(lane string, from graylanev1alpha1.WeightFrom) followResult {
	key := routeKey{from.Kind, types.NamespacedName{Namespace: from.Namespace, Name: from.Name}}
	pr := rl.routes[key]
	if pr == nil {
		return followResult{reason: graylanev1alpha1.ReasonRouteNotFound,
			problem: fmt.Sprintf("%s %s/%s does not exist; the lane takes 0%%", from.Kind, from.Namespace, from.Name)}
	}
	rule := rl.splitRule(pr, lane)
	if rule == nil {
		return followResult{reason: graylanev1alpha1.ReasonNoLaneBackend, problem: fmt.Sprintf(
			"%s has no rule that tests no header, query parameter or method and has a backendRef to a version Service of lane %s; the lane takes 0%%",
			pr.pos(), lane)}
	}
	var ws []int64
	var inLane []bool
	for _, b := range rule.backends {
		if svc := rl.backend(pr, b); svc != nil {
			ws = append(ws, b.weight)
			inLane = append(inLane, svc.Labels[LabelLane] == lane)
		}
	}
	var total model.Weight
	for i, s := range shares(ws) {
		if inLane[i] {
			total += s
		}
	}
	return followResult{weight: total, rule: rule.pos}
}

// splitRule is the rule of a route that splits the traffic a lane
// follows: the first that matches every request, else the first that
// tests paths only, with a backendRef in the lane.
func (rl *routeLookup) splitRule(pr *parsedRoute, lane string) *parsedRule {
	var first *parsedRule
	for _, r := range pr.rules {
		if !r.served() || !pathOnly(r) || !rl.hasLaneBackend(pr, r, lane) {
			continue
		}
		if r.matchesAll() {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}

func pathOnly(r *parsedRule) bool {
	for _, m := range r.matches {
		if len(m.match.Headers)+len(m.match.Query) > 0 || m.match.Method != "" {
			return false
		}
	}
	return true
}

func (rl *routeLookup) hasLaneBackend(pr *parsedRoute, r *parsedRule, lane string) bool {
	for _, b := range r.backends {
		if svc := rl.backend(pr, b); svc != nil && svc.Labels[LabelLane] == lane {
			return true
		}
	}
	return false
}

// backend is the Service a backendRef names in the route's namespace, or
// nil.
func (rl *routeLookup) backend(pr *parsedRoute, b backendRef) *corev1.Service {
	ns := pr.obj.GetNamespace()
	if !isServiceBackend(b.ref) || (b.ref.Namespace != nil && string(*b.ref.Namespace) != ns) {
		return nil
	}
	return rl.services[types.NamespacedName{Namespace: ns, Name: string(b.ref.Name)}]
}

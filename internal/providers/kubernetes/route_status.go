package kubernetes

import (
	"errors"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// routeResult is the status Graylane wants for one HTTPRoute: a parent
// status per Service parentRef (none when it has none, which clears what
// Graylane wrote before).
type routeResult struct {
	route      types.NamespacedName
	generation int64
	parents    []gatewayv1.RouteParentStatus
}

// noteUnit records in the statuses of the routes attached to a unit's
// Service what became of the unit: problems positioned in a route make it
// not accepted; a unit kept at its last good state, or left out, is noted.
func (m *mapper) noteUnit(u *unit, errs []error, pending string) {
	for _, a := range m.routes.byParent[u.key] {
		prefix := objPos("HTTPRoute", a.route.obj)
		for _, e := range errs {
			var me *model.Error
			if errors.As(e, &me) && strings.HasPrefix(me.Pos, prefix) {
				a.parent.invalid = append(a.parent.invalid, e.Error())
			}
		}
		a.parent.pending = pending
	}
}

// routeResults are the statuses of every route.
func (m *mapper) routeResults() []routeResult {
	out := make([]routeResult, 0, len(m.routes.routes))
	for _, pr := range m.routes.routes {
		res := routeResult{route: nameOf(pr.obj), generation: pr.obj.Generation}
		for _, ps := range pr.parents {
			res.parents = append(res.parents, gatewayv1.RouteParentStatus{
				ParentRef:      ps.ref,
				ControllerName: ControllerName,
				Conditions:     []metav1.Condition{accepted(pr, ps), resolvedRefs(ps)},
			})
		}
		out = append(out, res)
	}
	return out
}

func accepted(pr *parsedRoute, ps *parentState) metav1.Condition {
	c := metav1.Condition{Type: string(gatewayv1.RouteConditionAccepted), ObservedGeneration: pr.obj.Generation}
	problems := append(slices.Clone(pr.unsupported), ps.invalid...)
	switch {
	case ps.noParent != "":
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, string(gatewayv1.RouteReasonNoMatchingParent), ps.noParent
	case len(problems) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, string(gatewayv1.RouteReasonUnsupportedValue), strings.Join(problems, "; ")
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, string(gatewayv1.RouteReasonAccepted), "Accepted by Graylane"
		if ps.pending != "" {
			c.Message += "; " + ps.pending
		}
	}
	return c
}

func resolvedRefs(ps *parentState) metav1.Condition {
	c := metav1.Condition{
		Type: string(gatewayv1.RouteConditionResolvedRefs), Status: metav1.ConditionTrue,
		Reason: string(gatewayv1.RouteReasonResolvedRefs), Message: "Every backendRef names a version of the Service",
	}
	if len(ps.unresolved) == 0 {
		return c
	}
	var msgs []string
	for i, name := range slices.Sorted(maps.Keys(ps.unresolved)) {
		p := ps.unresolved[name]
		if i == 0 {
			c.Reason = string(p.reason)
		}
		msgs = append(msgs, p.message)
	}
	c.Status = metav1.ConditionFalse
	c.Message = strings.Join(msgs, "; ") + "; their requests go to the other backendRefs, or to the baseline"
	return c
}

package kubernetes

import (
	"context"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
)

// maxMessage is the longest condition message the API accepts.
const maxMessage = 32768

// writeLane writes a Lane's conditions, the weight it takes, and its
// observed generation. A status about an older generation is not
// written: a newer build follows.
func (w *statusWriter) writeLane(ctx context.Context, r laneResult) error {
	var lane graylanev1alpha1.Lane
	if err := w.client.Get(ctx, types.NamespacedName{Name: r.name}, &lane); err != nil || lane.Generation != r.generation {
		return client.IgnoreNotFound(err)
	}
	status := lane.Status.DeepCopy()
	status.ObservedGeneration = r.generation
	status.Weight = ""
	if r.served {
		status.Weight = r.weight.String()
	}
	status.Conditions = mergeConditions(lane.Status.Conditions, laneConditions(r))
	if equality.Semantic.DeepEqual(*status, lane.Status) {
		return nil
	}
	lane.Status = *status
	return w.client.Status().Update(ctx, &lane)
}

func laneConditions(r laneResult) []metav1.Condition {
	c := metav1.Condition{
		Type: graylanev1alpha1.ConditionAccepted, ObservedGeneration: r.generation,
		Status: metav1.ConditionTrue, Reason: graylanev1alpha1.ReasonAccepted, Message: "Accepted by Graylane",
	}
	if len(r.problems) > 0 {
		msgs := make([]string, 0, len(r.problems)+1)
		for _, p := range r.problems {
			msgs = append(msgs, p.Error())
		}
		msgs = append(msgs, laneNote(r))
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, graylanev1alpha1.ReasonInvalid, strings.Join(msgs, "; ")
	}
	out := []metav1.Condition{c}
	if f := r.follows; f != nil {
		rc := metav1.Condition{Type: graylanev1alpha1.ConditionResolvedRefs, ObservedGeneration: r.generation,
			Status: metav1.ConditionTrue, Reason: graylanev1alpha1.ReasonResolvedRefs, Message: "the weight follows " + f.rule}
		if f.problem != "" {
			rc.Status, rc.Reason, rc.Message = metav1.ConditionFalse, f.reason, f.problem
		}
		out = append(out, rc)
	}
	return out
}

// mergeConditions are want, each keeping the transition time of the
// condition of its type in old when its status did not change; the types
// old has and want has not are removed.
func mergeConditions(old, want []metav1.Condition) []metav1.Condition {
	out := make([]metav1.Condition, 0, len(want))
	for _, c := range want {
		c.Message = truncate(c.Message)
		if prev := meta.FindStatusCondition(old, c.Type); prev != nil && prev.Status == c.Status {
			c.LastTransitionTime = prev.LastTransitionTime
		} else {
			c.LastTransitionTime = metav1.Now()
		}
		out = append(out, c)
	}
	return out
}

// routeObject is an HTTPRoute or a GRPCRoute, and its parent statuses.
func routeObject(kind string) (client.Object, *[]gatewayv1.RouteParentStatus) {
	if kind == kindGRPCRoute {
		r := &gatewayv1.GRPCRoute{}
		return r, &r.Status.Parents
	}
	r := &gatewayv1.HTTPRoute{}
	return r, &r.Status.Parents
}

// writeRoute writes Graylane's parent statuses of a route.
func (w *statusWriter) writeRoute(ctx context.Context, r routeResult) error {
	route, current := routeObject(r.key.kind)
	if err := w.client.Get(ctx, r.key.NamespacedName, route); err != nil || route.GetGeneration() != r.generation {
		return client.IgnoreNotFound(err)
	}
	parents := mergeParents(*current, r.parents)
	if equality.Semantic.DeepEqual(parents, *current) {
		return nil
	}
	*current = parents
	return w.client.Status().Update(ctx, route)
}

// ours reports whether a controller name is one Graylane writes as.
func ours(name gatewayv1.GatewayController) bool {
	return name == ControllerName || name == GatewayControllerName
}

// mergeParents replaces Graylane's entries of old by want, in place, and
// keeps other controllers' entries as they are. A condition that did not
// change keeps its transition time.
func mergeParents(old, want []gatewayv1.RouteParentStatus) []gatewayv1.RouteParentStatus {
	out := make([]gatewayv1.RouteParentStatus, 0, len(old)+len(want))
	used := make([]bool, len(want))
	for _, p := range old {
		if !ours(p.ControllerName) {
			out = append(out, p)
			continue
		}
		if i := indexOfRef(want, p.ParentRef, used); i >= 0 {
			used[i] = true
			out = append(out, mergeParent(p.Conditions, want[i]))
		}
	}
	for i, p := range want {
		if !used[i] {
			out = append(out, mergeParent(nil, p))
		}
	}
	return out
}

func mergeParent(old []metav1.Condition, want gatewayv1.RouteParentStatus) gatewayv1.RouteParentStatus {
	want.Conditions = mergeConditions(old, want.Conditions)
	return want
}

func indexOfRef(want []gatewayv1.RouteParentStatus, ref gatewayv1.ParentReference, used []bool) int {
	for i := range want {
		if !used[i] && equality.Semantic.DeepEqual(want[i].ParentRef, ref) {
			return i
		}
	}
	return -1
}

// writeClass writes the status of a GatewayClass Graylane owns.
func (w *statusWriter) writeClass(ctx context.Context, r classResult) error {
	var c gatewayv1.GatewayClass
	if err := w.client.Get(ctx, types.NamespacedName{Name: r.name}, &c); err != nil || c.Generation != r.generation {
		return client.IgnoreNotFound(err)
	}
	conds := mergeConditions(c.Status.Conditions, r.conditions)
	if equality.Semantic.DeepEqual(conds, c.Status.Conditions) {
		return nil
	}
	c.Status.Conditions = conds
	return w.client.Status().Update(ctx, &c)
}

// writeGateway writes the status of a Gateway Graylane serves.
func (w *statusWriter) writeGateway(ctx context.Context, r gatewayResult) error {
	var g gatewayv1.Gateway
	if err := w.client.Get(ctx, r.key, &g); err != nil || g.Generation != r.generation {
		return client.IgnoreNotFound(err)
	}
	status := g.Status.DeepCopy()
	status.Conditions = mergeConditions(g.Status.Conditions, r.conditions)
	status.Listeners = nil
	for _, l := range r.listeners {
		old := []metav1.Condition(nil)
		for _, ol := range g.Status.Listeners {
			if ol.Name == l.Name {
				old = ol.Conditions
			}
		}
		l.Conditions = mergeConditions(old, l.Conditions)
		status.Listeners = append(status.Listeners, l)
	}
	if equality.Semantic.DeepEqual(*status, g.Status) {
		return nil
	}
	g.Status = *status
	return w.client.Status().Update(ctx, &g)
}

func truncate(msg string) string {
	if len(msg) <= maxMessage {
		return msg
	}
	return msg[:maxMessage-3] + "..."
}

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

// writeLane writes a Lane's Accepted condition and observed generation.
// A status about an older generation is not written: a newer build follows.
func (w *statusWriter) writeLane(ctx context.Context, r laneResult) error {
	var lane graylanev1alpha1.Lane
	if err := w.client.Get(ctx, types.NamespacedName{Name: r.name}, &lane); err != nil || lane.Generation != r.generation {
		return client.IgnoreNotFound(err)
	}
	status := lane.Status.DeepCopy()
	status.ObservedGeneration = r.generation
	meta.SetStatusCondition(&status.Conditions, laneCondition(r))
	if equality.Semantic.DeepEqual(*status, lane.Status) {
		return nil
	}
	lane.Status = *status
	return w.client.Status().Update(ctx, &lane)
}

func laneCondition(r laneResult) metav1.Condition {
	c := metav1.Condition{
		Type: graylanev1alpha1.ConditionAccepted, ObservedGeneration: r.generation,
		Status: metav1.ConditionTrue, Reason: graylanev1alpha1.ReasonAccepted, Message: "Accepted by Graylane",
	}
	if len(r.problems) == 0 {
		return c
	}
	msgs := make([]string, 0, len(r.problems)+1)
	for _, p := range r.problems {
		msgs = append(msgs, p.Error())
	}
	msgs = append(msgs, laneNote(r))
	c.Status, c.Reason, c.Message = metav1.ConditionFalse, graylanev1alpha1.ReasonInvalid, truncate(strings.Join(msgs, "; "))
	return c
}

// writeRoute writes Graylane's parent statuses of an HTTPRoute.
func (w *statusWriter) writeRoute(ctx context.Context, r routeResult) error {
	var route gatewayv1.HTTPRoute
	if err := w.client.Get(ctx, r.route, &route); err != nil || route.Generation != r.generation {
		return client.IgnoreNotFound(err)
	}
	parents := mergeParents(route.Status.Parents, r.parents, r.generation)
	if equality.Semantic.DeepEqual(parents, route.Status.Parents) {
		return nil
	}
	route.Status.Parents = parents
	return w.client.Status().Update(ctx, &route)
}

// mergeParents replaces Graylane's entries of old by want, in place, and
// keeps other controllers' entries as they are. A condition that did not
// change keeps its transition time.
func mergeParents(old, want []gatewayv1.RouteParentStatus, generation int64) []gatewayv1.RouteParentStatus {
	out := make([]gatewayv1.RouteParentStatus, 0, len(old)+len(want))
	used := make([]bool, len(want))
	for _, p := range old {
		if p.ControllerName != ControllerName {
			out = append(out, p)
			continue
		}
		if i := indexOfRef(want, p.ParentRef, used); i >= 0 {
			used[i] = true
			out = append(out, mergeParent(p.Conditions, want[i], generation))
		}
	}
	for i, p := range want {
		if !used[i] {
			out = append(out, mergeParent(nil, p, generation))
		}
	}
	return out
}

func mergeParent(old []metav1.Condition, want gatewayv1.RouteParentStatus, generation int64) gatewayv1.RouteParentStatus {
	conds := make([]metav1.Condition, len(old))
	for i := range old {
		old[i].DeepCopyInto(&conds[i])
	}
	for _, c := range want.Conditions {
		c.ObservedGeneration = generation
		c.Message = truncate(c.Message)
		meta.SetStatusCondition(&conds, c)
	}
	want.Conditions = conds
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

func truncate(msg string) string {
	if len(msg) <= maxMessage {
		return msg
	}
	return msg[:maxMessage-3] + "..."
}

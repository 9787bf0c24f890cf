package kubernetes

import (
	"context"
	"github.com/graylane/graylane/internal/kubetest"
	"testing"
	"time"

	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
)

func TestStatusWriterWritesLaneAndRouteStatuses(t *testing.T) {
	ctx := context.Background()
	objs := reviews()
	r := objs[len(objs)-1].(*gatewayv1.HTTPRoute)
	other := gatewayv1.RouteParentStatus{ParentRef: gatewayv1.ParentReference{Name: "public"}, ControllerName: "example.com/gateway",
		Conditions: []metav1.Condition{{Type: "Accepted", Status: metav1.ConditionTrue, Reason: "Accepted", LastTransitionTime: metav1.Now()}}}
	r.Status.Parents = []gatewayv1.RouteParentStatus{other}
	bad := kubetest.Lane("broken", "1000", 0)
	c := fakeClient(t, append(objs, bad)...)
	res := testBuilder().build(readFrom(t, c))
	sw := newStatusWriter(c, c, zap.NewNop())
	sw.set(res)
	if !sw.writeAll(ctx) {
		t.Fatal("writes failed")
	}

	var canary, broken graylanev1alpha1.Lane
	_ = c.Get(ctx, types.NamespacedName{Name: "canary"}, &canary)
	_ = c.Get(ctx, types.NamespacedName{Name: "broken"}, &broken)
	if a := canary.Status.Conditions; canary.Status.ObservedGeneration != 1 || len(a) != 1 || a[0].Status != metav1.ConditionTrue {
		t.Errorf("canary status = %+v", canary.Status)
	}
	if a := broken.Status.Conditions; len(a) != 1 || a[0].Status != metav1.ConditionFalse || a[0].Reason != graylanev1alpha1.ReasonInvalid {
		t.Errorf("broken status = %+v", broken.Status)
	}

	var got gatewayv1.HTTPRoute
	_ = c.Get(ctx, types.NamespacedName{Namespace: "shop", Name: "reviews"}, &got)
	ps := got.Status.Parents
	if len(ps) != 2 || ps[0].ControllerName != "example.com/gateway" || ps[1].ControllerName != ControllerName || len(ps[1].Conditions) != 2 {
		t.Fatalf("parents = %+v, want the other controller's entry kept and Graylane's added", ps)
	}
	written := ps[1].Conditions[0].LastTransitionTime

	// Nothing changed: nothing is written, and transition times stay.
	time.Sleep(1100 * time.Millisecond)
	rv := got.ResourceVersion
	if !sw.writeAll(ctx) {
		t.Fatal("second writes failed")
	}
	_ = c.Get(ctx, types.NamespacedName{Namespace: "shop", Name: "reviews"}, &got)
	if got.ResourceVersion != rv || !got.Status.Parents[1].Conditions[0].LastTransitionTime.Equal(&written) {
		t.Errorf("an unchanged status was written again")
	}
}

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/providers/kubernetes"
)

func TestKubernetesCanarySplitsAndRoutesByLane(t *testing.T) {
	k := newCanary(t)
	const n = 2000
	got := count(t, k.conn, n)
	// At p=0.1 one standard deviation over 2000 calls is 0.7 points: 4
	// points is far outside chance yet catches any other split.
	within(t, "reviews v1", baseline(got), n, 0.90, 0.04)
	within(t, "reviews v2", got["reviews-v2"], n, 0.10, 0.04)
	// v1's two endpoints (one slice each) share its traffic.
	within(t, "reviews-v1a within v1", got["reviews-v1a"], baseline(got), 0.5, 0.06)
	if baseline(got)+got["reviews-v2"] != n {
		t.Errorf("answers from outside reviews: %v", got)
	}
	for lane, want := range map[string]string{"canary": "reviews-v2", "stable": "v1", "blue": "v1"} {
		got := count(t, k.conn, 300, "x-canary", lane)
		if want == "v1" && baseline(got) != 300 || want != "v1" && got[want] != 300 {
			t.Errorf("x-canary: %s went to %v, want all to %s", lane, got, want)
		}
	}
}

func TestKubernetesWritesRouteAndLaneStatus(t *testing.T) {
	k := newCanary(t)
	eventually(t, 20*time.Second, func() error {
		if err := k.c.get(k.route); err != nil {
			return err
		}
		return routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionTrue, "ResolvedRefs")
	})
	eventually(t, 20*time.Second, func() error {
		if err := k.c.get(k.lane); err != nil {
			return err
		}
		return laneIs(k.lane, metav1.ConditionTrue, graylanev1alpha1.ReasonAccepted, "")
	})

	// A backendRef to a Service that is no version shows in ResolvedRefs,
	// and its share goes to the baseline.
	k.c.update(t, k.route, func() { k.route.Spec.Rules[0].BackendRefs[1].Name = "ratings" })
	eventually(t, 20*time.Second, func() error {
		if err := k.c.get(k.route); err != nil {
			return err
		}
		return routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionFalse, "BackendNotFound")
	})
	if err := k.splitIs(200, 1, 0); err != nil {
		t.Error(err)
	}
}

// routeParentIs checks Graylane's parent status of a route.
func routeParentIs(r *gatewayv1.HTTPRoute, accepted metav1.ConditionStatus, acceptedReason string, resolved metav1.ConditionStatus, resolvedReason string) error {
	for _, p := range r.Status.Parents {
		if p.ControllerName != kubernetes.ControllerName {
			continue
		}
		if p.ParentRef.Name != "reviews" || p.ParentRef.Port == nil || *p.ParentRef.Port != 9080 {
			return fmt.Errorf("parentRef = %+v, want the route's own", p.ParentRef)
		}
		a, rr := findCondition(p.Conditions, "Accepted"), findCondition(p.Conditions, "ResolvedRefs")
		if a == nil || rr == nil || a.Status != accepted || a.Reason != acceptedReason || rr.Status != resolved || rr.Reason != resolvedReason {
			return fmt.Errorf("conditions = %+v", p.Conditions)
		}
		if a.ObservedGeneration != r.Generation || rr.ObservedGeneration != r.Generation {
			return fmt.Errorf("observedGeneration %d/%d, route at %d", a.ObservedGeneration, rr.ObservedGeneration, r.Generation)
		}
		return nil
	}
	return fmt.Errorf("no parent status by %s: %+v", kubernetes.ControllerName, r.Status.Parents)
}

// laneIs checks a Lane's Accepted condition.
func laneIs(l *graylanev1alpha1.Lane, status metav1.ConditionStatus, reason, message string) error {
	c := findCondition(l.Status.Conditions, graylanev1alpha1.ConditionAccepted)
	switch {
	case c == nil:
		return fmt.Errorf("no Accepted condition: %+v", l.Status)
	case c.Status != status || c.Reason != reason || !strings.Contains(c.Message, message):
		return fmt.Errorf("Accepted = %s/%s %q, want %s/%s with %q", c.Status, c.Reason, c.Message, status, reason, message)
	case l.Status.ObservedGeneration != l.Generation || c.ObservedGeneration != l.Generation:
		return fmt.Errorf("observedGeneration %d (condition %d), lane at %d", l.Status.ObservedGeneration, c.ObservedGeneration, l.Generation)
	}
	return nil
}

func findCondition(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

func TestKubernetesWeightChangeReachesConnectedClient(t *testing.T) {
	k := newCanary(t)
	if got := count(t, k.conn, 200); got["reviews-v2"] == 0 {
		t.Fatalf("before the change no call reached v2: %v", got)
	}
	k.setWeights(t, 0, 100)
	eventually(t, 20*time.Second, func() error { return allFrom(k.conn, 100, "reviews-v2") })
	k.setWeights(t, 50, 50)
	eventually(t, 20*time.Second, func() error { return k.splitIs(1000, 0.5, 0.07) })
}

func TestKubernetesRemovedEndpointGetsNoMoreCalls(t *testing.T) {
	k := newCanary(t)
	if got := count(t, k.conn, 200); got["reviews-v1b"] == 0 {
		t.Fatalf("before the removal v1b answered no call: %v", got)
	}
	k.c.update(t, k.slice, func() { k.slice.Endpoints[0].Conditions.Terminating = new(true) })
	eventually(t, 20*time.Second, func() error {
		if got := count(t, k.conn, 300); got["reviews-v1b"] > 0 {
			return fmt.Errorf("the terminating endpoint still answers: %v", got)
		}
		return nil
	})
	k.c.remove(t, k.slice)
	got := count(t, k.conn, 500)
	if got["reviews-v1b"] != 0 || got["reviews-v1a"] == 0 {
		t.Errorf("after the removal: %v, want v1a only for v1", got)
	}
	within(t, "reviews v2", got["reviews-v2"], 500, 0.10, 0.06)
}

func TestKubernetesDeletedVersionFallsBackToTheBaseline(t *testing.T) {
	k := newCanary(t)
	if err := allFrom(k.conn, 50, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Fatal(err)
	}
	k.c.remove(t, k.v2, k.v2Slice)
	eventually(t, 20*time.Second, func() error {
		got := count(t, k.conn, 100, "x-canary", "canary")
		if baseline(got) != 100 {
			return fmt.Errorf("x-canary: canary went to %v, want the baseline", got)
		}
		return nil
	})
	if err := k.splitIs(300, 1, 0); err != nil {
		t.Errorf("the deleted version's share: %v", err)
	}
	eventually(t, 20*time.Second, func() error {
		if err := k.c.get(k.route); err != nil {
			return err
		}
		return routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionFalse, "BackendNotFound")
	})
}

func TestKubernetesInvalidLaneKeepsTheRouting(t *testing.T) {
	k := newCanary(t)
	if err := allFrom(k.conn, 50, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Fatal(err)
	}
	k.c.update(t, k.lane, func() { k.lane.Spec.Weight = graylanev1alpha1.NewPercent("10.555") })
	eventually(t, 20*time.Second, func() error {
		if err := k.c.get(k.lane); err != nil {
			return err
		}
		return laneIs(k.lane, metav1.ConditionFalse, graylanev1alpha1.ReasonInvalid, `"10.555" must be a number from 0 to 100 with at most 2 decimals`)
	})
	if errs := testutil.ToFloat64(k.e.cp.Metrics().ConfigErrors.WithLabelValues(kubernetes.SourceName)); errs < 1 {
		t.Errorf("graylane_config_errors_total{source=kubernetes} = %v", errs)
	}
	if !k.e.logged("configuration rejected", "Lane canary: spec.weight") {
		t.Errorf("no log line names the Lane's weight; logs: %v", k.e.logs.All())
	}
	// The lane's last accepted spec stays, and with it the canary version.
	if err := allFrom(k.conn, 300, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Error(err)
	}
	if err := k.splitIs(1000, 0.90, 0.05); err != nil {
		t.Error(err)
	}
}

func TestKubernetesInvalidAnnotationKeepsTheLastGoodService(t *testing.T) {
	k := newCanary(t)
	k.c.update(t, k.reviews, func() { k.reviews.Annotations["graylane.io/retries"] = "{attempts: eleven}" })
	eventually(t, 20*time.Second, func() error {
		st := k.e.cp.Pipeline().Status()
		if !strings.Contains(strings.Join(st.Warnings[kubernetes.SourceName], "\n"), "annotation graylane.io/retries") {
			return fmt.Errorf("warnings = %v", st.Warnings)
		}
		return nil
	})
	// While the annotation is invalid, the Service's other changes wait.
	k.setWeights(t, 0, 100)
	time.Sleep(time.Second)
	if err := k.splitIs(1000, 0.90, 0.05); err != nil {
		t.Errorf("while reviews is invalid: %v", err)
	}
	k.c.update(t, k.reviews, func() { k.reviews.Annotations["graylane.io/retries"] = "{attempts: 2, retryOn: [unavailable]}" })
	eventually(t, 20*time.Second, func() error { return allFrom(k.conn, 100, "reviews-v2") })
	if st := k.e.cp.Pipeline().Status(); len(st.Warnings) != 0 {
		t.Errorf("warnings after the fix: %v", st.Warnings)
	}
}

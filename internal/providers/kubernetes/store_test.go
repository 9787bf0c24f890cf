package kubernetes

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/kubetest"
)

// replica builds from c and, as the leader, writes what it wants written.
func replica(t *testing.T, b *builder, c client.Client, write bool) *result {
	t.Helper()
	res := b.build(readFrom(t, c))
	if write {
		w := newStatusWriter(c, c, zap.NewNop())
		w.set(res)
		if !w.writeAll(context.Background()) {
			t.Fatal("writes failed")
		}
	}
	return res
}

func update(t *testing.T, c client.Client, obj client.Object, change func()) {
	t.Helper()
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	change()
	if err := c.Update(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

func storedUnits(t *testing.T, c client.Client) map[string]string {
	t.Helper()
	var cms corev1.ConfigMapList
	if err := c.List(context.Background(), &cms, client.InNamespace(testStore.namespace)); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, cm := range cms.Items {
		out[cm.Name] = cm.Data[stateKey]
	}
	return out
}

func TestLastGoodStateSurvivesARestart(t *testing.T) {
	objs := reviews()
	c := fakeClient(t, objs...)
	replica(t, testBuilder(), c, true)
	records := storedUnits(t, c)
	state := records["graylane-status.service.shop.reviews"]
	if !strings.Contains(state, `"Weights":{"v1":9000,"v2":1000}`) || strings.Contains(state, "10.0.0.1") {
		t.Fatalf("stored state = %s\nwant the weights and no endpoint (records %v)", state, slices.Sorted(maps.Keys(records)))
	}

	// The Service turns invalid, then every replica restarts: a fresh one
	// serves the stored state, with its endpoints read live.
	update(t, c, objs[0], func() { objs[0].SetAnnotations(map[string]string{"graylane.io/timeout": "soon"}) })
	if err := c.Create(context.Background(), slice("reviews-c", "reviews", "grpc", 7001, kubetest.Endpoint("10.0.0.7", "ready", ""))); err != nil {
		t.Fatal(err)
	}
	fresh := replica(t, testBuilder(), c, true)
	s := service(t, fresh, "reviews.shop:9080")
	if s.Weights["v2"] != 1000 || !slices.Contains(addresses(version(t, s, "v1")), "10.0.0.7:7001") {
		t.Errorf("service = %+v: want the stored state with fresh endpoints", s)
	}
	wantProblems(t, fresh.problems, "Service shop/reviews has problems; its last good configuration stays in effect")
	if after := storedUnits(t, c)["graylane-status.service.shop.reviews"]; after != state {
		t.Error("the invalid Service's stored state was overwritten")
	}

	// Without its Lane the stored state is no longer valid: the Service is
	// left out, as a new one would be, and says so.
	lane := objs[len(objs)-2]
	if err := c.Delete(context.Background(), lane); err != nil {
		t.Fatal(err)
	}
	stale := replica(t, testBuilder(), c, false)
	if len(stale.config.Services) != 0 {
		t.Errorf("services = %v, want reviews left out: its stored state names a lane that is gone", stale.config.Services)
	}
	wantProblems(t, stale.problems, "Service shop/reviews has problems; it is left out until they are fixed")

	// The Service is deleted: so is its stored state.
	if err := c.Delete(context.Background(), objs[0]); err != nil {
		t.Fatal(err)
	}
	replica(t, testBuilder(), c, true)
	if _, ok := storedUnits(t, c)["graylane-status.service.shop.reviews"]; ok {
		t.Error("the stored state of a deleted Service is kept")
	}
}

func TestReplicasFallBackToTheStoredState(t *testing.T) {
	objs := reviews()
	c := fakeClient(t, objs...)
	leader, follower := testBuilder(), testBuilder()
	replica(t, leader, c, true)
	replica(t, follower, c, false)
	// The follower sees a change the leader has not written yet (it was
	// never written: say, the leader missed it), then the Service turns
	// invalid: both serve the stored state, not their own memory.
	route := objs[len(objs)-1]
	update(t, c, route, func() {
		r := route.(*gatewayv1.HTTPRoute)
		r.Spec.Rules[1].BackendRefs[0].Weight = new(int32(50))
		r.Spec.Rules[1].BackendRefs[1].Weight = new(int32(50))
	})
	replica(t, follower, c, false)
	update(t, c, objs[0], func() { objs[0].SetAnnotations(map[string]string{"graylane.io/timeout": "soon"}) })
	for name, b := range map[string]*builder{"leader": leader, "follower": follower, "restarted": testBuilder()} {
		s := service(t, replica(t, b, c, false), "reviews.shop:9080")
		if s.Weights["v2"] != 1000 {
			t.Errorf("%s serves weights %v, want the stored 90/10", name, s.Weights)
		}
	}
}

func TestCorruptStoredStateCountsAsNone(t *testing.T) {
	objs := reviews()
	objs[0].SetAnnotations(map[string]string{"graylane.io/timeout": "soon"})
	cm := testStore.configMap(testStore.unitName(serviceKey(nameOf(objs[0]))), unitService, nameOf(objs[0]), map[string]string{stateKey: "{not json"})
	c := fakeClient(t, append(objs, cm)...)
	res := replica(t, testBuilder(), c, true)
	if len(res.config.Services) != 0 {
		t.Errorf("services = %v", res.config.Services)
	}
	if storedUnits(t, c)[cm.Name] != "{not json" {
		t.Error("a record that cannot be read was changed while its Service is invalid")
	}
}

func TestLaneLastAcceptedSpecSurvivesARestart(t *testing.T) {
	objs := []client.Object{kubetest.Lane("canary", "10", 0)}
	c := fakeClient(t, objs...)
	replica(t, testBuilder(), c, true)
	update(t, c, objs[0], func() { objs[0].(*graylanev1alpha1.Lane).Spec.Weight = graylanev1alpha1.NewPercent("10.555") })
	res := replica(t, testBuilder(), c, true)
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"canary=10"}) {
		t.Errorf("lanes = %v, want the stored spec", got)
	}
	if !res.lanes[0].kept {
		t.Errorf("lane result %+v", res.lanes[0])
	}
}

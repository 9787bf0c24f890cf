package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/kubetest"
)

// canary is the walk-through of docs/kubernetes.md on the shared cluster:
// the objects of examples/kubernetes/canary/canary.yaml (Service reviews,
// baseline v1; Service reviews-v2, version v2 in lane canary; Lane canary
// at 10%; an HTTPRoute splitting untagged traffic 90/10), and the
// EndpointSlices a cluster would write for its pods: two endpoints of v1,
// one of v2, each a backend that answers with its id.
type canary struct {
	c            *cluster
	ns           string
	V1a, V1b, V2 *backend
	reviews, v2  *corev1.Service
	slice        *discoveryv1.EndpointSlice // v1b's
	v2Slice      *discoveryv1.EndpointSlice
	lane         *graylanev1alpha1.Lane
	route        *gatewayv1.HTTPRoute
	e            *env
	conn         *grpc.ClientConn
}

// newCanary creates the objects in a namespace of their own, then starts
// a control plane on them and dials reviews through grpc-go's xDS client.
func newCanary(t *testing.T) *canary {
	t.Helper()
	c := kube(t)
	return newCanaryIn(t, c, c.namespace(t), kubeOptions{})
}

// newCanaryIn is newCanary in namespace ns, read as o says.
func newCanaryIn(t *testing.T, c *cluster, ns string, o kubeOptions) *canary {
	t.Helper()
	ip := hostIP(t)
	k := &canary{c: c, ns: ns,
		V1a: startBackendOn(t, ip, "reviews-v1a"), V1b: startBackendOn(t, ip, "reviews-v1b"), V2: startBackendOn(t, ip, "reviews-v2")}
	k.load(t)
	sliceA := kubetest.EndpointSlice(ns, "reviews-a", "reviews", "grpc", int32(k.V1a.Port), kubetest.Endpoint(ip, kubetest.Ready, "zone-a"))
	k.slice = kubetest.EndpointSlice(ns, "reviews-b", "reviews", "grpc", int32(k.V1b.Port), kubetest.Endpoint(ip, kubetest.Ready, "zone-b"))
	k.v2Slice = kubetest.EndpointSlice(ns, "reviews-v2-a", "reviews-v2", "grpc", int32(k.V2.Port), kubetest.Endpoint(ip, kubetest.Ready, ""))
	c.create(t, k.reviews, sliceA, k.slice, k.v2, k.v2Slice, k.lane, k.route)
	k.e = newKubeEnv(t, c, ns, o)
	k.conn = k.e.dial("reviews." + ns + ":9080")
	return k
}

// load reads the walk-through's objects into the test's namespace.
func (k *canary) load(t *testing.T) {
	t.Helper()
	objs, err := kubetest.Decode(filepath.Join("..", "examples", "kubernetes", "canary", "canary.yaml"), k.c.client.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *corev1.Service:
			o.Namespace = k.ns
			if o.Name == "reviews" {
				k.reviews = o
			} else {
				k.v2 = o
			}
		case *graylanev1alpha1.Lane:
			k.lane = o
		case *gatewayv1.HTTPRoute:
			o.Namespace = k.ns
			k.route = o
		}
	}
	if k.reviews == nil || k.v2 == nil || k.lane == nil || k.route == nil {
		t.Fatalf("canary.yaml lacks an object of the walk-through: %v", objs)
	}
}

// setWeights changes the route's split of untagged traffic.
func (k *canary) setWeights(t *testing.T, v1, v2 int32) {
	t.Helper()
	k.c.update(t, k.route, func() {
		k.route.Spec.Rules[0].BackendRefs[0].Weight = &v1
		k.route.Spec.Rules[0].BackendRefs[1].Weight = &v2
	})
}

// baseline counts the answers of either v1 endpoint.
func baseline(got map[string]int) int { return got["reviews-v1a"] + got["reviews-v1b"] }

// splitIs checks that n untagged calls split v1/v2 as want (v1's share),
// within tol; splitIs(n, 1, 0) checks that all of them reach v1.
func (k *canary) splitIs(n int, want, tol float64) error {
	got := map[string]int{}
	for range n {
		id, err := call(context.Background(), k.conn)
		if err != nil {
			return err
		}
		got[id]++
	}
	if share := float64(baseline(got)) / float64(n); share < want-tol || share > want+tol || baseline(got)+got["reviews-v2"] != n {
		return fmt.Errorf("v1 took %.3f of %d calls (%v), want %.2f ± %.2f", share, n, got, want, tol)
	}
	return nil
}

package kubernetes

import (
	"fmt"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/internal/kubetest"
)

// BenchmarkEvent measures what the source does on any event, at n
// Services of a baseline and a canary version, each with an EndpointSlice
// of three endpoints and a weighted HTTPRoute: read every object from its
// cache (here controller-runtime's fake client, which copies what it
// lists as the cache does) and map them all to the model. It grows with
// the cluster, not with the change.
func BenchmarkEvent(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			c := fakeClient(b, cluster(n)...)
			bl := testBuilder()
			benchconfig.Loop(b, func() {
				if res := bl.build(readFrom(b, c)); res.problems != nil {
					b.Fatal(res.problems)
				}
			})
		})
	}
}

// cluster is n Services with their canary versions, slices and routes,
// and the canary Lane.
func cluster(n int) []client.Object {
	objs := []client.Object{kubetest.Lane("canary", "10", 0)}
	for i := range n {
		name := fmt.Sprintf("svc-%05d", i)
		canary := name + "-canary"
		objs = append(objs,
			svc(name, map[string]string{LabelVersion: "v1"}, kubetest.Port("http", 8080, "")),
			slice(name, name, "http", 8080, endpoints(i, 0)...),
			svc(canary, map[string]string{LabelVersionOf: name, LabelVersion: "v2", LabelLane: "canary"}, kubetest.Port("http", 8080, "")),
			slice(canary, canary, "http", 8080, endpoints(i, 1)...),
			route(name, time.Hour, kubetest.ServiceParent(name, 8080),
				kubetest.WeightRule(kubetest.Backend(name, 8080, 90), kubetest.Backend(canary, 8080, 10))))
	}
	return objs
}

func endpoints(i, version int) []discoveryv1.Endpoint {
	var out []discoveryv1.Endpoint
	for e := range 3 {
		out = append(out, kubetest.Endpoint(fmt.Sprintf("10.%d.%d.%d", version, i/250, i%250*3%250+e), "ready", fmt.Sprintf("zone-%d", e%2)))
	}
	return out
}

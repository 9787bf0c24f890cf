package kubernetes

import (
	"context"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/model"
)

// The fixtures live in namespace shop; routes are created relative to a
// fixed moment, so that their age orders them.
const ns = "shop"

func epoch() time.Time { return time.Unix(1e9, 0) }

func svc(name string, labels map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return kubetest.Service(ns, name, labels, ports...)
}

func slice(name, service, portName string, number int32, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return kubetest.EndpointSlice(ns, name, service, portName, number, eps...)
}

func route(name string, age time.Duration, parent gatewayv1.ParentReference, rules ...gatewayv1.HTTPRouteRule) *gatewayv1.HTTPRoute {
	return kubetest.Route(ns, name, epoch().Add(-age), parent, rules...)
}

func serviceParent(name string) gatewayv1.ParentReference { return kubetest.ServiceParent(name, 0) }

// fakeClient holds objs, with the status subresources Graylane writes.
func fakeClient(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&graylanev1alpha1.Lane{}, &gatewayv1.HTTPRoute{}, &gatewayv1.GRPCRoute{}, &gatewayv1.Gateway{}, &gatewayv1.GatewayClass{}).Build()
}

// testStore is where the tests' last good states are kept.
var testStore = store{namespace: "graylane-system", owner: "graylane-status"}

// testBuilder builds as a source reading every namespace.
func testBuilder() *builder { return newBuilder(testStore, func(string) bool { return true }) }

// allKinds reads every kind, and the last good states of testStore.
func allKinds() kinds {
	return kinds{lanes: true, routes: true, grpcRoutes: true, gateways: true, store: &testStore}
}

// readFrom reads the world from c, as the source reads its cache.
func readFrom(t testing.TB, c client.Client) *world {
	t.Helper()
	w, err := readWorld(context.Background(), readers{objects: c, stored: c, secrets: clientSecrets{get: func(ctx context.Context, key types.NamespacedName, s *corev1.Secret) error {
		return c.Get(ctx, key, s)
	}}}, allKinds())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// buildFrom reads the objects through controller-runtime's fake client,
// as the source reads its cache, and builds with b.
func buildFrom(t *testing.T, b *builder, objs ...client.Object) *result {
	t.Helper()
	return b.build(readFrom(t, fakeClient(t, objs...)))
}

// service finds a service of the result by key.
func service(t *testing.T, res *result, key string) *model.Service {
	t.Helper()
	for i := range res.config.Services {
		if res.config.Services[i].Key() == key {
			return &res.config.Services[i]
		}
	}
	t.Fatalf("no service %s in %v (problems: %v)", key, res.config, res.problems)
	return nil
}

// version finds a version of a service by name.
func version(t *testing.T, s *model.Service, name string) *model.Version {
	t.Helper()
	for i := range s.Versions {
		if s.Versions[i].Name == name {
			return &s.Versions[i]
		}
	}
	t.Fatalf("service %s has no version %s: %+v", s.Key(), name, s.Versions)
	return nil
}

// addresses lists a version's endpoints as "address:port@zone".
func addresses(v *model.Version) []string {
	var out []string
	for _, e := range v.Endpoints {
		s := e.Address + ":" + strconv.FormatUint(uint64(e.Port), 10)
		if e.Zone != "" {
			s += "@" + e.Zone
		}
		out = append(out, s)
	}
	return out
}

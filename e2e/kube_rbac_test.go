package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/kubetest"
)

// exampleNamespace is where examples/kubernetes installs Graylane.
const exampleNamespace = "graylane-system"

func TestExampleRBACIsAllTheSourceNeeds(t *testing.T) {
	c := kube(t)
	ns := c.namespace(t)
	c.create(t, exampleRBAC(t, c, ns)...)
	user, err := c.env.ControlPlane.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + ns + ":graylane",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The source reads every namespace, as deployed, as the ServiceAccount:
	// it would not get ready if a list or watch were forbidden.
	k := newCanaryIn(t, c, ns, kubeOptions{config: user.Config(), allNamespaces: true})
	if err := k.splitIs(500, 0.90, 0.06); err != nil {
		t.Error(err)
	}
	eventually(t, 20*time.Second, func() error {
		if err := firstError(c.get(k.route), c.get(k.lane)); err != nil {
			return err
		}
		return firstError(routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionTrue, "ResolvedRefs"),
			laneIs(k.lane, metav1.ConditionTrue, "Accepted", ""))
	})
	watchesEveryKind(t, k)
	gatewayKindsWork(t, k)
	var lease coordinationv1.Lease
	if err := c.client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "graylane-status"}, &lease); err != nil || lease.Spec.HolderIdentity == nil {
		t.Errorf("the status Lease is not held: %v %+v", err, lease.Spec)
	}
	for _, entry := range k.e.logs.All() {
		if text := fmt.Sprint(entry.Message, entry.ContextMap()); strings.Contains(strings.ToLower(text), "forbidden") || strings.Contains(text, "refused") {
			t.Errorf("the source was refused something: %s", text)
		}
	}
}

// watchesEveryKind changes an object of every kind the source reads and
// waits for the change to show: a list alone would get the source ready,
// the watches make it follow.
func watchesEveryKind(t *testing.T, k *canary) {
	t.Helper()
	k.setWeights(t, 0, 100) // HTTPRoute
	eventually(t, 20*time.Second, func() error { return allFrom(k.conn, 50, "reviews-v2") })
	k.c.update(t, k.slice, func() { k.slice.Endpoints[0].Conditions.Ready = new(false) }) // EndpointSlice
	eventually(t, 20*time.Second, func() error { return allFrom(k.conn, 50, "reviews-v1a", "x-canary", "stable") })
	k.c.update(t, k.lane, func() { k.lane.Spec.Weight = graylanev1alpha1.NewPercent("20") }) // Lane
	eventually(t, 20*time.Second, func() error {
		return firstError(k.c.get(k.lane), laneIs(k.lane, metav1.ConditionTrue, "Accepted", ""))
	})
	k.c.update(t, k.reviews, func() { k.reviews.Annotations["graylane.io/timeout"] = "soon" }) // Service
	eventually(t, 20*time.Second, func() error {
		if w := k.e.cp.Pipeline().Status().Warnings; len(w) == 0 {
			return fmt.Errorf("the invalid annotation is not reported")
		}
		return nil
	})
}

// gatewayKindsWork has the source read and write every Gateway API kind it
// serves and the Secret of an HTTPS listener, and keep last good states.
func gatewayKindsWork(t *testing.T, k *canary) {
	t.Helper()
	ensureGatewayClass(t, k.c)
	secret := kubetest.TLSSecret(k.ns, "public-tls", "shop.example.com")
	gw := kubetest.Gateway(k.ns, "public", "graylane", kubetest.Listener("https", 8443, "shop.example.com", "public-tls"))
	web := kubetest.Route(k.ns, "web", time.Time{}, kubetest.GatewayParent(k.ns, "public", ""), kubetest.WeightRule(kubetest.Backend("reviews", 9080, 1)))
	grpcRoute := &gatewayv1.GRPCRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: k.ns, Name: "reviews-grpc"},
		Spec: gatewayv1.GRPCRouteSpec{CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{kubetest.ServiceParent("reviews", 9080)}},
			Rules: []gatewayv1.GRPCRouteRule{{BackendRefs: []gatewayv1.GRPCBackendRef{{BackendRef: kubetest.Backend("reviews", 9080, 1).BackendRef}}}}},
	}
	k.c.create(t, secret, gw, web, grpcRoute)
	// A source reading every namespace with a later test's RBAC must not
	// find this Gateway's certificate in a namespace it may not read:
	// the shared API server deletes no namespace's objects.
	t.Cleanup(func() { k.c.remove(t, grpcRoute, web, gw, secret) })
	eventually(t, 20*time.Second, func() error {
		if err := firstError(k.c.get(gw), k.c.get(grpcRoute), storedStates(k, "graylane-status.service."+k.ns+".reviews", "graylane-status.gateway."+k.ns+".public")); err != nil {
			return err
		}
		if c := findCondition(gw.Status.Conditions, "Programmed"); c == nil || c.Status != metav1.ConditionTrue || len(gw.Status.Listeners) != 1 {
			return fmt.Errorf("Gateway status = %+v", gw.Status)
		}
		if c := findCondition(gw.Status.Listeners[0].Conditions, "ResolvedRefs"); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("the listener's certificate is not read: %+v", gw.Status.Listeners[0].Conditions)
		}
		if len(grpcRoute.Status.Parents) != 1 {
			return fmt.Errorf("GRPCRoute status = %+v", grpcRoute.Status)
		}
		return nil
	})
}

// ensureGatewayClass creates Graylane's GatewayClass graylane, once for the
// shared API server.
func ensureGatewayClass(t *testing.T, c *cluster) {
	t.Helper()
	err := c.client.Create(context.Background(), kubetest.GatewayClass("graylane", kubetest.GatewayController))
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// exampleRBAC reads examples/kubernetes/rbac.yaml for namespace ns: the
// namespaced objects and subjects move there, the cluster-wide ones get
// names of their own (create deletes them when the test ends).
func exampleRBAC(t *testing.T, c *cluster, ns string) []client.Object {
	t.Helper()
	objs, err := kubetest.Decode(filepath.Join("..", "examples", "kubernetes", "rbac.yaml"), c.client.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	var out []client.Object
	for _, obj := range objs {
		o := obj.(client.Object)
		switch r := o.(type) {
		case *corev1.ServiceAccount, *rbacv1.Role:
			o.SetNamespace(ns)
		case *rbacv1.RoleBinding:
			r.Namespace = ns
			if r.RoleRef.Kind == "ClusterRole" {
				r.RoleRef.Name += "-" + ns
			}
			moveSubjects(r.Subjects, ns)
		case *rbacv1.ClusterRole:
			r.Name += "-" + ns
		case *rbacv1.ClusterRoleBinding:
			r.Name += "-" + ns
			r.RoleRef.Name += "-" + ns
			moveSubjects(r.Subjects, ns)
		default:
			t.Fatalf("unexpected %T in rbac.yaml", obj)
		}
		out = append(out, o)
	}
	return out
}

func moveSubjects(subjects []rbacv1.Subject, ns string) {
	for i := range subjects {
		if subjects[i].Namespace == exampleNamespace {
			subjects[i].Namespace = ns
		}
	}
}

// firstError is the first error that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

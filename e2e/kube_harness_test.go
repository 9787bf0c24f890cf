package e2e

import (
	"cmp"
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/internal/providers/kubernetes"
)

// fastCoalescer keeps the tests quick; production waits 100 ms for quiet.
func fastCoalescer() providers.Coalescer {
	return providers.Coalescer{HoldOff: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
}

// kubeOptions change how newKubeEnv's control plane reads the cluster.
type kubeOptions struct {
	// config is whom the source is; default the cluster's admin.
	config *rest.Config
	// allNamespaces reads every namespace, as deployed; by default only the
	// test's own.
	allNamespaces bool
	// namespaces are the namespaces read, the Lease's first, instead of
	// the one newKubeEnv is given.
	namespaces []string
	// controlPlane are more control plane options.
	controlPlane []controlplane.Option
}

// newKubeEnv starts a control plane whose source is the shared cluster,
// reading namespace ns (Lanes are cluster-wide), with its Lease in ns, and
// waits until it is ready.
func newKubeEnv(t *testing.T, c *cluster, ns string, o kubeOptions) *env {
	t.Helper()
	e := startKubeEnv(t, c, ns, o)
	select {
	case <-e.cp.Ready():
	case <-time.After(30 * time.Second):
		t.Fatalf("control plane not ready: %+v; logs: %v", e.cp.Pipeline().Status(), e.logs.All())
	}
	return e
}

// startKubeEnv is newKubeEnv without the wait.
func startKubeEnv(t *testing.T, c *cluster, ns string, o kubeOptions) *env {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	log := zap.New(core)
	namespaces := o.namespaces
	if len(namespaces) == 0 {
		namespaces = []string{ns}
	}
	srcOpts := []kubernetes.Option{kubernetes.WithLogger(log), kubernetes.WithLease(namespaces[0], "graylane-status"), kubernetes.WithCoalescer(fastCoalescer())}
	if !o.allNamespaces {
		srcOpts = append(srcOpts, kubernetes.WithNamespaces(namespaces...))
	}
	src := kubernetes.New(cmp.Or(o.config, c.config), srcOpts...)
	cp, err := controlplane.Start(context.Background(), append([]controlplane.Option{
		controlplane.WithSource(src), controlplane.WithLogger(log),
		controlplane.WithXDSAddress("127.0.0.1:0"), controlplane.WithAdminAddress("127.0.0.1:0"),
		controlplane.WithModuleAddress("127.0.0.1:0"), controlplane.WithCoalescer(fastCoalescer()),
	}, o.controlPlane...)...)
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	e := &env{t: t, cp: cp, logs: logs}
	t.Cleanup(e.stop)
	return e
}

// create creates objects, and deletes the cluster-wide ones (Lanes) when
// the test ends; namespaced ones go with the test's namespace.
func (c *cluster) create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		obj.SetGeneration(0)
		obj.SetCreationTimestamp(metav1.Time{})
		if err := c.client.Create(context.Background(), obj); err != nil {
			t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
		if obj.GetNamespace() == "" {
			t.Cleanup(func() { _ = client.IgnoreNotFound(c.client.Delete(context.Background(), obj)) })
		}
	}
}

// update reads obj again and applies change to it until the update does
// not conflict.
func (c *cluster) update(t *testing.T, obj client.Object, change func()) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change()
		return c.client.Update(context.Background(), obj)
	})
	if err != nil {
		t.Fatalf("update %T %s: %v", obj, obj.GetName(), err)
	}
}

// remove deletes objects.
func (c *cluster) remove(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		if err := c.client.Delete(context.Background(), obj); err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("delete %T %s: %v", obj, obj.GetName(), err)
		}
	}
}

// get reads obj again.
func (c *cluster) get(obj client.Object) error {
	return c.client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
}

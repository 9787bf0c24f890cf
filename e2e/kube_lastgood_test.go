package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/providers/kubernetes"
)

// TestKubernetesRestartWhileInvalidWithdrawsNothing restarts the control
// plane while a Service and a Lane are invalid: the last good states the
// leader kept in the API server are what every new replica serves from its
// first snapshot, so nothing is withdrawn.
func TestKubernetesRestartWhileInvalidWithdrawsNothing(t *testing.T) {
	k := newCanary(t)
	eventually(t, 20*time.Second, func() error {
		return storedStates(k, "graylane-status.service."+k.ns+".reviews", "graylane-status.lanes")
	})

	// Both turn invalid while the control plane runs: it keeps their last
	// good states in memory, as it always did.
	k.c.update(t, k.reviews, func() { k.reviews.Annotations["graylane.io/retries"] = "{attempts: eleven}" })
	k.c.update(t, k.lane, func() { k.lane.Spec.Weight = graylanev1alpha1.NewPercent("10.555") })
	eventually(t, 20*time.Second, func() error {
		if w := strings.Join(k.e.cp.Pipeline().Status().Warnings[kubernetes.SourceName], "\n"); !strings.Contains(w, "graylane.io/retries") || !strings.Contains(w, "Lane canary") {
			return fmt.Errorf("warnings = %s", w)
		}
		return nil
	})

	// Every replica restarts: two fresh ones, neither has seen a valid
	// state of reviews or of the Lane.
	k.e.stop()
	replicas := []*env{newKubeEnv(t, k.c, k.ns, kubeOptions{}), newKubeEnv(t, k.c, k.ns, kubeOptions{})}
	for i, e := range replicas {
		conn := e.dial("reviews." + k.ns + ":9080")
		if err := allFrom(conn, 100, "reviews-v2", "x-canary", "canary"); err != nil {
			t.Errorf("replica %d, the canary lane: %v", i, err)
		}
		k.conn = conn
		if err := k.splitIs(1000, 0.90, 0.05); err != nil {
			t.Errorf("replica %d, the untagged split: %v", i, err)
		}
		if w := strings.Join(e.cp.Pipeline().Status().Warnings[kubernetes.SourceName], "\n"); !strings.Contains(w, "its last good configuration stays in effect") ||
			!strings.Contains(w, "its last accepted spec stays in effect") {
			t.Errorf("replica %d does not say it serves the last good states: %s", i, w)
		}
	}
	eventually(t, 20*time.Second, func() error {
		if err := firstError(k.c.get(k.route), k.c.get(k.lane)); err != nil {
			return err
		}
		if err := laneIs(k.lane, metav1.ConditionFalse, graylanev1alpha1.ReasonInvalid, "its last accepted spec stays in effect"); err != nil {
			return err
		}
		return routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionTrue, "ResolvedRefs")
	})

	// Fixed, the Service's changes apply again.
	k.c.update(t, k.reviews, func() { k.reviews.Annotations["graylane.io/retries"] = "{attempts: 2, retryOn: [unavailable]}" })
	k.setWeights(t, 0, 100)
	eventually(t, 20*time.Second, func() error { return allFrom(k.conn, 100, "reviews-v2") })
}

// storedStates checks that the ConfigMaps of last good states exist.
func storedStates(k *canary, names ...string) error {
	for _, name := range names {
		var cm corev1.ConfigMap
		if err := k.c.client.Get(context.Background(), client.ObjectKey{Namespace: k.ns, Name: name}, &cm); err != nil {
			return err
		}
	}
	return nil
}

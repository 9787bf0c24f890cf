package e2e

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// leading is the log message of a replica that holds the status Lease.
const leading = "leading: writing statuses and last good states"

func TestKubernetesReplicasServeAndHandOverStatusWriting(t *testing.T) {
	k := newCanary(t)
	other := newKubeEnv(t, k.c, k.ns, kubeOptions{})
	replicas := []*env{k.e, other}
	// Both replicas serve, each from its own watch.
	for i, e := range replicas {
		conn := e.dial("reviews." + k.ns + ":9080")
		if err := allFrom(conn, 100, "reviews-v2", "x-canary", "canary"); err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	// One of them writes statuses.
	var leader int
	eventually(t, 20*time.Second, func() error {
		var err error
		leader, err = theLeader(replicas)
		return err
	})
	replicas[leader].stop()
	follower := replicas[1-leader]

	// The other takes the Lease over and writes the status of a change.
	k.setWeights(t, 0, 100)
	eventually(t, 30*time.Second, func() error {
		if !follower.logged(leading) {
			return fmt.Errorf("the remaining replica does not lead")
		}
		if err := k.c.get(k.route); err != nil {
			return err
		}
		return routeParentIs(k.route, metav1.ConditionTrue, "Accepted", metav1.ConditionTrue, "ResolvedRefs")
	})
	conn := follower.dial("reviews." + k.ns + ":9080")
	eventually(t, 20*time.Second, func() error { return allFrom(conn, 100, "reviews-v2") })
}

// theLeader is the index of the one replica that leads.
func theLeader(replicas []*env) (int, error) {
	found := -1
	for i, e := range replicas {
		if e.logs.FilterMessage(leading).Len() > 0 {
			if found >= 0 {
				return 0, fmt.Errorf("replicas %d and %d both lead", found, i)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("no replica leads")
	}
	return found, nil
}

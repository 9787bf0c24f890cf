package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestKubernetesAPIServerRestartKeepsClientsRouting(t *testing.T) {
	k := newCanary(t)
	if err := k.splitIs(500, 0.90, 0.06); err != nil {
		t.Fatal(err)
	}
	start := k.c.stopAPIServer(t)

	// Calls keep working, and keep their routing, while the API server is
	// down: the control plane serves its last snapshot.
	outage := callDuring(k, 3*time.Second)
	if err := start(); err != nil {
		t.Fatalf("starting the API server again: %v", err)
	}
	if err := outage(); err != nil {
		t.Error(err)
	}

	// A change made after the restart reaches the connected client: the
	// watches resumed.
	k.setWeights(t, 0, 100)
	eventually(t, 60*time.Second, func() error { return allFrom(k.conn, 100, "reviews-v2") })
	if err := allFrom(k.conn, 100, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Error(err)
	}
}

func TestKubernetesControlPlaneStartedDuringAnOutageServesOnceTheAPIServerIsBack(t *testing.T) {
	k := newCanary(t)
	start := k.c.stopAPIServer(t)
	late := startKubeEnv(t, k.c, k.ns, kubeOptions{})
	time.Sleep(2 * time.Second)
	if err := readyz(late.cp.AdminAddress()); err == nil {
		t.Fatal("ready without having read the cluster")
	}
	if err := start(); err != nil {
		t.Fatalf("starting the API server again: %v", err)
	}
	select {
	case <-late.cp.Ready():
	case <-time.After(60 * time.Second):
		t.Fatalf("not ready after the API server came back; logs: %v", late.logs.All())
	}
	conn := late.dial("reviews." + k.ns + ":9080")
	if err := allFrom(conn, 100, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Error(err)
	}
}

// stopAPIServer stops the shared API server, etcd and the data staying.
// start starts it again, on the same port and CA; it runs when the test
// ends if the test did not run it.
func (c *cluster) stopAPIServer(t *testing.T) (start func() error) {
	t.Helper()
	api := c.env.ControlPlane.APIServer
	if err := api.Stop(); err != nil {
		t.Fatalf("stopping the API server: %v", err)
	}
	var once sync.Once
	var err error
	start = func() error {
		once.Do(func() { err = api.Start() })
		return err
	}
	t.Cleanup(func() { _ = start() })
	return start
}

// callDuring calls reviews for d, untagged and in the canary lane, and
// returns a function that waits for the calls and reports how they went.
func callDuring(k *canary, d time.Duration) func() error {
	var wg sync.WaitGroup
	var err error
	wg.Go(func() {
		untagged, calls := map[string]int{}, 0
		for deadline := time.Now().Add(d); time.Now().Before(deadline); calls++ {
			id, e := call(context.Background(), k.conn)
			lane, e2 := call(context.Background(), k.conn, "x-canary", "canary")
			if e != nil || e2 != nil {
				err = fmt.Errorf("call %d during the outage: %v %v", calls, e, e2)
				return
			}
			if lane != "reviews-v2" {
				err = fmt.Errorf("call %d during the outage: x-canary: canary answered by %s", calls, lane)
				return
			}
			untagged[id]++
			time.Sleep(2 * time.Millisecond)
		}
		if share := float64(baseline(untagged)) / float64(calls); calls < 100 || share < 0.84 || share > 0.96 {
			err = fmt.Errorf("during the outage: %d calls, v1 took %.3f (%v), want 0.90 ± 0.06", calls, share, untagged)
		}
	})
	return func() error {
		wg.Wait()
		return err
	}
}

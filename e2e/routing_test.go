package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
)

// laneFleet is the fleet with the endpoints of ratings' canary version
// and reviews' route rules as template fields.
type laneFleet struct {
	*fleet
	RatingsV2Endpoints string
}

// laneConfig serves reviews (split 70/30, with route rules) and ratings,
// each with a canary version.
const laneConfig = `
lanes:
  - name: canary
    weight: 10
services:
  - name: reviews
    port: 9080
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.ReviewsV1.Port}}}]
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.ReviewsV2.Port}}}]
    weights: {v1: 70, v2: 30}
    routes:
      - match: {headers: [{name: x-tier, value: "gold|platinum", regex: true}]}
        version: v2
      - match: {headers: [{name: x-tier, value: silver}], method: GET}
        version: v2
      - match: {headers: [{name: x-tier, value: bronze}], query: [{name: all, value: "v2"}]}
        version: v2
  - name: ratings
    namespace: shop
    port: 9090
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.RatingsV1.Port}}}]
      - name: v2
        lane: canary
        endpoints: {{.RatingsV2Endpoints}}
`

func newLaneFleet(t *testing.T) *laneFleet {
	f := &laneFleet{fleet: newFleet(t)}
	f.RatingsV2Endpoints = fmt.Sprintf("[{address: 127.0.0.1, port: %d}]", f.RatingsV2.Port)
	return f
}

// TestBaggageCarriesTheLane: a call that carries the lane only in W3C
// baggage is routed by it, wherever the member sits among others and over
// several baggage headers; the lane header wins over baggage.
func TestBaggageCarriesTheLane(t *testing.T) {
	f := newLaneFleet(t)
	e := newEnv(t, render(t, laneConfig, f))
	reviews, ratings := e.dial("reviews.default:9080"), e.dial("ratings.shop:9090")
	cases := []struct {
		name string
		conn *grpc.ClientConn
		md   []string
		want string
	}{
		{"baggage canary", ratings, []string{"baggage", "graylane-lane=canary"}, "ratings-v2"},
		{"among other members, with a property", ratings, []string{"baggage", "userid=7, graylane-lane=canary;ttl=60"}, "ratings-v2"},
		{"over two baggage headers", ratings, []string{"baggage", "userid=7", "baggage", "graylane-lane=canary"}, "ratings-v2"},
		{"the lane header wins", ratings, []string{"x-canary", "stable", "baggage", "graylane-lane=canary"}, "ratings-v1"},
		{"another lane in baggage goes to the baseline, not the split", reviews, []string{"baggage", "graylane-lane=stable"}, "reviews-v1"},
		{"canary2 is not canary", reviews, []string{"baggage", "graylane-lane=canary2"}, "reviews-v1"},
		{"a key that ends like the lane key is not it", ratings, []string{"baggage", "xgraylane-lane=canary"}, "ratings-v1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := count(t, c.conn, 200, c.md...); got[c.want] != 200 {
				t.Errorf("%v went to %v, want all to %s", c.md, got, c.want)
			}
		})
	}
	// Untagged calls are still split: baggage without the key is no lane.
	got := count(t, reviews, 1000, "baggage", "userid=7")
	within(t, "reviews-v2 for baggage without a lane", got["reviews-v2"], 1000, 0.30, 0.06)
}

// TestRouteRulesReachGRPCClients: a rule on a header regex sends untagged
// calls to its own split; a rule a gRPC call can never match (GET, a
// query) is left out rather than widened, so its calls keep the service's
// split; the lane still decides for tagged calls.
func TestRouteRulesReachGRPCClients(t *testing.T) {
	f := newLaneFleet(t)
	e := newEnv(t, render(t, laneConfig, f))
	reviews := e.dial("reviews.default:9080")
	if got := count(t, reviews, 200, "x-tier", "platinum"); got["reviews-v2"] != 200 {
		t.Errorf("x-tier: platinum went to %v, want all to v2", got)
	}
	if got := count(t, reviews, 200, "x-tier", "gold", "x-canary", "stable"); got["reviews-v1"] != 200 {
		t.Errorf("x-tier: gold in lane stable went to %v, want all to the baseline", got)
	}
	for _, tier := range []string{"silver", "bronze"} {
		got := count(t, reviews, 1000, "x-tier", tier)
		within(t, "reviews-v2 for x-tier "+tier, got["reviews-v2"], 1000, 0.30, 0.06)
	}
}

// TestLaneFallsBackToBaselineWithoutFailing removes every endpoint of
// ratings' canary version while canary calls run: they move to the
// baseline without one failing, the fallback shows in the metric and the
// status, and they return when the endpoint is back.
func TestLaneFallsBackToBaselineWithoutFailing(t *testing.T) {
	f := newLaneFleet(t)
	e := newEnv(t, render(t, laneConfig, f))
	ratings := e.dial("ratings.shop:9090")
	if got := count(t, ratings, 50, "x-canary", "canary"); got["ratings-v2"] != 50 {
		t.Fatalf("before: canary calls went to %v", got)
	}
	calls := startCalling(ratings, "x-canary", "canary")
	fallback := func() float64 {
		return testutil.ToFloat64(e.cp.Metrics().LaneFallback.WithLabelValues("ratings.shop:9090", "v2"))
	}

	withEndpoints := f.RatingsV2Endpoints
	f.RatingsV2Endpoints = "[]"
	e.write("graylane.yaml", render(t, laneConfig, f))
	calls.waitFor(t, "ratings-v1")
	if fallback() != 1 || !slices.Equal(e.cp.Pipeline().Status().LaneFallbacks, []string{"ratings.shop:9090/v2"}) {
		t.Errorf("fallback gauge %v, status %v", fallback(), e.cp.Pipeline().Status().LaneFallbacks)
	}

	f.RatingsV2Endpoints = withEndpoints
	e.write("graylane.yaml", render(t, laneConfig, f))
	calls.waitFor(t, "ratings-v2")
	if fallback() != 0 || len(e.cp.Pipeline().Status().LaneFallbacks) != 0 {
		t.Errorf("after the endpoint came back: gauge %v, status %v", fallback(), e.cp.Pipeline().Status().LaneFallbacks)
	}
	n, failed := calls.stop()
	if len(failed) > 0 || n < 100 {
		t.Errorf("%d calls, %d failed (first: %v)", n, len(failed), failed)
	}
}

// caller makes calls one after another until stopped, and remembers who
// answered the latest ones and every failure.
type caller struct {
	stopped atomic.Bool
	done    chan struct{}
	mu      sync.Mutex
	n       int
	streak  map[string]int // consecutive answers by the latest backend
	last    string
	failed  []error
}

func startCalling(conn *grpc.ClientConn, md ...string) *caller {
	c := &caller{done: make(chan struct{}), streak: map[string]int{}}
	go func() {
		defer close(c.done)
		for !c.stopped.Load() {
			id, err := call(context.Background(), conn, md...)
			c.record(id, err)
		}
	}()
	return c
}

func (c *caller) record(id string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if err != nil {
		c.failed = append(c.failed, err)
		return
	}
	if id != c.last {
		c.streak = map[string]int{}
	}
	c.last = id
	c.streak[id]++
}

// waitFor waits until 50 consecutive calls were answered by id.
func (c *caller) waitFor(t *testing.T, id string) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.streak[id] < 50 {
			return fmt.Errorf("latest answers: %d in a row from %q, want 50 from %s", c.streak[c.last], c.last, id)
		}
		return nil
	})
}

// stop stops calling and returns the number of calls and the failures.
func (c *caller) stop() (int, []error) {
	c.stopped.Store(true)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.failed
}

package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/graylane/graylane/internal/cli"
)

// backends of the two services every test here serves.
type fleet struct {
	ReviewsV1, ReviewsV2, RatingsV1, RatingsV2 *backend
	ReviewsWeights                             string
}

func newFleet(t *testing.T) *fleet {
	return &fleet{
		ReviewsV1: startBackend(t, "reviews-v1"), ReviewsV2: startBackend(t, "reviews-v2"),
		RatingsV1: startBackend(t, "ratings-v1"), RatingsV2: startBackend(t, "ratings-v2"),
		ReviewsWeights: "{v1: 70, v2: 30}",
	}
}

// fleetConfig serves reviews (split by weight) and ratings (baseline for
// untagged traffic), each with a canary version, plus services that no
// client dials.
const fleetConfig = `
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
    weights: {{.ReviewsWeights}}
  - name: ratings
    namespace: shop
    port: 9090
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.RatingsV1.Port}}}]
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.RatingsV2.Port}}}]
  - name: unused-a
    port: 7000
    protocol: http
    versions: [{name: v1, endpoints: [{address: 10.0.0.1}]}]
  - name: unused-b
    port: 7000
    protocol: grpc
    versions: [{name: v1, endpoints: [{address: 10.0.0.2}]}]
`

// within fails unless got/n is within tol of want.
func within(t *testing.T, what string, got, n int, want, tol float64) {
	t.Helper()
	share := float64(got) / float64(n)
	if math.Abs(share-want) > tol {
		t.Errorf("%s: %.3f of %d calls, want %.2f ± %.2f", what, share, n, want, tol)
	}
}

func TestUntaggedCallsSplitByWeight(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	conn := e.dial("reviews.default:9080")
	const n = 2000
	got := count(t, conn, n)
	// 2000 calls at p=0.3: one standard deviation is 1 point; 5 points is
	// far outside chance yet catches any other split.
	within(t, "reviews-v1", got["reviews-v1"], n, 0.70, 0.05)
	within(t, "reviews-v2", got["reviews-v2"], n, 0.30, 0.05)
	if got["reviews-v1"]+got["reviews-v2"] != n {
		t.Errorf("answers from outside reviews: %v", got)
	}
}

func TestLaneHeaderRouting(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	reviews := e.dial("reviews.default:9080")
	ratings := e.dial("ratings.shop:9090")
	cases := []struct {
		name string
		conn string
		lane string
		want string
	}{
		{"canary lane goes to the canary version", "reviews", "canary", "reviews-v2"},
		{"stable goes to the baseline, not the split", "reviews", "stable", "reviews-v1"},
		{"an unknown lane goes to the baseline", "reviews", "blue", "reviews-v1"},
		{"canary lane on the next hop", "ratings", "canary", "ratings-v2"},
		{"stable on the next hop", "ratings", "stable", "ratings-v1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := reviews
			if c.conn == "ratings" {
				conn = ratings
			}
			got := count(t, conn, 300, "x-canary", c.lane)
			if got[c.want] != 300 {
				t.Errorf("x-canary: %s went to %v, want all to %s", c.lane, got, c.want)
			}
		})
	}
	if got := count(t, ratings, 200); got["ratings-v1"] != 200 {
		t.Errorf("untagged ratings calls went to %v, want all to the baseline", got)
	}
}

func TestWeightChangeReachesConnectedClient(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	conn := e.dial("reviews.default:9080")
	if got := count(t, conn, 200); got["reviews-v2"] == 0 {
		t.Fatalf("before the change no call reached v2: %v", got)
	}
	f.ReviewsWeights = "{v1: 0, v2: 100}"
	e.write("graylane.yaml", render(t, fleetConfig, f))
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 100, "reviews-v2") })
	f.ReviewsWeights = "{v1: 50, v2: 50}"
	e.write("graylane.yaml", render(t, fleetConfig, f))
	eventually(t, 10*time.Second, func() error {
		got := count(t, conn, 1000)
		if share := float64(got["reviews-v1"]) / 1000; math.Abs(share-0.5) > 0.07 {
			return fmt.Errorf("v1 share %.3f, want 0.50 ± 0.07", share)
		}
		return nil
	})
}

func TestInvalidConfigKeepsPreviousRouting(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	conn := e.dial("reviews.default:9080")
	count(t, conn, 50) // connected and routed
	published := testutil.ToFloat64(e.cp.Metrics().SnapshotBuilds)

	bad := "services:\n  - name: reviews\n    port: 99999\n    versions: [{name: v1, lane: nope}]\n    colour: red\n"
	e.write("graylane.yaml", bad)
	eventually(t, 5*time.Second, func() error {
		if n := testutil.ToFloat64(e.cp.Metrics().ConfigErrors.WithLabelValues("file")); n < 1 {
			return fmt.Errorf("config errors metric at %v", n)
		}
		return nil
	})
	if !e.logged("configuration rejected", "graylane.yaml:5", `unknown field "colour"`) {
		t.Errorf("no log line names graylane.yaml:5 and the unknown field; logs: %v", e.logs.All())
	}
	st := e.cp.Pipeline().Status()
	if st.OK() || len(st.Rejected["file"]) == 0 {
		t.Errorf("status does not show the rejection: %+v", st)
	}
	if got := testutil.ToFloat64(e.cp.Metrics().SnapshotBuilds); got != published {
		t.Errorf("a snapshot was published for the invalid file (%v builds, had %v)", got, published)
	}
	// The client still routes as before.
	got := count(t, conn, 1000)
	within(t, "reviews-v1 after the invalid file", got["reviews-v1"], 1000, 0.70, 0.07)
	checkReadyz(t, e)

	// xds validate names the same problems.
	var out, errOut bytesBuffer
	cmd := cli.NewRootCommand(&out, &errOut)
	cmd.SetArgs([]string{"validate", e.dir})
	if err := cmd.Execute(); err == nil {
		t.Fatalf("validate accepted the invalid file: %s", out.String())
	}
	for _, want := range []string{"graylane.yaml:5: unknown field \"colour\""} {
		if !contains(errOut.String(), want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut.String())
		}
	}
}

func checkReadyz(t *testing.T, e *env) {
	t.Helper()
	resp, err := http.Get("http://" + e.cp.AdminAddress() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d after a rejected file; the last good snapshot is still served", resp.StatusCode)
	}
}

func TestServiceAddedAndRemovedWhileConnected(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	reviews := e.dial("reviews.default:9080")
	count(t, reviews, 20)

	extra := startBackend(t, "details-v1")
	details := fmt.Sprintf("services:\n  - name: details\n    port: 9100\n    protocol: grpc\n    versions: [{name: v1, endpoints: [{address: 127.0.0.1, port: %d}]}]\n", extra.Port)
	e.write("details.yaml", details)
	conn := e.dial("details.default:9100")
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 20, "details-v1") })

	e.write("details.yaml", "services: []\n")
	eventually(t, 10*time.Second, func() error {
		if _, err := call(context.Background(), conn); err == nil {
			return fmt.Errorf("details still answers after its removal")
		}
		return nil
	})
	if err := allFrom(reviews, 50, "reviews-v1", "x-canary", "stable"); err != nil {
		t.Errorf("reviews was disturbed by the removal: %v", err)
	}
}

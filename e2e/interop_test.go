package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/graylane/graylane/internal/xdsserver"
)

// The interop tests run one scenario against the xDS client of every gRPC
// stack of the compatibility contract (docs/compatibility.md): grpc-go in
// this process, grpc-js with @grpc/grpc-js-xds (e2e/interop/node) and gRPC
// C-core through Debian's python3-grpcio (e2e/interop/python). Each peer
// reads examples/grpc-bootstrap.json, dials xds:/// targets through a
// control plane, and reports who answered; the control plane's record of
// the clients' rejections (NACKs) is the authority on what they accepted.

// interopFleet is the backends of the interop scenario and the weights of
// its split service.
type interopFleet struct {
	ReviewsV1, ReviewsV2, RatingsV1, RatingsV2 *interopBackend
	E1, E2, E3                                 *interopBackend
	ReviewsWeights                             string
	LoadBalancers                              []lbCase
}

// lbCase is a service with one loadBalancer value of the contract.
type lbCase struct{ Service, Value string }

// contractLoadBalancers are every loadBalancer value of the contract.
var contractLoadBalancers = []lbCase{
	{"lb-round-robin", "round_robin"},
	{"lb-least-request", "least_request"},
	{"lb-ring-hash", "ring_hash"},
	{"lb-maglev", "maglev"},
	{"lb-random", "random"},
}

func newInteropFleet(t *testing.T) *interopFleet {
	return &interopFleet{
		ReviewsV1: startInteropBackend(t, "reviews-v1"), ReviewsV2: startInteropBackend(t, "reviews-v2"),
		RatingsV1: startInteropBackend(t, "ratings-v1"), RatingsV2: startInteropBackend(t, "ratings-v2"),
		E1: startInteropBackend(t, "ep-1"), E2: startInteropBackend(t, "ep-2"), E3: startInteropBackend(t, "ep-3"),
		ReviewsWeights: "{v1: 70, v2: 30}",
		LoadBalancers:  contractLoadBalancers,
	}
}

// interopConfig uses every field of the contract a proxyless client
// receives: lanes, weights, header matches, each load balancer, hashing,
// retries, timeouts, circuit breaking, outlier detection, zones and
// endpoint weights (and the Envoy-only fields, which must not disturb it).
const interopConfig = `
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
    match:
      - headers: [{name: x-beta-tester, value: "true"}]
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
        endpoints: [{address: 127.0.0.1, port: {{.RatingsV2.Port}}}]
{{- range .LoadBalancers}}
  - name: {{.Service}}
    port: 9100
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{$.E1.Port}}}, {address: 127.0.0.1, port: {{$.E2.Port}}}]
    policy: {loadBalancer: {{.Value}}}
{{- end}}
  - name: sticky
    port: 9200
    protocol: grpc
    versions:
      - name: v1
        endpoints:
          - {address: 127.0.0.1, port: {{.E1.Port}}}
          - {address: 127.0.0.1, port: {{.E2.Port}}}
          - {address: 127.0.0.1, port: {{.E3.Port}}}
    policy: {loadBalancer: ring_hash, hashOn: {header: x-user-id}}
  - name: retried
    port: 9300
    protocol: grpc
    versions: [{name: v1, endpoints: [{address: 127.0.0.1, port: {{.E1.Port}}}]}]
    policy: {retries: {attempts: 2, retryOn: [unavailable]}}
  - name: plain
    port: 9300
    protocol: grpc
    versions: [{name: v1, endpoints: [{address: 127.0.0.1, port: {{.E1.Port}}}]}]
  - name: slow
    port: 9400
    protocol: grpc
    versions: [{name: v1, endpoints: [{address: 127.0.0.1, port: {{.E1.Port}}}]}]
    policy: {timeout: 2500ms}
  - name: everything
    port: 9500
    protocol: grpc
    versions:
      - name: v1
        endpoints:
          - {address: 127.0.0.1, port: {{.E1.Port}}, zone: a}
          - {address: 127.0.0.1, port: {{.E2.Port}}, zone: b, weight: 2}
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.E3.Port}}}]
    weights: {v1: 99.99, v2: 0.01}
    policy:
      loadBalancer: maglev
      hashOn: {cookie: session}
      connectTimeout: 1s
      timeout: 5s
      retries: {attempts: 3, retryOn: [unavailable, cancelled, 5xx, reset], perTryTimeout: 1s}
      circuitBreaker: {maxConnections: 100, maxPendingRequests: 100, maxRequests: 100, maxRetries: 3}
      outlierDetection: {consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
      rateLimit: {requestsPerSecond: 1000}
`

// interop is one stack's run of the scenario.
type interop struct {
	t     *testing.T
	e     *env
	f     *interopFleet
	stack stack
	p     peer
	// bootstrap is the peers' xDS bootstrap.
	bootstrap []byte
	// peerFailed is set once the peer itself failed: the steps left are
	// not run.
	peerFailed bool
}

func TestInterop(t *testing.T) {
	f := newInteropFleet(t)
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			f.ReviewsWeights = "{v1: 70, v2: 30}"
			e := newEnv(t, render(t, interopConfig, f))
			start := time.Now()
			it := &interop{t: t, e: e, f: f, stack: s, bootstrap: exampleBootstrap(t, "../examples/grpc-bootstrap.json", e)}
			it.p = s.start(t, it.bootstrap)
			it.run()
			t.Logf("%s %s: scenario ran in %v", s.name, it.p.Version(), time.Since(start).Round(time.Millisecond))
		})
	}
}

func (it *interop) run() {
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"split", it.split},
		{"lanes", it.lanes},
		{"loadBalancer", it.loadBalancers},
		{"ring_hash", it.ringHash},
		{"retries", it.retries},
		{"timeout", it.timeout},
		{"everything", it.everything},
		{"reload", it.reload},
	}
	for _, s := range steps {
		it.t.Run(s.name, func(t *testing.T) {
			s.run(t)
			if t.Failed() && !it.peerFailed {
				t.Logf("rejections seen by the control plane:\n%s\npeer log lines about rejections:\n%s", it.nacks(), rejections(it.p))
			}
		})
		if it.peerFailed {
			it.t.Fatalf("the %s peer failed: the steps after %s were not run", it.stack.name, s.name)
		}
	}
	it.checkAccepted()
}

// hashingDefect is the known defect of the peer that calls through a
// ring_hash cluster (loadBalancer ring_hash or maglev) would hit, or "".
func (it *interop) hashingDefect() string {
	return knownDefect(it.stack.name, it.p.Version(), "ring_hash")
}

// probe has a peer of its own fetch target's configuration without calling
// it, for a feature the peer cannot call (see knownDefects): the peer may
// crash once it applies the configuration, but it acknowledges (or
// rejects) the clusters first, which the control plane counts.
func (it *interop) probe(t *testing.T, target, why string) {
	t.Helper()
	before := it.acks("clusters")
	p := it.stack.start(t, it.bootstrap)
	r, err := p.Calls(callsRequest{Target: target, ConnectOnly: true, DeadlineMs: 1000})
	outcome := "channel " + r.State
	if err != nil {
		outcome = err.Error()
	}
	t.Logf("%s: no call made, known defect of %s %s: %s; the probe's outcome: %s", target, it.stack.name, p.Version(), why, outcome)
	it.eventually(t, func() error {
		if it.acks("clusters") <= before {
			return fmt.Errorf("%s %s did not acknowledge %s's clusters; rejections:\n%s", it.stack.name, p.Version(), target, it.nacks())
		}
		return nil
	})
}

func (it *interop) acks(typ string) float64 {
	return testutil.ToFloat64(it.e.cp.Metrics().Acks.WithLabelValues(typ))
}

// calls makes a request and fails the test if the peer itself fails. A
// request stops at its third failed call unless it sets StopAfterErrors.
func (it *interop) calls(t *testing.T, req callsRequest) callsResult {
	t.Helper()
	if req.StopAfterErrors == 0 {
		req.StopAfterErrors = 3
	}
	r, err := it.p.Calls(req)
	if err != nil {
		it.peerFailed = true
		t.Fatalf("%s: %v\nrejections: %s\npeer log:\n%s", it.stack.name, err, it.nacks(), tail(it.p.Logs(), 4000))
	}
	return r
}

// allTo checks that every call of req reached backend id.
func (it *interop) allTo(t *testing.T, req callsRequest, id string) {
	t.Helper()
	if r := it.calls(t, req); r.IDs[id] != req.N {
		t.Errorf("%s with %v: %v, want all %d to %s", req.Target, req.Metadata, r, req.N, id)
	}
}

func (it *interop) split(t *testing.T) {
	const n = 1000
	r := it.calls(t, callsRequest{Target: "reviews.default:9080", N: n})
	if r.failed() > 0 {
		t.Fatalf("untagged calls failed: %v", r)
	}
	// At p=0.3 one standard deviation of 1000 calls is 1.45 points: 6
	// points is far outside chance, yet catches any other split.
	within(t, "reviews-v1", r.IDs["reviews-v1"], n, 0.70, 0.06)
	within(t, "reviews-v2", r.IDs["reviews-v2"], n, 0.30, 0.06)
}

func (it *interop) lanes(t *testing.T) {
	const n = 100
	cases := []struct {
		target string
		md     map[string]string
		want   string
	}{
		{"reviews.default:9080", map[string]string{"x-canary": "canary"}, "reviews-v2"},
		{"reviews.default:9080", map[string]string{"x-canary": "stable"}, "reviews-v1"},
		{"reviews.default:9080", map[string]string{"x-canary": "blue"}, "reviews-v1"},
		{"reviews.default:9080", map[string]string{"x-beta-tester": "true"}, "reviews-v2"},
		{"reviews.default:9080", map[string]string{"x-canary": "stable", "x-beta-tester": "true"}, "reviews-v1"},
		{"ratings.shop:9090", map[string]string{"x-canary": "canary"}, "ratings-v2"},
		{"ratings.shop:9090", map[string]string{"x-canary": "stable"}, "ratings-v1"},
		{"ratings.shop:9090", nil, "ratings-v1"},
	}
	for _, c := range cases {
		it.allTo(t, callsRequest{Target: c.target, N: n, Metadata: c.md}, c.want)
	}
}

// loadBalancers calls a service of each loadBalancer value: every call
// answered, and by both endpoints (round robin, or random hashes for the
// hashing ones). least_request may send sequential calls all to one
// endpoint, as none has a call outstanding: grpc-go does.
func (it *interop) loadBalancers(t *testing.T) {
	const n = 60
	for _, lb := range it.f.LoadBalancers {
		target := lb.Service + ".default:9100"
		if why := it.hashingDefect(); why != "" && (lb.Value == "ring_hash" || lb.Value == "maglev") {
			it.probe(t, target, why)
			continue
		}
		// A balancer picks among the endpoints connected: on a loaded
		// machine the second may still be connecting during a first round.
		var r callsResult
		spread := false
		for range 3 {
			r = it.calls(t, callsRequest{Target: target, N: n})
			if spread = lb.Value == "least_request" || r.IDs["ep-1"] >= 5 && r.IDs["ep-2"] >= 5; spread || r.failed() > 0 {
				break
			}
		}
		if r.failed() > 0 || r.IDs["ep-1"]+r.IDs["ep-2"] != n || !spread {
			t.Errorf("loadBalancer %s: %v, want every call answered by ep-1 and ep-2, at least 5 each", lb.Value, r)
		}
	}
}

// ringHash checks that ring_hash keeps a user on one endpoint, and spreads
// users over the endpoints.
func (it *interop) ringHash(t *testing.T) {
	if why := it.hashingDefect(); why != "" {
		it.probe(t, "sticky.default:9200", why)
		t.Skipf("ring_hash stickiness not checked on %s %s: %s", it.stack.name, it.p.Version(), why)
	}
	const users, n = 12, 20
	used := map[string]bool{}
	for u := range users {
		req := callsRequest{Target: "sticky.default:9200", N: 1, Metadata: map[string]string{"x-user-id": "user-" + strconv.Itoa(u)}}
		it.calls(t, req) // connects the user's endpoint
		req.N = n
		r := it.calls(t, req)
		if len(r.IDs) != 1 || r.failed() > 0 {
			t.Errorf("user-%d: %v, want all %d calls to one endpoint", u, r, n)
		}
		for id := range r.IDs {
			used[id] = true
		}
	}
	if len(used) < 2 {
		t.Errorf("%d users all hashed to %v; want them spread over the 3 endpoints", users, used)
	}
}

// retries checks that a service's retries turn failed attempts into
// answers, up to its attempts and no further.
func (it *interop) retries(t *testing.T) {
	const n = 10
	failing := func(target string, attempts int) callsRequest {
		return callsRequest{Target: target, N: n, UniqueHeader: keyHeader, StopAfterErrors: n,
			Metadata: map[string]string{failHeader: strconv.Itoa(attempts)}}
	}
	if r := it.calls(t, failing("plain.default:9300", 1)); r.Errors["UNAVAILABLE"] != n {
		t.Errorf("without retries, a failed attempt: %v, want all %d UNAVAILABLE", r, n)
	}
	if r := it.calls(t, failing("retried.default:9300", 2)); r.IDs["ep-1"] != n {
		t.Errorf("2 retries, 2 failed attempts: %v, want all %d answered", r, n)
	}
	if r := it.calls(t, failing("retried.default:9300", 3)); r.Errors["UNAVAILABLE"] != n {
		t.Errorf("2 retries, 3 failed attempts: %v, want all %d UNAVAILABLE", r, n)
	}
}

// timeout checks that the service's 2.5s timeout ends a slow call, under
// the call's own 8s deadline, and lets a fast one through.
func (it *interop) timeout(t *testing.T) {
	const target = "slow.default:9400"
	it.allTo(t, callsRequest{Target: target, N: 3, Metadata: map[string]string{sleepHeader: "20"}}, "ep-1")
	earliest, also := 2400.0, ""
	if why := knownDefect(it.stack.name, it.p.Version(), "timeout"); why != "" {
		earliest = 300
		t.Logf("a call may end up to 2.2s before the timeout on %s %s: %s", it.stack.name, it.p.Version(), why)
	}
	if why := knownDefect(it.stack.name, it.p.Version(), "deadline status"); why != "" {
		also = "CANCELLED"
		t.Logf("a call ended by the timeout may fail CANCELLED on %s %s: %s", it.stack.name, it.p.Version(), why)
	}
	r := it.calls(t, callsRequest{Target: target, N: 1, DeadlineMs: 8000, StopAfterErrors: 1,
		Metadata: map[string]string{sleepHeader: "5000"}})
	ended := r.Errors["DEADLINE_EXCEEDED"] + r.Errors[also]
	if ended != 1 || r.MaxMs > 3500 || r.MinMs < earliest {
		t.Errorf("a 5s call to a service with a 2.5s timeout: %v after %.0fms, want DEADLINE_EXCEEDED after %.0f-3500ms",
			r, r.MaxMs, earliest)
	}
}

// everything calls the service that sets every policy field.
func (it *interop) everything(t *testing.T) {
	if why := it.hashingDefect(); why != "" {
		it.probe(t, "everything.default:9500", why)
		t.Skipf("not called on %s %s (loadBalancer maglev): %s", it.stack.name, it.p.Version(), why)
	}
	const n = 50
	r := it.calls(t, callsRequest{Target: "everything.default:9500", N: n})
	if r.failed() > 0 || r.IDs["ep-1"]+r.IDs["ep-2"] < n-1 {
		t.Errorf("%v, want every call answered, by v1's endpoints", r)
	}
	it.allTo(t, callsRequest{Target: "everything.default:9500", N: 10, Metadata: map[string]string{"x-canary": "canary"}}, "ep-3")
}

// reload changes the split under the connected peer.
func (it *interop) reload(t *testing.T) {
	it.setWeights("{v1: 0, v2: 100}")
	it.eventually(t, func() error {
		r := it.calls(t, callsRequest{Target: "reviews.default:9080", N: 50})
		if r.IDs["reviews-v2"] != 50 {
			return fmt.Errorf("after the change to v2: %v", r)
		}
		return nil
	})
	it.setWeights("{v1: 50, v2: 50}")
	it.eventually(t, func() error {
		const n = 1000
		r := it.calls(t, callsRequest{Target: "reviews.default:9080", N: n})
		if share := float64(r.IDs["reviews-v1"]) / n; math.Abs(share-0.5) > 0.07 || r.failed() > 0 {
			return fmt.Errorf("after the change to 50/50: %v", r)
		}
		return nil
	})
}

func (it *interop) setWeights(w string) {
	it.f.ReviewsWeights = w
	it.e.write("graylane.yaml", render(it.t, interopConfig, it.f))
}

func (it *interop) eventually(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkAccepted fails on any rejection a client of the control plane sent,
// and on any response it has not acknowledged.
func (it *interop) checkAccepted() {
	t := it.t
	clients := it.clients()
	if len(clients) == 0 {
		t.Fatal("no client is connected to the control plane")
	}
	if nacks := it.nacks(); nacks != "" {
		t.Errorf("%s %s rejected resources:\n%s\npeer log lines about rejections:\n%s", it.stack.name, it.p.Version(), nacks, rejections(it.p))
	}
	for _, c := range clients {
		if c.Role != "grpc" {
			t.Errorf("client %s (%s) has role %q, want grpc", c.NodeID, c.UserAgent, c.Role)
		}
		for typ, ts := range c.Types {
			if ts.Sent != ts.Acked {
				t.Errorf("client %s (%s): %s version %s sent, %s acknowledged", c.NodeID, c.UserAgent, typ, ts.Sent, ts.Acked)
			}
		}
	}
}

func (it *interop) clients() []xdsserver.ClientStatus {
	var clients []xdsserver.ClientStatus
	getJSONT(it.t, "http://"+it.e.cp.AdminAddress()+"/debug/clients", &clients)
	return clients
}

func (it *interop) nacks() string { return it.e.nacks() }

// nacks lists every rejection the control plane recorded, one a line,
// from its log: a client that crashed and left is in it too.
func (e *env) nacks() string {
	var lines []string
	for _, entry := range e.logs.FilterMessage("client rejected configuration").All() {
		f := entry.ContextMap()
		lines = append(lines, fmt.Sprintf("  %v NACKed %v version %v: %v", f["node"], f["type"], f["version"], f["error"]))
	}
	return strings.Join(lines, "\n")
}

// exampleBootstrap is a bootstrap file of examples/, pointed at e's
// control plane.
func exampleBootstrap(t *testing.T, path string, e *env) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var uri struct {
		XDSServers []struct {
			ServerURI string `json:"server_uri"`
		} `json:"xds_servers"`
	}
	if err := json.Unmarshal(data, &uri); err != nil || len(uri.XDSServers) == 0 {
		t.Fatalf("%s: no xds_servers (%v)", path, err)
	}
	return []byte(strings.Replace(string(data), uri.XDSServers[0].ServerURI, e.cp.XDSAddress(), 1))
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"

	"github.com/graylane/graylane/translators"
)

// baseConfig has one HTTP service; extraService adds an HTTP and a TCP
// service, which touches every resource type of the sidecar role.
const baseConfig = `
services:
  - name: web
    port: 8080
    versions: [{name: v1, endpoints: [{address: 10.0.0.1}]}]
`

const extraServices = `
  - name: api
    port: 8081
    versions: [{name: v1, endpoints: [{address: 10.0.0.2}]}]
  - name: db
    port: 5432
    protocol: tcp
    versions: [{name: v1, endpoints: [{address: 10.0.0.3}]}]
`

func TestSotwPushesMakeBeforeBreak(t *testing.T) {
	e := newEnv(t, baseConfig)
	c := e.sotw(sidecarNode("order"))
	c.subscribeAll()

	e.write("graylane.yaml", baseConfig+extraServices)
	if got, want := c.typeOrder(5), []string{"clusters", "endpoints", "listeners", "scoped_routes", "routes"}; !slices.Equal(got, want) {
		t.Errorf("adding services pushed %v, want %v", got, want)
	}
	e.write("graylane.yaml", baseConfig)
	if got, want := c.typeOrder(3), []string{"listeners", "scoped_routes", "clusters"}; !slices.Equal(got, want) {
		t.Errorf("removing services pushed %v, want %v: clusters must outlive the routes to them", got, want)
	}
	select { // a state-of-the-world client learns from the clusters that their endpoints are gone
	case r := <-c.in:
		t.Errorf("removing services also pushed %s", translators.KindName(r.GetTypeUrl()))
	case <-time.After(300 * time.Millisecond):
	}
}

func TestGRPCClientAsksOnlyForWhatItUses(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	c := e.sotw(&corev3.Node{Id: "only-reviews", UserAgentName: "gRPC Go"})
	for _, s := range grpcSteps() {
		c.send(&discoveryv3.DiscoveryRequest{TypeUrl: s.typ, ResourceNames: s.names})
		r := c.recv() // held back, this would time out
		if got := names(r); !slices.Equal(got, s.names) {
			t.Errorf("%s: got %v, want just %v", translators.KindName(s.typ), got, s.names)
		}
		c.ack(r)
	}
}

func TestSotwNackIsRecordedAndNotResent(t *testing.T) {
	e := newEnv(t, baseConfig)
	c := e.sotw(sidecarNode("nacker"))
	first := c.subscribeAll()
	clusters := first[resourcev3.ClusterType]

	// The client accepted version A; reject the next version B.
	e.write("graylane.yaml", baseConfig+extraServices)
	rejected := c.recv()
	for rejected.GetTypeUrl() != resourcev3.ClusterType {
		c.ack(rejected)
		rejected = c.recv()
	}
	c.send(nack(rejected, clusters.GetVersionInfo(), "cluster api: unsupported setting"))
	drainExcept(t, c, resourcev3.ClusterType, time.Second)

	var status []struct {
		NodeID string
		Types  map[string]struct {
			Acked    string
			LastNack *struct{ Version, Message string }
		}
	}
	getJSONT(t, "http://"+e.cp.AdminAddress()+"/debug/clients", &status)
	ts := status[0].Types["clusters"]
	if ts.LastNack == nil || ts.LastNack.Message != "cluster api: unsupported setting" || ts.LastNack.Version != rejected.GetVersionInfo() {
		t.Errorf("/debug/clients shows %+v, want the rejection of %s", ts.LastNack, rejected.GetVersionInfo())
	}
	if ts.Acked != clusters.GetVersionInfo() {
		t.Errorf("acked clusters version %q, want the one accepted before, %q", ts.Acked, clusters.GetVersionInfo())
	}
	if n := len(e.logs.FilterMessage("client rejected configuration").All()); n != 1 {
		t.Errorf("the rejection was logged %d times, want once", n)
	}

	// A new configuration reaches the client.
	e.write("graylane.yaml", baseConfig)
	for r := c.recv(); ; r = c.recv() {
		c.ack(r)
		if r.GetTypeUrl() == resourcev3.ClusterType {
			if r.GetVersionInfo() == rejected.GetVersionInfo() {
				t.Fatalf("the rejected version was sent again")
			}
			break
		}
	}
}

// drainExcept acknowledges whatever arrives for d and fails if a response
// of type typ arrives.
func drainExcept(t *testing.T, c *sotwClient, typ string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case r, ok := <-c.in:
			if !ok {
				t.Fatal("stream closed")
			}
			if r.GetTypeUrl() == typ {
				t.Fatalf("%s version %s sent again after the client rejected it", translators.KindName(typ), r.GetVersionInfo())
			}
			c.ack(r)
		case <-deadline:
			return
		}
	}
}

// TestRestartPushesNothingToUpToDateSotwClients restarts the control plane
// with the same configuration: state-of-the-world clients that reconnect
// with the versions they hold (an Envoy subscribing to everything, a gRPC
// client to what it dials) are sent nothing until something they hold
// changes, and then just that.
func TestRestartPushesNothingToUpToDateSotwClients(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	envoy := e.sotw(sidecarNode("envoy")).subscribeAll()
	grpcNode := &corev3.Node{Id: "grpc", UserAgentName: "gRPC Go"}
	g := e.sotw(grpcNode)
	held := map[string]string{}
	for _, s := range grpcSteps() {
		g.send(&discoveryv3.DiscoveryRequest{TypeUrl: s.typ, ResourceNames: s.names})
		r := g.recv()
		held[s.typ] = r.GetVersionInfo()
		g.ack(r)
	}

	e.restart()
	c := e.sotw(sidecarNode("envoy"))
	for typ, r := range envoy {
		c.send(&discoveryv3.DiscoveryRequest{TypeUrl: typ, VersionInfo: r.GetVersionInfo()})
	}
	g = e.sotw(grpcNode)
	for _, s := range grpcSteps() {
		g.send(&discoveryv3.DiscoveryRequest{TypeUrl: s.typ, ResourceNames: s.names, VersionInfo: held[s.typ]})
	}
	for _, cl := range []*sotwClient{c, g} {
		select {
		case r := <-cl.in:
			t.Errorf("%s: after a restart with the same configuration, the up-to-date client was sent %s", cl.node.GetId(), translators.KindName(r.GetTypeUrl()))
		case <-time.After(500 * time.Millisecond):
		}
	}
	f.ReviewsWeights = "{v1: 50, v2: 50}"
	e.write("graylane.yaml", render(t, fleetConfig, f))
	if r := g.recv(); translators.KindName(r.GetTypeUrl()) != "routes" {
		t.Errorf("a weight change pushed %s to the gRPC client first, want its routes", translators.KindName(r.GetTypeUrl()))
	}
}

// grpcSteps are what a proxyless gRPC client dialing reviews asks for.
func grpcSteps() []struct {
	typ   string
	names []string
} {
	return []struct {
		typ   string
		names []string
	}{
		{resourcev3.ListenerType, []string{"reviews.default:9080"}},
		{resourcev3.RouteType, []string{"reviews.default:9080"}},
		{resourcev3.ClusterType, []string{"reviews.default:9080/v1", "reviews.default:9080/v2"}},
		{resourcev3.EndpointType, []string{"reviews.default:9080/v1"}},
	}
}

// TestChangesReachOnlyTheClientsOfWhatChanged changes the endpoints of a
// service a gRPC client does not use (it is sent nothing), then of one it
// uses (it is sent those endpoints, and nothing else).
func TestChangesReachOnlyTheClientsOfWhatChanged(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	g := e.sotw(&corev3.Node{Id: "reviews-client", UserAgentName: "gRPC Go"})
	for _, s := range grpcSteps() {
		g.send(&discoveryv3.DiscoveryRequest{TypeUrl: s.typ, ResourceNames: s.names})
		g.ack(g.recv())
	}
	other := startBackend(t, "ratings-v1-b")
	moved := strings.Replace(render(t, fleetConfig, f), fmt.Sprint(f.RatingsV1.Port), fmt.Sprint(other.Port), 1)
	e.write("graylane.yaml", moved)
	select {
	case r := <-g.in:
		t.Errorf("an endpoint change of ratings pushed %s to a client of reviews", translators.KindName(r.GetTypeUrl()))
	case <-time.After(500 * time.Millisecond):
	}
	e.write("graylane.yaml", strings.Replace(moved, fmt.Sprint(f.ReviewsV1.Port), fmt.Sprint(other.Port), 1))
	r := g.recv()
	g.ack(r)
	if got := names(r); translators.KindName(r.GetTypeUrl()) != "endpoints" || !slices.Equal(got, []string{"reviews.default:9080/v1"}) {
		t.Errorf("an endpoint change of reviews v1 pushed %s %v", translators.KindName(r.GetTypeUrl()), got)
	}
	select {
	case r := <-g.in:
		t.Errorf("an endpoint change of reviews v1 also pushed %s", translators.KindName(r.GetTypeUrl()))
	case <-time.After(300 * time.Millisecond):
	}
}

package e2e

import (
	"slices"
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
	if got, want := c.typeOrder(4), []string{"clusters", "endpoints", "listeners", "routes"}; !slices.Equal(got, want) {
		t.Errorf("adding services pushed %v, want %v", got, want)
	}
	e.write("graylane.yaml", baseConfig)
	if got, want := c.typeOrder(4), []string{"listeners", "routes", "clusters", "endpoints"}; !slices.Equal(got, want) {
		t.Errorf("removing services pushed %v, want %v: clusters must outlive the routes to them", got, want)
	}
}

func TestGRPCClientAsksOnlyForWhatItUses(t *testing.T) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	c := e.sotw(&corev3.Node{Id: "only-reviews", UserAgentName: "gRPC Go"})
	steps := []struct {
		typ   string
		names []string
	}{
		{resourcev3.ListenerType, []string{"reviews.default:9080"}},
		{resourcev3.RouteType, []string{"reviews.default:9080"}},
		{resourcev3.ClusterType, []string{"reviews.default:9080/v1", "reviews.default:9080/v2"}},
		{resourcev3.EndpointType, []string{"reviews.default:9080/v1"}},
	}
	for _, s := range steps {
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

package e2e

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"

	"github.com/graylane/graylane/translators"
)

// deltaClient is an incremental ADS client; one goroutine receives every
// response into in.
type deltaClient struct {
	t      *testing.T
	stream discoveryv3.AggregatedDiscoveryService_DeltaAggregatedResourcesClient
	in     chan *discoveryv3.DeltaDiscoveryResponse
}

func (e *env) delta() *deltaClient {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	stream, err := e.adsConn().DeltaAggregatedResources(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return &deltaClient{t: e.t, stream: stream, in: receiveAll(stream.Recv)}
}

func (c *deltaClient) send(req *discoveryv3.DeltaDiscoveryRequest) {
	c.t.Helper()
	if err := c.stream.Send(req); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next response of type typ, acknowledging any other.
func (c *deltaClient) next(typ string) *discoveryv3.DeltaDiscoveryResponse {
	c.t.Helper()
	for {
		select {
		case r, ok := <-c.in:
			if !ok {
				c.t.Fatal("stream closed")
			}
			if r.GetTypeUrl() == typ {
				return r
			}
			c.ack(r)
		case <-time.After(10 * time.Second):
			c.t.Fatalf("no %s response within 10s", translators.KindName(typ))
		}
	}
}

func (c *deltaClient) ack(r *discoveryv3.DeltaDiscoveryResponse) {
	c.send(&discoveryv3.DeltaDiscoveryRequest{TypeUrl: r.GetTypeUrl(), ResponseNonce: r.GetNonce()})
}

// versions returns the name -> version of the resources in a response.
func versions(r *discoveryv3.DeltaDiscoveryResponse) map[string]string {
	out := map[string]string{}
	for _, res := range r.GetResources() {
		out[res.GetName()] = res.GetVersion()
	}
	return out
}

func TestDeltaSubscribeUpdateRemove(t *testing.T) {
	e := newEnv(t, baseConfig+extraServices)
	c := e.delta()
	c.send(&discoveryv3.DeltaDiscoveryRequest{Node: sidecarNode("delta"), TypeUrl: resourcev3.ClusterType})
	first := c.next(resourcev3.ClusterType)
	want := []string{"api.default:8081/v1", "db.default:5432/v1", "web.default:8080/v1"}
	if got := slices.Sorted(maps.Keys(versions(first))); !slices.Equal(got, want) {
		t.Fatalf("first response has %v, want %v", got, want)
	}
	c.ack(first)

	// A change to one cluster sends that cluster alone.
	e.write("graylane.yaml", baseConfig+extraServices+"    policy: {connectTimeout: 2s}\n")
	update := c.next(resourcev3.ClusterType)
	if got := slices.Sorted(maps.Keys(versions(update))); !slices.Equal(got, []string{"db.default:5432/v1"}) {
		t.Errorf("update carries %v, want only the changed cluster", got)
	}
	if len(update.GetRemovedResources()) != 0 {
		t.Errorf("update removes %v", update.GetRemovedResources())
	}
	c.ack(update)

	// Removing services removes their clusters.
	e.write("graylane.yaml", baseConfig)
	removal := c.next(resourcev3.ClusterType)
	if got := slices.Sorted(slices.Values(removal.GetRemovedResources())); !slices.Equal(got, []string{"api.default:8081/v1", "db.default:5432/v1"}) {
		t.Errorf("removal removes %v, want the api and db clusters", got)
	}
	if len(removal.GetResources()) != 0 {
		t.Errorf("removal also sends %v", versions(removal))
	}
}

func TestVersionsSurviveRestart(t *testing.T) {
	e := newEnv(t, baseConfig+extraServices)
	before := e.sotw(sidecarNode("restart")).subscribeAll()
	d := e.delta()
	d.send(&discoveryv3.DeltaDiscoveryRequest{Node: sidecarNode("restart-delta"), TypeUrl: resourcev3.ClusterType})
	known := versions(d.next(resourcev3.ClusterType))

	e.restart()
	after := e.sotw(sidecarNode("restart")).subscribeAll()
	for typ, r := range before {
		if got := after[typ].GetVersionInfo(); got != r.GetVersionInfo() {
			t.Errorf("%s version %s after the restart, was %s", translators.KindName(typ), got, r.GetVersionInfo())
		}
	}
	// A delta client that reconnects with what it has is sent nothing.
	d = e.delta()
	d.send(&discoveryv3.DeltaDiscoveryRequest{
		Node: sidecarNode("restart-delta"), TypeUrl: resourcev3.ClusterType, InitialResourceVersions: known,
	})
	if r := d.next(resourcev3.ClusterType); len(r.GetResources())+len(r.GetRemovedResources()) != 0 {
		t.Errorf("after a restart the unchanged client was sent %v, removed %v", versions(r), r.GetRemovedResources())
	}
}

func TestUnknownRoleIsRefused(t *testing.T) {
	e := newEnv(t, baseConfig)
	node := sidecarNode("stranger")
	node.Metadata.Fields["role"] = structString("router")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := e.adsConn().StreamAggregatedResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: node, TypeUrl: resourcev3.ClusterType}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err == nil || !contains(err.Error(), `unknown role "router"`) {
		t.Errorf("a node with role router got %v, want the stream refused naming the role", err)
	}
}

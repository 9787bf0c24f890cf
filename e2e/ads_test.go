package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/translators"
)

// adsConn opens a raw ADS connection to the control plane.
func (e *env) adsConn() discoveryv3.AggregatedDiscoveryServiceClient {
	e.t.Helper()
	conn, err := grpc.NewClient(e.cp.XDSAddress(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return discoveryv3.NewAggregatedDiscoveryServiceClient(conn)
}

// sidecarNode is an Envoy node that says it is a sidecar.
func sidecarNode(id string) *corev3.Node {
	md, _ := structpb.NewStruct(map[string]any{"role": "sidecar"})
	return &corev3.Node{Id: id, UserAgentName: "envoy", Metadata: md}
}

// sotwClient is a state-of-the-world ADS client; one goroutine receives
// every response into in.
type sotwClient struct {
	t      *testing.T
	stream discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	node   *corev3.Node
	in     chan *discoveryv3.DiscoveryResponse
	// names are the resources subscribed to, by type: every request
	// repeats them, as the protocol asks.
	names map[string][]string
}

func (e *env) sotw(node *corev3.Node) *sotwClient {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	stream, err := e.adsConn().StreamAggregatedResources(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return &sotwClient{t: e.t, stream: stream, node: node, in: receiveAll(stream.Recv), names: map[string][]string{}}
}

// receiveAll receives every message of a stream into a channel, closed
// when the stream ends.
func receiveAll[T any](recv func() (T, error)) chan T {
	in := make(chan T, 64)
	go func() {
		defer close(in)
		for {
			r, err := recv()
			if err != nil {
				return
			}
			in <- r
		}
	}()
	return in
}

// send sends a request; one without a nonce subscribes to its names, and
// one with a nonce (an ACK or NACK) repeats the current subscription.
func (c *sotwClient) send(req *discoveryv3.DiscoveryRequest) {
	c.t.Helper()
	req.Node = c.node
	if req.GetResponseNonce() == "" {
		c.names[req.GetTypeUrl()] = req.GetResourceNames()
	} else {
		req.ResourceNames = c.names[req.GetTypeUrl()]
	}
	if err := c.stream.Send(req); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next response, failing after 10 s.
func (c *sotwClient) recv() *discoveryv3.DiscoveryResponse {
	c.t.Helper()
	select {
	case r, ok := <-c.in:
		if !ok {
			c.t.Fatal("stream closed")
		}
		return r
	case <-time.After(10 * time.Second):
		c.t.Fatal("no response within 10s")
	}
	return nil
}

// ack acknowledges a response.
func (c *sotwClient) ack(r *discoveryv3.DiscoveryResponse) {
	c.send(&discoveryv3.DiscoveryRequest{TypeUrl: r.GetTypeUrl(), VersionInfo: r.GetVersionInfo(), ResponseNonce: r.GetNonce()})
}

// subscribeAll asks for every resource of every type, as an Envoy with
// wildcard subscriptions does, and returns the first response of each.
func (c *sotwClient) subscribeAll() map[string]*discoveryv3.DiscoveryResponse {
	c.t.Helper()
	types := []string{resourcev3.ClusterType, resourcev3.EndpointType, resourcev3.ListenerType, resourcev3.ScopedRouteType, resourcev3.RouteType}
	for _, typ := range types {
		c.send(&discoveryv3.DiscoveryRequest{TypeUrl: typ})
	}
	got := map[string]*discoveryv3.DiscoveryResponse{}
	for len(got) < len(types) {
		r := c.recv()
		got[r.GetTypeUrl()] = r
		c.ack(r)
	}
	return got
}

// typeOrder receives responses until it has one of each type in want,
// acknowledging them, and returns the order they came in.
func (c *sotwClient) typeOrder(want int) []string {
	c.t.Helper()
	var order []string
	for len(order) < want {
		r := c.recv()
		c.ack(r)
		name := translators.KindName(r.GetTypeUrl())
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	return order
}

func names(resp *discoveryv3.DiscoveryResponse) []string {
	var out []string
	for _, r := range resp.GetResources() {
		out = append(out, resourceName(r))
	}
	slices.Sort(out)
	return out
}

func nack(r *discoveryv3.DiscoveryResponse, previous, msg string) *discoveryv3.DiscoveryRequest {
	return &discoveryv3.DiscoveryRequest{
		TypeUrl: r.GetTypeUrl(), VersionInfo: previous, ResponseNonce: r.GetNonce(),
		ErrorDetail: &status.Status{Code: 3, Message: msg},
	}
}

// resourceName reads the name of a resource in a response.
func resourceName(a *anypb.Any) string {
	m, err := a.UnmarshalNew()
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return cachev3.GetResourceName(m)
}

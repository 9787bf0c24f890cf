package xdsserver

import (
	"context"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/model"
)

func newTestCallbacks(policy *RolePolicy) (*callbacks, *observer.ObservedLogs, *metrics.Metrics) {
	core, logs := observer.New(zap.InfoLevel)
	m := metrics.New()
	c := newCallbacks(zap.New(core), m, DefaultLimits(), policy, nil)
	c.clients.now = func() time.Time { return time.Unix(1700000000, 0) }
	return c, logs, m
}

var grpcNode = &corev3.Node{Id: "n1", UserAgentName: "gRPC Go"}

func TestSotwAckAndNackAreTracked(t *testing.T) {
	c, logs, m := newTestCallbacks(nil)
	ctx := context.Background()
	req := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType}
	if err := c.OnStreamRequest(1, req); err != nil {
		t.Fatal(err)
	}
	c.OnStreamResponse(ctx, 1, req, &discoveryv3.DiscoveryResponse{TypeUrl: resourcev3.ClusterType, VersionInfo: "A", Nonce: "1"})
	ack := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType, VersionInfo: "A", ResponseNonce: "1"}
	_ = c.OnStreamRequest(1, ack)
	c.OnStreamResponse(ctx, 1, ack, &discoveryv3.DiscoveryResponse{TypeUrl: resourcev3.ClusterType, VersionInfo: "B", Nonce: "2"})

	nack := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType, VersionInfo: "A", ResponseNonce: "2",
		ErrorDetail: &status.Status{Message: "bad cluster"}}
	_ = c.OnStreamRequest(1, nack)
	got := c.clients.list()[0].Types["clusters"]
	if got.Acked != "A" || got.Sent != "B" || got.LastNack == nil || got.LastNack.Message != "bad cluster" || got.LastNack.Version != "B" {
		t.Errorf("status = %+v (nack %+v)", got, got.LastNack)
	}
	if testutil.ToFloat64(m.Acks.WithLabelValues("clusters")) != 1 || testutil.ToFloat64(m.Nacks.WithLabelValues("clusters")) != 1 ||
		testutil.ToFloat64(m.Pushes.WithLabelValues("clusters")) != 2 {
		t.Error("ACK, NACK and push counters are off")
	}
	if n := len(logs.FilterMessage("client rejected configuration").All()); n != 1 {
		t.Errorf("the NACK was logged %d times", n)
	}
	// A reply to a superseded response is neither an ACK nor a NACK.
	stale := &discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ClusterType, VersionInfo: "A", ResponseNonce: "1"}
	_ = c.OnStreamRequest(1, stale)
	if testutil.ToFloat64(m.Acks.WithLabelValues("clusters")) != 1 {
		t.Error("a stale reply counted as an ACK")
	}
}

func TestClientsByRoleAndClose(t *testing.T) {
	c, _, m := newTestCallbacks(nil)
	md, _ := structpb.NewStruct(map[string]any{"role": "edge"})
	_ = c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ListenerType})
	_ = c.OnStreamDeltaRequest(1, &discoveryv3.DeltaDiscoveryRequest{Node: &corev3.Node{Id: "e", Metadata: md}, TypeUrl: resourcev3.ListenerType})
	if testutil.ToFloat64(m.Clients.WithLabelValues(string(model.RoleGRPC))) != 1 || testutil.ToFloat64(m.Clients.WithLabelValues(string(model.RoleEdge))) != 1 {
		t.Fatal("clients by role not counted")
	}
	if l := c.clients.list(); len(l) != 2 || !l[1].Delta && !l[0].Delta {
		t.Errorf("a SotW and a delta stream with the same id must both be listed: %+v", l)
	}
	c.OnStreamClosed(1, grpcNode)
	c.OnDeltaStreamClosed(1, nil)
	if testutil.ToFloat64(m.Clients.WithLabelValues(string(model.RoleGRPC))) != 0 || len(c.clients.list()) != 0 {
		t.Error("closed streams are still counted")
	}
}

func TestDeltaAckUsesTheSentVersion(t *testing.T) {
	c, _, m := newTestCallbacks(nil)
	_ = c.OnStreamDeltaRequest(3, &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.RouteType})
	c.OnStreamDeltaResponse(3, nil, &discoveryv3.DeltaDiscoveryResponse{TypeUrl: resourcev3.RouteType, SystemVersionInfo: "v7", Nonce: "9"})
	_ = c.OnStreamDeltaRequest(3, &discoveryv3.DeltaDiscoveryRequest{TypeUrl: resourcev3.RouteType, ResponseNonce: "9"})
	if got := c.clients.list()[0].Types["routes"]; got.Acked != "v7" {
		t.Errorf("delta ACK recorded %q, want v7", got.Acked)
	}
	if testutil.ToFloat64(m.Acks.WithLabelValues("routes")) != 1 {
		t.Error("delta ACK not counted")
	}
}

func TestUnknownRoleIsRefused(t *testing.T) {
	c, _, _ := newTestCallbacks(nil)
	md, _ := structpb.NewStruct(map[string]any{"role": "mesh"})
	err := c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{Node: &corev3.Node{Metadata: md}, TypeUrl: resourcev3.ClusterType})
	if err == nil {
		t.Fatal("a node with role mesh was accepted")
	}
	if err := c.OnFetchRequest(context.Background(), nil); err == nil {
		t.Error("REST fetches are accepted")
	}
}

// TestEqualNodesShareTheCheckedOne sends the node with every request, as
// Envoy does by default, each a copy of its own: the stream is checked and
// logged once, and every request holds the node first checked; a node
// that differs is checked again.
func TestEqualNodesShareTheCheckedOne(t *testing.T) {
	c, logs, _ := newTestCallbacks(nil)
	first := proto.Clone(grpcNode).(*corev3.Node)
	_ = c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{Node: first, TypeUrl: resourcev3.ListenerType})
	_ = c.OnStreamDeltaRequest(2, &discoveryv3.DeltaDiscoveryRequest{Node: first, TypeUrl: resourcev3.ListenerType})
	for _, typ := range []string{resourcev3.RouteType, resourcev3.ClusterType, resourcev3.EndpointType} {
		sotw := &discoveryv3.DiscoveryRequest{Node: proto.Clone(grpcNode).(*corev3.Node), TypeUrl: typ}
		delta := &discoveryv3.DeltaDiscoveryRequest{Node: proto.Clone(grpcNode).(*corev3.Node), TypeUrl: typ}
		if err := c.OnStreamRequest(1, sotw); err != nil || sotw.Node != first {
			t.Errorf("sotw %s: node %p, want the first one %p (%v)", typ, sotw.Node, first, err)
		}
		if err := c.OnStreamDeltaRequest(2, delta); err != nil || delta.Node != first {
			t.Errorf("delta %s: node %p, want the first one %p (%v)", typ, delta.Node, first, err)
		}
	}
	if n := logs.FilterMessage("client connected").Len(); n != 2 {
		t.Errorf("%d clients connected logged, want 2 (one a stream)", n)
	}
	md, _ := structpb.NewStruct(map[string]any{"role": "edge"})
	other := &discoveryv3.DiscoveryRequest{Node: &corev3.Node{Id: "n1", Metadata: md}, TypeUrl: resourcev3.ClusterType}
	if err := c.OnStreamRequest(1, other); grpcstatus.Code(err) != codes.InvalidArgument {
		t.Errorf("a node of another role on the stream: %v, want InvalidArgument", err)
	}
}

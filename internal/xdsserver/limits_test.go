package xdsserver

import (
	"context"
	"fmt"
	"strings"
	"testing"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestUnknownTypeIsRefused(t *testing.T) {
	c, _, m := newTestCallbacks(nil)
	err := c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: "type.googleapis.com/made.up.Type1"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "made.up.Type1") {
		t.Errorf("an unknown type: %v", err)
	}
	err = c.OnStreamDeltaRequest(1, &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: "type.googleapis.com/made.up.Type2"})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("an unknown delta type: %v", err)
	}
	if n := testutil.CollectAndCount(m.Pushes); n != 0 {
		t.Errorf("%d push series after unknown types", n)
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("svc-%d", i)
	}
	return out
}

func TestResourceNamesAreLimited(t *testing.T) {
	c, _, _ := newTestCallbacks(nil)
	c.limits.MaxResourceNames = 100
	ok := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType, ResourceNames: names(100)}
	if err := c.OnStreamRequest(1, ok); err != nil {
		t.Fatalf("100 names: %v", err)
	}
	over := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType, ResourceNames: names(101)}
	if err := c.OnStreamRequest(1, over); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("101 names: %v", err)
	}
	// A delta stream's subscriptions add up across requests.
	sub := func(add, remove int) error {
		return c.OnStreamDeltaRequest(1, &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.EndpointType,
			ResourceNamesSubscribe: names(add), ResourceNamesUnsubscribe: names(remove)})
	}
	if err := sub(60, 0); err != nil {
		t.Fatal(err)
	}
	if err := sub(30, 20); err != nil {
		t.Fatalf("70 names after unsubscribing: %v", err)
	}
	if err := sub(31, 0); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("101 names in two requests: %v", err)
	}
	err := c.OnStreamDeltaRequest(2, &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.EndpointType,
		InitialResourceVersions: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	initial := map[string]string{}
	for _, n := range names(101) {
		initial[n] = "v"
	}
	err = c.OnStreamDeltaRequest(3, &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.EndpointType, InitialResourceVersions: initial})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("101 initial versions: %v", err)
	}
}

// TestRepeatedNackIsLoggedAndCountedOnce sends the same NACK 10,000 times
// with a 1 MB message: one log line, one count, a bounded message, and the
// cache still told the client has the rejected version every time.
func TestRepeatedNackIsLoggedAndCountedOnce(t *testing.T) {
	c, logs, m := newTestCallbacks(nil)
	req := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.ClusterType}
	if err := c.OnStreamRequest(1, req); err != nil {
		t.Fatal(err)
	}
	c.OnStreamResponse(context.Background(), 1, req, &discoveryv3.DiscoveryResponse{TypeUrl: resourcev3.ClusterType, VersionInfo: "B", Nonce: "7"})
	huge := strings.Repeat("é", 1<<19)
	for range 10_000 {
		nack := &discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ClusterType, VersionInfo: "A", ResponseNonce: "7",
			ErrorDetail: &rpcstatus.Status{Message: huge}}
		if err := c.OnStreamRequest(1, nack); err != nil {
			t.Fatal(err)
		}
	}
	if n := logs.FilterMessage("client rejected configuration").Len(); n != 1 {
		t.Errorf("%d log lines for one rejection", n)
	}
	if n := testutil.ToFloat64(m.Nacks.WithLabelValues("clusters")); n != 1 {
		t.Errorf("%v NACKs counted for one rejection", n)
	}
	msg := c.clients.list()[0].Types["clusters"].LastNack.Message
	if limit := DefaultLimits().MaxNackMessageBytes + len("... (truncated)"); len(msg) > limit || !strings.HasSuffix(msg, "(truncated)") {
		t.Errorf("the message kept is %d bytes, want at most %d", len(msg), limit)
	}
	if !strings.HasPrefix(msg, "éé") || strings.ContainsRune(msg, '\uFFFD') {
		t.Error("the message was cut inside a character")
	}
	// A new response's rejection counts again.
	c.OnStreamResponse(context.Background(), 1, req, &discoveryv3.DiscoveryResponse{TypeUrl: resourcev3.ClusterType, VersionInfo: "C", Nonce: "8"})
	_ = c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ClusterType, ResponseNonce: "8", ErrorDetail: &rpcstatus.Status{Message: "x"}})
	if n := testutil.ToFloat64(m.Nacks.WithLabelValues("clusters")); n != 2 {
		t.Errorf("%v NACKs counted for two rejections", n)
	}
}

func TestLimitsAreValidated(t *testing.T) {
	if err := DefaultLimits().Validate(); err != nil {
		t.Fatal(err)
	}
	off := Limits{MaxRequestBytes: 1}
	if err := off.Validate(); err != nil {
		t.Errorf("every limit off but the request size: %v", err)
	}
	for _, l := range []Limits{{}, {MaxRequestBytes: 1, SendTimeout: -1}, {MaxRequestBytes: 1, MaxResourceNames: -1}} {
		if l.Validate() == nil {
			t.Errorf("%+v was accepted", l)
		}
	}
}

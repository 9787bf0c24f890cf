package e2e

import (
	"context"
	"fmt"
	"os"
	"runtime"
	runtimemetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/xdsserver"
)

// heapMiB is the heap the last full collection found live, in MiB: unlike
// HeapAlloc, it leaves out what running goroutines allocate afterwards.
func heapMiB() float64 {
	runtime.GC()
	runtime.GC() // the second empties sync.Pools (gRPC's buffers) of what the first kept
	sample := []runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtimemetrics.Read(sample)
	return float64(sample[0].Value.Uint64()) / (1 << 20)
}

// bigConfig is a configuration of n HTTP services of two versions with
// three endpoints each; weight sets the first service's canary share.
func bigConfig(n, weight int) string {
	var b strings.Builder
	b.WriteString("lanes: [{name: canary, weight: 10}]\nservices:\n")
	for i := range n {
		fmt.Fprintf(&b, `  - name: svc-%05d
    port: 8080
    protocol: http
    versions:
      - {name: v1, endpoints: [{address: 10.1.%d.%d}, {address: 10.2.%d.%d}, {address: 10.3.%d.%d}]}
      - {name: v2, lane: canary, endpoints: [{address: 10.4.%d.%d}]}
    weights: {v1: %d, v2: %d}
`, i, i/250, i%250, i/250, i%250, i/250, i%250, i/250, i%250, 100-weight, weight)
		weight = 10
	}
	return b.String()
}

// change writes a new configuration and checks that a well-behaved
// sidecar gets its routes.
func (e *env) change(c *sotwClient, config string) {
	e.t.Helper()
	routes := func() string { return e.cp.Cache().Current("sidecar").Version(types.Route) }
	old := routes()
	e.write("graylane.yaml", config)
	eventually(e.t, 30*time.Second, func() error {
		if routes() == old {
			return fmt.Errorf("routes still at version %s", old)
		}
		return nil
	})
	want := routes()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r, ok := <-c.in:
			if !ok {
				e.t.Fatal("the well-behaved client's stream ended")
			}
			c.ack(r)
			if r.GetTypeUrl() == resourcev3.RouteType && r.GetVersionInfo() == want {
				return
			}
		case <-deadline:
			e.t.Fatalf("the well-behaved client did not get routes version %s", want)
		}
	}
}

// quiet logs nothing: the test's log observer keeps every entry and its
// fields (a whole configuration per build), which would count as heap.
var quiet = controlplane.WithLogger(zap.NewNop())

// TestUnknownTypesCostNothing sends 1,000,000 made-up type URLs over 1,000
// streams: each stream ends at its first, and the heap does not grow.
func TestUnknownTypesCostNothing(t *testing.T) {
	e := newEnv(t, bigConfig(50, 10), quiet)
	good := e.sotw(sidecarNode("good"))
	good.subscribeAll()
	before := heapMiB()
	conn := e.adsConn()
	var refused int
	for s := range 1000 {
		stream, err := conn.StreamAggregatedResources(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 {
			req := &discoveryv3.DiscoveryRequest{Node: sidecarNode("attacker"), TypeUrl: fmt.Sprintf("type.googleapis.com/made.up.T%d_%d", s, i)}
			if stream.Send(req) != nil {
				break
			}
		}
		if _, err := stream.Recv(); status.Code(err) == codes.InvalidArgument {
			refused++
		}
	}
	after := heapMiB()
	t.Logf("heap %.1f MiB before, %.1f MiB after 1,000,000 unknown type URLs", before, after)
	if refused != 1000 {
		t.Errorf("%d of 1000 streams refused", refused)
	}
	if after-before > 16 {
		t.Errorf("the heap grew by %.1f MiB, bound 16", after-before)
	}
	e.change(good, bigConfig(50, 20))
}

// TestResourceNamesAreBounded asks for 500,000 names in one request, and
// for 150,000 (over the limit but under the request size), 20 times.
func TestResourceNamesAreBounded(t *testing.T) {
	e := newEnv(t, bigConfig(50, 10), quiet)
	good := e.sotw(sidecarNode("good"))
	good.subscribeAll()
	before := heapMiB()
	conn := e.adsConn()
	ask := func(n int) error {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("n%07d", i)
		}
		stream, err := conn.StreamAggregatedResources(context.Background())
		if err != nil {
			return err
		}
		_ = stream.Send(&discoveryv3.DiscoveryRequest{Node: sidecarNode("attacker"), TypeUrl: resourcev3.EndpointType, ResourceNames: names})
		_, err = stream.Recv()
		return err
	}
	if err := ask(500_000); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("500,000 names: %v", err)
	}
	for range 20 {
		if err := ask(150_000); status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "at most 100000") {
			t.Fatalf("150,000 names: %v", err)
		}
	}
	after := heapMiB()
	t.Logf("heap %.1f MiB before, %.1f MiB after 20 requests of 150,000 names", before, after)
	if after-before > 16 {
		t.Errorf("the heap grew by %.1f MiB, bound 16", after-before)
	}
	e.change(good, bigConfig(50, 20))
}

// TestStreamsAndConnectionsAreBounded opens 200 streams on one connection
// and 100 connections: the server holds at most the limits of each.
func TestStreamsAndConnectionsAreBounded(t *testing.T) {
	limits := xdsserver.DefaultLimits()
	limits.MaxConnections = 20
	e := newEnv(t, bigConfig(50, 10), quiet, controlplane.WithLimits(limits))
	good := e.sotw(sidecarNode("good")) // one connection
	good.subscribeAll()
	before := heapMiB()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn := e.adsConn()
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			stream, err := conn.StreamAggregatedResources(ctx)
			if err == nil {
				_ = stream.Send(&discoveryv3.DiscoveryRequest{Node: sidecarNode("many-streams"), TypeUrl: resourcev3.ClusterType})
				_, _ = stream.Recv()
			}
		})
	}
	var conns []*grpc.ClientConn
	for range 100 {
		c, err := grpc.NewClient(e.cp.XDSAddress(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.Connect()
	}
	time.Sleep(2 * time.Second)
	streams, open := len(e.cp.XDS().Clients()), e.cp.XDS().Connections()
	during := heapMiB()
	t.Logf("heap %.1f MiB before, %.1f MiB with %d streams and %d connections open", before, during, streams, open)
	if streams > 1+int(limits.MaxStreamsPerConnection) {
		t.Errorf("%d streams registered; one connection may hold %d", streams, limits.MaxStreamsPerConnection)
	}
	if open > limits.MaxConnections {
		t.Errorf("%d connections open, limit %d", open, limits.MaxConnections)
	}
	if during-before > 32 {
		t.Errorf("the heap grew by %.1f MiB, bound 32", during-before)
	}
	cancel()
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	e.change(good, bigConfig(50, 20))
}

// TestClientsThatDoNotReadAreDropped connects clients that subscribe to
// everything and never read while the configuration changes. Each costs
// the server at most a few responses until the send timeout disconnects
// it; then the heap is back near where it was. GRAYLANE_SEND_TIMEOUT_OFF=1
// shows the figures without the limit (and fails).
func TestClientsThatDoNotReadAreDropped(t *testing.T) {
	const services, changes = 1000, 5
	attackers := 30
	if n, err := strconv.Atoi(os.Getenv("GRAYLANE_SLOW_CLIENTS")); err == nil {
		attackers = n
	}
	// Long enough for 30 clients to connect under -race before the first is
	// dropped, so that the heap is measured with all of them stuck.
	timeout := 30 * time.Second
	if os.Getenv("GRAYLANE_SEND_TIMEOUT_OFF") != "" {
		timeout = 0
	}
	limits := xdsserver.DefaultLimits()
	limits.SendTimeout = timeout
	e := newEnv(t, bigConfig(services, 10), quiet, controlplane.WithLimits(limits))
	good := e.sotw(sidecarNode("good"))
	first := good.subscribeAll()
	var largest int
	for _, r := range first {
		largest = max(largest, proto.Size(r))
	}
	// The pipeline keeps the last builds: measure from a steady state.
	for c := range 2 {
		e.change(good, bigConfig(services, 11+c))
	}
	before := heapMiB()

	start := time.Now()
	for i := range attackers {
		e.slowClient(fmt.Sprintf("slow-%d", i))
	}
	time.Sleep(time.Second)
	stuck := heapMiB()
	if n := testutil.ToFloat64(e.cp.Metrics().SlowClients); n > 0 {
		t.Fatalf("%v slow clients were dropped %v after they connected, before the heap was measured; the machine is too slow for this test", n, time.Since(start))
	}
	for c := range changes {
		e.change(good, bigConfig(services, 20+c))
	}
	if timeout > 0 {
		eventually(t, 2*timeout, func() error {
			if n := testutil.ToFloat64(e.cp.Metrics().SlowClients); n < float64(attackers) {
				return fmt.Errorf("%v of %d slow clients disconnected", n, attackers)
			}
			if n := len(e.cp.XDS().Clients()); n != 1 {
				return fmt.Errorf("%d streams still open", n)
			}
			return nil
		})
	}
	after := heapMiB()
	// A stuck stream holds the response gRPC is writing, the one waiting
	// to be written and the ones queued for its other types.
	perClient := 6 * float64(largest) / (1 << 20)
	t.Logf("largest response %.2f MiB; heap %.1f MiB before, %.1f MiB with %d clients not reading, %.1f MiB after %d changes and their disconnection",
		float64(largest)/(1<<20), before, stuck, attackers, after, changes)
	if bound := before + float64(attackers)*perClient + 16; stuck > bound {
		t.Errorf("heap %.1f MiB with the clients stuck, bound %.1f (6 of the largest response a client)", stuck, bound)
	}
	if after-before > 16 {
		t.Errorf("the heap stayed %.1f MiB above where it was, bound 16", after-before)
	}
}

// slowClient subscribes to every type as a sidecar and never reads; its
// HTTP/2 windows are gRPC's smallest, so that it buffers little itself.
func (e *env) slowClient(id string) {
	e.t.Helper()
	conn, err := grpc.NewClient(e.cp.XDSAddress(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, typ := range []string{resourcev3.ClusterType, resourcev3.EndpointType, resourcev3.ListenerType, resourcev3.RouteType} {
		_ = stream.Send(&discoveryv3.DiscoveryRequest{Node: sidecarNode(id), TypeUrl: typ})
	}
}

package e2e

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/graylane/graylane/lanegrpc"
)

// routesMatchBaggage says whether every hop's routes match the lane's
// baggage member (graylane-lane=<lane>) as well as the lane header. While
// it is false, a call that carries the lane only in baggage reaches the
// first service's baseline, and TestTwoHopsKeepTheBaggageLane checks that;
// set it to true once the routes match baggage, and the same test checks
// that both hops answer from the lane.
const routesMatchBaggage = true

// hopControl is test metadata that tells the first hop how to call the
// second: "plain" without the lane interceptors, "stream" with a
// server-streaming call; absent, a unary call through the interceptors.
const hopControl = "x-test-hop"

// firstHop is a backend of the first service: it calls the second service
// with its handler's context and answers "its id>the second's id".
type firstHop struct {
	testgrpc.UnimplementedTestServiceServer
	id            string
	next, plainTo testgrpc.TestServiceClient
}

func (h *firstHop) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var mode string
	if v := md.Get(hopControl); len(v) > 0 {
		mode = v[0]
	}
	var next string
	var err error
	switch mode {
	case "plain":
		next, err = unaryID(ctx, h.plainTo)
	case "stream":
		next, err = streamID(ctx, h.next)
	default:
		next, err = unaryID(ctx, h.next)
	}
	if err != nil {
		return nil, fmt.Errorf("%s calling the next hop: %w", h.id, err)
	}
	return &testgrpc.SimpleResponse{ServerId: h.id + ">" + next}, nil
}

func unaryID(ctx context.Context, c testgrpc.TestServiceClient) (string, error) {
	resp, err := c.UnaryCall(ctx, &testgrpc.SimpleRequest{})
	return resp.GetServerId(), err
}

func streamID(ctx context.Context, c testgrpc.TestServiceClient) (string, error) {
	s, err := c.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{})
	if err != nil {
		return "", err
	}
	resp, err := s.Recv()
	return string(resp.GetPayload().GetBody()), err
}

// lastHop is a backend of the second service; it answers unary and
// server-streaming calls with its id.
type lastHop struct {
	testgrpc.UnimplementedTestServiceServer
	id string
}

func (h *lastHop) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{ServerId: h.id}, nil
}

func (h *lastHop) StreamingOutputCall(_ *testgrpc.StreamingOutputCallRequest, s testgrpc.TestService_StreamingOutputCallServer) error {
	return s.Send(&testgrpc.StreamingOutputCallResponse{Payload: &testgrpc.Payload{Body: []byte(h.id)}})
}

// listen opens a loopback listener whose port a configuration can name
// before its server exists.
func listen(t *testing.T) (net.Listener, int) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return lis, lis.Addr().(*net.TCPAddr).Port
}

// serveOn serves a TestService on lis until the test ends.
func serveOn(t *testing.T, lis net.Listener, impl testgrpc.TestServiceServer, opts ...grpc.ServerOption) {
	s := grpc.NewServer(opts...)
	testgrpc.RegisterTestServiceServer(s, impl)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
}

const chainConfig = `
lanes:
  - name: canary
    weight: 0
services:
  - name: front
    port: 9080
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.Front1}}}]
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.Front2}}}]
  - name: back
    namespace: shop
    port: 9090
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.Back1}}}]
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.Back2}}}]
`

// chain serves front (v1, canary v2), whose backends call back (v1,
// canary v2) over grpc-go's xDS client, and returns a client of front as
// the edge would call it. front's servers have the lane server
// interceptors; its client of back has the lane client interceptors (and
// a plain one without them).
func chain(t *testing.T) *grpc.ClientConn {
	t.Helper()
	var lis [4]net.Listener
	var ports struct{ Front1, Front2, Back1, Back2 int }
	lis[0], ports.Front1 = listen(t)
	lis[1], ports.Front2 = listen(t)
	lis[2], ports.Back1 = listen(t)
	lis[3], ports.Back2 = listen(t)
	e := newEnv(t, render(t, chainConfig, ports))
	serveOn(t, lis[2], &lastHop{id: "back-v1"})
	serveOn(t, lis[3], &lastHop{id: "back-v2"})
	next := testgrpc.NewTestServiceClient(e.dial("back.shop:9090",
		grpc.WithChainUnaryInterceptor(lanegrpc.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(lanegrpc.StreamClientInterceptor())))
	plain := testgrpc.NewTestServiceClient(e.dial("back.shop:9090"))
	for i, id := range []string{"front-v1", "front-v2"} {
		serveOn(t, lis[i], &firstHop{id: id, next: next, plainTo: plain},
			grpc.ChainUnaryInterceptor(lanegrpc.UnaryServerInterceptor()),
			grpc.ChainStreamInterceptor(lanegrpc.StreamServerInterceptor()))
	}
	edge := e.dial("front.default:9080")
	eventually(t, 10*time.Second, func() error { return allFrom(edge, 1, "front-v1>back-v1") })
	return edge
}

// TestTwoHopsKeepTheLane: a call that enters the canary lane at the edge
// (the lane header, as the edge filter writes it) reaches front's canary,
// whose call to back, through the lane client interceptor, reaches back's
// canary; unary and streaming. Without the interceptor the second hop
// loses the lane.
func TestTwoHopsKeepTheLane(t *testing.T) {
	edge := chain(t)
	cases := []struct {
		name string
		md   []string
		want string
	}{
		{"canary", []string{"x-canary", "canary"}, "front-v2>back-v2"},
		{"canary, streaming second hop", []string{"x-canary", "canary", hopControl, "stream"}, "front-v2>back-v2"},
		{"stable", []string{"x-canary", "stable"}, "front-v1>back-v1"},
		{"untagged", nil, "front-v1>back-v1"},
		{"the lane header wins over baggage", []string{"x-canary", "stable", "baggage", "graylane-lane=canary"}, "front-v1>back-v1"},
		{"canary, second hop without the interceptor", []string{"x-canary", "canary", hopControl, "plain"}, "front-v2>back-v1"},
	}
	for _, c := range cases {
		if err := allFrom(edge, 20, c.want, c.md...); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestTwoHopsKeepTheBaggageLane: a call that carries the lane only in
// baggage (an application behind the edge that forwards baggage but not
// the lane header). The interceptor turns the baggage lane into the lane
// header of the second hop, so back's canary answers; front's canary
// answers once the routes match baggage (see routesMatchBaggage).
func TestTwoHopsKeepTheBaggageLane(t *testing.T) {
	edge := chain(t)
	front := "front-v1"
	if routesMatchBaggage {
		front = "front-v2"
	}
	for _, b := range []string{"graylane-lane=canary", "userId=alice, graylane-lane=canary;ttl=1"} {
		for _, mode := range []string{"unary", "stream"} {
			md := []string{"baggage", b, hopControl, mode}
			if err := allFrom(edge, 20, front+">back-v2", md...); err != nil {
				t.Errorf("baggage %q, %s second hop: %v", b, mode, err)
			}
		}
	}
}

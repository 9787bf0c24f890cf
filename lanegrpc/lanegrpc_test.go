package lanegrpc_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/graylane/graylane/lanegrpc"
)

// recorder is a TestService that answers a unary call and a server
// stream with what its handler context holds: the lane, the OpenTelemetry
// baggage member and the metadata the call arrived with.
type recorder struct {
	testgrpc.UnimplementedTestServiceServer
	key string
}

func (r *recorder) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{ServerId: r.report(ctx)}, nil
}

func (r *recorder) StreamingOutputCall(_ *testgrpc.StreamingOutputCallRequest, s testgrpc.TestService_StreamingOutputCallServer) error {
	return s.Send(&testgrpc.StreamingOutputCallResponse{Payload: &testgrpc.Payload{Body: []byte(r.report(s.Context()))}})
}

// report is "lane|otel member|x-canary values|baggage values".
func (r *recorder) report(ctx context.Context) string {
	lane, _ := lanegrpc.FromContext(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	return strings.Join([]string{
		lane, baggage.FromContext(ctx).Member(r.key).Value(),
		strings.Join(md.Get("x-canary"), ";"), strings.Join(md.Get("baggage"), ";"),
	}, "|")
}

// serve starts srv's TestService on a loopback port until the test ends.
func serve(t *testing.T, impl testgrpc.TestServiceServer, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(opts...)
	testgrpc.RegisterTestServiceServer(s, impl)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func dial(t *testing.T, addr string, opts ...grpc.DialOption) testgrpc.TestServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return testgrpc.NewTestServiceClient(conn)
}

func ctxWithTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func unary(t *testing.T, ctx context.Context, c testgrpc.TestServiceClient) string {
	t.Helper()
	resp, err := c.UnaryCall(ctx, &testgrpc.SimpleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetServerId()
}

func stream(t *testing.T, ctx context.Context, c testgrpc.TestServiceClient) string {
	t.Helper()
	s, err := c.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Recv()
	if err != nil {
		t.Fatal(err)
	}
	return string(resp.GetPayload().GetBody())
}

func TestServerInterceptorsReadTheLane(t *testing.T) {
	addr := serve(t, &recorder{key: "graylane-lane"},
		grpc.ChainUnaryInterceptor(lanegrpc.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(lanegrpc.StreamServerInterceptor()))
	c := dial(t, addr)
	cases := []struct {
		md       []string
		lane     string // "" for none
		otelLane string
	}{
		{[]string{"x-canary", "canary"}, "canary", "canary"},
		{[]string{"baggage", "userId=alice,graylane-lane=canary;p=1"}, "canary", "canary"},
		{[]string{"baggage", "a=1", "baggage", "graylane-lane=%63anary"}, "canary", "canary"},
		{[]string{"x-canary", "beta", "baggage", "graylane-lane=canary"}, "beta", "beta"}, // the header wins
		{[]string{"x-canary", "not a lane"}, "stable", "stable"},
		{[]string{"baggage", "graylane-lane=canary,,"}, "", ""},                    // baggage that does not parse
		{[]string{"baggage", "graylane-lane=can%20ary"}, "", ""},                   // not a lane name
		{[]string{"baggage", "graylane-lane=" + strings.Repeat("l", 129)}, "", ""}, // too long
		{nil, "", ""},
	}
	for _, tc := range cases {
		for name, call := range map[string]func(*testing.T, context.Context, testgrpc.TestServiceClient) string{"unary": unary, "stream": stream} {
			ctx := metadata.AppendToOutgoingContext(ctxWithTimeout(t), tc.md...)
			got := strings.SplitN(call(t, ctx, c), "|", 3)
			if got[0] != tc.lane || got[1] != tc.otelLane {
				t.Errorf("%s call with %q: lane %q, OpenTelemetry baggage %q; want %q", name, tc.md, got[0], got[1], tc.lane)
			}
		}
	}
}

// hop is a TestService that answers with the report of the next service,
// called with the handler's own context.
type hop struct {
	testgrpc.UnimplementedTestServiceServer
	next testgrpc.TestServiceClient
}

func (h *hop) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return h.next.UnaryCall(ctx, req)
}

func TestClientInterceptorsTagCalls(t *testing.T) {
	back := serve(t, &recorder{key: "graylane-lane"})
	client := dial(t, back,
		grpc.WithChainUnaryInterceptor(lanegrpc.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(lanegrpc.StreamClientInterceptor()))
	otelOnly, _ := baggage.Parse("userId=alice,graylane-lane=beta")
	cases := []struct {
		name string
		ctx  func(context.Context) context.Context
		want string // x-canary|baggage at the back end
	}{
		{"WithLane", func(ctx context.Context) context.Context { return lanegrpc.WithLane(ctx, "canary") },
			"canary|graylane-lane=canary"},
		{"OpenTelemetry baggage", func(ctx context.Context) context.Context { return baggage.ContextWithBaggage(ctx, otelOnly) },
			"beta|graylane-lane=beta"},
		{"outgoing baggage kept", func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(lanegrpc.WithLane(ctx, "canary"), "baggage", "userId=alice")
		}, "canary|graylane-lane=canary,userId=alice"},
		{"explicit outgoing lane", func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(lanegrpc.WithLane(ctx, "canary"), "x-canary", "beta")
		}, "beta|graylane-lane=beta"},
		{"unparsable outgoing baggage", func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(lanegrpc.WithLane(ctx, "canary"), "baggage", "a=1,,")
		}, "canary|graylane-lane=canary"},
		{"no lane", func(ctx context.Context) context.Context { return ctx }, "|"},
	}
	for _, tc := range cases {
		for name, call := range map[string]func(*testing.T, context.Context, testgrpc.TestServiceClient) string{"unary": unary, "stream": stream} {
			got := strings.SplitN(call(t, tc.ctx(ctxWithTimeout(t)), client), "|", 3)[2]
			if got != tc.want && !sameBaggage(got, tc.want) {
				t.Errorf("%s, %s call: the back end got %q, want %q", tc.name, name, got, tc.want)
			}
		}
	}
}

// sameBaggage compares "header|baggage" reports whose baggage members may
// come in any order (OpenTelemetry serializes a map).
func sameBaggage(a, b string) bool {
	ha, ba, _ := strings.Cut(a, "|")
	hb, bb, _ := strings.Cut(b, "|")
	ma, mb := strings.Split(ba, ","), strings.Split(bb, ",")
	if ha != hb || len(ma) != len(mb) {
		return false
	}
	for _, m := range ma {
		if !strings.Contains(","+bb+",", ","+m+",") {
			return false
		}
	}
	return true
}

// TestTwoHops: a service with the server interceptor that calls the next
// one through the client interceptor passes the lane of either carrier on;
// a service that only passes its context on, without the server
// interceptor, does too.
func TestTwoHops(t *testing.T) {
	back := serve(t, &recorder{key: "lane"})
	clientOpts := []grpc.DialOption{grpc.WithChainUnaryInterceptor(lanegrpc.UnaryClientInterceptor(lanegrpc.WithLaneHeader("X-Canary"), lanegrpc.WithBaggageKey("lane")))}
	withServer := dial(t, serve(t, &hop{next: dial(t, back, clientOpts...)},
		grpc.ChainUnaryInterceptor(lanegrpc.UnaryServerInterceptor(lanegrpc.WithBaggageKey("lane")))))
	without := dial(t, serve(t, &hop{next: dial(t, back, clientOpts...)}))
	plain := dial(t, serve(t, &hop{next: dial(t, back)}))
	for _, md := range [][]string{{"x-canary", "canary"}, {"baggage", "a=1,lane=canary"}} {
		for name, c := range map[string]testgrpc.TestServiceClient{"server interceptor": withServer, "client interceptor only": without} {
			got := unary(t, metadata.AppendToOutgoingContext(ctxWithTimeout(t), md...), c)
			if parts := strings.Split(got, "|"); parts[2] != "canary" || parts[3] != "lane=canary" {
				t.Errorf("%s, first hop called with %q: the second got %q", name, md, got)
			}
		}
		if got := unary(t, metadata.AppendToOutgoingContext(ctxWithTimeout(t), md...), plain); got != "|||" {
			t.Errorf("without the interceptors, the second hop got %q", got)
		}
	}
}

// TestComposesWithOtelgrpc: with otelgrpc's client stats handler and the
// W3C baggage propagator, the call carries the lane member once, next to
// the application's other baggage.
func TestComposesWithOtelgrpc(t *testing.T) {
	back := serve(t, &recorder{key: "graylane-lane"})
	client := dial(t, back,
		grpc.WithChainUnaryInterceptor(lanegrpc.UnaryClientInterceptor()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithPropagators(propagation.Baggage{}))))
	for _, start := range []string{"userId=alice", "userId=alice,graylane-lane=beta"} {
		bag, err := baggage.Parse(start)
		if err != nil {
			t.Fatal(err)
		}
		ctx := lanegrpc.WithLane(baggage.ContextWithBaggage(ctxWithTimeout(t), bag), "canary")
		parts := strings.Split(unary(t, ctx, client), "|")
		if parts[2] != "canary" || strings.Contains(parts[3], ";") {
			t.Fatalf("OpenTelemetry baggage %q: lane header %q, baggage headers %q; want canary and one baggage header", start, parts[2], parts[3])
		}
		got, err := baggage.Parse(parts[3])
		if err != nil || strings.Count(parts[3], "graylane-lane=") != 1 ||
			got.Member("graylane-lane").Value() != "canary" || got.Member("userId").Value() != "alice" {
			t.Errorf("OpenTelemetry baggage %q: the call carried baggage %q (%v)", start, parts[3], err)
		}
	}
}

func TestInvalidOptionsPanic(t *testing.T) {
	for _, opt := range []lanegrpc.Option{lanegrpc.WithLaneHeader("x canary"), lanegrpc.WithBaggageKey("a=b")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("an invalid name did not panic")
				}
			}()
			lanegrpc.UnaryClientInterceptor(opt)
		}()
	}
}

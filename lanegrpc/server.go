package lanegrpc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// UnaryServerInterceptor puts the lane of an incoming call (lane header,
// else baggage member) in the handler's context, with WithLane and as the
// member of its OpenTelemetry baggage.
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(o.incoming(ctx), req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	o := newOptions(opts)
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &serverStream{ServerStream: ss, ctx: o.incoming(ss.Context())})
	}
}

// incoming returns the context of an incoming call with its lane, if it
// has one.
func (o *options) incoming(ctx context.Context) context.Context {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	lane, ok := o.fromMetadata(md)
	if !ok {
		return ctx
	}
	return o.withBaggageMember(WithLane(ctx, lane), lane)
}

// serverStream is a grpc.ServerStream with the context of its lane.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

var _ grpc.ServerStream = (*serverStream)(nil)

// Context implements grpc.ServerStream.
func (s *serverStream) Context() context.Context { return s.ctx }

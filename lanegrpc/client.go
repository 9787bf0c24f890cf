package lanegrpc

import (
	"context"

	"google.golang.org/grpc"
)

// UnaryClientInterceptor puts the lane of a call's context on the call, as
// the lane header and the baggage member, before grpc-go picks its route.
func UnaryClientInterceptor(opts ...Option) grpc.UnaryClientInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		return invoker(o.tag(ctx), method, req, reply, cc, callOpts...)
	}
}

// StreamClientInterceptor is UnaryClientInterceptor for streaming calls.
func StreamClientInterceptor(opts ...Option) grpc.StreamClientInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(o.tag(ctx), desc, cc, method, callOpts...)
	}
}

// tag returns the context of an outgoing call with its lane, if it has
// one.
func (o *options) tag(ctx context.Context) context.Context {
	if lane, ok := o.laneOf(ctx); ok {
		return o.outgoing(ctx, lane)
	}
	return ctx
}

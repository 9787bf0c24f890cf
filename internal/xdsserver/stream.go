package xdsserver

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"
)

// sendTimeout is a stream interceptor: a response whose writing waits
// longer than timeout for the client to read disconnects the client. gRPC
// lets a response wait only when about 64 KiB of earlier ones are still
// unread, so a client that does not read costs at most that, the response
// being written and the one waiting, for at most timeout.
func (s *Server) sendTimeout(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if s.limits.SendTimeout <= 0 {
		return handler(srv, ss)
	}
	return handler(srv, &timedStream{ServerStream: ss, timeout: s.limits.SendTimeout, stalled: s.dropStalled})
}

// timedStream calls stalled when a SendMsg takes longer than timeout.
type timedStream struct {
	grpc.ServerStream
	timeout time.Duration
	stalled func(context.Context)
}

func (t *timedStream) SendMsg(m any) error {
	timer := time.AfterFunc(t.timeout, func() { t.stalled(t.Context()) })
	defer timer.Stop()
	return t.ServerStream.SendMsg(m)
}

// dropStalled closes the connection of a stream that stopped reading.
func (s *Server) dropStalled(ctx context.Context) {
	p, ok := peer.FromContext(ctx)
	if !ok || !s.lis.closeConn(p.Addr.String()) {
		return
	}
	id, _ := peerIdentity(ctx)
	s.metrics.SlowClients.Inc()
	s.clientLog.Warn("client disconnected: it did not read its responses", zap.String("peer", p.Addr.String()),
		zap.String("identity", id.String()), zap.Duration("sendTimeout", s.limits.SendTimeout))
}

package xdsserver

import (
	"context"
	"errors"
	"net"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/server/sotw/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/graylane/graylane/internal/metrics"
)

// Keepalive settings for thousands of long-lived streams: the server pings
// an idle connection every 30 s and drops it after 10 s without an answer;
// clients may ping every 10 s (Envoy's and gRPC's defaults are slower).
const (
	keepaliveTime      = 30 * time.Second
	keepaliveTimeout   = 10 * time.Second
	keepaliveMinTime   = 10 * time.Second
	maxStreamsPerConn  = 100_000
	maxRecvMessageSize = 16 << 20
)

// Server serves ADS over gRPC.
type Server struct {
	grpc   *grpc.Server
	ctx    context.Context
	cancel context.CancelFunc
	cb     *callbacks
	log    *zap.Logger
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(s *Server) { s.log = l } }

// New returns a server that serves what watcher holds.
func New(watcher cachev3.Cache, m *metrics.Metrics, opts ...Option) *Server {
	s := &Server{log: zap.NewNop()}
	for _, o := range opts {
		o(s)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cb = &callbacks{log: s.log, metrics: m, clients: newClients()}
	s.grpc = grpc.NewServer(
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
		grpc.MaxConcurrentStreams(maxStreamsPerConn),
		grpc.MaxRecvMsgSize(maxRecvMessageSize),
	)
	xds := serverv3.NewServer(s.ctx, watcher, s.cb, sotw.WithOrderedADS())
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.grpc, xds)
	return s
}

// Serve accepts connections on lis until Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	s.log.Info("serving xDS", zap.String("address", lis.Addr().String()))
	if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// Shutdown ends every stream (clients reconnect elsewhere or later) and
// stops the server, forcefully once ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
	}
}

// Clients returns the connected clients' status, ordered by stream.
func (s *Server) Clients() []ClientStatus { return s.cb.clients.list() }

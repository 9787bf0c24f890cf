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

// DefaultShutdownGrace bounds how long a stopping server waits for its
// streams to end before closing them.
const DefaultShutdownGrace = 10 * time.Second

// Server serves ADS over gRPC.
type Server struct {
	grpc     *grpc.Server
	lis      net.Listener
	ctx      context.Context
	cancel   context.CancelFunc
	cb       *callbacks
	log      *zap.Logger
	grace    time.Duration
	versions ResponseVersioner
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(s *Server) { s.log = l } }

// WithResponseVersions versions state-of-the-world responses by their
// content (snapshot.Cache does), so that a reconnecting client that holds
// the current content is sent nothing.
func WithResponseVersions(v ResponseVersioner) Option { return func(s *Server) { s.versions = v } }

// WithShutdownGrace sets how long Start waits for streams to end once its
// context ends (default DefaultShutdownGrace).
func WithShutdownGrace(d time.Duration) Option { return func(s *Server) { s.grace = d } }

// New returns a server that serves what watcher holds on lis.
func New(lis net.Listener, watcher cachev3.Cache, m *metrics.Metrics, opts ...Option) *Server {
	s := &Server{lis: lis, log: zap.NewNop(), grace: DefaultShutdownGrace}
	for _, o := range opts {
		o(s)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cb = &callbacks{log: s.log, metrics: m, clients: newClients(), versions: s.versions}
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

// Start serves until ctx ends, then ends every stream (clients reconnect
// elsewhere or later) and stops, forcefully once the grace period is over.
func (s *Server) Start(ctx context.Context) error {
	s.log.Info("serving xDS", zap.String("address", s.lis.Addr().String()))
	served := make(chan error, 1)
	go func() { served <- s.grpc.Serve(s.lis) }()
	select {
	case err := <-served:
		s.cancel()
		return err
	case <-ctx.Done():
	}
	s.stop()
	if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// stop ends the streams and stops the server, waiting at most the grace
// period for them.
func (s *Server) stop() {
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(s.grace):
		s.grpc.Stop()
		<-done
	}
}

// Clients returns the connected clients' status, ordered by stream.
func (s *Server) Clients() []ClientStatus { return s.cb.clients.list() }

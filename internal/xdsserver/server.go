package xdsserver

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/server/sotw/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/graylane/graylane/internal/metrics"
)

// Keepalive settings for thousands of long-lived streams: the server pings
// an idle connection every 30 s and drops it after 10 s without an answer;
// clients may ping every 10 s (Envoy's and gRPC's defaults are slower).
const (
	keepaliveTime    = 30 * time.Second
	keepaliveTimeout = 10 * time.Second
	keepaliveMinTime = 10 * time.Second
	// handshakeTimeout bounds how long a new connection may hold one of
	// the MaxConnections slots before its TLS and HTTP/2 handshakes end.
	handshakeTimeout = 10 * time.Second
)

// Per-connection buffers. Fixed HTTP/2 windows turn off gRPC's dynamic
// window, which could grow what a connection buffers to 16 MiB; gRPC
// shares write buffers between connections, and the read buffer is small:
// clients send small requests, and a frame larger than the buffer is read
// past it.
const (
	windowSize     = 1 << 20
	readBufferSize = 4 << 10
)

// DefaultShutdownGrace bounds how long a stopping server waits for its
// streams to end before closing them.
const DefaultShutdownGrace = 10 * time.Second

// Server serves ADS over gRPC.
type Server struct {
	grpc      *grpc.Server
	lis       *limitListener
	ctx       context.Context
	cancel    context.CancelFunc
	cb        *callbacks
	metrics   *metrics.Metrics
	log       *zap.Logger
	clientLog *zap.Logger // rate limited, for events a client can repeat
	grace     time.Duration
	limits    Limits
	tls       *tls.Config
	policy    *RolePolicy
	versions  ResponseVersioner
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

// WithLimits sets the per-client limits (default DefaultLimits).
func WithLimits(l Limits) Option { return func(s *Server) { s.limits = l } }

// WithTLS serves xDS over TLS with cfg.
func WithTLS(cfg *tls.Config) Option { return func(s *Server) { s.tls = cfg } }

// WithRolePolicy requires every stream to come with a verified client
// certificate (the TLS configuration must ask for one) and lets p decide
// which roles its identity may receive.
func WithRolePolicy(p RolePolicy) Option { return func(s *Server) { s.policy = &p } }

// New returns a server that serves what watcher holds on lis.
func New(lis net.Listener, watcher cachev3.Cache, m *metrics.Metrics, opts ...Option) *Server {
	s := &Server{log: zap.NewNop(), grace: DefaultShutdownGrace, limits: DefaultLimits(), metrics: m}
	for _, o := range opts {
		o(s)
	}
	s.lis = newLimitListener(lis, s.limits.MaxConnections)
	s.clientLog = s.rateLimited(s.log)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cb = newCallbacks(s.clientLog, m, s.limits, s.policy, s.versions)
	s.grpc = grpc.NewServer(s.serverOptions()...)
	xds := serverv3.NewServer(s.ctx, watcher, s.cb, sotw.WithOrderedADS())
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.grpc, xds)
	return s
}

func (s *Server) serverOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
		grpc.ConnectionTimeout(handshakeTimeout),
		grpc.MaxConcurrentStreams(s.limits.MaxStreamsPerConnection),
		grpc.MaxRecvMsgSize(s.limits.MaxRequestBytes),
		grpc.InitialWindowSize(windowSize),
		grpc.InitialConnWindowSize(windowSize),
		grpc.ReadBufferSize(readBufferSize),
		grpc.ChainStreamInterceptor(s.sendTimeout),
	}
	if s.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.tls)))
	}
	return opts
}

// rateLimited logs at most Limits.LogLinesPerSecond lines a second of each
// message and counts the others.
func (s *Server) rateLimited(l *zap.Logger) *zap.Logger {
	n := s.limits.LogLinesPerSecond
	if n <= 0 {
		return l
	}
	hook := zapcore.SamplerHook(func(e zapcore.Entry, d zapcore.SamplingDecision) {
		if d&zapcore.LogDropped != 0 {
			s.metrics.LogsDropped.WithLabelValues(e.Message).Inc()
		}
	})
	return l.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, time.Second, n, 0, hook)
	}))
}

// Start serves until ctx ends, then ends every stream (clients reconnect
// elsewhere or later) and stops, forcefully once the grace period is over.
func (s *Server) Start(ctx context.Context) error {
	s.log.Info("serving xDS", zap.String("address", s.lis.Addr().String()), zap.Bool("tls", s.tls != nil),
		zap.Bool("clientCertificates", s.policy != nil))
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

// Connections is the number of xDS connections open.
func (s *Server) Connections() int { return s.lis.open() }

package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// Server names.
const (
	ServerGraylane = "graylane"
	ServerBare     = "go-control-plane"
)

// server is what a fleet connects to.
type server interface {
	address() string
	// apply serves a new configuration: the file's new content, read
	// into cfg.
	apply(ctx context.Context, data []byte, cfg *model.Config) (changeTimes, error)
	// pushes counts the responses the server sent.
	pushes() int64
	stop(ctx context.Context) error
}

// changeTimes are when a change went through the server.
type changeTimes struct {
	// written is when the file was replaced.
	written time.Time
	// read is when the configuration was read: the file source handed it
	// to the pipeline (for the bare server, when the change began).
	read time.Time
	// built is when every role's new resources were published to the
	// caches.
	built time.Time
}

// graylane is an in-process control plane serving a configuration file.
type graylane struct {
	dir     string // holds config/, the watched directory, and staging/
	cp      *controlplane.ControlPlane
	reads   chan time.Time
	timeout time.Duration
}

var _ server = (*graylane)(nil)

// startGraylane writes the configuration and serves it on loopback, with
// the default limits but those the fleet's connections need.
func startGraylane(ctx context.Context, data []byte, log *zap.Logger, timeout time.Duration, limits xdsserver.Limits) (*graylane, error) {
	dir, err := os.MkdirTemp("", "graylane-bench-")
	if err != nil {
		return nil, err
	}
	g := &graylane{dir: dir, reads: make(chan time.Time, 16), timeout: timeout}
	for _, sub := range []string{"config", "staging"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, errors.Join(err, os.RemoveAll(dir))
		}
	}
	if _, err := g.write(data); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	src := timedSource{Source: file.NewSource(filepath.Join(dir, "config", configName), file.WithLogger(log),
		file.WithCoalescer(providers.DefaultCoalescer())), reads: g.reads}
	g.cp, err = controlplane.Start(ctx, controlplane.WithSource(src), controlplane.WithLogger(log),
		controlplane.WithXDSAddress("127.0.0.1:0"), controlplane.WithAdminAddress("127.0.0.1:0"), controlplane.WithLimits(limits))
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	select {
	case <-g.cp.Ready():
	case <-time.After(timeout):
		return nil, errors.Join(fmt.Errorf("control plane not ready after %v: %+v", timeout, g.cp.Pipeline().Status()), g.stop(ctx))
	}
	<-g.reads
	return g, nil
}

// write replaces the configuration file atomically, as editors and
// Kubernetes do, from a directory the source does not watch: the rename
// is the one event it sees.
func (g *graylane) write(data []byte) (time.Time, error) {
	staged := filepath.Join(g.dir, "staging", configName)
	if err := os.WriteFile(staged, data, 0o600); err != nil {
		return time.Time{}, err
	}
	err := os.Rename(staged, filepath.Join(g.dir, "config", configName))
	return time.Now(), err
}

func (g *graylane) address() string { return g.cp.XDSAddress() }

// apply rewrites the file, then waits for the file source to read it and
// for the pipeline to publish what it built.
func (g *graylane) apply(ctx context.Context, data []byte, _ *model.Config) (changeTimes, error) {
	var t changeTimes
	var err error
	if t.written, err = g.write(data); err != nil {
		return t, err
	}
	select {
	case t.read = <-g.reads:
	case <-time.After(g.timeout):
		return t, fmt.Errorf("the file source did not read the change within %v", g.timeout)
	case <-ctx.Done():
		return t, ctx.Err()
	}
	deadline := time.Now().Add(g.timeout)
	for {
		st := g.cp.Pipeline().Status()
		if !st.OK() {
			return t, fmt.Errorf("the change was not served: %+v", st)
		}
		if !st.PublishedAt.Before(t.read) {
			t.built = st.PublishedAt
			return t, nil
		}
		if time.Now().After(deadline) {
			return t, fmt.Errorf("the change was not published within %v", g.timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// pushes sums graylane_xds_pushes_total.
func (g *graylane) pushes() int64 {
	families, err := g.cp.Metrics().Registry.Gather()
	if err != nil {
		return -1
	}
	var n float64
	for _, f := range families {
		if f.GetName() == "graylane_xds_pushes_total" {
			for _, m := range f.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return int64(n)
}

func (g *graylane) stop(ctx context.Context) error {
	return errors.Join(g.cp.Shutdown(ctx), os.RemoveAll(g.dir))
}

// timedSource is the file source, with the time each configuration it
// reads reaches the pipeline.
type timedSource struct {
	providers.Source
	reads chan<- time.Time
}

var _ providers.Source = timedSource{}

// Run runs the file source.
func (s timedSource) Run(ctx context.Context, pub providers.Publisher) error {
	return s.Source.Run(ctx, timedPublisher{Publisher: pub, reads: s.reads})
}

type timedPublisher struct {
	providers.Publisher
	reads chan<- time.Time
}

// Publish notes the time, then hands the configuration on.
func (p timedPublisher) Publish(source string, cfg *model.Config) {
	select {
	case p.reads <- time.Now():
	default:
	}
	p.Publisher.Publish(source, cfg)
}

// bare is go-control-plane's own server and SnapshotCache, in non-ADS
// mode (in ADS mode the cache holds a response back until a client asks
// for every resource of the type, which a proxyless gRPC client never
// does), serving snapshots built with cachev3.NewSnapshot from the same
// translated resources, one per role.
type bare struct {
	cache   cachev3.SnapshotCache
	grpc    *grpc.Server
	lis     net.Listener
	cancel  context.CancelFunc
	version int
	sent    atomic.Int64
}

var _ server = (*bare)(nil)

func startBare(ctx context.Context, cfg *model.Config) (*bare, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bare{cache: cachev3.NewSnapshotCache(false, snapshot.RoleHash{}, nil), lis: lis}
	if err := b.set(ctx, cfg); err != nil {
		lis.Close()
		return nil, err
	}
	count := func() { b.sent.Add(1) }
	cb := serverv3.CallbackFuncs{
		StreamResponseFunc: func(context.Context, int64, *discoveryv3.DiscoveryRequest, *discoveryv3.DiscoveryResponse) {
			count()
		},
		StreamDeltaResponseFunc: func(int64, *discoveryv3.DeltaDiscoveryRequest, *discoveryv3.DeltaDiscoveryResponse) { count() },
	}
	var sctx context.Context
	sctx, b.cancel = context.WithCancel(context.Background())
	b.grpc = grpc.NewServer(grpc.MaxConcurrentStreams(100_000))
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(b.grpc, serverv3.NewServer(sctx, b.cache, cb))
	go func() { _ = b.grpc.Serve(lis) }()
	return b, nil
}

// set translates the configuration for every role and sets the roles'
// snapshots.
func (b *bare) set(ctx context.Context, cfg *model.Config) error {
	b.version++
	for _, role := range model.AllRoles() {
		res, err := translators.Translate(cfg, role, translatorOptions()...)
		if err != nil {
			return err
		}
		byType := map[resourcev3.Type][]types.Resource{}
		for _, k := range translators.Kinds() {
			byType[k.URL] = res.Of(k)
		}
		snap, err := cachev3.NewSnapshot(strconv.Itoa(b.version), byType)
		if err != nil {
			return err
		}
		if err := b.cache.SetSnapshot(ctx, string(role), snap); err != nil {
			return err
		}
	}
	return nil
}

func (b *bare) address() string { return b.lis.Addr().String() }

// apply builds and sets the snapshots; the change is read when it begins.
func (b *bare) apply(ctx context.Context, _ []byte, cfg *model.Config) (changeTimes, error) {
	start := time.Now()
	err := b.set(ctx, cfg)
	return changeTimes{written: start, read: start, built: time.Now()}, err
}

func (b *bare) pushes() int64 { return b.sent.Load() }

func (b *bare) stop(context.Context) error {
	b.cancel()
	b.grpc.Stop()
	return nil
}

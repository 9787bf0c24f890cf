// Package controlplane assembles a running Graylane: the configuration
// sources, the pipeline, the snapshot cache, the ADS server and the admin
// server. `xds serve` runs one; end-to-end tests start them on loopback
// ports.
//
// Every part is a Component: Start runs it until its context ends, then
// stops it gracefully. The control plane runs them together, as an errgroup
// does: when one fails, the others are stopped.
package controlplane

import (
	"context"
	"errors"
	"net"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/snapshot"
)

// Defaults for the listening addresses: loopback only.
const (
	DefaultXDSAddress    = "127.0.0.1:18000"
	DefaultAdminAddress  = "127.0.0.1:19000"
	DefaultModuleAddress = "127.0.0.1:18002"
)

// Component is one part of a running control plane. Start runs it until
// ctx ends, then stops it gracefully and returns; an error means the part
// could not do its job.
type Component interface {
	Start(ctx context.Context) error
}

// ControlPlane is a running control plane.
type ControlPlane struct {
	opts      options
	metrics   *metrics.Metrics
	cache     *snapshot.Cache
	pipeline  *pipeline.Pipeline
	xds       *xdsserver.Server
	listeners map[string]net.Listener // by role: xds, admin, metrics, module

	cancel     context.CancelFunc
	done       chan struct{} // closed when every component has returned
	err        error         // the first component error, set before done
	failed     chan struct{} // closed when a component fails
	failedOnce sync.Once
}

// Start listens on the xDS and admin addresses and starts every component;
// the sources start publishing at once, and nothing is served before every
// one of them has published. Stop it with Shutdown.
func Start(ctx context.Context, opts ...Option) (*ControlPlane, error) {
	o := newOptions(opts)
	sources := o.allSources()
	if len(sources) == 0 {
		return nil, errors.New("no configuration: set a config path or a source")
	}
	if err := errors.Join(o.checkTransport(), o.limits.Validate()); err != nil {
		return nil, err
	}
	cp := &ControlPlane{opts: o, metrics: metrics.New(), cache: snapshot.NewCache(nil, snapshot.WithEgressViews(o.limits.MaxEgressViews)),
		done: make(chan struct{}), failed: make(chan struct{})}
	cp.metrics.WatchEgressViews(cp.cache.EgressViews)
	security, reloader, err := cp.xdsSecurity()
	if err != nil {
		return nil, err
	}
	if err := cp.listen(); err != nil {
		return nil, err
	}
	o.warnExposure()
	components := cp.assemble(sources, security)
	if reloader != nil {
		components = append(components, reloader)
	}
	ctx, cp.cancel = context.WithCancel(ctx)
	go cp.run(ctx, components)
	return cp, nil
}

// run starts every component and waits for all of them; the first to fail
// stops the others.
func (cp *ControlPlane) run(ctx context.Context, components []Component) {
	defer close(cp.done)
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range components {
		g.Go(func() error {
			err := c.Start(gctx)
			if err != nil {
				cp.opts.log.Error("component failed", zap.Error(err))
				cp.failedOnce.Do(func() { close(cp.failed) })
			}
			return err
		})
	}
	cp.err = g.Wait()
}

// Failed is closed when a component (a source, a server) stops with an
// error: the control plane can no longer do its job and stops; Shutdown
// returns the error.
func (cp *ControlPlane) Failed() <-chan struct{} { return cp.failed }

// XDSAddress is where the ADS server listens.
func (cp *ControlPlane) XDSAddress() string { return cp.address("xds") }

// ModuleAddress is where the lane filter module is served, "" when it is not.
func (cp *ControlPlane) ModuleAddress() string { return cp.address("module") }

// AdminAddress is where the admin server listens.
func (cp *ControlPlane) AdminAddress() string { return cp.address("admin") }

// MetricsAddress is where the metrics server listens, "" when it does not.
func (cp *ControlPlane) MetricsAddress() string { return cp.address("metrics") }

// XDS gives access to the ADS server: its clients and connections.
func (cp *ControlPlane) XDS() *xdsserver.Server { return cp.xds }

func (cp *ControlPlane) address(name string) string {
	if lis, ok := cp.listeners[name]; ok {
		return lis.Addr().String()
	}
	return ""
}

// Ready is closed once the first snapshots are published.
func (cp *ControlPlane) Ready() <-chan struct{} { return cp.pipeline.Ready() }

// Pipeline gives access to the configuration status.
func (cp *ControlPlane) Pipeline() *pipeline.Pipeline { return cp.pipeline }

// Cache gives access to the published snapshots.
func (cp *ControlPlane) Cache() *snapshot.Cache { return cp.cache }

// Metrics gives access to the metrics.
func (cp *ControlPlane) Metrics() *metrics.Metrics { return cp.metrics }

// Shutdown stops every component and waits for them, at most until ctx
// ends; it returns the error a component failed with, if one did.
func (cp *ControlPlane) Shutdown(ctx context.Context) error {
	cp.cancel()
	select {
	case <-cp.done:
		return cp.err
	case <-ctx.Done():
		return errors.Join(errors.New("components still stopping"), ctx.Err())
	}
}

// Package controlplane assembles a running Graylane: the configuration
// sources, the pipeline, the snapshot cache, the ADS server and the admin
// server. `xds serve` runs one; end-to-end tests start them on loopback
// ports.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"go.uber.org/zap"

	"github.com/graylane/graylane/admin"
	"github.com/graylane/graylane/metrics"
	"github.com/graylane/graylane/pipeline"
	"github.com/graylane/graylane/providers/file"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/xdsserver"
)

// Defaults for the listening addresses: loopback only.
const (
	DefaultXDSAddress   = "127.0.0.1:18000"
	DefaultAdminAddress = "127.0.0.1:19000"
)

// ControlPlane is a running control plane.
type ControlPlane struct {
	opts     options
	metrics  *metrics.Metrics
	cache    *snapshot.Cache
	pipeline *pipeline.Pipeline
	xds      *xdsserver.Server
	admin    *admin.Server
	xdsLis   net.Listener
	adminLis net.Listener

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// Start listens on the xDS and admin addresses and starts serving; the
// sources start publishing at once. Stop it with Shutdown.
func Start(ctx context.Context, opts ...Option) (*ControlPlane, error) {
	o := newOptions(opts)
	if o.configPath == "" {
		return nil, errors.New("no configuration: set a config path")
	}
	cp := &ControlPlane{opts: o, metrics: metrics.New(), cache: snapshot.NewCache(nil)}
	cp.pipeline = pipeline.New(cp.cache, cp.metrics, pipeline.WithLogger(o.log),
		pipeline.WithSources(file.SourceName), pipeline.WithTranslatorOptions(o.translatorOptions...))
	cp.xds = xdsserver.New(cp.cache.Watcher(), cp.metrics, xdsserver.WithLogger(o.log))
	cp.admin = admin.New(admin.Sources{Status: cp.pipeline, Snapshots: cp.cache, Clients: cp.xds, Metrics: cp.metrics.Registry}, o.log)
	if err := cp.listen(); err != nil {
		return nil, err
	}
	ctx, cp.cancel = context.WithCancel(ctx)
	source := file.NewSource(o.configPath, file.WithLogger(o.log), file.WithCoalescer(o.coalescer))
	cp.run(func() error { return source.Run(ctx, cp.pipeline) })
	cp.run(func() error { return cp.xds.Serve(cp.xdsLis) })
	cp.run(func() error { return cp.admin.Serve(cp.adminLis) })
	return cp, nil
}

func (cp *ControlPlane) listen() error {
	var err error
	if cp.xdsLis, err = net.Listen("tcp", cp.opts.xdsAddress); err != nil {
		return fmt.Errorf("xDS address: %w", err)
	}
	if cp.adminLis, err = net.Listen("tcp", cp.opts.adminAddress); err != nil {
		cp.xdsLis.Close()
		return fmt.Errorf("admin address: %w", err)
	}
	return nil
}

// run starts f; its error, if any, is reported by Shutdown.
func (cp *ControlPlane) run(f func() error) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		if err := f(); err != nil {
			cp.opts.log.Error("component failed", zap.Error(err))
			cp.mu.Lock()
			cp.errs = append(cp.errs, err)
			cp.mu.Unlock()
		}
	}()
}

// XDSAddress is where the ADS server listens.
func (cp *ControlPlane) XDSAddress() string { return cp.xdsLis.Addr().String() }

// AdminAddress is where the admin server listens.
func (cp *ControlPlane) AdminAddress() string { return cp.adminLis.Addr().String() }

// Ready is closed once the first snapshots are published.
func (cp *ControlPlane) Ready() <-chan struct{} { return cp.pipeline.Ready() }

// Pipeline gives access to the configuration status.
func (cp *ControlPlane) Pipeline() *pipeline.Pipeline { return cp.pipeline }

// Cache gives access to the published snapshots.
func (cp *ControlPlane) Cache() *snapshot.Cache { return cp.cache }

// Metrics gives access to the metrics.
func (cp *ControlPlane) Metrics() *metrics.Metrics { return cp.metrics }

// Shutdown stops the sources, ends every xDS stream and stops both
// servers, waiting at most until ctx ends.
func (cp *ControlPlane) Shutdown(ctx context.Context) error {
	cp.cancel()
	cp.xds.Shutdown(ctx)
	shutdownErr := cp.admin.Shutdown(ctx)
	cp.wg.Wait()
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return errors.Join(append(cp.errs, shutdownErr)...)
}

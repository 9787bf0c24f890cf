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
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/admin"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// Defaults for the listening addresses: loopback only.
const (
	DefaultXDSAddress    = "127.0.0.1:18000"
	DefaultAdminAddress  = "127.0.0.1:19000"
	DefaultModuleAddress = "127.0.0.1:18002"
)

// ControlPlane is a running control plane.
type ControlPlane struct {
	opts     options
	metrics  *metrics.Metrics
	cache    *snapshot.Cache
	pipeline *pipeline.Pipeline
	xds      *xdsserver.Server
	admin    *admin.Server
	module   *http.Server
	xdsLis   net.Listener
	adminLis net.Listener
	modLis   net.Listener

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
	failed chan struct{} // closed when a component fails
}

// Start listens on the xDS and admin addresses and starts serving; the
// sources start publishing at once, and nothing is served before every one
// of them has published. Stop it with Shutdown.
func Start(ctx context.Context, opts ...Option) (*ControlPlane, error) {
	o := newOptions(opts)
	sources := o.allSources()
	if len(sources) == 0 {
		return nil, errors.New("no configuration: set a config path or a source")
	}
	cp := &ControlPlane{opts: o, metrics: metrics.New(), cache: snapshot.NewCache(nil), failed: make(chan struct{})}
	topts := append([]translators.Option{translators.WithEdgeFilters(lanefilter.New(o.laneFilter))}, o.translatorOptions...)
	cp.pipeline = pipeline.New(cp.cache, cp.metrics, pipeline.WithLogger(o.log),
		pipeline.WithSources(sourceNames(sources)...), pipeline.WithTranslatorOptions(topts...))
	cp.xds = xdsserver.New(cp.cache.Watcher(), cp.metrics, xdsserver.WithLogger(o.log))
	cp.admin = admin.New(admin.Sources{Status: cp.pipeline, Snapshots: cp.cache, Clients: cp.xds, Metrics: cp.metrics.Registry}, o.log)
	if err := cp.listen(); err != nil {
		return nil, err
	}
	ctx, cp.cancel = context.WithCancel(ctx)
	for _, source := range sources {
		cp.run(func() error { return source.Run(ctx, cp.pipeline) })
	}
	cp.run(func() error { return cp.xds.Serve(cp.xdsLis) })
	cp.run(func() error { return cp.admin.Serve(cp.adminLis) })
	if cp.module != nil {
		cp.run(func() error { return serveHTTP(cp.module, cp.modLis) })
	}
	return cp, nil
}

// sourceNames are the names the pipeline waits for before its first build.
func sourceNames(sources []providers.Source) []string {
	names := make([]string, 0, len(sources))
	for _, s := range sources {
		names = append(names, s.Name())
	}
	return names
}

// serveHTTP serves until the server is shut down.
func serveHTTP(s *http.Server, lis net.Listener) error {
	if err := s.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
	if h := cp.opts.laneFilter.Handler(); h != nil {
		if cp.modLis, err = net.Listen("tcp", cp.opts.moduleAddress); err != nil {
			cp.xdsLis.Close()
			cp.adminLis.Close()
			return fmt.Errorf("lane filter module address: %w", err)
		}
		cp.module = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	}
	return nil
}

// run starts f; its error, if any, closes Failed and is reported by
// Shutdown.
func (cp *ControlPlane) run(f func() error) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		if err := f(); err != nil {
			cp.opts.log.Error("component failed", zap.Error(err))
			cp.mu.Lock()
			defer cp.mu.Unlock()
			if len(cp.errs) == 0 {
				close(cp.failed)
			}
			cp.errs = append(cp.errs, err)
		}
	}()
}

// Failed is closed when a component (a source, a server) stops with an
// error: the control plane can no longer do its job and should be shut
// down; Shutdown returns the error.
func (cp *ControlPlane) Failed() <-chan struct{} { return cp.failed }

// XDSAddress is where the ADS server listens.
func (cp *ControlPlane) XDSAddress() string { return cp.xdsLis.Addr().String() }

// ModuleAddress is where the lane filter module is served, "" when it is not.
func (cp *ControlPlane) ModuleAddress() string {
	if cp.modLis == nil {
		return ""
	}
	return cp.modLis.Addr().String()
}

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
	if cp.module != nil {
		shutdownErr = errors.Join(shutdownErr, cp.module.Shutdown(ctx))
	}
	cp.wg.Wait()
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return errors.Join(append(cp.errs, shutdownErr)...)
}

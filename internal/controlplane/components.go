package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/admin"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/translators"
)

var (
	_ Component = (*pipeline.Pipeline)(nil)
	_ Component = (*xdsserver.Server)(nil)
)

// listen opens every listening socket before anything starts, so that a
// taken port fails Start at once.
func (cp *ControlPlane) listen() error {
	cp.listeners = map[string]net.Listener{}
	addrs := [][2]string{{"xds", cp.opts.xdsAddress}, {"admin", cp.opts.adminAddress}}
	if cp.opts.laneFilter.Handler() != nil {
		addrs = append(addrs, [2]string{"module", cp.opts.moduleAddress})
	}
	if cp.opts.metricsAddress != "" {
		addrs = append(addrs, [2]string{"metrics", cp.opts.metricsAddress})
	}
	for _, a := range addrs {
		lis, err := net.Listen("tcp", a[1])
		if err != nil {
			cp.closeListeners()
			return fmt.Errorf("%s address: %w", a[0], err)
		}
		cp.listeners[a[0]] = lis
	}
	return nil
}

func (cp *ControlPlane) closeListeners() {
	for _, lis := range cp.listeners {
		lis.Close()
	}
}

// assemble builds the components: the sources, the ADS server (with
// security, its TLS options), the admin server and, when set, the metrics
// server and the lane filter's module server.
func (cp *ControlPlane) assemble(sources []providers.Source, security []xdsserver.Option) []Component {
	o := cp.opts
	topts := append([]translators.Option{translators.WithEdgeFilters(lanefilter.New(o.laneFilter))}, o.translatorOptions...)
	cp.pipeline = pipeline.New(cp.cache, cp.metrics, pipeline.WithLogger(o.log),
		pipeline.WithSources(sourceNames(sources)...), pipeline.WithTranslatorOptions(topts...))
	xopts := append([]xdsserver.Option{xdsserver.WithLogger(o.log), xdsserver.WithShutdownGrace(o.shutdownGrace),
		xdsserver.WithLimits(o.limits), xdsserver.WithResponseVersions(cp.cache)}, security...)
	cp.xds = xdsserver.New(cp.listeners["xds"], cp.cache.Watcher(), cp.metrics, xopts...)
	src := admin.Sources{Status: cp.pipeline, Snapshots: cp.cache, Clients: cp.xds, Metrics: cp.metrics.Registry}
	components := []Component{cp.pipeline, cp.xds, cp.httpServer("admin", admin.NewHandler(src))}
	if o.metricsAddress != "" {
		components = append(components, cp.httpServer("metrics", admin.NewMetricsHandler(src)))
	}
	for _, s := range sources {
		components = append(components, sourceComponent{source: s, pub: cp.pipeline})
	}
	if h := o.laneFilter.Handler(); h != nil {
		components = append(components, cp.httpServer("module", h))
	}
	return components
}

// sourceNames are the names the pipeline waits for before its first build.
func sourceNames(sources []providers.Source) []string {
	names := make([]string, 0, len(sources))
	for _, s := range sources {
		names = append(names, s.Name())
	}
	return names
}

// sourceComponent runs a configuration source publishing to pub.
type sourceComponent struct {
	source providers.Source
	pub    providers.Publisher
}

var _ Component = sourceComponent{}

// Start runs the source until ctx ends.
func (s sourceComponent) Start(ctx context.Context) error { return s.source.Run(ctx, s.pub) }

// httpComponent serves an HTTP handler on one of the control plane's
// listeners.
type httpComponent struct {
	name  string
	lis   net.Listener
	srv   *http.Server
	log   *zap.Logger
	grace time.Duration
}

var _ Component = httpComponent{}

func (cp *ControlPlane) httpServer(name string, h http.Handler) httpComponent {
	return httpComponent{
		name: name, lis: cp.listeners[name], log: cp.opts.log, grace: cp.opts.shutdownGrace,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
	}
}

// Start serves until ctx ends, then waits at most the grace period for the
// requests in flight.
func (h httpComponent) Start(ctx context.Context) error {
	h.log.Info("serving HTTP", zap.String("server", h.name), zap.String("address", h.lis.Addr().String()))
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(h.lis) }()
	select {
	case err := <-served:
		return fmt.Errorf("%s server: %w", h.name, err)
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), h.grace)
	defer cancel()
	err := h.srv.Shutdown(stopCtx)
	if served := <-served; !errors.Is(served, http.ErrServerClosed) {
		err = errors.Join(err, served)
	}
	return err
}

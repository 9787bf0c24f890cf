package controlplane

import (
	"time"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/certs"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/translators"
)

// Option configures a control plane.
type Option func(*options)

type options struct {
	configPath        string
	xdsAddress        string
	adminAddress      string
	log               *zap.Logger
	coalescer         providers.Coalescer
	translatorOptions []translators.Option
	laneFilter        lanefilter.Source
	moduleAddress     string
	sources           []providers.Source
	fileOptions       []file.Option
	shutdownGrace     time.Duration
	metricsAddress    string
	tlsFiles          certs.Files
	rolePolicy        *xdsserver.RolePolicy
	insecure          bool
	limits            xdsserver.Limits
}

func newOptions(opts []Option) options {
	o := options{
		xdsAddress:    DefaultXDSAddress,
		adminAddress:  DefaultAdminAddress,
		log:           zap.NewNop(),
		coalescer:     providers.DefaultCoalescer(),
		laneFilter:    lanefilter.Local(lanefilter.DefaultLocalPath),
		moduleAddress: DefaultModuleAddress,
		shutdownGrace: xdsserver.DefaultShutdownGrace,
		limits:        xdsserver.DefaultLimits(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithConfigPath serves the configuration file or directory at path.
func WithConfigPath(path string) Option { return func(o *options) { o.configPath = path } }

// WithFileOptions passes options to the file source of WithConfigPath.
func WithFileOptions(opts ...file.Option) Option {
	return func(o *options) { o.fileOptions = append(o.fileOptions, opts...) }
}

// WithSource adds a configuration source, such as the Kubernetes source;
// with WithConfigPath too, the sources' configurations are merged.
func WithSource(s providers.Source) Option {
	return func(o *options) { o.sources = append(o.sources, s) }
}

// allSources are the file source, when a config path is set, and the
// sources added.
func (o *options) allSources() []providers.Source {
	if o.configPath == "" {
		return o.sources
	}
	opts := []file.Option{file.WithLogger(o.log), file.WithCoalescer(o.coalescer)}
	if len(o.sources) > 0 {
		opts = append(opts, file.WithOtherSources())
	}
	f := file.NewSource(o.configPath, append(opts, o.fileOptions...)...)
	return append([]providers.Source{f}, o.sources...)
}

// WithXDSAddress sets where the ADS server listens ("127.0.0.1:0" picks a port).
func WithXDSAddress(addr string) Option { return func(o *options) { o.xdsAddress = addr } }

// WithAdminAddress sets where the admin server listens.
func WithAdminAddress(addr string) Option { return func(o *options) { o.adminAddress = addr } }

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(o *options) { o.log = l } }

// WithCoalescer sets how bursts of configuration changes are merged.
func WithCoalescer(c providers.Coalescer) Option { return func(o *options) { o.coalescer = c } }

// WithTranslatorOptions passes options to every translation.
func WithTranslatorOptions(opts ...translators.Option) Option {
	return func(o *options) { o.translatorOptions = append(o.translatorOptions, opts...) }
}

// WithLaneFilter sets where edge Envoys load the lane filter's module from
// (default: lanefilter.DefaultLocalPath on their host).
func WithLaneFilter(s lanefilter.Source) Option { return func(o *options) { o.laneFilter = s } }

// WithModuleAddress sets where the control plane serves a remote lane
// filter module.
func WithModuleAddress(addr string) Option { return func(o *options) { o.moduleAddress = addr } }

// WithShutdownGrace sets how long each server waits, once stopped, for its
// streams and requests to end (default xdsserver.DefaultShutdownGrace).
func WithShutdownGrace(d time.Duration) Option { return func(o *options) { o.shutdownGrace = d } }

// WithMetricsAddress serves /metrics, /healthz and /readyz on a listener of
// their own at addr, besides the admin server; "" (the default) does not.
func WithMetricsAddress(addr string) Option { return func(o *options) { o.metricsAddress = addr } }

// WithTLSFiles serves xDS over TLS with the certificate and key files and,
// when files.ClientCA is set, requires client certificates signed by it,
// whose identities the role policy checks. Changed files are read again.
func WithTLSFiles(files certs.Files) Option { return func(o *options) { o.tlsFiles = files } }

// WithRolePolicy sets which roles client identities may receive (default
// xdsserver.DefaultRolePolicy); it applies with a client CA.
func WithRolePolicy(p xdsserver.RolePolicy) Option { return func(o *options) { o.rolePolicy = &p } }

// WithInsecure allows plaintext xDS on an address other than loopback.
func WithInsecure() Option { return func(o *options) { o.insecure = true } }

// WithLimits sets the per-client limits (default xdsserver.DefaultLimits).
func WithLimits(l xdsserver.Limits) Option { return func(o *options) { o.limits = l } }

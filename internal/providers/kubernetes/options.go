package kubernetes

import (
	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/providers"
)

// Option configures a Source.
type Option func(*options)

type options struct {
	log            *zap.Logger
	coalescer      providers.Coalescer
	namespaces     []string
	leaseNamespace string
	leaseName      string
}

func newOptions(opts []Option) options {
	o := options{
		log:            zap.NewNop(),
		coalescer:      providers.DefaultCoalescer(),
		leaseNamespace: DefaultLeaseNamespace,
		leaseName:      DefaultLeaseName,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(o *options) { o.log = l } }

// WithCoalescer sets how bursts of events are merged into one rebuild.
func WithCoalescer(c providers.Coalescer) Option { return func(o *options) { o.coalescer = c } }

// WithNamespaces limits the Services, EndpointSlices and HTTPRoutes read
// to these namespaces; by default every namespace is read. Lanes are
// cluster-wide.
func WithNamespaces(ns ...string) Option {
	return func(o *options) { o.namespaces = append(o.namespaces, ns...) }
}

// WithLease names the Lease that elects the replica writing statuses
// (default DefaultLeaseNamespace/DefaultLeaseName).
func WithLease(namespace, name string) Option {
	return func(o *options) {
		if namespace != "" {
			o.leaseNamespace = namespace
		}
		if name != "" {
			o.leaseName = name
		}
	}
}

package kubernetes

import (
	"slices"

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

// store is where the last good states are kept: ConfigMaps in the Lease's
// namespace, named after the Lease.
func (o options) store() store { return store{namespace: o.leaseNamespace, owner: o.leaseName} }

// inScope reports whether the source reads a namespace.
func (o options) inScope(ns string) bool {
	return len(o.namespaces) == 0 || slices.Contains(o.namespaces, ns)
}

package kubernetes

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/zapr"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/graylane/graylane/internal/providers"
)

// Source watches a cluster and publishes the model its objects describe.
type Source struct {
	config *rest.Config
	opts   options
}

var _ providers.Source = (*Source)(nil)

// New returns a source that reads the cluster config points at.
func New(config *rest.Config, opts ...Option) *Source {
	return &Source{config: config, opts: newOptions(opts)}
}

// Name is SourceName.
func (s *Source) Name() string { return SourceName }

// Run publishes the model once the caches are synced, then after every
// burst of changes, until ctx ends. Statuses are written while this replica
// holds the Lease. It fails only when the source cannot be set up.
func (s *Source) Run(ctx context.Context, pub providers.Publisher) error {
	scheme, err := NewScheme()
	if err != nil {
		return err
	}
	mgr, err := manager.New(s.config, s.managerOptions(scheme))
	if err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	secrets, err := corev1client.NewForConfig(rest.AddUserAgent(rest.CopyConfig(s.config), "graylane-secrets"))
	if err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	stored, err := s.storeCache(scheme)
	if err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	status := newStatusWriter(mgr.GetClient(), stored, s.opts.log)
	if err := mgr.Add(stored); err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	if err := mgr.Add(newWatcher(mgr.GetCache(), stored, secrets, pub, status, s.opts)); err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { s.elect(ctx, scheme, status) })
	err = mgr.Start(ctx)
	cancel() // the election ends with the watches, whatever ended them
	wg.Wait()
	if err != nil {
		return fmt.Errorf("kubernetes source: %w", err)
	}
	return nil
}

// storeCache caches the ConfigMaps of the last good states: those of the
// Lease's namespace that carry Graylane's label, and no other.
func (s *Source) storeCache(scheme *runtime.Scheme) (cache.Cache, error) {
	st := s.opts.store()
	return cache.New(s.config, cache.Options{
		Scheme:                   scheme,
		DefaultNamespaces:        map[string]cache.Config{st.namespace: {}},
		DefaultLabelSelector:     labels.SelectorFromSet(labels.Set{LabelLastGood: st.ownerLabel()}),
		DefaultTransform:         cache.TransformStripManagedFields(),
		DefaultWatchErrorHandler: watchErrors(s.opts.log),
	})
}

// managerOptions configure the manager that owns the watches: no leader
// election (every replica serves), no servers of its own, and objects
// cached without their managedFields.
func (s *Source) managerOptions(scheme *runtime.Scheme) manager.Options {
	o := manager.Options{
		Scheme:                 scheme,
		Logger:                 zapr.NewLogger(s.opts.log),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{
			DefaultTransform:         cache.TransformStripManagedFields(),
			DefaultWatchErrorHandler: watchErrors(s.opts.log),
		},
	}
	if len(s.opts.namespaces) > 0 {
		o.Cache.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range s.opts.namespaces {
			o.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return o
}

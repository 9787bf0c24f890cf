package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/model"
)

// watchRetry is how soon a watch that could not be set up (the API server
// is unreachable) is tried again.
const watchRetry = time.Second

// watcher is the runnable that publishes: it needs no leader, every
// replica serves from its own watch.
type watcher struct {
	cache cache.Cache
	// stored is the cache of the last good states' ConfigMaps, of
	// Graylane's namespace only.
	stored    cache.Cache
	kinds     kinds
	secrets   *secretWatcher
	pub       providers.Publisher
	status    *statusWriter
	builder   *builder
	coalescer providers.Coalescer
	log       *zap.Logger

	published *model.Config
	warned    string
}

var _ manager.LeaderElectionRunnable = (*watcher)(nil)

func newWatcher(c, stored cache.Cache, secrets corev1client.SecretsGetter, pub providers.Publisher, status *statusWriter, o options) *watcher {
	st := o.store()
	return &watcher{cache: c, stored: stored, pub: pub, status: status, builder: newBuilder(st, o.inScope), coalescer: o.coalescer,
		log: o.log, kinds: kinds{store: &st}, secrets: newSecretWatcher(secrets, nil, watchErrors(o.log))}
}

// NeedLeaderElection is false: every replica publishes.
func (w *watcher) NeedLeaderElection() bool { return false }

// Start publishes once every cache is synced, then after every burst of
// events, until ctx ends.
func (w *watcher) Start(ctx context.Context) error {
	events := make(chan struct{}, 1)
	w.secrets.handler = notifier{events: events}
	defer w.secrets.stop()
	if err := w.watch(ctx, events); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if !w.cache.WaitForCacheSync(ctx) || !w.stored.WaitForCacheSync(ctx) {
		return nil // ctx ended
	}
	select {
	case <-events: // the initial lists, read below
	default:
	}
	w.log.Info("kubernetes caches synced")
	w.reload(ctx)
	w.coalescer.Run(ctx, events, func() { w.reload(ctx) })
	return nil
}

// watch registers an event handler on the informer of every kind read:
// the last good states (ConfigMaps of Graylane's namespace) are read
// before the first build, like the rest. Lanes and the Gateway API kinds
// are optional: a cluster without their API is read without them.
func (w *watcher) watch(ctx context.Context, events chan<- struct{}) error {
	for _, obj := range []client.Object{&corev1.Service{}, &discoveryv1.EndpointSlice{}} {
		if err := w.watchKind(ctx, w.cache, obj, events); err != nil {
			return err
		}
	}
	if err := w.watchKind(ctx, w.stored, &corev1.ConfigMap{}, events); err != nil {
		return err
	}
	w.kinds.lanes = w.watchOptional(ctx, &graylanev1alpha1.Lane{}, events)
	w.kinds.routes = w.watchOptional(ctx, &gatewayv1.HTTPRoute{}, events)
	w.kinds.grpcRoutes = w.watchOptional(ctx, &gatewayv1.GRPCRoute{}, events)
	w.kinds.gateways = w.watchOptional(ctx, &gatewayv1.GatewayClass{}, events) && w.watchOptional(ctx, &gatewayv1.Gateway{}, events)
	return ctx.Err()
}

func (w *watcher) watchOptional(ctx context.Context, obj client.Object, events chan<- struct{}) bool {
	err := w.watchKind(ctx, w.cache, obj, events)
	if meta.IsNoMatchError(err) {
		w.log.Warn("API not installed: its objects are not read until a restart", zap.String("type", fmt.Sprintf("%T", obj)))
	}
	return err == nil
}

// watchKind gets the informer of obj's kind, trying again while the API
// server cannot say what the kind is, and adds the event handler.
func (w *watcher) watchKind(ctx context.Context, c cache.Cache, obj client.Object, events chan<- struct{}) error {
	for {
		inf, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err == nil {
			_, err = inf.AddEventHandler(notifier{events: events})
			return err
		}
		if meta.IsNoMatchError(err) {
			return err
		}
		w.log.Warn("kubernetes watch not set up; retrying", zap.String("type", fmt.Sprintf("%T", obj)), zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(watchRetry):
		}
	}
}

// reload builds from the cache and publishes what changed.
func (w *watcher) reload(ctx context.Context) {
	world, err := readWorld(ctx, readers{objects: w.cache, stored: w.stored, secrets: w.secrets}, w.kinds)
	if err != nil {
		w.pub.Reject(SourceName, err)
		return
	}
	res := w.builder.build(world)
	w.warn(errors.Join(res.problems, errors.Join(res.records.problems...)))
	if w.published == nil || !reflect.DeepEqual(w.published, res.config) {
		w.published = res.config
		w.log.Debug("kubernetes model built", zap.Stringer("config", res.config))
		w.pub.Publish(SourceName, res.config.DeepCopy())
	}
	w.status.set(res)
}

// warn reports the problems when they differ from the last ones reported,
// so that a problem is logged and counted once, not on every rebuild.
func (w *watcher) warn(err error) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	if text != w.warned {
		w.warned = text
		w.pub.Warn(SourceName, err)
	}
}

// notifier turns informer events into change notifications. An update
// that leaves a Lane's or a Gateway API object's generation as it was is
// a status write, which changes nothing Graylane reads.
type notifier struct {
	events chan<- struct{}
}

func (n notifier) OnAdd(any, bool) { n.signal() }
func (n notifier) OnDelete(any)    { n.signal() }

func (n notifier) OnUpdate(oldObj, newObj any) {
	o, ok1 := oldObj.(client.Object)
	nw, ok2 := newObj.(client.Object)
	if ok1 && ok2 && o.GetGeneration() != 0 && o.GetGeneration() == nw.GetGeneration() && statusOnly(nw) {
		return
	}
	n.signal()
}

func (n notifier) signal() {
	select {
	case n.events <- struct{}{}:
	default: // a notification is already pending
	}
}

// statusOnly reports whether an object's generation counts every change
// Graylane reads: it does for Lanes and the Gateway API kinds, whose
// labels and annotations Graylane ignores.
func statusOnly(obj client.Object) bool {
	switch obj.(type) {
	case *graylanev1alpha1.Lane, *gatewayv1.HTTPRoute, *gatewayv1.GRPCRoute, *gatewayv1.Gateway, *gatewayv1.GatewayClass:
		return true
	}
	return false
}

var _ toolscache.ResourceEventHandler = notifier{}

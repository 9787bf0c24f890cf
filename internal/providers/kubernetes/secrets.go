package kubernetes

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

// secretSyncWait is how long a build waits for a newly named Secret to be
// read; a Secret still unread then counts as missing until it is.
const secretSyncWait = 5 * time.Second

// secretWatcher watches each Secret that a listener names, and only
// those, each with a watch of its own selected by name: Graylane caches
// no other Secret, and its RBAC rule can name the Secrets it may read
// (resourceNames) for get, list and watch alike.
type secretWatcher struct {
	client  corev1client.SecretsGetter
	handler toolscache.ResourceEventHandler
	onError toolscache.WatchErrorHandlerWithContext

	mu      sync.Mutex
	watches map[types.NamespacedName]*secretWatch
}

type secretWatch struct {
	informer toolscache.SharedIndexInformer
	stop     context.CancelFunc
}

var _ secretReader = (*secretWatcher)(nil)

func newSecretWatcher(c corev1client.SecretsGetter, handler toolscache.ResourceEventHandler, onError toolscache.WatchErrorHandlerWithContext) *secretWatcher {
	return &secretWatcher{client: c, handler: handler, onError: onError, watches: map[types.NamespacedName]*secretWatch{}}
}

// read watches exactly the Secrets named, waits a little for new ones to
// be read (a watch that cannot list, say for want of RBAC, is not waited
// for again: its Secret counts as missing until it is read), and returns
// those it has.
func (sw *secretWatcher) read(ctx context.Context, keys []types.NamespacedName) (map[types.NamespacedName]*corev1.Secret, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	want, fresh := map[types.NamespacedName]bool{}, map[types.NamespacedName]bool{}
	for _, key := range keys {
		want[key] = true
		if sw.watches[key] == nil {
			sw.watches[key] = sw.start(ctx, key)
			fresh[key] = true
		}
	}
	for key, w := range sw.watches {
		if !want[key] {
			w.stop()
			delete(sw.watches, key)
		}
	}
	out := map[types.NamespacedName]*corev1.Secret{}
	for _, key := range keys {
		w := sw.watches[key]
		if fresh[key] {
			wait, cancel := context.WithTimeout(ctx, secretSyncWait)
			toolscache.WaitForCacheSync(wait.Done(), w.informer.HasSynced)
			cancel()
		}
		for _, obj := range w.informer.GetStore().List() {
			if s, ok := obj.(*corev1.Secret); ok && s.Name == key.Name {
				out[key] = s
			}
		}
	}
	return out, nil
}

// start watches one Secret until ctx ends or it is no longer named.
func (sw *secretWatcher) start(ctx context.Context, key types.NamespacedName) *secretWatch {
	selector := fields.OneTermEqualSelector("metadata.name", key.Name).String()
	api := sw.client.Secrets(key.Namespace)
	lw := &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return api.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return api.Watch(ctx, o)
		},
	}
	inf := toolscache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, toolscache.Indexers{})
	_ = inf.SetTransform(stripManagedFields)
	if sw.onError != nil {
		_ = inf.SetWatchErrorHandlerWithContext(sw.onError)
	}
	if _, err := inf.AddEventHandler(sw.handler); err != nil {
		panic(fmt.Sprintf("adding a handler to a new informer: %v", err)) // cannot fail before it runs
	}
	ctx, stop := context.WithCancel(ctx)
	go inf.RunWithContext(ctx)
	return &secretWatch{informer: inf, stop: stop}
}

// stop ends every watch.
func (sw *secretWatcher) stop() {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for key, w := range sw.watches {
		w.stop()
		delete(sw.watches, key)
	}
}

func stripManagedFields(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

// clientSecrets reads Secrets with a client, for tests.
type clientSecrets struct {
	get func(ctx context.Context, key types.NamespacedName, s *corev1.Secret) error
}

func (c clientSecrets) read(ctx context.Context, keys []types.NamespacedName) (map[types.NamespacedName]*corev1.Secret, error) {
	out := map[types.NamespacedName]*corev1.Secret{}
	for _, key := range keys {
		var s corev1.Secret
		if err := c.get(ctx, key, &s); err == nil {
			out[key] = &s
		}
	}
	return out, nil
}

package snapshot

import (
	"context"
	"sync"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/log"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// Cache holds the current snapshot of every role and serves it to the ADS
// server through go-control-plane's caches: one LinearCache per role and
// kind, behind a MuxCache that picks it by the client's role and the type
// it asks for. A LinearCache answers a client only when a resource it
// subscribes to changed, and encodes each resource once for every client.
//
// Publish hands a role's new snapshot to its caches kind by kind, make
// before break: each kind's new and changed resources in the order of
// translators.Kinds, then the removals of kinds that later kinds refer to.
type Cache struct {
	mux *cachev3.MuxCache

	mu      sync.Mutex
	current map[model.Role]*Snapshot
	kinds   map[string]*kindCache // by role and type URL: cacheKey
	views   *views                // of sidecars that name their egress
}

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// WithEgressViews sets how many distinct sidecar egresses are served views
// of their own (default DefaultEgressViews).
func WithEgressViews(n int) CacheOption { return func(c *Cache) { c.views.limit = n } }

// NewCache returns an empty cache. logger may be nil.
func NewCache(logger log.Logger, opts ...CacheOption) *Cache {
	if logger == nil {
		logger = log.NewDefaultLogger()
	}
	c := &Cache{current: map[model.Role]*Snapshot{}, kinds: map[string]*kindCache{}, views: newViews(DefaultEgressViews, logger)}
	for _, o := range opts {
		o(c)
	}
	caches := map[string]cachev3.Cache{}
	for _, role := range model.AllRoles() {
		for _, k := range allKinds {
			key := cacheKey(string(role), k.URL)
			c.kinds[key] = newKindCache(k, logger)
			caches[key] = c.kinds[key]
			if role == model.RoleSidecar && scoped(k) {
				caches[key] = &scopedCache{cache: c, kind: k}
			}
		}
	}
	c.mux = &cachev3.MuxCache{
		Classify:      func(r *cachev3.Request) string { return cacheKey(RoleHash{}.ID(r.GetNode()), r.GetTypeUrl()) },
		ClassifyDelta: func(r *cachev3.DeltaRequest) string { return cacheKey(RoleHash{}.ID(r.GetNode()), r.GetTypeUrl()) },
		Caches:        caches,
	}
	return c
}

func cacheKey(role, typeURL string) string { return role + " " + typeURL }

// Watcher is what the ADS server serves from.
func (c *Cache) Watcher() cachev3.Cache { return c.mux }

// Current returns the role's snapshot, or nil before the first Publish.
func (c *Cache) Current(role model.Role) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current[role]
}

// Publish makes next the role's snapshot and tells the clients that
// subscribe to what changed, make before break. It reports whether
// anything changed; an identical snapshot pushes nothing.
func (c *Cache) Publish(_ context.Context, role model.Role, next *Snapshot) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.current[role]
	changes := next.changesSince(prev)
	changed := false
	for _, k := range allKinds {
		ch := changes[k.Type]
		changed = publishKind(c.kind(role, k), next.set(k.Type), ch.upserted, ch.removed) || changed
		if role == model.RoleSidecar && scoped(k) {
			changed = c.publishViews(k, prev, next, ch) || changed
		}
	}
	for _, k := range allKinds {
		if !k.RemoveLast {
			continue
		}
		changed = c.kind(role, k).remove(changes[k.Type].removed) || changed
		if role == model.RoleSidecar && scoped(k) {
			c.removeFromViews(k, prev, changes[k.Type].removed)
		}
	}
	c.current[role] = next
	return changed, nil
}

// publishKind hands one kind's new and changed resources (up) and its
// removals (gone) to a kindCache: all of them at once, but the removals of
// a kind that others refer to, which wait for Publish's second pass, and
// every resource again for a kind Envoy takes whole.
func publishKind(kc *kindCache, next *set, up, gone []string) bool {
	switch {
	case len(up)+len(gone) == 0:
		return false
	case kc.kind.FullStateInSotw:
		return kc.replace(next, up, gone)
	case kc.kind.RemoveLast:
		return kc.upsert(next, up)
	default:
		return kc.apply(kc.resources(next, up), gone)
	}
}

func (c *Cache) kind(role model.Role, k translators.Kind) *kindCache {
	return c.kinds[cacheKey(string(role), k.URL)]
}

// ResponseVersion is the version_info to send a state-of-the-world client
// in place of the one a LinearCache gave its response: a digest of the
// content of every resource of the kind when the response was built, so
// that a client that reconnects holding it (to this process or to a
// restarted one) is sent nothing until something changes. It returns
// cacheVersion itself when the response is too old to tell, or when the
// sidecar view that answered it has made way for another since.
func (c *Cache) ResponseVersion(role model.Role, req *discoveryv3.DiscoveryRequest, cacheVersion string) string {
	kc := c.serving(role, req.GetNode(), req.GetTypeUrl(), false)
	if kc == nil {
		return cacheVersion
	}
	return kc.responseVersion(req.GetResourceNames(), cacheVersion)
}

package snapshot

import (
	"context"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/log"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// DefaultEgressViews is how many distinct egresses are served views of
// their own unless WithEgressViews says otherwise.
const DefaultEgressViews = 1000

// scoped reports whether sidecars that name their egress are served a
// view of the kind: the kinds Envoy subscribes to whole (clusters,
// listeners, scoped routes), which no other resource refers to. The
// others they ask for by the names those give.
func scoped(k translators.Kind) bool { return !k.Referenced }

// view is what the sidecars of one egress are served of the scoped kinds:
// the resources of the services they call, and those of no service.
type view struct {
	egress Egress
	kinds  map[string]*kindCache // by type URL
}

// idle reports whether no client watches the view.
func (v *view) idle() bool {
	for _, kc := range v.kinds {
		if kc.watching() {
			return false
		}
	}
	return true
}

// views are the sidecar views, at most limit of them. A view is made when
// a sidecar first asks for it; when there are limit views, an idle one
// makes way, and if none is idle the sidecar is served every service.
type views struct {
	limit     int
	logger    log.Logger
	byID      map[string]*view
	exhausted int64 // sidecars served every service for want of room
}

func newViews(limit int, logger log.Logger) *views {
	return &views{limit: limit, logger: logger, byID: map[string]*view{}}
}

// add makes the view of an egress from the current snapshot; nil when
// there is no room for it. The caller holds the Cache's lock.
func (vs *views) add(e Egress, current *Snapshot) *view {
	if !vs.makeRoom() {
		vs.exhausted++
		return nil
	}
	v := &view{egress: e, kinds: map[string]*kindCache{}}
	for _, k := range allKinds {
		if scoped(k) {
			kc := newKindCache(k, vs.logger)
			all := current.set(k.Type)
			kc.apply(kc.resources(all, v.all(all)), nil)
			v.kinds[k.URL] = kc
		}
	}
	vs.byID[e.ID()] = v
	return v
}

// makeRoom reports whether a view can be added, forgetting an idle one if
// there are limit views already.
func (vs *views) makeRoom() bool {
	if len(vs.byID) < vs.limit {
		return true
	}
	for id, v := range vs.byID {
		if v.idle() {
			delete(vs.byID, id)
			return true
		}
	}
	return false
}

// names lists those of the named resources of s that the view holds.
func (v *view) names(s *set, names []string) []string {
	var out []string
	for _, name := range names {
		if e, ok := s.get(name); ok && v.egress.Calls(e.group) {
			out = append(out, name)
		}
	}
	return out
}

// all lists every resource of s that the view holds.
func (v *view) all(s *set) []string {
	var out []string
	s.each(func(name string, e *entry) {
		if v.egress.Calls(e.group) {
			out = append(out, name)
		}
	})
	return out
}

// scopedCache serves a scoped kind to sidecars: those that name their
// egress from their view, the others (and all when there is no room for
// a view) from the role's kindCache.
type scopedCache struct {
	cache *Cache
	kind  translators.Kind
}

var _ cachev3.Cache = (*scopedCache)(nil)

func (s *scopedCache) CreateWatch(req *cachev3.Request, sub cachev3.Subscription, value chan cachev3.Response) (stop func(), err error) {
	s.cache.onServing(model.RoleSidecar, req.GetNode(), s.kind.URL, func(kc *kindCache) { stop, err = kc.CreateWatch(req, sub, value) })
	return stop, err
}

func (s *scopedCache) CreateDeltaWatch(req *cachev3.DeltaRequest, sub cachev3.Subscription, value chan cachev3.DeltaResponse) (stop func(), err error) {
	s.cache.onServing(model.RoleSidecar, req.GetNode(), s.kind.URL, func(kc *kindCache) { stop, err = kc.CreateDeltaWatch(req, sub, value) })
	return stop, err
}

func (s *scopedCache) Fetch(ctx context.Context, req *cachev3.Request) (resp cachev3.Response, err error) {
	s.cache.onServing(model.RoleSidecar, req.GetNode(), s.kind.URL, func(kc *kindCache) { resp, err = kc.Fetch(ctx, req) })
	return resp, err
}

// onServing calls f with the kindCache that serves a node a type: its
// view's, for a sidecar that names its egress, made if need be, else its
// role's. On a view it holds the Cache's lock, as Publish does, so that
// the view cannot make way for another before f has watched it.
func (c *Cache) onServing(role model.Role, node *corev3.Node, typeURL string, f func(*kindCache)) {
	all, e, viewed := c.viewed(role, node, typeURL)
	if !viewed {
		f(all)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c.viewKind(all, e, typeURL, true))
}

// serving is the kindCache onServing would call f with; but without
// create, a view that is gone (made way for another) is not made again,
// and serving returns nil instead.
func (c *Cache) serving(role model.Role, node *corev3.Node, typeURL string, create bool) *kindCache {
	all, e, viewed := c.viewed(role, node, typeURL)
	if !viewed {
		return all
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.viewKind(all, e, typeURL, create)
}

// viewed returns the role's kindCache of a type and, when a view serves
// the node that type, the node's egress.
func (c *Cache) viewed(role model.Role, node *corev3.Node, typeURL string) (*kindCache, Egress, bool) {
	all := c.kinds[cacheKey(string(role), typeURL)]
	if role != model.RoleSidecar || all == nil || !scoped(all.kind) {
		return all, Egress{}, false
	}
	e, err := EgressOf(node)
	return all, e, err == nil && !e.All()
}

// viewKind is the kindCache of e's view, made if need be and create is
// set; all when there is no room for it. The caller holds the lock.
func (c *Cache) viewKind(all *kindCache, e Egress, typeURL string, create bool) *kindCache {
	if v := c.views.byID[e.ID()]; v != nil {
		return v.kinds[typeURL]
	}
	if !create {
		return nil
	}
	if v := c.views.add(e, c.current[model.RoleSidecar]); v != nil {
		return v.kinds[typeURL]
	}
	return all
}

// publishViews hands the views the changes of a kind, as Publish hands
// them to the role's kindCache. The caller holds the Cache's lock.
func (c *Cache) publishViews(k translators.Kind, prev, next *Snapshot, ch change) bool {
	changed := false
	for _, v := range c.views.byID {
		kc := v.kinds[k.URL]
		var gone []string
		if !k.RemoveLast { // else removeFromViews takes them out, later
			gone = v.names(prev.set(k.Type), ch.removed)
		}
		changed = publishKind(kc, next.set(k.Type), v.names(next.set(k.Type), ch.upserted), gone) || changed
	}
	return changed
}

// removeFromViews takes a kind's removals out of the views, after the
// kinds that referred to them.
func (c *Cache) removeFromViews(k translators.Kind, prev *Snapshot, removed []string) {
	for _, v := range c.views.byID {
		v.kinds[k.URL].remove(v.names(prev.set(k.Type), removed))
	}
}

// EgressViews returns the number of sidecar views, and how many times a
// sidecar was served every service for want of room for its view.
func (c *Cache) EgressViews() (views int, exhausted int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.views.byID), c.views.exhausted
}

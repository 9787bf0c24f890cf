package snapshot

import (
	"context"
	"fmt"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/log"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// Cache holds the current snapshot of every role and hands them to the ADS
// server through go-control-plane's SnapshotCache, keyed by role.
//
// The SnapshotCache runs in non-ADS mode: in ADS mode it holds back a
// response until a client has asked for every resource of the type (its
// issues #349 and #426), which stalls a proxyless gRPC client that asks only
// for the services it uses. The order ADS needs comes from Publish instead,
// which sets the snapshot in stages, one resource type at a time.
type Cache struct {
	cache cachev3.SnapshotCache

	mu      sync.Mutex
	current map[model.Role]*Snapshot
}

// NewCache returns an empty cache. logger may be nil.
func NewCache(logger log.Logger) *Cache {
	return &Cache{
		cache:   cachev3.NewSnapshotCache(false, RoleHash{}, logger),
		current: map[model.Role]*Snapshot{},
	}
}

// Watcher is what the ADS server serves from.
func (c *Cache) Watcher() cachev3.Cache { return c.cache }

// Current returns the role's snapshot, or nil before the first Publish.
func (c *Cache) Current(role model.Role) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current[role]
}

// Publish makes next the role's snapshot. Clients see it make before break:
// each stage adds what the following ones refer to, and clusters and
// endpoints nothing refers to any more go last. It reports whether anything
// changed; an identical snapshot pushes nothing.
func (c *Cache) Publish(ctx context.Context, role model.Role, next *Snapshot) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.current[role]
	stages := Stages(prev, next)
	for _, stage := range stages {
		if err := c.cache.SetSnapshot(ctx, string(role), stage.cache()); err != nil {
			return false, fmt.Errorf("publish %s snapshot: %w", role, err)
		}
	}
	c.current[role] = next
	return len(stages) > 0, nil
}

// Stages lists the snapshots that lead from prev to next, make before
// break; none when nothing changed. Each stage changes one type's version.
func Stages(prev, next *Snapshot) []*Snapshot {
	if prev == nil {
		return []*Snapshot{next}
	}
	var out []*Snapshot
	at := prev
	step := func(t types.ResponseType, s *set) {
		if at.Version(t) != s.version {
			at = at.with(t, s)
			out = append(out, at)
		}
	}
	kinds := translators.Kinds()
	for _, k := range kinds {
		if k.RemoveLast {
			step(k.Type, union(prev.sets[k.Type], next.sets[k.Type]))
		} else {
			step(k.Type, next.sets[k.Type])
		}
	}
	for _, k := range kinds {
		if k.RemoveLast {
			step(k.Type, next.sets[k.Type])
		}
	}
	return out
}

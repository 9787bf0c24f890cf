package snapshot

import (
	"github.com/cespare/xxhash/v2"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	iradix "github.com/hashicorp/go-immutable-radix/v2"
)

// entry is one resource of a snapshot with what its check learnt: its
// content version, what it refers to, and the group that produced it.
type entry struct {
	resource types.Resource
	version  string
	digest   uint64 // of the name and version
	refs     references
	group    string
}

// set is the resources of one kind: an immutable radix tree by name, so
// that a snapshot shares every resource that did not change with the one
// before it, and a digest of every name and version, its version.
type set struct {
	items  *iradix.Tree[*entry]
	digest uint64
}

func emptySet() *set { return &set{items: iradix.New[*entry]()} }

func (s *set) version() string {
	if s.items.Len() == 0 {
		return ""
	}
	return digestVersion(s.digest)
}

func (s *set) get(name string) (*entry, bool) { return s.items.Get([]byte(name)) }

// each calls f for every resource, in name order.
func (s *set) each(f func(name string, e *entry)) {
	it := s.items.Root().Iterator()
	for k, e, ok := it.Next(); ok; k, e, ok = it.Next() {
		f(string(k), e)
	}
}

// change is what a snapshot changed in one kind since its parent.
type change struct {
	upserted []string
	removed  []string
}

// Snapshot is an immutable, validated, versioned set of resources for one
// role. The snapshots a Builder builds one after the other share what did
// not change, and each knows what changed since the one before it.
type Snapshot struct {
	sets    [types.UnknownType]*set
	parent  *Snapshot
	changes [types.UnknownType]change
}

func (s *Snapshot) set(t types.ResponseType) *set {
	if s == nil || s.sets[t] == nil {
		return emptySet()
	}
	return s.sets[t]
}

// Version returns the version of a kind: a digest of its resources' names
// and content versions; "" when the snapshot has none of it.
func (s *Snapshot) Version(t types.ResponseType) string { return s.set(t).version() }

// Resources returns a new map of the resources of a kind by name. The
// resources must not be modified.
func (s *Snapshot) Resources(t types.ResponseType) map[string]types.Resource {
	out := map[string]types.Resource{}
	s.set(t).each(func(name string, e *entry) { out[name] = e.resource })
	return out
}

// Len returns the number of resources of a kind.
func (s *Snapshot) Len(t types.ResponseType) int { return s.set(t).items.Len() }

// ContentVersion returns the content version of one resource, "" when the
// snapshot does not have it.
func (s *Snapshot) ContentVersion(t types.ResponseType, name string) string {
	if e, ok := s.set(t).get(name); ok {
		return e.version
	}
	return ""
}

// contentVersion hashes a resource's deterministic encoding.
func contentVersion(b []byte) string {
	return digestVersion(xxhash.Sum64(b))[1:]
}

// changesSince is what changed from prev to s: what s recorded when it was
// built from prev, else (prev is not its parent) a comparison of both.
func (s *Snapshot) changesSince(prev *Snapshot) [types.UnknownType]change {
	if s == prev {
		return [types.UnknownType]change{}
	}
	if s.parent == prev && prev != nil {
		return s.changes
	}
	var out [types.UnknownType]change
	for t := range out {
		out[t] = diffSets(prev.set(types.ResponseType(t)), s.set(types.ResponseType(t)))
	}
	return out
}

// diffSets compares two sets name by name.
func diffSets(prev, next *set) change {
	var c change
	next.each(func(name string, e *entry) {
		if old, ok := prev.get(name); !ok || old.version != e.version {
			c.upserted = append(c.upserted, name)
		}
	})
	prev.each(func(name string, _ *entry) {
		if _, ok := next.get(name); !ok {
			c.removed = append(c.removed, name)
		}
	})
	return c
}

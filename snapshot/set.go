package snapshot

import (
	"hash/maphash"
	"maps"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
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

// set is the resources of one kind by name, in shards by a hash of the
// name: a build copies only the shards it changes, so that a snapshot
// shares every other one with the snapshot before it, and a digest of
// every name and version is its version.
type set struct {
	shards []map[string]*entry // a power of two of them; nil if never written
	n      int
	digest uint64
}

// shardLoad is how many resources a shard holds on average, at most,
// once a build has made room for what it puts in: a small map is cheap
// to copy when a build changes one of its resources.
const shardLoad = 16

// shardSeed hashes names to shards; every set of the process shares it,
// as snapshots share shards.
var shardSeed = maphash.MakeSeed()

func emptySet() *set { return &set{shards: make([]map[string]*entry, 1)} }

func (s *set) version() string {
	if s.n == 0 {
		return ""
	}
	return digestVersion(s.digest)
}

func (s *set) shardOf(name string) int {
	return int(maphash.String(shardSeed, name) & uint64(len(s.shards)-1))
}

func (s *set) get(name string) (*entry, bool) {
	e, ok := s.shards[s.shardOf(name)][name]
	return e, ok
}

// each calls f for every resource, in no particular order.
func (s *set) each(f func(name string, e *entry)) {
	for _, shard := range s.shards {
		for name, e := range shard {
			f(name, e)
		}
	}
}

// setTxn changes a set without touching it: it copies the list of shards,
// and each shard, the first time it writes to it.
type setTxn struct {
	set
	owned []bool // shards copied, nil until the first write
}

func (s *set) txn() *setTxn { return &setTxn{set: set{shards: s.shards, n: s.n}} }

// grow makes room for more resources at once, doubling the shards until
// they hold shardLoad each on average.
func (x *setTxn) grow(more int) {
	want := len(x.shards)
	for want*shardLoad < x.n+more {
		want <<= 1
	}
	if want == len(x.shards) {
		return
	}
	old := x.shards
	x.shards, x.owned = make([]map[string]*entry, want), make([]bool, want)
	for _, shard := range old {
		for name, e := range shard {
			x.writable(x.shardOf(name))[name] = e
		}
	}
}

// writable is shard i, the txn's own.
func (x *setTxn) writable(i int) map[string]*entry {
	if x.owned == nil {
		x.shards, x.owned = slices.Clone(x.shards), make([]bool, len(x.shards))
	}
	if !x.owned[i] {
		x.shards[i], x.owned[i] = maps.Clone(x.shards[i]), true
		if x.shards[i] == nil {
			x.shards[i] = make(map[string]*entry, shardLoad)
		}
	}
	return x.shards[i]
}

// insert adds e unless the set has a resource of its name, which it
// returns.
func (x *setTxn) insert(name string, e *entry) (*entry, bool) {
	i := x.shardOf(name)
	if old, ok := x.shards[i][name]; ok {
		return old, true
	}
	x.writable(i)[name] = e
	x.n++
	return nil, false
}

// remove takes out the resource of a name, if there is one.
func (x *setTxn) remove(name string) (*entry, bool) {
	i := x.shardOf(name)
	e, ok := x.shards[i][name]
	if ok {
		delete(x.writable(i), name)
		x.n--
	}
	return e, ok
}

// commit is the set the txn made, with its digest.
func (x *setTxn) commit(digest uint64) *set {
	return &set{shards: x.shards, n: x.n, digest: digest}
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
func (s *Snapshot) Len(t types.ResponseType) int { return s.set(t).n }

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

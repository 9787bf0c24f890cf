package snapshot

import (
	"strconv"
	"sync"
	"unique"

	"github.com/cespare/xxhash/v2"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/log"

	"github.com/graylane/graylane/translators"
)

// historyLen is how many updates back a response's content digest is
// remembered.
const historyLen = 64

// kindCache serves one role's resources of one kind: a LinearCache, plus
// what lets a state-of-the-world client that comes back holding the
// current content be sent nothing. Such a client's first request carries
// the version_info of the last response it accepted; that version is a
// digest of the content it was sent (see responseVersion), so comparing it
// with the digest of what it subscribes to now tells whether it is up to
// date. An up-to-date client's watch is parked until something it
// subscribes to changes.
type kindCache struct {
	kind   translators.Kind
	linear *cachev3.LinearCache

	mu      sync.Mutex
	entries map[string]served // by resource name
	digest  uint64            // XOR of every entry
	updates uint64            // updates made: the LinearCache's version
	history map[uint64]uint64 // digest after each of the last updates
	parked  map[uint64]*parkedWatch
	parkIDs uint64
}

var _ cachev3.Cache = (*kindCache)(nil)

func newKindCache(k translators.Kind, logger log.Logger) *kindCache {
	return &kindCache{
		kind:    k,
		linear:  cachev3.NewLinearCache(k.URL, cachev3.WithLogger(logger)),
		entries: map[string]served{}, history: map[uint64]uint64{}, parked: map[uint64]*parkedWatch{},
	}
}

// upsert gives the LinearCache the named resources of next, new or
// changed; it reports whether there were any.
func (kc *kindCache) upsert(next *set, names []string) bool {
	return kc.apply(kc.resources(next, names), nil)
}

// remove takes the named resources out.
func (kc *kindCache) remove(names []string) bool {
	return kc.apply(upserts{}, names)
}

// replace gives the LinearCache every resource it holds again, with up
// new or changed and gone taken out, in one update: state-of-the-world
// clients of a kind that Envoy takes whole are sent the whole set.
func (kc *kindCache) replace(next *set, up, gone []string) bool {
	removed := make(map[string]bool, len(gone))
	for _, name := range gone {
		removed[name] = true
	}
	kc.mu.Lock()
	all := make([]string, 0, len(kc.entries)+len(up))
	for name := range kc.entries {
		if !removed[name] {
			all = append(all, name)
		}
	}
	kc.mu.Unlock()
	return kc.apply(kc.resources(next, append(all, up...)), gone)
}

// watching reports whether a client watches the kind.
func (kc *kindCache) watching() bool {
	kc.mu.Lock()
	parked := len(kc.parked)
	kc.mu.Unlock()
	return parked > 0 || kc.linear.NumCacheWatches() > 0
}

// upserts are resources to give the LinearCache, with their content
// versions.
type upserts struct {
	resources map[string]types.Resource
	versions  map[string]string
}

// resources are the named resources of next.
func (kc *kindCache) resources(next *set, names []string) upserts {
	u := upserts{resources: make(map[string]types.Resource, len(names)), versions: make(map[string]string, len(names))}
	for _, name := range names {
		e, _ := next.get(name)
		u.resources[name], u.versions[name] = e.resource, e.version
	}
	return u
}

// apply updates the LinearCache, which answers the watches of what
// changed, then the parked watches that subscribe to it.
func (kc *kindCache) apply(u upserts, gone []string) bool {
	upsert, versions := u.resources, u.versions
	if len(upsert)+len(gone) == 0 {
		return false
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	changed := make([]string, 0, len(upsert)+len(gone))
	for name := range upsert {
		kc.setEntry(name, versions[name])
		changed = append(changed, name)
	}
	for _, name := range gone {
		kc.setEntry(name, "")
		changed = append(changed, name)
	}
	kc.updates++
	kc.history[kc.updates] = kc.digest
	delete(kc.history, kc.updates-historyLen)
	if err := kc.linear.UpdateResources(upsert, gone); err != nil {
		return true // every resource has a name and a version: cannot happen
	}
	kc.unpark(changed)
	return true
}

// served is what a kindCache keeps of a resource it serves: the digest
// of its name and content version, and a handle on its interned name,
// which keeps the one copy of the name that clients' requests share (see
// Intern) for as long as the resource is served.
type served struct {
	digest uint64
	name   unique.Handle[string]
}

// setEntry records a resource's content version, "" for a removed one.
func (kc *kindCache) setEntry(name, version string) {
	old, had := kc.entries[name]
	kc.digest ^= old.digest
	if version == "" {
		delete(kc.entries, name)
		return
	}
	if !had {
		old.name = unique.Make(name)
	}
	e := entryDigest(name, version)
	kc.entries[name] = served{digest: e, name: old.name}
	kc.digest ^= e
}

// entryDigest digests a resource's name and content version.
func entryDigest(name, version string) uint64 {
	h := xxhash.New()
	_, _ = h.WriteString(name)
	_, _ = h.Write([]byte{0})
	_, _ = h.WriteString(version)
	return h.Sum64()
}

// responseVersion is the version_info for a state-of-the-world response to
// a request for names (none or "*": every resource) that the LinearCache
// built at its version cacheVersion: the digest of what the client then
// holds, "c" and 16 hex digits. It returns cacheVersion when that version
// is too old to tell, or when a resource of a subscription by name changed
// since.
func (kc *kindCache) responseVersion(names []string, cacheVersion string) string {
	n, err := strconv.ParseUint(cacheVersion, 10, 64)
	if err != nil {
		return cacheVersion
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	digest, ok := kc.history[n]
	switch {
	case !ok:
		return cacheVersion
	case wildcard(names):
		return digestVersion(digest)
	case n != kc.updates:
		return cacheVersion
	}
	return digestVersion(kc.digestOf(names))
}

func wildcard(names []string) bool {
	for _, n := range names {
		if n == "*" {
			return true
		}
	}
	return len(names) == 0
}

// digestOf digests the current content of the named resources.
func (kc *kindCache) digestOf(names []string) uint64 {
	var d uint64
	for _, name := range names {
		d ^= kc.entries[name].digest
	}
	return d
}

func digestVersion(d uint64) string {
	const hex = "0123456789abcdef"
	b := []byte("c0000000000000000")
	for i := len(b) - 1; i > 0; i-- {
		b[i] = hex[d&0xf]
		d >>= 4
	}
	return string(b)
}

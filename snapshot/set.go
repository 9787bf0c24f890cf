package snapshot

import (
	"maps"
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// set is the resources of one type with a content version for each, and a
// version for the whole set derived from them.
type set struct {
	version   string
	items     map[string]types.ResourceWithTTL
	versions  map[string]string
	resources map[string]types.Resource
}

func newSet() *set {
	return &set{items: map[string]types.ResourceWithTTL{}, versions: map[string]string{}, resources: map[string]types.Resource{}}
}

// add records a resource under its name with its content hash.
func (s *set) add(name string, r types.Resource, version string) {
	s.items[name] = types.ResourceWithTTL{Resource: r}
	s.resources[name] = r
	s.versions[name] = version
}

// seal computes the set's version from its names and their versions.
func (s *set) seal() *set {
	h := xxhash.New()
	for _, name := range slices.Sorted(maps.Keys(s.versions)) {
		_, _ = h.WriteString(name)
		_, _ = h.Write([]byte{0})
		_, _ = h.WriteString(s.versions[name])
		_, _ = h.Write([]byte{0})
	}
	s.version = strconv.FormatUint(h.Sum64(), 16)
	return s
}

// union is a with b's resources added or replacing a's.
func union(a, b *set) *set {
	out := newSet()
	for _, from := range []*set{a, b} {
		for name, r := range from.resources {
			out.add(name, r, from.versions[name])
		}
	}
	return out.seal()
}

// contentVersion hashes a resource's deterministic encoding exactly as
// go-control-plane does for the versions it sends delta clients, so that a
// client reconnecting with the versions it holds is sent nothing unchanged.
func contentVersion(b []byte) string { return cachev3.HashResource(b) }

// Snapshot is an immutable, validated, versioned set of resources for one
// role.
type Snapshot struct {
	sets [types.UnknownType]*set
}

// Version returns the version of a type, "" when the snapshot has none of it.
func (s *Snapshot) Version(t types.ResponseType) string {
	if st := s.sets[t]; st != nil {
		return st.version
	}
	return ""
}

// Resources returns the resources of a type by name. The map and the
// resources must not be modified.
func (s *Snapshot) Resources(t types.ResponseType) map[string]types.Resource {
	if st := s.sets[t]; st != nil {
		return st.resources
	}
	return nil
}

// with returns a copy of s with one type's set replaced.
func (s *Snapshot) with(t types.ResponseType, st *set) *Snapshot {
	out := *s
	out.sets[t] = st
	return &out
}

// cache converts the snapshot for go-control-plane's cache, with the
// per-resource versions that delta xDS compares already filled in.
func (s *Snapshot) cache() *cachev3.Snapshot {
	out := &cachev3.Snapshot{VersionMap: map[string]map[string]string{}}
	for t := types.ResponseType(0); t < types.UnknownType; t++ {
		url, _ := cachev3.GetResponseTypeURL(t)
		st := s.sets[t]
		if st == nil {
			st = newSet().seal()
		}
		out.Resources[t] = cachev3.Resources{Version: st.version, Items: st.items}
		out.VersionMap[url] = st.versions
	}
	return out
}

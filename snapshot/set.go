package snapshot

import (
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// set is the resources of one type with a content version for each, and a
// version for the whole set derived from them.
type set struct {
	version  string
	items    map[string]types.ResourceWithTTL
	versions map[string]string
	names    []string     // in the order added
	refs     []references // of the resources that refer to others
}

func newSet(n int) *set {
	return &set{
		items:    make(map[string]types.ResourceWithTTL, n),
		versions: make(map[string]string, n),
		names:    make([]string, 0, n),
	}
}

// add records a resource under its name with its content hash and what it
// refers to.
func (s *set) add(name string, r types.Resource, version string, refs references) {
	s.items[name] = types.ResourceWithTTL{Resource: r}
	s.versions[name] = version
	s.names = append(s.names, name)
	if len(refs) > 0 {
		s.refs = append(s.refs, refs)
	}
}

// seal computes the set's version from its names and their versions, in
// name order (translators add resources sorted by name already).
func (s *set) seal() *set {
	if !slices.IsSorted(s.names) {
		slices.Sort(s.names)
	}
	h := xxhash.New()
	for _, name := range s.names {
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
	out := newSet(len(a.items) + len(b.items))
	for name, item := range a.items {
		if _, replaced := b.items[name]; !replaced {
			out.add(name, item.Resource, a.versions[name], nil)
		}
	}
	for _, name := range b.names {
		out.add(name, b.items[name].Resource, b.versions[name], nil)
	}
	out.refs = append(slices.Clone(a.refs), b.refs...)
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

// Resources returns a new map of the resources of a type by name. The
// resources must not be modified.
func (s *Snapshot) Resources(t types.ResponseType) map[string]types.Resource {
	out := map[string]types.Resource{}
	if st := s.sets[t]; st != nil {
		for name, item := range st.items {
			out[name] = item.Resource
		}
	}
	return out
}

// Len returns the number of resources of a type.
func (s *Snapshot) Len(t types.ResponseType) int {
	if st := s.sets[t]; st != nil {
		return len(st.items)
	}
	return 0
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
			st = newSet(0).seal()
		}
		out.Resources[t] = cachev3.Resources{Version: st.version, Items: st.items}
		out.VersionMap[url] = st.versions
	}
	return out
}

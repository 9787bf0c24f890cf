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

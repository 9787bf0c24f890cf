package snapshot

import (
	"errors"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"

	"github.com/graylane/graylane/internal/parallel"
	"github.com/graylane/graylane/translators"
)

// allKinds is translators.Kinds, read once.
var allKinds = translators.Kinds()

// Builder builds one role's snapshots, each from the one before: a group
// of resources it saw in its last build (the very same translators.Piece,
// which a translators.Memo hands back for a service that did not change)
// is neither checked again nor even looked into, so a build costs what
// changed. Resources that come without pieces are each a group of their
// own, found unchanged by identity.
type Builder struct {
	mu     sync.Mutex
	last   *Snapshot
	groups map[string]*group // of the last build, by key
	// pieces are the groups of the last build that are pieces, by piece:
	// a lookup by pointer, cheaper than by key.
	pieces map[*translators.Piece]*group
	// pass counts builds, to mark the groups each has (see diff).
	pass uint64
	// refs counts, by kind and name, the resources of the last snapshot
	// that refer to each name.
	refs [types.UnknownType]map[string]int
}

// group is resources built together, and what identifies them.
type group struct {
	key       string
	ident     any
	resources [types.UnknownType][]types.Resource
	checks    [types.UnknownType][]checked // of a changed group
	names     [types.UnknownType][]string  // of its resources, once checked
	// routes remember the checks of the routes of its route
	// configurations.
	routes   routeMemos
	replaces *group // the last build's group of its key, if any
	seenAt   uint64 // the last build pass whose translation had it
}

// known is the memory of the route checks of the group g replaces.
func (g *group) known() routeMemos {
	if g.replaces == nil {
		return nil
	}
	return g.replaces.routes
}

// unchanged is the last check of the t resource at index i of a changed
// group when it is the very resource the group it replaces had there: a
// group that aggregates services is new on every change to any of them,
// but most of its resources are not.
func (b *Builder) unchanged(g *group, t types.ResponseType, i int) (checked, bool) {
	old := g.replaces
	if old == nil || b.last == nil || i >= len(old.names[t]) {
		return checked{}, false
	}
	name := old.names[t][i]
	e, ok := b.last.set(t).get(name)
	if !ok || e.resource != g.resources[t][i] {
		return checked{}, false
	}
	return checked{name: name, version: e.version, refs: e.refs, routes: old.routes[name]}, true
}

// NewBuilder returns a Builder that remembers nothing yet.
func NewBuilder() *Builder {
	b := &Builder{groups: map[string]*group{}, pieces: map[*translators.Piece]*group{}}
	for t := range b.refs {
		b.refs[t] = map[string]int{}
	}
	return b
}

// Build validates translated resources, checks that every reference
// resolves, and versions each kind by its content. It returns every
// problem found, or a snapshot ready to publish.
func Build(res *translators.Resources) (*Snapshot, error) { return NewBuilder().Build(res) }

// Build is the package's Build, from the builder's last snapshot. A failed
// build changes nothing the builder remembers.
func (b *Builder) Build(res *translators.Resources, opts ...BuildOption) (*Snapshot, error) {
	var o buildOptions
	for _, opt := range opts {
		opt(&o)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	changed, gone := b.diff(res)
	if err := b.checkGroups(changed, o.shared); err != nil {
		return nil, err
	}
	snap, err := b.apply(changed, gone)
	if err != nil {
		return nil, err
	}
	b.remember(changed, gone, snap)
	return snap, nil
}

// diff splits a translation into groups (its pieces when it has them
// alone, translators.PiecesOnly; else each resource of its lists) and
// returns those that are new or changed since the last build, and the last
// build's groups that are gone. A group the last build saw, the very same
// piece or resource, costs one lookup; each group of the last build that
// the translation has is marked, and the unmarked ones are gone.
func (b *Builder) diff(res *translators.Resources) (changed, gone []*group) {
	b.pass++
	found := 0
	see := func(key string, ident any, fill func(*group)) {
		old, ok := b.groups[key]
		if ok {
			found += b.mark(old)
			if old.ident == ident {
				return
			}
		}
		g := &group{key: key, ident: ident}
		if ok {
			g.replaces = old
		}
		fill(g)
		changed = append(changed, g)
	}
	if pieces(res) {
		for _, p := range res.Pieces {
			if g, ok := b.pieces[p]; ok && g.key == p.Key {
				found += b.mark(g)
				continue
			}
			see(p.Key, p, func(g *group) {
				for _, k := range allKinds {
					g.resources[k.Type] = p.Of(k)
				}
			})
		}
	} else {
		for _, k := range allKinds {
			for _, r := range res.Of(k) {
				see(k.Name+"/"+cachev3.GetResourceName(r), r, func(g *group) { g.resources[k.Type] = []types.Resource{r} })
			}
		}
	}
	if found < len(b.groups) {
		gone = b.unmarked()
	}
	return changed, gone
}

// pieces reports whether a translation comes in pieces alone.
func pieces(res *translators.Resources) bool { return len(res.Pieces) > 0 && res.Lists.Empty() }

// mark marks a group of the last build as had by this build's
// translation, and returns 1 the first time, 0 after.
func (b *Builder) mark(g *group) int {
	if g.seenAt == b.pass {
		return 0
	}
	g.seenAt = b.pass
	return 1
}

// unmarked is the last build's groups that this build's translation does
// not have.
func (b *Builder) unmarked() []*group {
	var out []*group
	for _, g := range b.groups {
		if g.seenAt != b.pass {
			out = append(out, g)
		}
	}
	return out
}

// forget drops a group of the last build.
func (b *Builder) forget(g *group) {
	delete(b.groups, g.key)
	if p, ok := g.ident.(*translators.Piece); ok {
		delete(b.pieces, p)
	}
}

// remember makes a successful build's groups the builder's.
func (b *Builder) remember(changed, gone []*group, snap *Snapshot) {
	for _, g := range gone {
		b.forget(g)
	}
	for _, g := range changed { // the snapshot holds their resources
		if g.replaces != nil {
			b.forget(g.replaces)
		}
		g.resources, g.checks, g.replaces = [types.UnknownType][]types.Resource{}, [types.UnknownType][]checked{}, nil
		b.groups[g.key] = g
		if p, ok := g.ident.(*translators.Piece); ok {
			b.pieces[p] = g
		}
	}
	b.last = snap
}

// checked is what a check learnt of one resource.
type checked struct {
	name    string
	version string
	refs    references
	err     error
	routes  *routeMemo // a large route configuration's routes
}

// checkGroups checks every resource of the changed groups, on every core,
// but those unchanged, and names each group's resources.
func (b *Builder) checkGroups(groups []*group, shared *SharedChecks) error {
	type job struct {
		g *group
		t types.ResponseType
		i int
	}
	n := 0
	for _, g := range groups {
		for t, rs := range g.resources {
			n += len(rs)
			g.checks[t], g.names[t] = make([]checked, 0, len(rs)), make([]string, 0, len(rs))
		}
	}
	jobs := make([]job, 0, n)
	for _, g := range groups {
		for t, rs := range g.resources {
			for i := range rs {
				jobs = append(jobs, job{g, types.ResponseType(t), i})
			}
		}
	}
	results := make([]checked, len(jobs))
	parallel.For(len(jobs), 64, func(i int) {
		j := jobs[i]
		if c, ok := b.unchanged(j.g, j.t, j.i); ok {
			results[i] = c
			return
		}
		results[i] = shared.check(j.g.resources[j.t][j.i], j.g.known())
	})
	var errs []error
	for i, j := range jobs {
		if results[i].err != nil {
			errs = append(errs, results[i].err)
		}
		j.g.checks[j.t] = append(j.g.checks[j.t], results[i])
		j.g.names[j.t] = append(j.g.names[j.t], results[i].name)
		j.g.keepRoutes(results[i].name, results[i].routes)
	}
	return errors.Join(errs...)
}

// keepRoutes keeps the memory of a route configuration's routes.
func (g *group) keepRoutes(name string, m *routeMemo) {
	if m == nil {
		return
	}
	if g.routes == nil {
		g.routes = routeMemos{}
	}
	g.routes[name] = m
}

func typeName(r types.Resource) string { return string(r.ProtoReflect().Descriptor().Name()) }

package snapshot

import (
	"errors"
	"maps"
	"runtime"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"

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
	// routes are the checks of the routes of its route configurations;
	// known, those of the group it replaces.
	routes, known routeChecks
}

// NewBuilder returns a Builder that remembers nothing yet.
func NewBuilder() *Builder {
	b := &Builder{groups: map[string]*group{}}
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
func (b *Builder) Build(res *translators.Resources) (*Snapshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := groupsOf(res, b.groups)
	changed, gone := b.diff(next)
	if err := checkGroups(changed); err != nil {
		return nil, err
	}
	snap, err := b.apply(changed, gone)
	if err != nil {
		return nil, err
	}
	b.remember(next, snap)
	return snap, nil
}

// groupsOf splits a translation into groups: its pieces when it has them
// alone (translators.PiecesOnly), or else each resource of its lists. A
// piece seen in the last build keeps its group, last.
func groupsOf(res *translators.Resources, last map[string]*group) map[string]*group {
	out := make(map[string]*group, len(last))
	if len(res.Pieces) > 0 && res.Lists.Empty() {
		for _, p := range res.Pieces {
			if g, ok := last[p.Key]; ok && g.ident == p {
				out[p.Key] = g
				continue
			}
			g := &group{key: p.Key, ident: p}
			for _, k := range allKinds {
				g.resources[k.Type] = p.Of(k)
			}
			out[g.key] = g
		}
		return out
	}
	for _, k := range allKinds {
		for _, r := range res.Of(k) {
			g := &group{key: k.Name + "/" + cachev3.GetResourceName(r), ident: r}
			g.resources[k.Type] = []types.Resource{r}
			out[g.key] = g
		}
	}
	return out
}

// diff returns the groups that are new or changed since the last build,
// and the last build's groups that are gone.
func (b *Builder) diff(next map[string]*group) (changed []*group, gone []*group) {
	for key, g := range next {
		old, ok := b.groups[key]
		if ok && old.ident == g.ident {
			g.names = old.names
			continue
		}
		if ok {
			g.known = old.routes
		}
		changed = append(changed, g)
	}
	for key, old := range b.groups {
		if _, ok := next[key]; !ok {
			gone = append(gone, old)
		}
	}
	return changed, gone
}

func (b *Builder) remember(next map[string]*group, snap *Snapshot) {
	for _, g := range next { // the snapshot holds them
		g.resources, g.checks, g.known = [types.UnknownType][]types.Resource{}, [types.UnknownType][]checked{}, nil
	}
	b.groups, b.last = next, snap
}

// checked is what a check learnt of one resource.
type checked struct {
	name    string
	version string
	refs    references
	err     error
	routes  routeChecks // a route configuration's routes
}

// checkGroups checks every resource of the changed groups, on every core,
// and names each group's resources.
func checkGroups(groups []*group) error {
	type job struct {
		g *group
		t types.ResponseType
		i int
	}
	var jobs []job
	for _, g := range groups {
		for t, rs := range g.resources {
			for i := range rs {
				jobs = append(jobs, job{g, types.ResponseType(t), i})
			}
		}
	}
	results := make([]checked, len(jobs))
	parallel(len(jobs), func(i int) { results[i] = check(jobs[i].g.resources[jobs[i].t][jobs[i].i], jobs[i].g.known) })
	var errs []error
	for i, j := range jobs {
		errs = append(errs, results[i].err)
		j.g.checks[j.t] = append(j.g.checks[j.t], results[i])
		j.g.names[j.t] = append(j.g.names[j.t], results[i].name)
		j.g.keepRoutes(results[i].routes)
	}
	return errors.Join(errs...)
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}

// keepRoutes adds the checks of a route configuration's routes to the
// group's.
func (g *group) keepRoutes(routes routeChecks) {
	if len(routes) == 0 {
		return
	}
	if g.routes == nil {
		g.routes = routes
		return
	}
	maps.Copy(g.routes, routes)
}

func typeName(r types.Resource) string { return string(r.ProtoReflect().Descriptor().Name()) }

package snapshot

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"

	"github.com/graylane/graylane/translators"
)

// update is one build's work on the last snapshot: a transaction on each
// kind's resources, and on the builder's reference counts, which it
// undoes when the build fails.
type update struct {
	items    [types.UnknownType]*setTxn
	refs     *[types.UnknownType]map[string]int
	digest   [types.UnknownType]uint64
	removed  [types.UnknownType]map[string]*entry // taken out, maybe put back
	inserted [types.UnknownType][]*entry
	names    [types.UnknownType][]string        // of inserted, in order
	newRefs  [types.UnknownType][]references    // of inserted: those to resolve
	replaced [types.UnknownType]map[string]bool // removed, and put back
	dropped  [types.UnknownType]map[string]bool // names whose count went down
}

func newUpdate(last *Snapshot, refs *[types.UnknownType]map[string]int) *update {
	u := &update{refs: refs}
	for _, k := range allKinds {
		s := last.set(k.Type)
		u.items[k.Type], u.digest[k.Type] = s.txn(), s.digest
		u.removed[k.Type], u.dropped[k.Type], u.replaced[k.Type] = map[string]*entry{}, map[string]bool{}, map[string]bool{}
	}
	return u
}

// apply takes the changed groups' old resources out, puts their new ones
// in, and checks the references of everything that moved. The builder's
// last snapshot is not touched.
func (b *Builder) apply(changed, gone []*group) (*Snapshot, error) {
	u := newUpdate(b.last, &b.refs)
	for _, g := range gone {
		u.take(g)
	}
	for _, g := range changed {
		if g.replaces != nil {
			u.take(g.replaces)
		}
	}
	errs := u.putAll(changed, u.reserve(changed) >= putSideBySideFrom)
	u.uncountRemoved()
	errs = append(errs, u.checkReferences()...)
	if err := errors.Join(sorted(errs)...); err != nil {
		u.rollback()
		return nil, err
	}
	return u.commit(b.last), nil
}

// take removes a group's resources; their references are counted out
// once it is known which are put back (uncountRemoved).
func (u *update) take(g *group) {
	for t, names := range g.names {
		for _, name := range names {
			if e, ok := u.items[t].remove(name); ok {
				u.digest[t] ^= e.digest
				u.removed[t][name] = e
			}
		}
	}
}

// uncountRemoved counts out the references of the resources taken out
// and not put back.
func (u *update) uncountRemoved() {
	u.removedForGood(func(refs references) { u.count(refs, -1) })
}

// removedForGood calls f with the references of each resource taken out
// and not put back.
func (u *update) removedForGood(f func(references)) {
	for t, removed := range u.removed {
		for name, e := range removed {
			if !u.replaced[t][name] {
				f(e.refs)
			}
		}
	}
}

// reserve makes room for the changed groups' resources, and returns
// how many there are.
func (u *update) reserve(changed []*group) (total int) {
	var n [types.UnknownType]int
	for _, g := range changed {
		for t, cs := range g.checks {
			n[t] += len(cs)
		}
	}
	for t := range n {
		u.inserted[t], u.names[t], u.newRefs[t] = make([]*entry, 0, n[t]), make([]string, 0, n[t]), make([]references, 0, n[t])
		if n[t] > 0 {
			u.items[t].grow(n[t])
		}
		total += n[t]
	}
	return total
}

// putAll adds the changed groups' checked resources, each kind on a core
// of its own when sideBySide, and then counts their references in.
func (u *update) putAll(changed []*group, sideBySide bool) []error {
	errs := make([][]error, len(allKinds))
	var wg sync.WaitGroup
	for i, k := range allKinds {
		if !sideBySide {
			errs[i] = u.putKind(k, changed)
			continue
		}
		wg.Go(func() { errs[i] = u.putKind(k, changed) })
	}
	wg.Wait()
	for _, k := range allKinds {
		t := k.Type
		for i, e := range u.inserted[t] {
			u.newRefs[t] = append(u.newRefs[t], u.countIn(t, u.names[t][i], e.refs))
		}
	}
	return slices.Concat(errs...)
}

// putSideBySideFrom is how many resources a build puts in from which
// each kind is put in on a core of its own.
const putSideBySideFrom = 1024

// putKind adds the changed groups' checked resources of one kind.
func (u *update) putKind(k translators.Kind, changed []*group) []error {
	t := k.Type
	var errs []error
	digest := u.digest[t] // kept here: the kinds' digests share cache lines
	defer func() { u.digest[t] = digest }()
	for _, g := range changed {
		for i, c := range g.checks[t] {
			e := &entry{resource: g.resources[t][i], version: c.version, digest: entryDigest(c.name, c.version), refs: c.refs, group: g.key}
			if old, dup := u.items[t].insert(c.name, e); dup {
				if old.resource != e.resource { // the very same one listed twice is in once
					errs = append(errs, fmt.Errorf("%s %q: generated twice", k.Noun, c.name))
				}
				continue
			}
			digest ^= e.digest
			u.inserted[t], u.names[t] = append(u.inserted[t], e), append(u.names[t], c.name)
		}
	}
	return errs
}

// countIn counts in a new resource's references and returns those to
// resolve: all of them, but for a resource that replaces one of its name
// only the difference, which is all that changes.
func (u *update) countIn(t types.ResponseType, name string, refs references) references {
	old, ok := u.removed[t][name]
	if !ok {
		u.count(refs, 1)
		return refs
	}
	u.replaced[t][name] = true
	added, gone := refsDiff(old.refs, refs)
	u.count(added, 1)
	u.count(gone, -1)
	return added
}

// refsDiff is what next refers to more often than prev (added) and less
// often (gone), each name once per time.
func refsDiff(prev, next references) (added, gone references) {
	p, nx := trimCommon(prev, next)
	if len(p)+len(nx) == 0 {
		return nil, nil
	}
	n := make(map[ref]int, len(nx))
	for _, r := range nx {
		n[r]++
	}
	for _, r := range p {
		n[r]--
	}
	for r, d := range n {
		for ; d > 0; d-- {
			added = append(added, r)
		}
		for ; d < 0; d++ {
			gone = append(gone, r)
		}
	}
	return added, gone
}

// trimCommon drops what a and b begin and end with alike, which changes
// nothing of their difference: the references of a large resource that
// changed in one place cost that place.
func trimCommon[T comparable](a, b []T) ([]T, []T) {
	if len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0]) { // the very same
		return nil, nil
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	a, b = a[i:], b[i:]
	j := 0
	for j < len(a) && j < len(b) && a[len(a)-1-j] == b[len(b)-1-j] {
		j++
	}
	return a[:len(a)-j], b[:len(b)-j]
}

// count adds delta to the reference counts of what refs name.
func (u *update) count(refs references, delta int) {
	u.addAll(refs, delta)
	if delta > 0 {
		return
	}
	for _, r := range refs {
		u.dropped[r.t][r.name] = true
	}
}

func (u *update) add(t types.ResponseType, name string, delta int) {
	counts := u.refs[t]
	if n := counts[name] + delta; n == 0 {
		delete(counts, name)
	} else {
		counts[name] = n
	}
}

// rollback undoes the update's reference counting, once every resource
// put in is counted in and every one taken out for good counted out: it
// counts them the other way.
func (u *update) rollback() {
	for t, inserted := range u.inserted {
		for i, e := range inserted {
			u.uncountIn(types.ResponseType(t), u.names[t][i], e.refs)
		}
	}
	u.removedForGood(func(refs references) { u.addAll(refs, 1) })
}

// uncountIn undoes countIn.
func (u *update) uncountIn(t types.ResponseType, name string, refs references) {
	old, ok := u.removed[t][name]
	if !ok {
		u.addAll(refs, -1)
		return
	}
	added, gone := refsDiff(old.refs, refs)
	u.addAll(added, -1)
	u.addAll(gone, 1)
}

// addAll adds delta to the reference counts of what refs name.
func (u *update) addAll(refs references, delta int) {
	for _, r := range refs {
		u.add(r.t, r.name, delta)
	}
}

// checkReferences checks what moved: every reference of a new resource
// resolves; no resource still refers to one taken out and not put back;
// every resource of a kind that must be referred to still is. Unlike
// go-control-plane's Snapshot.Consistent it follows the route
// configurations of API listeners, which proxyless gRPC clients use.
func (u *update) checkReferences() []error {
	var errs []error
	for _, k := range allKinds {
		t := k.Type
		for _, refs := range u.newRefs[t] {
			errs = append(errs, u.resolve(refs)...)
		}
		for name := range u.removed[t] {
			if !u.replaced[t][name] && u.referred(t, name) {
				errs = append(errs, fmt.Errorf("%s %q is referenced but not generated", k.Noun, name))
			}
		}
		if k.Referenced {
			errs = append(errs, u.unreferenced(k)...)
		}
	}
	return errs
}

// resolve checks that what a resource refers to exists.
func (u *update) resolve(refs references) []error {
	var errs []error
	for _, r := range refs {
		if _, ok := u.items[r.t].get(r.name); !ok {
			errs = append(errs, fmt.Errorf("%s %q is referenced but not generated", nounOf(r.t), r.name))
		}
	}
	return errs
}

func (u *update) referred(t types.ResponseType, name string) bool {
	return u.refs[t][name] > 0
}

// unreferenced reports resources of a kind nothing refers to any more:
// new ones, and those whose count went down.
func (u *update) unreferenced(k translators.Kind) []error {
	t := k.Type
	var errs []error
	seen := map[string]bool{}
	candidates := append(slices.Clone(u.names[t]), mapKeys(u.dropped[t])...)
	for _, name := range candidates {
		if seen[name] {
			continue
		}
		seen[name] = true
		if _, exists := u.items[t].get(name); exists && !u.referred(t, name) {
			errs = append(errs, fmt.Errorf("%s %q is generated but nothing refers to it", k.Noun, name))
		}
	}
	return errs
}

// commit makes the new snapshot, with what changed since last.
func (u *update) commit(last *Snapshot) *Snapshot {
	next := &Snapshot{parent: last}
	for _, k := range allKinds {
		t := k.Type
		next.sets[t] = u.items[t].commit(u.digest[t])
		next.changes[t] = u.change(t)
	}
	return next
}

// change lists the names put in with a new version, and those taken out
// for good.
func (u *update) change(t types.ResponseType) change {
	var c change
	if len(u.removed[t]) == 0 { // every one put in is new
		c.upserted = u.names[t]
		return c
	}
	for i, e := range u.inserted[t] {
		name := u.names[t][i]
		if old, ok := u.removed[t][name]; !ok || old.version != e.version {
			c.upserted = append(c.upserted, name)
		}
	}
	for name := range u.removed[t] {
		if !u.replaced[t][name] {
			c.removed = append(c.removed, name)
		}
	}
	return c
}

func nounOf(t types.ResponseType) string {
	for _, k := range allKinds {
		if k.Type == t {
			return k.Noun
		}
	}
	return "resource"
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sorted orders errors by their text, so that a build reports the same
// problems the same way.
func sorted(errs []error) []error {
	errs = slices.DeleteFunc(errs, func(e error) bool { return e == nil })
	slices.SortFunc(errs, func(a, b error) int { return cmp.Compare(a.Error(), b.Error()) })
	return errs
}

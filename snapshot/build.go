package snapshot

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/translators"
)

// validator is what every generated Envoy resource implements.
type validator interface {
	ValidateAll() error
}

// Builder builds one role's snapshots. It remembers what it learnt about
// each resource of its last build: given the very same message again (as a
// translators.Memo hands back an unchanged service's resources), it does
// not validate, encode, hash or read it again.
type Builder struct {
	mu   sync.Mutex
	last map[types.Resource]checked
}

// NewBuilder returns a Builder that remembers nothing yet.
func NewBuilder() *Builder { return &Builder{} }

// Build validates translated resources, checks that every reference
// resolves, and versions each type by its content. It returns every problem
// found, or a snapshot ready to publish.
func Build(res *translators.Resources) (*Snapshot, error) { return NewBuilder().Build(res) }

// Build is the package's Build, with the builder's memory.
func (b *Builder) Build(res *translators.Resources) (*Snapshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := make(map[types.Resource]checked, len(b.last))
	snap := &Snapshot{}
	var errs []error
	for _, k := range translators.Kinds() {
		st, err := b.newSet(res.Of(k), next)
		snap.sets[k.Type] = st
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := checkReferences(snap); err != nil {
		return nil, err
	}
	b.last = next
	return snap, nil
}

// checked is what Build learns of a resource: its name, content version
// and references, or why it cannot be served.
type checked struct {
	name    string
	version string
	refs    references
	err     error
}

// newSet validates, names and hashes resources of one type, on every core,
// and records what it learnt in next.
func (b *Builder) newSet(resources []types.Resource, next map[types.Resource]checked) (*set, error) {
	out := make([]checked, len(resources))
	todo := make([]int, 0, len(resources))
	for i, r := range resources {
		if c, ok := b.last[r]; ok {
			out[i] = c
		} else {
			todo = append(todo, i)
		}
	}
	parallel(len(todo), func(k int) { out[todo[k]] = check(resources[todo[k]]) })
	s := newSet(len(resources))
	var errs []error
	for i, c := range out {
		switch _, dup := s.items[c.name]; {
		case c.err != nil:
			errs = append(errs, c.err)
		case dup:
			errs = append(errs, fmt.Errorf("%s %q: generated twice", typeName(resources[i]), c.name))
		default:
			s.add(c.name, resources[i], c.version, c.refs)
			next[resources[i]] = c
		}
	}
	return s.seal(), errors.Join(errs...)
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// check validates one resource, hashes its deterministic encoding and reads
// its references.
func check(r types.Resource) checked {
	c := checked{name: cachev3.GetResourceName(r)}
	fail := func(err error) checked {
		c.err = fmt.Errorf("%s %q: %w", typeName(r), c.name, err)
		return c
	}
	v, ok := r.(validator)
	if !ok {
		return fail(errors.New("resource has no validation"))
	}
	if err := v.ValidateAll(); err != nil {
		return fail(err)
	}
	bytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
	if err != nil {
		return fail(err)
	}
	if c.refs, err = referencesOf(r); err != nil {
		return fail(err)
	}
	c.version = contentVersion(bytes)
	return c
}

func typeName(r types.Resource) string { return string(r.ProtoReflect().Descriptor().Name()) }

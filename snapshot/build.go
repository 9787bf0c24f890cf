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

// Build validates translated resources, checks that every reference
// resolves, and versions each type by its content. It returns every problem
// found, or a snapshot ready to publish.
func Build(res *translators.Resources) (*Snapshot, error) {
	snap := &Snapshot{}
	var errs []error
	for _, in := range []struct {
		t   types.ResponseType
		all []types.Resource
	}{
		{types.Cluster, toResources(res.Clusters)},
		{types.Endpoint, toResources(res.Endpoints)},
		{types.Listener, toResources(res.Listeners)},
		{types.Route, toResources(res.Routes)},
		{types.ExtensionConfig, toResources(res.ExtensionConfigs)},
	} {
		s, err := newSetOf(in.all)
		snap.sets[in.t] = s
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := checkReferences(snap); err != nil {
		return nil, err
	}
	return snap, nil
}

func toResources[T types.Resource](in []T) []types.Resource {
	out := make([]types.Resource, len(in))
	for i, r := range in {
		out[i] = r
	}
	return out
}

// hashed is a resource's name and content version, or why it has none.
type hashed struct {
	name    string
	version string
	err     error
}

// newSetOf validates, names and hashes resources of one type, on every core.
func newSetOf(resources []types.Resource) (*set, error) {
	out := make([]hashed, len(resources))
	workers := min(runtime.GOMAXPROCS(0), len(resources)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(resources); i += workers {
				out[i] = hash(resources[i])
			}
		}()
	}
	wg.Wait()
	s := newSet()
	var errs []error
	for i, h := range out {
		switch _, dup := s.items[h.name]; {
		case h.err != nil:
			errs = append(errs, h.err)
		case dup:
			errs = append(errs, fmt.Errorf("%s %q: generated twice", typeName(resources[i]), h.name))
		default:
			s.add(h.name, resources[i], h.version)
		}
	}
	return s.seal(), errors.Join(errs...)
}

// hash validates one resource and hashes its deterministic encoding.
func hash(r types.Resource) hashed {
	h := hashed{name: cachev3.GetResourceName(r)}
	v, ok := r.(validator)
	if !ok {
		h.err = fmt.Errorf("%s %q: resource has no validation", typeName(r), h.name)
		return h
	}
	if err := v.ValidateAll(); err != nil {
		h.err = fmt.Errorf("%s %q: %w", typeName(r), h.name, err)
		return h
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
	if err != nil {
		h.err = fmt.Errorf("%s %q: %w", typeName(r), h.name, err)
		return h
	}
	h.version = contentVersion(b)
	return h
}

func typeName(r types.Resource) string { return string(r.ProtoReflect().Descriptor().Name()) }

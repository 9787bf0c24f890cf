package snapshot

import (
	"errors"
	"fmt"

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
	b := &builder{}
	snap := &Snapshot{}
	snap.sets[types.Cluster] = b.add(toResources(res.Clusters))
	snap.sets[types.Endpoint] = b.add(toResources(res.Endpoints))
	snap.sets[types.Listener] = b.add(toResources(res.Listeners))
	snap.sets[types.Route] = b.add(toResources(res.Routes))
	snap.sets[types.ExtensionConfig] = b.add(toResources(res.ExtensionConfigs))
	if err := errors.Join(b.errs...); err != nil {
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

type builder struct {
	errs []error
}

// add validates, names and hashes resources of one type.
func (b *builder) add(resources []types.Resource) *set {
	s := newSet()
	for _, r := range resources {
		name := cachev3.GetResourceName(r)
		if err := validate(r); err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s %q: %w", r.ProtoReflect().Descriptor().Name(), name, err))
			continue
		}
		if _, dup := s.items[name]; dup {
			b.errs = append(b.errs, fmt.Errorf("%s %q: generated twice", r.ProtoReflect().Descriptor().Name(), name))
			continue
		}
		bytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s %q: %w", r.ProtoReflect().Descriptor().Name(), name, err))
			continue
		}
		s.add(name, r, contentVersion(bytes))
	}
	return s.seal()
}

func validate(r types.Resource) error {
	if v, ok := r.(validator); ok {
		return v.ValidateAll()
	}
	return errors.New("resource has no validation")
}

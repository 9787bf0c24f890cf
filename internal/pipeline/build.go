package pipeline

import (
	"errors"
	"fmt"
	"sync"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// Result is a built configuration: the validated model, and for every role
// the translated resources and their snapshot.
type Result struct {
	Config    *model.Config
	Resources map[model.Role]*translators.Resources
	Snapshots map[model.Role]*snapshot.Snapshot
}

// Build merges the parts, validates the result and builds every role's
// snapshot. Nothing is returned unless all of it succeeds.
func Build(parts []*model.Config, opts ...translators.Option) (*Result, error) {
	return newBuilder().build(parts, opts)
}

// builder builds configuration after configuration, remembering each
// service's translation and each resource's checks, so that a change costs
// what changed rather than the whole configuration.
type builder struct {
	memo  *translators.Memo
	snaps map[model.Role]*snapshot.Builder
	last  *model.Config // the last configuration built
}

func newBuilder() *builder {
	b := &builder{memo: translators.NewMemo(), snaps: map[model.Role]*snapshot.Builder{}}
	for _, role := range model.AllRoles() {
		b.snaps[role] = snapshot.NewBuilder()
	}
	return b
}

// build validates the merged parts and builds the roles concurrently.
func (b *builder) build(parts []*model.Config, opts []translators.Option) (*Result, error) {
	cfg, err := model.Merge(parts...)
	if err != nil {
		return nil, err
	}
	cfg.Normalize()
	reused := model.Reuse(cfg, b.last)
	if err := model.Revalidate(cfg, b.last, reused); err != nil {
		return nil, err
	}
	roles := model.AllRoles()
	res := make([]*translators.Resources, len(roles))
	snaps := make([]*snapshot.Snapshot, len(roles))
	errs := make([]error, len(roles))
	opts = append(opts[:len(opts):len(opts)], translators.WithMemo(b.memo), translators.PiecesOnly())
	shared := snapshot.NewSharedChecks()
	var wg sync.WaitGroup
	for i, role := range roles {
		wg.Go(func() { res[i], snaps[i], errs[i] = b.role(cfg, role, opts, shared) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b.last = cfg
	out := &Result{Config: cfg, Resources: map[model.Role]*translators.Resources{}, Snapshots: map[model.Role]*snapshot.Snapshot{}}
	for i, role := range roles {
		out.Resources[role], out.Snapshots[role] = res[i], snaps[i]
	}
	return out, nil
}

func (b *builder) role(cfg *model.Config, role model.Role, opts []translators.Option, shared *snapshot.SharedChecks) (*translators.Resources, *snapshot.Snapshot, error) {
	res, err := translators.Translate(cfg, role, opts...)
	if err != nil {
		return nil, nil, err
	}
	snap, err := b.snaps[role].Build(res, snapshot.WithSharedChecks(shared))
	if err != nil {
		return nil, nil, fmt.Errorf("%s snapshot: %w", role, err)
	}
	return res, snap, nil
}

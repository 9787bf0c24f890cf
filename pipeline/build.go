package pipeline

import (
	"errors"
	"fmt"

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
	cfg, err := model.Merge(parts...)
	if err != nil {
		return nil, err
	}
	cfg.Normalize()
	if err := model.Validate(cfg); err != nil {
		return nil, err
	}
	out := &Result{Config: cfg, Resources: map[model.Role]*translators.Resources{}, Snapshots: map[model.Role]*snapshot.Snapshot{}}
	var errs []error
	for _, role := range model.AllRoles() {
		res, snap, err := buildRole(cfg, role, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Resources[role], out.Snapshots[role] = res, snap
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func buildRole(cfg *model.Config, role model.Role, opts []translators.Option) (*translators.Resources, *snapshot.Snapshot, error) {
	res, err := translators.Translate(cfg, role, opts...)
	if err != nil {
		return nil, nil, err
	}
	snap, err := snapshot.Build(res)
	if err != nil {
		return nil, nil, fmt.Errorf("%s snapshot: %w", role, err)
	}
	return res, snap, nil
}

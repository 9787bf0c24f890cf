package kubernetes

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// builder maps worlds to models, remembering the last good state of every
// Lane and of every Service's unit between builds.
type builder struct {
	lanes map[string]model.Lane
	units map[types.NamespacedName]*unit
}

func newBuilder() *builder {
	return &builder{lanes: map[string]model.Lane{}, units: map[types.NamespacedName]*unit{}}
}

// result is one build: the model to publish, the problems worked around,
// and the statuses to write.
type result struct {
	config   *model.Config
	problems error
	lanes    []laneResult
	routes   []routeResult
}

func (b *builder) build(w *world) *result {
	lanes, laneResults := b.acceptLanes(w.lanes)
	m := newMapper(w, lanes)
	problems := slices.Clone(m.warnings)
	for _, r := range laneResults {
		problems = append(problems, laneProblems(r)...)
	}
	var units []*unit
	seen := map[types.NamespacedName]bool{}
	for _, p := range m.parents() {
		u, errs := b.settle(m, m.unit(p), lanes)
		problems = append(problems, errs...)
		seen[nameOf(p)] = true
		if u != nil {
			units = append(units, u)
		}
	}
	units, errs := b.together(m, units, lanes)
	problems = append(problems, errs...)
	b.remember(units, seen)
	cfg := &model.Config{Lanes: lanes, Origin: model.NewOrigin("<kubernetes>", nil)}
	for _, u := range units {
		cfg.Services = append(cfg.Services, u.services...)
	}
	return &result{config: cfg, problems: errors.Join(problems...), lanes: laneResults, routes: m.routeResults()}
}

// settle decides what a unit publishes: itself when valid, else what
// reject decides. It returns the unit's problems.
func (b *builder) settle(m *mapper, u *unit, lanes []model.Lane) (*unit, []error) {
	errs := u.errs
	if len(errs) == 0 {
		errs = model.Errors(validate(lanes, u.services))
	}
	if len(errs) == 0 {
		return u, u.warnings
	}
	return b.reject(m, u, append(slices.Clone(u.warnings), errs...), lanes)
}

// reject replaces a unit that has problems by its last good state, or
// leaves it out when there is none, and notes which in the statuses of its
// routes. It returns the problems with that note.
func (b *builder) reject(m *mapper, u *unit, errs []error, lanes []model.Lane) (*unit, []error) {
	var kept *unit
	if !u.fallback {
		kept = b.fallback(m, u.key, lanes)
	}
	note := fmt.Sprintf("Service %s has problems; ", u.key)
	if kept != nil {
		note += "its last good configuration stays in effect"
	} else {
		note += "it is left out until they are fixed"
	}
	m.noteUnit(u, errs, note)
	return kept, append(errs, &model.Error{Pos: "Service " + u.key.String(), Message: note})
}

// fallback is the unit's last good state with fresh endpoints, when it is
// still valid with the lanes of now.
func (b *builder) fallback(m *mapper, key types.NamespacedName, lanes []model.Lane) *unit {
	good, ok := b.units[key]
	if !ok {
		return nil
	}
	u := good.refreshed(m.w.slices)
	if validate(lanes, u.services) != nil {
		return nil
	}
	return u
}

// remember keeps the units built from their objects as the last good
// states, and forgets the Services that are gone.
func (b *builder) remember(units []*unit, present map[types.NamespacedName]bool) {
	for _, u := range units {
		if !u.fallback {
			b.units[u.key] = u
		}
	}
	for key := range b.units {
		if !present[key] {
			delete(b.units, key)
		}
	}
}

// laneProblems are a Lane's problems, with what became of it.
func laneProblems(r laneResult) []error {
	if len(r.problems) == 0 {
		return nil
	}
	return append(slices.Clone(r.problems), &model.Error{Pos: "Lane " + r.name, Message: laneNote(r)})
}

// laneNote says what became of a Lane that is not valid.
func laneNote(r laneResult) string {
	if r.kept {
		return "not accepted; its last accepted spec stays in effect"
	}
	return "not accepted; it is left out until it is fixed"
}

package kubernetes

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// builder maps worlds to models, remembering the last good state of every
// Lane, of every Service's and Gateway's unit, and of every certificate
// between builds. The last good states written to the API server (see
// store) take precedence over those in memory, so that every replica
// falls back to the same state.
type builder struct {
	store   store
	inScope func(namespace string) bool
	lanes   map[string]acceptedLane
	units   map[unitKey]*unit
	certs   *certificates
	// decoded caches the records read back, by ConfigMap name.
	decoded map[string]decodedRecord
}

// decodedRecord is a unit record read back at one resourceVersion.
type decodedRecord struct {
	version string
	unit    *unit
	err     error
}

func newBuilder(s store, inScope func(string) bool) *builder {
	return &builder{store: s, inScope: inScope, lanes: map[string]acceptedLane{}, units: map[unitKey]*unit{},
		certs: newCertificates(), decoded: map[string]decodedRecord{}}
}

// result is one build: the model to publish, the problems worked around,
// the statuses to write, and the last good states to keep.
type result struct {
	config   *model.Config
	problems error
	lanes    []laneResult
	routes   []routeResult
	gateways []gatewayResult
	classes  []classResult
	records  *records
}

func (b *builder) build(w *world) *result {
	parsed := parseRoutes(w)
	lanes, laneResults := b.acceptLanes(w, newRouteLookup(w, parsed))
	m := newMapper(w, lanes, parsed, b.certs)
	problems := append(slices.Clone(m.warnings), droppedProblems(parsed)...)
	for _, r := range laneResults {
		problems = append(problems, laneProblems(r)...)
	}
	var units []*unit
	present := map[unitKey]bool{}
	for _, p := range m.parents() {
		u, errs := b.settle(m, w, func() *unit { return m.unit(p) }, lanes, nil)
		problems = append(problems, errs...)
		present[serviceKey(nameOf(p))] = true
		units = appendUnit(units, u)
	}
	services := servicesOf(units)
	for _, gs := range m.gateways.gateways {
		u, errs := b.settle(m, w, func() *unit { return m.gatewayUnit(gs) }, lanes, services)
		problems = append(problems, errs...)
		present[gatewayKey(nameOf(gs.obj))] = true
		units = appendUnit(units, u)
	}
	units, errs := b.together(m, w, units, lanes)
	problems = append(problems, errs...)
	b.remember(units, present)
	b.certs.forget(m.namedSecrets())
	cfg := &model.Config{Lanes: lanes, Origin: model.NewOrigin("<kubernetes>", nil)}
	for _, u := range units {
		cfg.Services = append(cfg.Services, u.services...)
		cfg.Gateways = append(cfg.Gateways, u.gateways...)
		m.programmed(u)
	}
	return &result{config: cfg, problems: errors.Join(problems...), lanes: laneResults, routes: m.routeResults(),
		gateways: m.gatewayResults(), classes: m.classResults(), records: b.records(w, units, present, laneResults)}
}

// droppedProblems are the rules that no parent serves, for the routes
// Graylane serves.
func droppedProblems(parsed []*parsedRoute) []error {
	var out []error
	for _, pr := range parsed {
		for _, r := range pr.rules {
			if !r.served() && len(pr.parents) > 0 {
				out = append(out, &model.Error{Pos: r.pos, Message: r.dropped + "; the rule is not served"})
			}
		}
	}
	return out
}

func appendUnit(units []*unit, u *unit) []*unit {
	if u == nil {
		return units
	}
	return append(units, u)
}

// settle decides what a unit publishes: itself when valid, else what
// reject decides. A problem the model's checks find in a rule of a route
// drops that rule alone, and the unit is built again. It returns the
// unit's problems.
func (b *builder) settle(m *mapper, w *world, build func() *unit, lanes []model.Lane, services []model.Service) (*unit, []error) {
	var dropped []error
	for {
		u := build()
		errs := u.errs
		if len(errs) == 0 {
			errs = check(u, lanes, services)
		}
		if len(errs) == 0 {
			return u, append(u.warnings, dropped...)
		}
		if more := dropRules(u, errs); len(more) > 0 {
			dropped = append(dropped, more...)
			continue
		}
		return b.reject(m, w, u, slices.Concat(u.warnings, dropped, errs), lanes, services)
	}
}

// check validates a unit: a Service unit on its own, a Gateway unit with
// the services its routes name. Only the unit's own problems count.
func check(u *unit, lanes []model.Lane, services []model.Service) []error {
	if u.key.Kind == unitService {
		return model.Errors(validate(lanes, u.services, nil))
	}
	var own []error
	for _, e := range model.Errors(validate(lanes, services, u.gateways)) {
		var me *model.Error
		if errors.As(e, &me) && (u.positions[me.Pos] || u.rules[me.Pos].rule != nil) {
			own = append(own, e)
		}
	}
	return own
}

// dropRules drops the rules that problems point at, each for the parent
// that serves it; it returns the problems that dropped one.
func dropRules(u *unit, errs []error) []error {
	var out []error
	for _, e := range errs {
		var me *model.Error
		if !errors.As(e, &me) {
			continue
		}
		place, ok := u.rules[me.Pos]
		if !ok || place.parent.dropped[place.rule.index] != "" {
			continue
		}
		place.parent.dropped[place.rule.index] = me.Message
		out = append(out, e)
	}
	return out
}

// reject replaces a unit that has problems by its last good state, or
// leaves it out when there is none, and notes which in the statuses of its
// routes. It returns the problems with that note.
func (b *builder) reject(m *mapper, w *world, u *unit, errs []error, lanes []model.Lane, services []model.Service) (*unit, []error) {
	var kept *unit
	if !u.fallback {
		kept = b.fallback(w, u.key, lanes, services)
	}
	note := fmt.Sprintf("%s has problems; ", u.key)
	if kept != nil {
		note += "its last good configuration stays in effect"
	} else {
		note += "it is left out until they are fixed"
	}
	m.noteUnit(u, errs, note)
	return kept, append(errs, &model.Error{Pos: u.key.String(), Message: note})
}

// fallback is the unit's last good state with fresh endpoints and
// certificates, when it is still valid with the lanes of now: the one
// written to the API server, else the one in memory.
func (b *builder) fallback(w *world, key unitKey, lanes []model.Lane, services []model.Service) *unit {
	good := b.stored(w, key)
	if good == nil {
		good = b.units[key]
	}
	if good == nil {
		return nil
	}
	u := good.refreshed(w, func(key types.NamespacedName) keyPair {
		kp, _, _ := b.certs.read(key, w.secrets)
		return kp
	})
	if len(check(u, lanes, services)) > 0 {
		return nil
	}
	return u
}

// remember keeps the units built from their objects as the last good
// states, and forgets the units whose objects are gone.
func (b *builder) remember(units []*unit, present map[unitKey]bool) {
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

package translators

import (
	"reflect"
	"runtime"
	"strings"
	"sync"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/graylane/graylane/model"
)

// Memo remembers what each service translated to, per role, so that a
// service that did not change keeps its resources, the very same messages,
// from one translation to the next. Later stages (the snapshot layer) then
// recognise them and skip their work: a change to one service of thousands
// costs about one service. The output is the same, byte for byte, as a
// translation without a Memo.
//
// A Memo may be shared by concurrent translations of different roles.
//
// Configurations given to Translate must not change afterwards: the Memo
// compares each configuration's services with the previous configuration's
// once, whichever role translates it first.
type Memo struct {
	mu       sync.Mutex
	gen      uint64
	last     *model.Config
	lastSvcs []*svc // the translator's view of last's services, by index
	global   string
	services map[string]serviceState // by service key
	roles    map[model.Role]*roleMemo
}

// serviceState is a service as last seen (a copy, so that no older
// configuration stays referenced), the translator's view of it, and the
// generation (the count of configurations seen) when it last changed.
type serviceState struct {
	svc       *svc
	changedAt uint64
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo {
	return &Memo{services: map[string]serviceState{}, roles: map[model.Role]*roleMemo{}}
}

// observe notes which services of cfg changed since the configuration seen
// before, once per configuration, and returns cfg's generation.
func (m *Memo) observe(cfg *model.Config) (uint64, map[string]serviceState, []*svc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cfg == m.last {
		return m.gen, m.services, m.lastSvcs
	}
	m.gen++
	global := globalInputs(cfg)
	keys, prevs := m.compare(cfg, global == m.global)
	next := make(map[string]serviceState, len(cfg.Services))
	svcs := make([]*svc, len(cfg.Services))
	for i := range cfg.Services {
		prev := prevs[i]
		if prev.svc == nil {
			c := cfg.Services[i]
			prev = serviceState{svc: newSvc(&c), changedAt: m.gen}
		}
		next[keys[i]], svcs[i] = prev, prev.svc
	}
	m.last, m.lastSvcs, m.global, m.services = cfg, svcs, global, next
	return m.gen, next, svcs
}

// compare finds, on every core, each service of cfg as last seen when it
// is unchanged (a zero state when it changed or is new), and its key.
func (m *Memo) compare(cfg *model.Config, sameGlobal bool) ([]string, []serviceState) {
	keys, prevs := make([]string, len(cfg.Services)), make([]serviceState, len(cfg.Services))
	workers := min(runtime.GOMAXPROCS(0), len(cfg.Services)/256+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cfg.Services); i += workers {
				s := &cfg.Services[i]
				keys[i] = s.Key()
				if prev, ok := m.services[keys[i]]; ok && sameGlobal && reflect.DeepEqual(prev.svc.Service, s) {
					prevs[i] = prev
				}
			}
		})
	}
	wg.Wait()
	return keys, prevs
}

// globalInputs is what every service's resources depend on besides the
// service: the lane carriers and the lanes' names.
func globalInputs(cfg *model.Config) string {
	var b strings.Builder
	b.WriteString(cfg.LaneHeader)
	b.WriteByte(0)
	b.WriteString(laneBaggageKey(cfg))
	for _, l := range cfg.Lanes {
		b.WriteByte(0)
		b.WriteString(l.Name)
	}
	return b.String()
}

// WithMemo makes Translate reuse and update m.
func WithMemo(m *Memo) Option { return func(o *options) { o.memo = m } }

// roleMemo is one role's memory; a translation of the role holds its lock.
type roleMemo struct {
	mu       sync.Mutex
	gen      uint64                  // generation being translated
	pass     uint64                  // translations begun
	states   map[string]serviceState // its services' states
	svcs     []*svc                  // its services, by index
	services map[string]memoEntry    // by service key
	// gateway routes' routes, by gateway and route index
	gatewayRoutes map[string]gatewayRouteEntry
}

// gatewayRouteEntry is a gateway route's routes as last built.
type gatewayRouteEntry struct {
	builtAt uint64
	seenAt  uint64 // the last pass that used it
	route   model.GatewayRoute
	service string
	routes  []*routev3.Route
}

type memoEntry struct {
	builtAt uint64 // generation it was built at
	seenAt  uint64 // the last pass that used it
	extra   string // inputs from outside the service
	piece   *Piece
}

func (m *Memo) role(r model.Role) *roleMemo {
	m.mu.Lock()
	defer m.mu.Unlock()
	rm, ok := m.roles[r]
	if !ok {
		rm = &roleMemo{services: map[string]memoEntry{}, gatewayRoutes: map[string]gatewayRouteEntry{}}
		m.roles[r] = rm
	}
	return rm
}

// begin starts a translation of cfg. The caller holds rm.mu until end.
func (rm *roleMemo) begin(m *Memo, cfg *model.Config) {
	rm.gen, rm.states, rm.svcs = m.observe(cfg)
	rm.pass++
}

// end forgets the services and gateway routes the translation did not
// have.
func (rm *roleMemo) end() {
	for key, e := range rm.services {
		if e.seenAt != rm.pass {
			delete(rm.services, key)
		}
	}
	for key, e := range rm.gatewayRoutes {
		if e.seenAt != rm.pass {
			delete(rm.gatewayRoutes, key)
		}
	}
	rm.states, rm.svcs = nil, nil
}

// piece returns s's resources: remembered when s has not changed since
// they were built and extra is as then, else built and remembered.
func (t *translator) piece(s *svc, extra string, build func() *Piece) *Piece {
	rm := t.memo
	if rm == nil {
		return build()
	}
	e, ok := rm.services[s.key]
	if !ok || e.extra != extra || e.builtAt < rm.states[s.key].changedAt {
		e = memoEntry{builtAt: rm.gen, extra: extra, piece: build()}
	}
	e.seenAt = rm.pass
	rm.services[s.key] = e
	return e.piece
}

// gatewayRouteRoutes returns the routes of gateway route r, the key-th of
// the gateway's, to s: remembered when neither r nor s changed since they
// were built, else built and remembered.
func (t *translator) gatewayRouteRoutes(key string, s *svc, r *model.GatewayRoute, build func() []*routev3.Route) []*routev3.Route {
	rm := t.memo
	if rm == nil {
		return build()
	}
	e, ok := rm.gatewayRoutes[key]
	if !ok || e.service != s.key || e.builtAt < rm.states[s.key].changedAt || !reflect.DeepEqual(e.route, *r) {
		e = gatewayRouteEntry{builtAt: rm.gen, route: *r, service: s.key, routes: build()}
	}
	e.seenAt = rm.pass
	rm.gatewayRoutes[key] = e
	return e.routes
}

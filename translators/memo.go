package translators

import (
	"reflect"
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
	global   string
	services map[string]serviceState // by service key
	roles    map[model.Role]*roleMemo
}

// serviceState is a service as last seen, and the generation (the count of
// configurations seen) when it last changed.
type serviceState struct {
	service   model.Service
	changedAt uint64
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo {
	return &Memo{services: map[string]serviceState{}, roles: map[model.Role]*roleMemo{}}
}

// observe notes which services of cfg changed since the configuration seen
// before, once per configuration, and returns cfg's generation.
func (m *Memo) observe(cfg *model.Config) (uint64, map[string]serviceState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cfg == m.last {
		return m.gen, m.services
	}
	m.gen++
	global := globalInputs(cfg)
	next := make(map[string]serviceState, len(cfg.Services))
	for i := range cfg.Services {
		s := &cfg.Services[i]
		prev, ok := m.services[s.Key()]
		if !ok || global != m.global || !reflect.DeepEqual(prev.service, *s) {
			prev = serviceState{service: *s, changedAt: m.gen}
		}
		next[s.Key()] = prev
	}
	m.last, m.global, m.services = cfg, global, next
	return m.gen, next
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
	states   map[string]serviceState // its services' states
	services map[string]memoEntry    // by service key
	seen     map[string]bool         // services of the current translation
	// gateway routes' routes, by gateway and route index, and those of
	// the current translation
	gatewayRoutes map[string]gatewayRouteEntry
	seenRoutes    map[string]bool
}

// gatewayRouteEntry is a gateway route's routes as last built.
type gatewayRouteEntry struct {
	builtAt uint64
	route   model.GatewayRoute
	service string
	routes  []*routev3.Route
}

type memoEntry struct {
	builtAt uint64 // generation it was built at
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
	rm.gen, rm.states = m.observe(cfg)
	rm.seen, rm.seenRoutes = map[string]bool{}, map[string]bool{}
}

// end forgets the services the translation did not have.
func (rm *roleMemo) end() {
	for key := range rm.services {
		if !rm.seen[key] {
			delete(rm.services, key)
		}
	}
	for key := range rm.gatewayRoutes {
		if !rm.seenRoutes[key] {
			delete(rm.gatewayRoutes, key)
		}
	}
	rm.seen, rm.seenRoutes, rm.states = nil, nil, nil
}

// piece returns s's resources: remembered when s has not changed since
// they were built and extra is as then, else built and remembered.
func (t *translator) piece(s *svc, extra string, build func() *Piece) *Piece {
	rm := t.memo
	if rm == nil {
		return build()
	}
	rm.seen[s.key] = true
	if e, ok := rm.services[s.key]; ok && e.extra == extra && e.builtAt >= rm.states[s.key].changedAt {
		return e.piece
	}
	p := build()
	rm.services[s.key] = memoEntry{builtAt: rm.gen, extra: extra, piece: p}
	return p
}

// gatewayRouteRoutes returns the routes of gateway route r, the key-th of
// the gateway's, to s: remembered when neither r nor s changed since they
// were built, else built and remembered.
func (t *translator) gatewayRouteRoutes(key string, s *svc, r *model.GatewayRoute, build func() []*routev3.Route) []*routev3.Route {
	rm := t.memo
	if rm == nil {
		return build()
	}
	rm.seenRoutes[key] = true
	e, ok := rm.gatewayRoutes[key]
	if ok && e.service == s.key && e.builtAt >= rm.states[s.key].changedAt && reflect.DeepEqual(e.route, *r) {
		return e.routes
	}
	routes := build()
	rm.gatewayRoutes[key] = gatewayRouteEntry{builtAt: rm.gen, route: *r, service: s.key, routes: routes}
	return routes
}

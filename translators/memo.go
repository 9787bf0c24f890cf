package translators

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/graylane/graylane/internal/parallel"
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
// once, whichever role translates it first. A source that hands a service
// unchanged with the very same lists and maps (a shallow copy) makes that
// comparison all but free.
type Memo struct {
	mu     sync.Mutex
	last   *model.Config
	svcs   []*svc // the translator's view of last's services, by index
	idx    *index // of last's services
	global string
	roles  map[model.Role]*roleMemo
	// routings numbers the ways services route: a view keeps its
	// previous view's number when only endpoints changed.
	routings atomic.Uint64
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo {
	return &Memo{roles: map[model.Role]*roleMemo{}}
}

// observe returns the translator's view of cfg's services, reusing the
// view of each service unchanged since the configuration seen before, and
// their index. It compares once per configuration.
func (m *Memo) observe(cfg *model.Config) ([]*svc, *index) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cfg == m.last {
		return m.svcs, m.idx
	}
	global := globalInputs(cfg)
	moved := m.moved(cfg)
	svcs := m.compare(cfg, m.previous(moved), global == m.global)
	if moved || m.idx == nil {
		m.idx = newIndex(svcs)
	}
	m.last, m.svcs, m.global = cfg, svcs, global
	return svcs, m.idx
}

// previous returns how to find the last view of the service that the i-th
// of a configuration is: at the same index when the services did not
// move, else by key.
func (m *Memo) previous(moved bool) func(int, *model.Service) *svc {
	if !moved {
		return func(i int, _ *model.Service) *svc { return m.svcs[i] }
	}
	byKey := make(map[string]*svc, len(m.svcs))
	for _, s := range m.svcs {
		byKey[s.key] = s
	}
	return func(_ int, s *model.Service) *svc { return byKey[s.Key()] }
}

// moved reports whether cfg's services differ from the last ones in
// number, order, names, ports or protocols: what the index depends on.
func (m *Memo) moved(cfg *model.Config) bool {
	if len(cfg.Services) != len(m.svcs) {
		return true
	}
	for i := range cfg.Services {
		if s, prev := &cfg.Services[i], m.svcs[i]; !s.SameKey(prev.Service) || s.Protocol != prev.Protocol {
			return true
		}
	}
	return false
}

// compare finds, on every core, the view of each service of cfg: the last
// one, found by previous, when the service is unchanged, else a new one.
func (m *Memo) compare(cfg *model.Config, previous func(int, *model.Service) *svc, sameGlobal bool) []*svc {
	svcs := make([]*svc, len(cfg.Services))
	parallel.For(len(cfg.Services), 1024, func(i int) {
		s := &cfg.Services[i]
		prev := previous(i, s)
		if prev != nil && sameGlobal && prev.Service.Equal(s) {
			svcs[i] = prev
			return
		}
		c := *s // a copy, so that no older configuration stays referenced
		svcs[i] = newSvc(&c)
		if prev != nil && sameGlobal && prev.SameRouting(s) {
			svcs[i].routing = prev.routing
		} else {
			svcs[i].routing = m.routings.Add(1)
		}
	})
	return svcs
}

// index is what translation needs of a configuration's services taken
// together, kept while their names, ports and protocols stay as they are.
type index struct {
	byName map[serviceName][]int // service indexes, by name and namespace
	hosts  hostCounts
	// sidecarExtra is, by service index, what a service's sidecar
	// resources depend on besides the service: how many ports its name
	// has, and in how many namespaces.
	sidecarExtra []string
}

// serviceName is a service's name and namespace.
type serviceName struct{ name, namespace string }

func newIndex(svcs []*svc) *index {
	idx := &index{byName: make(map[serviceName][]int, len(svcs)), hosts: countHosts(svcs), sidecarExtra: make([]string, len(svcs))}
	for i, s := range svcs {
		name := serviceName{s.Name, s.Namespace}
		idx.byName[name] = append(idx.byName[name], i)
		idx.sidecarExtra[i] = strconv.Itoa(idx.hosts.ports[s.host]) + "/" + strconv.Itoa(idx.hosts.namespaces[s.Name])
	}
	return idx
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
	mu   sync.Mutex
	slot int    // the role's slot in each svc's built
	pass uint64 // translations begun
	// gatewayRoutes are the routes of each gateway's routes, by gateway
	// name and route index.
	gatewayRoutes map[string]*gatewayMemo
}

// gatewayMemo is a gateway's routes' routes as last built, and the last
// pass that used them.
type gatewayMemo struct {
	seenAt uint64
	routes []gatewayRouteEntry
	// rebuilt says whether a route was built in this pass, incomplete
	// whether a route's service was missing; config is the gateway's
	// route configuration as last made.
	rebuilt, incomplete bool
	config              *routev3.RouteConfiguration
}

// gatewayRouteEntry is a gateway route's routes as last built, and the
// routing of the service they lead to; and the route as last seen, with
// the service it resolved to in the index of then.
type gatewayRouteEntry struct {
	route   model.GatewayRoute
	routing uint64
	routes  []*routev3.Route
	seen    *model.GatewayRoute
	idx     *index
	service int
}

// built is a service's resources for one role, and the inputs from
// outside the service they were built with.
type built struct {
	extra string
	piece *Piece
}

func (m *Memo) role(r model.Role) *roleMemo {
	m.mu.Lock()
	defer m.mu.Unlock()
	rm, ok := m.roles[r]
	if !ok {
		rm = &roleMemo{slot: roleSlot(r), gatewayRoutes: map[string]*gatewayMemo{}}
		m.roles[r] = rm
	}
	return rm
}

// roleSlot numbers the roles from 0.
func roleSlot(r model.Role) int {
	for i, known := range model.AllRoles() {
		if known == r {
			return i
		}
	}
	return 0
}

// begin starts a translation. The caller holds rm.mu until end.
func (rm *roleMemo) begin() { rm.pass++ }

// end forgets the gateways the translation did not have.
func (rm *roleMemo) end() {
	for name, g := range rm.gatewayRoutes {
		if g.seenAt != rm.pass {
			delete(rm.gatewayRoutes, name)
		}
	}
}

// piece returns s's resources: remembered when s has not changed since
// they were built and extra is as then, else built and remembered. A
// service's view is new when the service changed, so what it remembers is
// of the service as it is.
func (t *translator) piece(s *svc, extra string, build func() *Piece) *Piece {
	rm := t.memo
	if rm == nil {
		return build()
	}
	b := s.built[rm.slot]
	if b == nil || b.extra != extra {
		b = &built{extra: extra, piece: build()}
		s.built[rm.slot] = b
	}
	return b.piece
}

// gatewayMemo is the memory of gateway g's routes, sized to them: nil
// without a Memo.
func (t *translator) gatewayMemo(g *model.Gateway) *gatewayMemo {
	rm := t.memo
	if rm == nil {
		return nil
	}
	gm, ok := rm.gatewayRoutes[g.Name]
	if !ok {
		gm = &gatewayMemo{}
		rm.gatewayRoutes[g.Name] = gm
	}
	gm.seenAt, gm.rebuilt, gm.incomplete = rm.pass, false, false
	if len(gm.routes) != len(g.Routes) { // routes came or went: keep those before
		gm.config = nil
		routes := make([]gatewayRouteEntry, len(g.Routes))
		copy(routes, gm.routes)
		gm.routes = routes
	}
	return gm
}

// service resolves the service of gateway route r, the i-th of its
// gateway, as translator.service does: as last time when r is the very
// route seen then (configurations do not change once translated) and the
// services are as they were.
func (gm *gatewayMemo) service(t *translator, i int, r *model.GatewayRoute) (*svc, int) {
	if gm == nil {
		return t.service(r.Service)
	}
	e := &gm.routes[i]
	if e.seen != r || e.idx != t.idx {
		_, e.service = t.service(r.Service)
		e.seen, e.idx = r, t.idx
	}
	if e.service < 0 {
		return nil, -1
	}
	return t.services[e.service], e.service
}

// routesOf returns the routes of gateway route r, the i-th of its
// gateway, to s: remembered when neither r nor how s routes changed since
// they were built (routes do not depend on endpoints), else built and
// remembered.
func (gm *gatewayMemo) routesOf(i int, s *svc, r *model.GatewayRoute, build func() []*routev3.Route) []*routev3.Route {
	if gm == nil {
		return build()
	}
	e := &gm.routes[i]
	if e.routes == nil || e.routing != s.routing || !e.route.Equal(r) {
		e.route, e.routing, e.routes = *r, s.routing, build()
		gm.rebuilt = true
	}
	return e.routes
}

// forget says that this pass's route configuration lacks routes (a
// route's service is missing, which fails the translation): it is made,
// but not remembered.
func (gm *gatewayMemo) forget() {
	if gm != nil {
		gm.incomplete = true
	}
}

// routeConfig returns the gateway's route configuration of the given
// name: the last one when no route of the gateway was built again, else
// made and remembered.
func (gm *gatewayMemo) routeConfig(name string, make func() *routev3.RouteConfiguration) *routev3.RouteConfiguration {
	if gm == nil {
		return make()
	}
	if gm.incomplete {
		gm.config = nil
		return make()
	}
	if gm.rebuilt || gm.config == nil || gm.config.GetName() != name {
		gm.config = make()
	}
	return gm.config
}

package translators

import (
	"reflect"
	"strings"
	"sync"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
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
type Memo struct {
	mu    sync.Mutex
	roles map[model.Role]*roleMemo
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo { return &Memo{roles: map[model.Role]*roleMemo{}} }

// WithMemo makes Translate reuse and update m.
func WithMemo(m *Memo) Option { return func(o *options) { o.memo = m } }

// roleMemo is one role's memory; a translation of the role holds its lock.
type roleMemo struct {
	mu sync.Mutex
	// global is what every service's resources depend on besides the
	// service: the lane header and the lanes' names.
	global   string
	services map[string]memoEntry // by service key
	seen     map[string]bool      // services of the current translation
}

type memoEntry struct {
	service model.Service // as translated; compared by value
	extra   string        // inputs from outside the service
	piece   piece
}

// piece is what one service contributes to a role's resources.
type piece struct {
	clusters  []*clusterv3.Cluster
	endpoints []*endpointv3.ClusterLoadAssignment
	listeners []*listenerv3.Listener
	routes    []*routev3.RouteConfiguration
	vhost     *routev3.VirtualHost
}

func (m *Memo) role(r model.Role) *roleMemo {
	m.mu.Lock()
	defer m.mu.Unlock()
	rm, ok := m.roles[r]
	if !ok {
		rm = &roleMemo{services: map[string]memoEntry{}}
		m.roles[r] = rm
	}
	return rm
}

// begin starts a translation: it forgets everything when the global inputs
// changed. The caller holds rm.mu until end.
func (rm *roleMemo) begin(cfg *model.Config) {
	var b strings.Builder
	b.WriteString(cfg.LaneHeader)
	for _, l := range cfg.Lanes {
		b.WriteByte(0)
		b.WriteString(l.Name)
	}
	if g := b.String(); g != rm.global {
		rm.global, rm.services = g, map[string]memoEntry{}
	}
	rm.seen = map[string]bool{}
}

// end forgets the services the translation did not have.
func (rm *roleMemo) end() {
	for key := range rm.services {
		if !rm.seen[key] {
			delete(rm.services, key)
		}
	}
	rm.seen = nil
}

// piece returns s's resources: remembered when s and extra are as last
// time, else built and remembered.
func (t *translator) piece(s *svc, extra string, build func() piece) piece {
	rm := t.memo
	if rm == nil {
		return build()
	}
	rm.seen[s.key] = true
	if e, ok := rm.services[s.key]; ok && e.extra == extra && reflect.DeepEqual(e.service, *s.Service) {
		return e.piece
	}
	p := build()
	rm.services[s.key] = memoEntry{service: *s.Service, extra: extra, piece: p}
	return p
}

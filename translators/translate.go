package translators

import (
	"errors"
	"fmt"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"github.com/graylane/graylane/model"
)

// Resources are the Envoy resources one role receives, each list sorted by
// name. Resources of one translation share immutable sub-messages (config
// sources, filter configurations): treat them as read-only.
type Resources struct {
	Lists
	// Pieces are what the lists were assembled from, one per service and
	// per aggregate; a Memo hands back the same *Piece for a service that
	// did not change.
	Pieces []*Piece
}

// Piece is what one service, or one aggregate such as a gateway,
// contributes to a role's resources.
type Piece struct {
	// Key names what the piece is of: a service key, or an aggregate's
	// name.
	Key string
	Lists
}

// Lists are resources by kind.
type Lists struct {
	Clusters  []*clusterv3.Cluster
	Endpoints []*endpointv3.ClusterLoadAssignment
	Listeners []*listenerv3.Listener
	Routes    []*routev3.RouteConfiguration
	// ScopedRoutes pick a sidecar's route configuration by Host (SRDS).
	ScopedRoutes []*routev3.ScopedRouteConfiguration
	// Secrets are served by SDS (the edge's certificates).
	Secrets []*tlsv3.Secret
	// ExtensionConfigs are served by ECDS (the edge's lane filter).
	ExtensionConfigs []*corev3.TypedExtensionConfig
}

// Translate returns the resources for role. cfg must have passed
// model.Validate; an error means a bug or an option's failure, never bad
// user input.
func Translate(cfg *model.Config, role model.Role, opts ...Option) (*Resources, error) {
	o := newOptions(opts)
	var rm *roleMemo
	if m := o.memo; m != nil {
		rm = m.role(role)
		rm.mu.Lock()
		defer rm.mu.Unlock()
		rm.begin()
		defer rm.end()
	}
	t := newTranslator(cfg, role, o, rm)
	switch role {
	case model.RoleGRPC:
		t.grpc()
	case model.RoleSidecar:
		t.sidecar()
	case model.RoleEdge:
		t.edge()
	default:
		return nil, fmt.Errorf("translate: unknown role %q", role)
	}
	if err := errors.Join(t.errs...); err != nil {
		return nil, fmt.Errorf("translate %s: %w", role, err)
	}
	t.assemble()
	return &t.out, nil
}

// assemble makes the resources built outside any piece (what aggregates
// services: the sidecar's listener, a gateway's) a piece of their own,
// then, unless the caller wants pieces only, lists every resource by kind
// and sorts them.
func (t *translator) assemble() {
	if aggregate := t.out.Lists; !aggregate.Empty() {
		t.out.Pieces = append(t.out.Pieces, &Piece{Key: aggregatePiece, Lists: aggregate})
		t.out.Lists = Lists{}
	}
	if t.opts.piecesOnly {
		return
	}
	for _, p := range t.out.Pieces {
		t.out.Lists.append(&p.Lists)
	}
	t.out.sort()
}

// Listed returns the resources with every list filled and sorted: r
// itself when it has lists, else a copy listing its pieces' resources.
func (r *Resources) Listed() *Resources {
	if !r.Lists.Empty() || len(r.Pieces) == 0 {
		return r
	}
	out := &Resources{Pieces: r.Pieces}
	for _, p := range r.Pieces {
		out.Lists.append(&p.Lists)
	}
	out.sort()
	return out
}

// OfService reports whether the piece is one service's, keyed by the
// service's key, rather than an aggregate's.
func (p *Piece) OfService() bool { return p.Key != aggregatePiece }

// aggregatePiece is the key of the piece of resources that aggregate
// services.
const aggregatePiece = "\x00aggregate"

// translator holds one translation's state; it lives for one call.
type translator struct {
	cfg      *model.Config
	role     model.Role
	opts     options
	services []*svc
	idx      *index
	shared   shared
	memo     *roleMemo // nil without a Memo
	out      Resources
	errs     []error
}

// newTranslator translates cfg, with the views of its services the memo
// already has, if any.
func newTranslator(cfg *model.Config, role model.Role, opts options, rm *roleMemo) *translator {
	t := &translator{cfg: cfg, role: role, opts: opts, memo: rm}
	if rm != nil {
		t.services, t.idx = opts.memo.observe(cfg)
	} else {
		t.services = make([]*svc, len(cfg.Services))
		for i := range cfg.Services {
			t.services[i] = newSvc(&cfg.Services[i])
		}
		t.idx = newIndex(t.services)
	}
	t.shared = t.newShared()
	return t
}

func (t *translator) fail(err error) {
	if err != nil {
		t.errs = append(t.errs, err)
	}
}

// service resolves a reference as model.Config.Service does, by index,
// and returns the service's index too.
func (t *translator) service(ref model.ServiceRef) (*svc, int) {
	found := -1
	for _, i := range t.idx.byName[serviceName{ref.Name, ref.Namespace}] {
		if ref.Port == 0 || ref.Port == t.services[i].Port {
			if found >= 0 {
				return nil, -1
			}
			found = i
		}
	}
	if found < 0 {
		return nil, -1
	}
	return t.services[found], found
}

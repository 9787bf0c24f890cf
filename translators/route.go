package translators

import (
	"strings"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// serviceRoutes returns the routes that send requests matching base to s,
// in the order the routing rules are checked: one route per lane version
// (lane header equal to the lane), then any other lane header to the
// baseline, then the service's header matches for untagged requests, then
// untagged requests split by weight. name prefixes the routes' names.
func (t *translator) serviceRoutes(s *svc, base baseMatch, name string) []*routev3.Route {
	b := newRouteBatch(len(s.Versions)+len(s.Matches)+1, t.routePolicy(s), base)
	for i := range s.Versions {
		if lane := s.Versions[i].Lane; lane != "" {
			b.add(name+"/lane/"+lane, []target{{s.clusters[i], model.WeightFull}}, t.shared.laneIs[lane])
		}
	}
	baseline := []target{{s.clusters[s.baseline], model.WeightFull}}
	split := splitTargets(s)
	if len(b.routes) > 0 || len(s.Matches) > 0 || !sameTargets(split, baseline) {
		b.add(name+"/tagged", baseline, t.shared.laneTagged)
	}
	for i, sm := range s.Matches {
		b.add(name+"/match/"+itoa(i+1), []target{{s.clusters[s.versionIndex(sm.Version)], model.WeightFull}}, t.exactHeaders(sm.Headers)...)
	}
	b.add(name+"/untagged", split)
	return b.routes
}

// baseMatch is what every route of a service matches before the routing
// rules add headers: a path prefix or exact path, and headers.
type baseMatch struct {
	prefix  string
	path    string
	exact   bool
	headers []*routev3.HeaderMatcher
}

// prefixMatch matches every request whose path starts with prefix.
func prefixMatch(prefix string) baseMatch { return baseMatch{prefix: prefix} }

// routeBatch builds the routes of one service; their messages are allocated
// together, a few allocations a service rather than several a route.
type routeBatch struct {
	policy  routePolicy
	base    baseMatch
	routes  []*routev3.Route
	route   []routev3.Route
	match   []routev3.RouteMatch
	action  []routev3.RouteAction
	wrapped []routev3.Route_Route
}

func newRouteBatch(n int, p routePolicy, base baseMatch) *routeBatch {
	return &routeBatch{
		policy: p, base: base, routes: make([]*routev3.Route, 0, n),
		route: make([]routev3.Route, n), match: make([]routev3.RouteMatch, n),
		action: make([]routev3.RouteAction, n), wrapped: make([]routev3.Route_Route, n),
	}
}

// add appends a route to targets for requests that also carry headers.
func (b *routeBatch) add(name string, to []target, headers ...*routev3.HeaderMatcher) {
	i := len(b.routes)
	m := &b.match[i]
	if b.base.exact {
		m.PathSpecifier = &routev3.RouteMatch_Path{Path: b.base.path}
	} else {
		m.PathSpecifier = &routev3.RouteMatch_Prefix{Prefix: b.base.prefix}
	}
	if len(b.base.headers)+len(headers) > 0 {
		m.Headers = append(append(make([]*routev3.HeaderMatcher, 0, len(b.base.headers)+len(headers)), b.base.headers...), headers...)
	}
	a := &b.action[i]
	a.HashPolicy, a.RetryPolicy = b.policy.hash, b.policy.retry
	a.Timeout, a.MaxStreamDuration = b.policy.timeout, b.policy.maxStreamDuration
	if len(to) == 1 {
		a.ClusterSpecifier = &routev3.RouteAction_Cluster{Cluster: to[0].cluster}
	} else {
		a.ClusterSpecifier = &routev3.RouteAction_WeightedClusters{WeightedClusters: weightedClusters(to, b.policy.totalWeight)}
	}
	b.wrapped[i].Route = a
	r := &b.route[i]
	r.Name, r.Match, r.Action = name, m, &b.wrapped[i]
	b.routes = append(b.routes, r)
}

// target is a cluster and its share of a route's traffic.
type target struct {
	cluster string
	weight  model.Weight
}

// splitTargets is where untagged requests go: the service's weights, or all
// to the baseline. Versions with no weight are left out.
func splitTargets(s *svc) []target {
	if len(s.Weights) == 0 {
		return []target{{s.clusters[s.baseline], model.WeightFull}}
	}
	var out []target
	for i := range s.Versions { // sorted by name
		if w := s.Weights[s.Versions[i].Name]; w > 0 {
			out = append(out, target{s.clusters[i], w})
		}
	}
	return out
}

func sameTargets(a, b []target) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// laneHeaderIs matches requests in lane.
func (t *translator) laneHeaderIs(lane string) *routev3.HeaderMatcher {
	return t.headerExact(t.cfg.LaneHeader, lane)
}

// laneHeaderPresent matches requests in any lane, stable included.
func (t *translator) laneHeaderPresent() *routev3.HeaderMatcher {
	return t.headerPresent(t.cfg.LaneHeader)
}

// routePolicy is the part of a route action every route of a service
// shares, built once per service.
type routePolicy struct {
	hash              []*routev3.RouteAction_HashPolicy
	retry             *routev3.RetryPolicy
	timeout           *durationpb.Duration
	maxStreamDuration *routev3.RouteAction_MaxStreamDuration
	// totalWeight sets the weighted clusters' total_weight.
	totalWeight bool
}

func (t *translator) routePolicy(s *svc) routePolicy {
	p := routePolicy{hash: hashPolicy(s.Policy.HashOn), retry: t.retryPolicy(s.Policy.Retries), totalWeight: t.role == model.RoleGRPC}
	t.timeout(&p, s.Policy.Timeout)
	return p
}

// weightedClusters splits a route's traffic by weight, in parts of 10000.
// Envoy and today's gRPC stacks divide by the weights' sum. Older gRPC
// stacks read total_weight, 100 unless set: those released before 2023
// (gRPC C-core 1.51 among them) reject a route whose weights add up to
// anything else, and grpc-js-xds before 1.14.1 draws from [0, 100) and
// sends nearly every call to the first cluster. With totalWeight, the sum
// is set there too, which every stack accepts.
func weightedClusters(to []target, totalWeight bool) *routev3.WeightedCluster {
	wc := &routev3.WeightedCluster{Clusters: make([]*routev3.WeightedCluster_ClusterWeight, 0, len(to))}
	var sum uint32
	for _, tg := range to {
		sum += uint32(tg.weight)
		wc.Clusters = append(wc.Clusters, &routev3.WeightedCluster_ClusterWeight{
			Name:   tg.cluster,
			Weight: wrapperspb.UInt32(uint32(tg.weight)),
		})
	}
	if totalWeight {
		//lint:ignore SA1019 gRPC stacks older than 2023 need it; see above.
		wc.TotalWeight = wrapperspb.UInt32(sum)
	}
	return wc
}

// timeout sets the request timeout. Proxyless gRPC clients read it from
// max_stream_duration; Envoy from the route timeout.
func (t *translator) timeout(p *routePolicy, d time.Duration) {
	if d == 0 {
		return
	}
	if t.role == model.RoleGRPC {
		p.maxStreamDuration = &routev3.RouteAction_MaxStreamDuration{MaxStreamDuration: durationpb.New(d)}
		return
	}
	p.timeout = durationpb.New(d)
}

func hashPolicy(h *model.HashOn) []*routev3.RouteAction_HashPolicy {
	switch {
	case h == nil:
		return nil
	case h.Header != "":
		return []*routev3.RouteAction_HashPolicy{{PolicySpecifier: &routev3.RouteAction_HashPolicy_Header_{
			Header: &routev3.RouteAction_HashPolicy_Header{HeaderName: h.Header},
		}}}
	}
	return []*routev3.RouteAction_HashPolicy{{PolicySpecifier: &routev3.RouteAction_HashPolicy_Cookie_{
		Cookie: &routev3.RouteAction_HashPolicy_Cookie{Name: h.Cookie},
	}}}
}

// retryPolicy maps the retries. Proxyless gRPC clients retry on gRPC status
// codes only, so they get just those conditions, and no policy without one.
func (t *translator) retryPolicy(r *model.Retries) *routev3.RetryPolicy {
	if r == nil {
		return nil
	}
	conds := r.RetryOn
	if t.role == model.RoleGRPC {
		conds = nil
		for _, c := range r.RetryOn {
			if model.IsGRPCRetryOn(c) {
				conds = append(conds, c)
			}
		}
		if len(conds) == 0 {
			return nil
		}
	}
	return &routev3.RetryPolicy{
		RetryOn:       strings.Join(conds, ","),
		NumRetries:    wrapperspb.UInt32(r.Attempts),
		PerTryTimeout: durationOrNil(r.PerTryTimeout),
	}
}

package translators

import (
	"strings"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// serviceRoutes returns the routes of s on a sidecar or a proxyless gRPC
// client, in the order the routing rules are checked: a block for each of
// the service's route rules, then the service's own block. Paths default
// to defaultPrefix; name prefixes the routes' names.
func (t *translator) serviceRoutes(s *svc, defaultPrefix, name string) []*routev3.Route {
	blocks := 1
	for i := range s.Routes {
		blocks += max(1, len(s.Routes[i].Matches))
	}
	b := t.batchFor(s, blocks)
	policy := t.servicePolicy(s)
	split := splitTargets(s, s.Weights)
	for i := range s.Routes[:t.lastRule(s, policy, split)] {
		t.ruleBlocks(b, s, i, policy, defaultPrefix, name)
	}
	t.block(b, s, &block{name: name, base: t.defaultPath(defaultPrefix), action: policy, split: split, matches: s.Matches})
	return b.routes
}

// block is a run of routes that share a match, an action and a split of
// untagged requests. Its routes are, in order: one per lane version (lane
// header equal to the lane), any other lane header to the baseline, the
// same two for the baggage carrier, the header matches of the service's
// own block, then untagged requests split by weight.
type block struct {
	name    string
	base    baseMatch
	action  *routeAction
	split   []target
	matches []model.ServiceMatch
	actions []clusterAction // built so far, by cluster
}

// block appends a block's routes. A service with no lane version and no
// header match whose untagged requests go to the baseline anyway gets the
// untagged route alone.
func (t *translator) block(b *routeBatch, s *svc, k *block) {
	lanes := 0
	for i := range s.Versions {
		if lane := s.Versions[i].Lane; lane != "" {
			b.add(k.name+"/lane/"+lane, k, s.clusters[i], nil, t.shared.laneIs[lane])
			lanes++
		}
	}
	baseline := s.clusters[s.baseline]
	if lanes > 0 || len(k.matches) > 0 || !sameTargets(k.split, []target{{baseline, model.WeightFull}}) {
		b.add(k.name+"/tagged", k, baseline, nil, t.shared.laneTagged)
		t.baggageRoutes(b, s, k)
	}
	for i, sm := range k.matches {
		b.add(k.name+"/match/"+itoa(i+1), k, s.clusters[s.versionIndex(sm.Version)], nil, t.exactHeaders(sm.Headers))
	}
	b.add(k.name+"/untagged", k, "", k.split, nil)
}

// baggageRoutes route requests that carry the lane in baggage only: they
// follow the lane header's routes, which take every request that carries
// the header, so the header wins when both are present.
func (t *translator) baggageRoutes(b *routeBatch, s *svc, k *block) {
	if t.shared.baggageTagged == nil {
		return
	}
	for i := range s.Versions {
		if lane := s.Versions[i].Lane; lane != "" {
			b.add(k.name+"/baggage/"+lane, k, s.clusters[i], nil, t.shared.baggageIs[lane])
		}
	}
	b.add(k.name+"/baggage-tagged", k, s.clusters[s.baseline], nil, t.shared.baggageTagged)
}

// ruleBlocks appends a block per match of route rule i (one for a rule
// that matches every request). A match the role's clients can never
// satisfy is left out; a rule left with no match is left out whole.
func (t *translator) ruleBlocks(b *routeBatch, s *svc, i int, policy *routeAction, defaultPrefix, name string) {
	r := &s.Routes[i]
	weights := r.Weights
	if len(weights) == 0 {
		weights = s.Weights
	}
	k := block{name: name + "/route/" + itoa(i+1), action: t.withAction(policy, s, &r.Action), split: splitTargets(s, weights)}
	if len(r.Matches) == 0 {
		k.base = t.defaultPath(defaultPrefix)
		t.block(b, s, &k)
		return
	}
	prefix := k.name
	for j := range r.Matches {
		base, ok := t.routeMatch(&r.Matches[j], defaultPrefix)
		if !ok {
			continue
		}
		if len(r.Matches) > 1 {
			k.name = prefix + "." + itoa(j+1)
		}
		k.base = base
		t.block(b, s, &k)
	}
}

// lastRule is the number of route rules worth writing: rules at the end
// that change nothing for the role's clients (no action they apply, the
// service's split, and no header matches the rule would skip) route like
// the service's own block, which follows them.
func (t *translator) lastRule(s *svc, policy *routeAction, split []target) int {
	n := len(s.Routes)
	if len(s.Matches) > 0 {
		return n
	}
	for n > 0 {
		r := &s.Routes[n-1]
		if t.withAction(policy, s, &r.Action) != policy || (len(r.Weights) > 0 && !sameTargets(splitTargets(s, r.Weights), split)) {
			break
		}
		n--
	}
	return n
}

// batchFor is a batch sized for about the routes of s in blocks blocks:
// a block has its lane, tagged and baggage routes and its split, and the
// service's own block its header matches; routes to the same cluster share
// an action.
func (t *translator) batchFor(s *svc, blocks int) *routeBatch {
	lanes, carriers := len(s.Versions)-1, 1
	if t.shared.baggageTagged != nil {
		carriers = 2
	}
	routes := blocks*(carriers*(lanes+1)+1) + len(s.Matches)
	actions := blocks*(lanes+2) + len(s.Matches)
	b := newRouteBatch(routes, actions)
	b.totalWeight = t.role == model.RoleGRPC
	return b
}

// routeBatch builds the routes of one service; their messages are allocated
// together, a few allocations a service rather than several a route.
type routeBatch struct {
	// totalWeight writes weighted clusters with their total_weight.
	totalWeight bool
	routes      []*routev3.Route
	route       []routev3.Route
	match       []routev3.RouteMatch
	action      []routev3.RouteAction
	wrapped     []routev3.Route_Route
}

func newRouteBatch(routes, actions int) *routeBatch {
	b := &routeBatch{routes: make([]*routev3.Route, 0, routes)}
	b.route, b.match = make([]routev3.Route, routes), make([]routev3.RouteMatch, routes)
	b.action, b.wrapped = make([]routev3.RouteAction, actions), make([]routev3.Route_Route, actions)
	return b
}

// nextRoute is room for a route and its match.
func (b *routeBatch) nextRoute() (*routev3.Route, *routev3.RouteMatch) {
	if len(b.route) == 0 {
		b.route, b.match = make([]routev3.Route, 8), make([]routev3.RouteMatch, 8)
	}
	r, m := &b.route[0], &b.match[0]
	b.route, b.match = b.route[1:], b.match[1:]
	return r, m
}

// nextAction is room for a route action.
func (b *routeBatch) nextAction() (*routev3.RouteAction, *routev3.Route_Route) {
	if len(b.action) == 0 {
		b.action, b.wrapped = make([]routev3.RouteAction, 4), make([]routev3.Route_Route, 4)
	}
	a, w := &b.action[0], &b.wrapped[0]
	b.action, b.wrapped = b.action[1:], b.wrapped[1:]
	w.Route = a
	return a, w
}

// add appends a route of block k to cluster, or split among targets when
// split is set, for requests that also carry headers (a list the route
// may share). Routes of a block to the same cluster share their action.
func (b *routeBatch) add(name string, k *block, cluster string, split []target, headers []*routev3.HeaderMatcher) {
	r, m := b.nextRoute()
	m.PathSpecifier = k.base.path.PathSpecifier
	m.QueryParameters = k.base.query
	switch {
	case len(k.base.headers) == 0:
		m.Headers = headers
	case len(headers) == 0:
		m.Headers = k.base.headers
	default:
		m.Headers = append(append(make([]*routev3.HeaderMatcher, 0, len(k.base.headers)+len(headers)), k.base.headers...), headers...)
	}
	if len(split) == 1 {
		cluster = split[0].cluster
	}
	if len(split) > 1 {
		cluster = ""
	}
	k.action.applyRoute(r)
	r.Name, r.Match, r.Action = name, m, b.actionTo(k, cluster, split)
	b.routes = append(b.routes, r)
}

// actionTo is the action of a route of block k to cluster, or split among
// targets when cluster is "".
func (b *routeBatch) actionTo(k *block, cluster string, split []target) *routev3.Route_Route {
	if cluster != "" {
		for _, ca := range k.actions {
			if ca.cluster == cluster {
				return ca.action
			}
		}
	}
	a, w := b.nextAction()
	if cluster == "" {
		a.ClusterSpecifier = &routev3.RouteAction_WeightedClusters{WeightedClusters: weightedClusters(split, b.totalWeight)}
	} else {
		a.ClusterSpecifier = &routev3.RouteAction_Cluster{Cluster: cluster}
		k.actions = append(k.actions, clusterAction{cluster, w})
	}
	k.action.applyAction(a, cluster)
	return w
}

// clusterAction is a block's action of its routes to a cluster.
type clusterAction struct {
	cluster string
	action  *routev3.Route_Route
}

// target is a cluster and its share of a route's traffic.
type target struct {
	cluster string
	weight  model.Weight
}

// splitTargets is where untagged requests go: split by weights, or all to
// the baseline when there are none. Versions with no weight are left out.
func splitTargets(s *svc, weights map[string]model.Weight) []target {
	if len(weights) == 0 {
		return []target{{s.clusters[s.baseline], model.WeightFull}}
	}
	var out []target
	for i := range s.Versions { // sorted by name
		if w := weights[s.Versions[i].Name]; w > 0 {
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
		wc.Clusters = append(wc.Clusters, &routev3.WeightedCluster_ClusterWeight{
			Name:   tg.cluster,
			Weight: wrapperspb.UInt32(uint32(tg.weight)),
		})
		sum += uint32(tg.weight)
	}
	if totalWeight {
		//lint:ignore SA1019 total_weight is what gRPC stacks older than 2023 divide by; see above.
		wc.TotalWeight = wrapperspb.UInt32(sum)
	}
	return wc
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

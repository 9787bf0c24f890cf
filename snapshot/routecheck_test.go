package snapshot

import (
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// edgeOf translates a configuration for the edge in pieces, with memo.
func edgeOf(t *testing.T, c *model.Config, memo *translators.Memo) *translators.Resources {
	t.Helper()
	res, err := translators.Translate(c, model.RoleEdge, translators.PiecesOnly(), translators.WithMemo(memo))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestGatewayRoutesAreCheckedRouteByRoute builds a gateway whose route
// configuration is checked route by route, recalling unchanged routes,
// and wants the version a cold build gives.
func TestGatewayRoutesAreCheckedRouteByRoute(t *testing.T) {
	before, after := benchconfig.Generate(20), benchconfig.Generate(20)
	after.Services[5].Weights = map[string]model.Weight{"v1": 5000, "v2": 5000}
	memo, b := translators.NewMemo(), NewBuilder()
	first, err := b.Build(edgeOf(t, before, memo))
	if err != nil {
		t.Fatal(err)
	}
	const name = "gateway_public"
	if rc := first.Resources(types.Route)[name].(*routev3.RouteConfiguration); routeCount(rc) < routeByRouteAt {
		t.Fatalf("the gateway has %d routes, fewer than %d: not checked route by route", routeCount(rc), routeByRouteAt)
	}
	// The first service's route is unchanged: its check is recalled.
	route := first.Resources(types.Route)[name].(*routev3.RouteConfiguration).GetVirtualHosts()[0].GetRoutes()[0]
	checked := routeMemoOf(b, name).checks[route]
	next, err := b.Build(edgeOf(t, after, memo))
	if err != nil {
		t.Fatal(err)
	}
	if checked == nil || routeMemoOf(b, name).checks[route] != checked {
		t.Error("an unchanged route of the gateway was checked again")
	}
	cold, err := NewBuilder().Build(edgeOf(t, after, translators.NewMemo()))
	if err != nil {
		t.Fatal(err)
	}
	v0, v1, vc := first.ContentVersion(types.Route, name), next.ContentVersion(types.Route, name), cold.ContentVersion(types.Route, name)
	if v1 == v0 || v1 != vc {
		t.Errorf("versions: before %s, after the change %s, cold %s; want a new version, the cold build's", v0, v1, vc)
	}
}

// routeMemoOf is the builder's memory of a route configuration's routes.
func routeMemoOf(b *Builder, name string) *routeMemo {
	for _, g := range b.groups {
		if m := g.routes[name]; m != nil {
			return m
		}
	}
	return &routeMemo{}
}

func TestBrokenRouteOfAGatewayIsReported(t *testing.T) {
	res := edgeOf(t, benchconfig.Generate(20), translators.NewMemo())
	for _, p := range res.Pieces {
		for _, rc := range p.Routes {
			rc.VirtualHosts[0].Routes[3].Match = nil
		}
	}
	_, err := NewBuilder().Build(res)
	if err == nil || !strings.Contains(err.Error(), "route 3:") {
		t.Errorf("a route without a match: %v", err)
	}
}

// TestRouteMemoryStaysBounded changes the weights of one service after
// another: the memory of the gateway's route checks forgets the routes
// that are gone, keeping at most a quarter more than the gateway has.
func TestRouteMemoryStaysBounded(t *testing.T) {
	memo, b := translators.NewMemo(), NewBuilder()
	const name = "gateway_public"
	for step := range 60 {
		c := benchconfig.Generate(20)
		c.Services[step%20].Weights = map[string]model.Weight{"v1": model.Weight(100 * step), "v2": model.WeightFull - model.Weight(100*step)}
		snap, err := b.Build(edgeOf(t, c, memo))
		if err != nil {
			t.Fatal(err)
		}
		live := distinctRoutes(snap.Resources(types.Route)[name].(*routev3.RouteConfiguration))
		kept := 0
		for _, g := range b.groups {
			if m := g.routes[name]; m != nil {
				kept = len(m.checks)
			}
		}
		if kept < live || kept > live+live/4 {
			t.Fatalf("step %d: %d route checks kept for %d routes", step, kept, live)
		}
	}
}

// distinctRoutes counts a route configuration's routes, a route that
// virtual hosts share once: the memory keeps a check per route message.
func distinctRoutes(rc *routev3.RouteConfiguration) int {
	seen := map[*routev3.Route]bool{}
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			seen[r] = true
		}
	}
	return len(seen)
}

// oneClusterRoutes is a route configuration of n routes to one cluster, new
// messages each time; the route at bad, if any, has no match.
func oneClusterRoutes(n, bad int) *routev3.RouteConfiguration {
	vh := &routev3.VirtualHost{Name: "all", Domains: []string{"*"}}
	for i := range n {
		r := &routev3.Route{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "c"}}}}
		if i == bad {
			r.Match = nil
		}
		vh.Routes = append(vh.Routes, r)
	}
	return &routev3.RouteConfiguration{Name: "rc", VirtualHosts: []*routev3.VirtualHost{vh}}
}

// TestFailedRouteCheckSweepsTheMemory checks a route configuration, then
// one of new routes, one of them invalid: the check fails, and the memory
// holds the routes it saw last, not those of both.
func TestFailedRouteCheckSweepsTheMemory(t *testing.T) {
	m := &routeMemo{checks: map[*routev3.Route]*routeCheck{}}
	if c := checkRouteConfig(oneClusterRoutes(100, -1), m); c.err != nil {
		t.Fatal(c.err)
	}
	if c := checkRouteConfig(oneClusterRoutes(100, 0), m); c.err == nil || !strings.Contains(c.err.Error(), "route 0") {
		t.Fatalf("the route without a match: %v", c.err)
	}
	if len(m.checks) != 100 {
		t.Errorf("the memory holds %d route checks after a failed check of 100 new routes, want 100", len(m.checks))
	}
}

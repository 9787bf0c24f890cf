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
	next, err := b.Build(edgeOf(t, after, memo))
	if err != nil {
		t.Fatal(err)
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

package e2e

import (
	"context"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// TestHeaderRegexMatchesTheWholeValueInEveryStack serves the canary lane
// route of reviews with a regular expression instead of the exact lane,
// canary|blue, in the form translators.headerRegex gives the grpc role
// (the expression in a group, which translators' tests pin), and checks
// that every stack matches it against the whole header value. Written
// without the group, grpc-js would read ^canary|blue$ and send canary-2 to
// the canary too; that form's results are logged for comparison.
func TestHeaderRegexMatchesTheWholeValueInEveryStack(t *testing.T) {
	f := newInteropFleet(t)
	e := newEnv(t, render(t, interopConfig, f))
	cases := []struct {
		lane, want string
	}{
		{"canary", "reviews-v2"},
		{"blue", "reviews-v2"},
		{"canary-2", "reviews-v1"},
		{"xblue", "reviews-v1"},
		{"stable", "reviews-v1"},
	}
	for _, form := range []struct {
		name, regex string
		assert      bool
	}{{"grouped", "(?:canary|blue)", true}, {"bare", "canary|blue", false}} {
		publishLaneRegex(t, e, form.regex)
		for _, s := range stacks {
			t.Run(form.name+"/"+s.name, func(t *testing.T) {
				p := s.start(t, exampleBootstrap(t, "../examples/grpc-bootstrap.json", e))
				for _, c := range cases {
					r, err := p.Calls(callsRequest{Target: "reviews.default:9080", N: 10, StopAfterErrors: 1,
						Metadata: map[string]string{"x-canary": c.lane}})
					switch {
					case err != nil:
						t.Fatalf("%s %s: %v\n%s", s.name, p.Version(), err, tail(p.Logs(), 4000))
					case !form.assert:
						t.Logf("%s %s, regex %s, x-canary: %s: %v", s.name, p.Version(), form.regex, c.lane, r)
					case r.IDs[c.want] != 10:
						t.Errorf("%s %s, regex %s, x-canary: %s: %v, want all 10 calls to %s", s.name, p.Version(), form.regex, c.lane, r, c.want)
					}
				}
			})
		}
	}
	if nacks := e.nacks(); nacks != "" {
		t.Errorf("clients rejected the regex routes:\n%s", nacks)
	}
}

// publishLaneRegex replaces the grpc role's snapshot with one whose
// reviews canary route matches the lane header by regex.
func publishLaneRegex(t *testing.T, e *env, regex string) {
	t.Helper()
	cur := e.cp.Cache().Current(model.RoleGRPC)
	res := &translators.Resources{Lists: translators.Lists{
		Clusters:  resourcesOf[*clusterv3.Cluster](cur, types.Cluster),
		Endpoints: resourcesOf[*endpointv3.ClusterLoadAssignment](cur, types.Endpoint),
		Listeners: resourcesOf[*listenerv3.Listener](cur, types.Listener),
	}}
	for _, rc := range resourcesOf[*routev3.RouteConfiguration](cur, types.Route) {
		if rc.GetName() == "reviews.default:9080" {
			rc = proto.Clone(rc).(*routev3.RouteConfiguration)
			setLaneRegex(t, rc, regex)
		}
		res.Routes = append(res.Routes, rc)
	}
	snap, err := snapshot.Build(res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cp.Cache().Publish(context.Background(), model.RoleGRPC, snap); err != nil {
		t.Fatal(err)
	}
}

func setLaneRegex(t *testing.T, rc *routev3.RouteConfiguration, regex string) {
	t.Helper()
	for _, r := range rc.GetVirtualHosts()[0].GetRoutes() {
		if r.GetName() == "reviews.default:9080/lane/canary" {
			r.Match.Headers = []*routev3.HeaderMatcher{{
				Name: "x-canary",
				//lint:ignore SA1019 the grpc role's form (translators/headers.go).
				HeaderMatchSpecifier: &routev3.HeaderMatcher_SafeRegexMatch{SafeRegexMatch: &matcherv3.RegexMatcher{Regex: regex}},
			}}
			return
		}
	}
	t.Fatalf("no canary lane route in %v", rc)
}

func resourcesOf[T types.Resource](s *snapshot.Snapshot, typ types.ResponseType) []T {
	var out []T
	for _, r := range s.Resources(typ) {
		out = append(out, r.(T))
	}
	return out
}

package snapshot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// config has two HTTP services, one with a canary lane, and a gateway.
func config(weightV2 model.Weight) *model.Config {
	c := &model.Config{
		Lanes: []model.Lane{{Name: "canary", Weight: 1000}},
		Services: []model.Service{
			{Name: "a", Port: 80, Versions: []model.Version{
				{Name: "v1", Endpoints: []model.Endpoint{{Address: "10.0.0.1"}}},
				{Name: "v2", Lane: "canary", Endpoints: []model.Endpoint{{Address: "10.0.0.2"}}},
			}, Weights: map[string]model.Weight{"v1": model.WeightFull - weightV2, "v2": weightV2}},
			{Name: "b", Port: 80, Versions: []model.Version{{Name: "v1", Endpoints: []model.Endpoint{{Address: "10.0.1.1"}}}}},
		},
		Gateways: []model.Gateway{{Name: "gw", Port: 8080, Routes: []model.GatewayRoute{{
			Match: model.RouteMatch{PathPrefix: "/"}, Service: model.ServiceRef{Name: "a"},
		}}}},
	}
	c.Normalize()
	if err := model.Validate(c); err != nil {
		panic(err)
	}
	return c
}

func translate(t *testing.T, c *model.Config, role model.Role) *translators.Resources {
	t.Helper()
	res, err := translators.Translate(c, role)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func build(t *testing.T, c *model.Config, role model.Role) *Snapshot {
	t.Helper()
	s, err := Build(translate(t, c, role))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVersionsFollowContentOnly(t *testing.T) {
	a, b := build(t, config(1000), model.RoleGRPC), build(t, config(1000), model.RoleGRPC)
	for _, typ := range servedTypes() {
		if a.Version(typ) != b.Version(typ) {
			t.Errorf("%s: same input, versions %s and %s", kindName(typ), a.Version(typ), b.Version(typ))
		}
	}
	c := build(t, config(2000), model.RoleGRPC)
	if c.Version(types.Route) == a.Version(types.Route) {
		t.Error("a weight change did not change the routes' version")
	}
	for _, typ := range []types.ResponseType{types.Cluster, types.Endpoint, types.Listener} {
		if c.Version(typ) != a.Version(typ) {
			t.Errorf("a weight change moved the %s version", kindName(typ))
		}
	}
}

func TestBuildRejectsInvalidResources(t *testing.T) {
	res := translate(t, config(0), model.RoleSidecar)
	res.Clusters[0].LbPolicy = clusterv3.Cluster_LbPolicy(999)
	_, err := Build(res)
	if err == nil || !strings.Contains(err.Error(), "LbPolicy") {
		t.Errorf("Build = %v, want the invalid load balancer reported", err)
	}
}

func TestBuildFollowsAPIListenerReferences(t *testing.T) {
	res := translate(t, config(0), model.RoleGRPC)
	// Drop the route configuration only an API listener refers to.
	res.Routes = res.Routes[1:]
	_, err := Build(res)
	if err == nil || !strings.Contains(err.Error(), `route configuration "a.default:80" is referenced but not generated`) {
		t.Errorf("Build = %v, want the missing route configuration of the API listener", err)
	}
}

func TestBuildReportsDanglingReferences(t *testing.T) {
	res := translate(t, config(1000), model.RoleSidecar)
	res.Endpoints = res.Endpoints[1:]                 // a cluster without endpoints
	res.Clusters = res.Clusters[:len(res.Clusters)-1] // a route to a missing cluster
	_, err := Build(res)
	for _, want := range []string{`endpoints "a.default:80/v1" is referenced but not generated`, `cluster "b.default:80/v1" is referenced but not generated`, `endpoints "b.default:80/v1" is generated but nothing refers to it`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build = %v\nwant %q", err, want)
		}
	}
}

func withoutB(c *model.Config) *model.Config {
	c.Services = c.Services[:1]
	return c
}

func TestCachePublishOnlyOnChange(t *testing.T) {
	c := NewCache(nil)
	snap := build(t, config(0), model.RoleEdge)
	for i, want := range []bool{true, false} {
		changed, err := c.Publish(context.Background(), model.RoleEdge, snap)
		if err != nil || changed != want {
			t.Errorf("publish %d: changed %v, %v; want %v", i+1, changed, err, want)
		}
	}
	if c.Current(model.RoleEdge) != snap || c.Current(model.RoleGRPC) != nil {
		t.Error("Current does not return what was published")
	}
}

func TestRoleOf(t *testing.T) {
	md := func(role string) *structpb.Struct {
		s, _ := structpb.NewStruct(map[string]any{"role": role})
		return s
	}
	cases := []struct {
		node *corev3.Node
		want model.Role
		err  bool
	}{
		{&corev3.Node{UserAgentName: "gRPC Go"}, model.RoleGRPC, false},
		{&corev3.Node{UserAgentName: "gRPC Java"}, model.RoleGRPC, false},
		{&corev3.Node{UserAgentName: "envoy"}, model.RoleSidecar, false},
		{&corev3.Node{UserAgentName: "envoy", Metadata: md("edge")}, model.RoleEdge, false},
		{&corev3.Node{UserAgentName: "gRPC Go", Metadata: md("sidecar")}, model.RoleSidecar, false},
		{&corev3.Node{Metadata: md("gateway")}, "", true},
	}
	for _, c := range cases {
		got, err := RoleOf(c.node)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("RoleOf(%v) = %q, %v", c.node, got, err)
		}
		if want := string(c.want); !c.err && (RoleHash{}).ID(c.node) != want {
			t.Errorf("RoleHash(%v) = %q", c.node, (RoleHash{}).ID(c.node))
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000} {
		cfg := benchconfig.Generate(n)
		for _, role := range model.AllRoles() {
			res, err := translators.Translate(cfg, role)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("services=%d/role=%s", n, role), func(b *testing.B) {
				benchconfig.Loop(b, func() {
					if _, err := Build(res); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// TestBuilderRemembersWithoutChangingTheResult builds a sequence of
// configurations with one Builder and a translators.Memo, and wants every
// version equal to a fresh build's; resources handed back unchanged are not
// checked again, yet an invalid new one is still refused.
func TestBuilderRemembersWithoutChangingTheResult(t *testing.T) {
	memo, b := translators.NewMemo(), NewBuilder()
	for _, w := range []model.Weight{1000, 2000, 2000, 0, 5000} {
		res, err := translators.Translate(config(w), model.RoleSidecar, translators.WithMemo(memo))
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Build(res)
		if err != nil {
			t.Fatal(err)
		}
		want := build(t, config(w), model.RoleSidecar)
		for _, typ := range servedTypes() {
			if got.Version(typ) != want.Version(typ) {
				t.Errorf("weight %s: %s version %s, a fresh build gives %s", w, kindName(typ), got.Version(typ), want.Version(typ))
			}
		}
	}
	res, _ := translators.Translate(config(0), model.RoleSidecar, translators.WithMemo(memo))
	res.Routes[0].VirtualHosts[0].Domains = nil // a new, invalid message
	if _, err := b.Build(res); err == nil {
		t.Error("the builder accepted an invalid route configuration")
	}
}

func servedTypes() []types.ResponseType {
	var out []types.ResponseType
	for _, k := range translators.Kinds() {
		out = append(out, k.Type)
	}
	return out
}

func kindName(t types.ResponseType) string {
	for _, k := range translators.Kinds() {
		if k.Type == t {
			return k.Name
		}
	}
	return "unknown"
}

// TestFailedBuildChangesNothing builds a good snapshot, then one whose
// route points at a cluster that is gone, then a good one again: the bad
// build is refused naming the dangling reference, and the next build
// starts from the last good one.
func TestFailedBuildChangesNothing(t *testing.T) {
	b := NewBuilder()
	good := translate(t, config(1000), model.RoleGRPC)
	first, err := b.Build(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := translate(t, config(1000), model.RoleGRPC)
	bad.Clusters = slices.DeleteFunc(bad.Clusters, func(c *clusterv3.Cluster) bool { return c.GetName() == "a.default:80/v2" })
	bad.Endpoints = slices.DeleteFunc(bad.Endpoints, func(e *endpointv3.ClusterLoadAssignment) bool {
		return e.GetClusterName() == "a.default:80/v2"
	})
	if _, err := b.Build(bad); err == nil || !strings.Contains(err.Error(), `cluster "a.default:80/v2" is referenced but not generated`) {
		t.Fatalf("a route to a removed cluster: %v", err)
	}
	again, err := b.Build(translate(t, config(2000), model.RoleGRPC))
	if err != nil {
		t.Fatal(err)
	}
	if again.parent != first {
		t.Error("the build after a refused one does not start from the last good snapshot")
	}
	want := build(t, config(2000), model.RoleGRPC)
	for _, typ := range servedTypes() {
		if again.Version(typ) != want.Version(typ) || again.Len(typ) != want.Len(typ) {
			t.Errorf("%s: %s (%d), a fresh build gives %s (%d)", kindName(typ), again.Version(typ), again.Len(typ), want.Version(typ), want.Len(typ))
		}
	}
	if ch := again.changes[types.Route]; len(ch.upserted) != 1 || len(ch.removed) != 0 {
		t.Errorf("a weight change changed routes %+v, want the one route configuration of a", ch)
	}
	if ch := again.changes[types.Cluster]; len(ch.upserted)+len(ch.removed) != 0 {
		t.Errorf("a weight change changed clusters %+v", ch)
	}
}

// TestGoneGroupsAreFoundDespiteDuplicates builds a translation, then one
// that lists its first listener three times, and no other listener nor
// route configuration: those left out are gone from the snapshot, the
// duplicates counting once.
func TestGoneGroupsAreFoundDespiteDuplicates(t *testing.T) {
	b := NewBuilder()
	first := translate(t, config(1000), model.RoleGRPC)
	if _, err := b.Build(first); err != nil {
		t.Fatal(err)
	}
	if len(first.Listeners) < 2 {
		t.Fatalf("%d listeners, want several", len(first.Listeners))
	}
	next := *first
	kept := first.Listeners[0]
	next.Listeners = []*listenerv3.Listener{kept, kept, kept} // as many more as are left out
	next.Routes = slices.DeleteFunc(slices.Clone(first.Routes), func(rc *routev3.RouteConfiguration) bool { return rc.GetName() != kept.GetName() })
	snap, err := b.Build(&next)
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Len(types.Listener); got != 1 {
		t.Errorf("%d listeners in the snapshot, want the one left", got)
	}
}

// TestFailedBuildKeepsReferenceCounts refuses a build in which a's route
// configuration stops referring to its clusters, then removes a's canary
// cluster while the route configuration, as served, still refers to it:
// the refused build must have left the counts as they were, so that the
// removal is refused too.
func TestFailedBuildKeepsReferenceCounts(t *testing.T) {
	b := NewBuilder()
	if _, err := b.Build(translate(t, config(1000), model.RoleGRPC)); err != nil {
		t.Fatal(err)
	}
	const canary, other = "a.default:80/v2", "b.default:80/v1"
	bad := translate(t, config(1000), model.RoleGRPC)
	emptied := 0
	for i, rc := range bad.Routes {
		if slices.ContainsFunc(rc.GetVirtualHosts(), func(vh *routev3.VirtualHost) bool { return routesTo(vh, canary) }) {
			bad.Routes[i] = &routev3.RouteConfiguration{Name: rc.GetName(), VirtualHosts: []*routev3.VirtualHost{{Name: "none", Domains: []string{"*"}}}}
			emptied++
		}
	}
	if emptied == 0 {
		t.Fatalf("no route configuration refers to %s", canary)
	}
	bad.Clusters, bad.Endpoints = withoutCluster(bad.Clusters, bad.Endpoints, other)
	if _, err := b.Build(bad); err == nil {
		t.Fatalf("removing %s, still referred to, was accepted", other)
	}
	next := translate(t, config(1000), model.RoleGRPC)
	next.Clusters, next.Endpoints = withoutCluster(next.Clusters, next.Endpoints, canary)
	_, err := b.Build(next)
	if want := fmt.Sprintf("cluster %q is referenced but not generated", canary); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("removing %s after a refused build: %v, want %q", canary, err, want)
	}
}

// routesTo reports whether a virtual host routes to cluster.
func routesTo(vh *routev3.VirtualHost, cluster string) bool {
	for _, r := range vh.GetRoutes() {
		a := r.GetRoute()
		if a.GetCluster() == cluster || slices.ContainsFunc(a.GetWeightedClusters().GetClusters(),
			func(w *routev3.WeightedCluster_ClusterWeight) bool { return w.GetName() == cluster }) {
			return true
		}
	}
	return false
}

func withoutCluster(cs []*clusterv3.Cluster, es []*endpointv3.ClusterLoadAssignment, name string) ([]*clusterv3.Cluster, []*endpointv3.ClusterLoadAssignment) {
	cs = slices.DeleteFunc(slices.Clone(cs), func(c *clusterv3.Cluster) bool { return c.GetName() == name })
	es = slices.DeleteFunc(slices.Clone(es), func(e *endpointv3.ClusterLoadAssignment) bool { return e.GetClusterName() == name })
	return cs, es
}

// TestSameResourceListedTwiceIsInOnce builds a translation that lists a
// listener twice, new to the builder: it is in once. Two different
// listeners of one name are refused.
func TestSameResourceListedTwiceIsInOnce(t *testing.T) {
	res := translate(t, config(1000), model.RoleGRPC)
	res.Listeners = append(res.Listeners, res.Listeners[0])
	snap, err := NewBuilder().Build(res)
	if err != nil {
		t.Fatalf("a listener listed twice: %v", err)
	}
	if got, want := snap.Len(types.Listener), len(res.Listeners)-1; got != want {
		t.Errorf("%d listeners, want %d", got, want)
	}
	res.Listeners[len(res.Listeners)-1] = proto.Clone(res.Listeners[0]).(*listenerv3.Listener)
	if _, err := NewBuilder().Build(res); err == nil || !strings.Contains(err.Error(), "generated twice") {
		t.Errorf("two listeners of one name: %v", err)
	}
}

// TestSharedChecksServeEveryRole builds every role of a configuration
// translated with one Memo, with checks shared: an endpoint assignment
// another role's build checked is not checked again (a check planted for
// one is what its snapshot holds), and the versions are a lone build's.
func TestSharedChecksServeEveryRole(t *testing.T) {
	cfg, memo, shared := config(2000), translators.NewMemo(), NewSharedChecks()
	for _, role := range model.AllRoles() {
		res, err := translators.Translate(cfg, role, translators.WithMemo(memo))
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewBuilder().Build(res, WithSharedChecks(shared))
		if err != nil {
			t.Fatal(err)
		}
		want := build(t, cfg, role)
		for _, typ := range servedTypes() {
			if got.Version(typ) != want.Version(typ) {
				t.Errorf("%s: %s version %s, a lone build gives %s", role, kindName(typ), got.Version(typ), want.Version(typ))
			}
		}
	}
	res, _ := translators.Translate(cfg, model.RoleEdge, translators.WithMemo(memo))
	cla := res.Endpoints[0]
	shared.checks.Store(cla, checked{name: cla.GetClusterName(), version: "planted"})
	snap, err := NewBuilder().Build(res, WithSharedChecks(shared))
	if err != nil {
		t.Fatal(err)
	}
	if v := snap.ContentVersion(types.Endpoint, cla.GetClusterName()); v != "planted" {
		t.Errorf("endpoint assignment version %q, want the shared check's", v)
	}
}

package snapshot

import (
	"context"
	"slices"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	streamv3 "github.com/envoyproxy/go-control-plane/pkg/server/stream/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// client is a state-of-the-world ADS client of a Cache, as the server
// drives one: a watch per type on one ordered channel, re-armed with the
// returned resources after each response.
type client struct {
	t     *testing.T
	c     *Cache
	node  *corev3.Node
	ch    chan cachev3.Response
	subs  map[string]*streamv3.Subscription
	reqs  map[string]*discoveryv3.DiscoveryRequest
	stops map[string]func()
	nonce int
}

func newClient(t *testing.T, c *Cache, role model.Role) *client {
	md, _ := structpb.NewStruct(map[string]any{"role": string(role)})
	return &client{t: t, c: c, node: &corev3.Node{Id: "n", Metadata: md}, ch: make(chan cachev3.Response, 8),
		subs: map[string]*streamv3.Subscription{}, reqs: map[string]*discoveryv3.DiscoveryRequest{}, stops: map[string]func(){}}
}

// watch subscribes to names of a type (none: every one) holding version.
func (cl *client) watch(typeURL string, version string, names ...string) {
	cl.t.Helper()
	sub := streamv3.NewSotwSubscription(names, true)
	cl.subs[typeURL] = &sub
	req := &discoveryv3.DiscoveryRequest{Node: cl.node, TypeUrl: typeURL, VersionInfo: version, ResourceNames: names}
	cl.reqs[typeURL] = req
	cl.create(req, sub)
}

// create creates a watch, to be cancelled by stop.
func (cl *client) create(req *discoveryv3.DiscoveryRequest, sub streamv3.Subscription) {
	cl.t.Helper()
	stop, err := cl.c.Watcher().CreateWatch(req, sub, cl.ch)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.stops[req.GetTypeUrl()] = stop
}

// stop cancels the client's watches, as the server does when a stream
// ends.
func (cl *client) stop() {
	for _, stop := range cl.stops {
		if stop != nil {
			stop()
		}
	}
}

// recv returns the next response, acknowledged, or fails after a second.
func (cl *client) recv() *discoveryv3.DiscoveryResponse {
	cl.t.Helper()
	select {
	case r := <-cl.ch:
		return cl.ack(r)
	case <-time.After(time.Second):
		cl.t.Fatal("no response within 1s")
	}
	return nil
}

// quiet fails if a response arrives soon.
func (cl *client) quiet(what string) {
	cl.t.Helper()
	select {
	case r := <-cl.ch:
		cl.t.Errorf("%s: pushed %s", what, translators.KindName(r.GetRequest().GetTypeUrl()))
	case <-time.After(100 * time.Millisecond):
	}
}

func (cl *client) ack(r cachev3.Response) *discoveryv3.DiscoveryResponse {
	out, err := r.GetDiscoveryResponse()
	if err != nil {
		cl.t.Fatal(err)
	}
	typeURL := r.GetRequest().GetTypeUrl()
	sub := cl.subs[typeURL]
	sub.SetReturnedResources(r.GetReturnedResources())
	cl.nonce++
	out.VersionInfo = cl.c.ResponseVersion(model.Role(RoleHash{}.ID(cl.node)), r.GetRequest(), out.GetVersionInfo())
	req := &discoveryv3.DiscoveryRequest{Node: cl.node, TypeUrl: typeURL, VersionInfo: out.GetVersionInfo(),
		ResourceNames: cl.reqs[typeURL].GetResourceNames(), ResponseNonce: string(rune('0' + cl.nonce))}
	cl.create(req, *sub)
	return out
}

func publish(t *testing.T, c *Cache, role model.Role, s *Snapshot) {
	t.Helper()
	if _, err := c.Publish(context.Background(), role, s); err != nil {
		t.Fatal(err)
	}
}

func TestNamedWatchIsAnsweredOnlyWhenItsResourceChanges(t *testing.T) {
	c := NewCache(nil)
	publish(t, c, model.RoleGRPC, build(t, config(1000), model.RoleGRPC))
	cl := newClient(t, c, model.RoleGRPC)
	cl.watch(translators.Kinds()[1].URL, "", "b.default:80/v1")
	if got := names(cl.recv()); !slices.Equal(got, []string{"b.default:80/v1"}) {
		t.Fatalf("first response %v", got)
	}
	publish(t, c, model.RoleGRPC, build(t, config(2000), model.RoleGRPC))
	cl.quiet("a weight change of service a to a client of b's endpoints")
}

func names(r *discoveryv3.DiscoveryResponse) []string {
	var out []string
	for _, a := range r.GetResources() {
		m, _ := a.UnmarshalNew()
		out = append(out, cachev3.GetResourceName(m))
	}
	slices.Sort(out)
	return out
}

func TestPublishIsMakeBeforeBreak(t *testing.T) {
	c := NewCache(nil)
	small, big := build(t, withoutB(config(0)), model.RoleSidecar), build(t, config(0), model.RoleSidecar)
	publish(t, c, model.RoleSidecar, small)
	cl := newClient(t, c, model.RoleSidecar)
	k := kindsByName()
	cl.watch(k["clusters"].URL, "")
	cl.watch(k["listeners"].URL, "")
	cl.watch(k["endpoints"].URL, "", "a.default:80/v1", "a.default:80/v2", "b.default:80/v1")
	cl.watch(k["scoped_routes"].URL, "")
	cl.watch(k["routes"].URL, "", translators.SidecarRouteConfig("a.default:80"), translators.SidecarRouteConfig("b.default:80"))
	for range 5 {
		cl.recv()
	}
	publish(t, c, model.RoleSidecar, big)
	if got, want := cl.order(4), []string{"clusters", "endpoints", "scoped_routes", "routes"}; !slices.Equal(got, want) {
		t.Errorf("adding a service pushed %v, want %v", got, want)
	}
	publish(t, c, model.RoleSidecar, small)
	if got, want := cl.order(2), []string{"scoped_routes", "clusters"}; !slices.Equal(got, want) {
		t.Errorf("removing a service pushed %v, want %v: clusters outlive the routes to them", got, want)
	}
	cl.quiet("removing endpoints, which state-of-the-world clients learn from the clusters")
}

// order receives n responses and returns their kinds in order.
func (cl *client) order(n int) []string {
	cl.t.Helper()
	var out []string
	for range n {
		select {
		case r := <-cl.ch:
			out = append(out, translators.KindName(r.GetRequest().GetTypeUrl()))
			cl.ack(r)
		case <-time.After(time.Second):
			cl.t.Fatalf("after %v: no response within 1s", out)
		}
	}
	return out
}

func kindsByName() map[string]translators.Kind {
	out := map[string]translators.Kind{}
	for _, k := range translators.Kinds() {
		out[k.Name] = k
	}
	return out
}

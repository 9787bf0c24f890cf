package snapshot

import (
	"slices"
	"strings"
	"testing"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// sidecarBuilds builds sidecar snapshots in pieces, as the pipeline does.
type sidecarBuilds struct {
	t *testing.T
	b *Builder
}

func (s sidecarBuilds) of(c *model.Config) *Snapshot {
	s.t.Helper()
	res, err := translators.Translate(c, model.RoleSidecar, translators.PiecesOnly())
	if err != nil {
		s.t.Fatal(err)
	}
	snap, err := s.b.Build(res)
	if err != nil {
		s.t.Fatal(err)
	}
	return snap
}

// newSidecar is a sidecar client that names its egress.
func newSidecar(t *testing.T, c *Cache, egress ...any) *client {
	cl := newClient(t, c, model.RoleSidecar)
	md, _ := structpb.NewStruct(map[string]any{"role": "sidecar", EgressMetadataKey: egress})
	cl.node.Metadata = md
	return cl
}

// withVersion adds a version to service i.
func withVersion(c *model.Config, i int, name string) *model.Config {
	c = c.DeepCopy()
	s := &c.Services[i]
	s.Versions = append(s.Versions, model.Version{Name: name, Endpoints: []model.Endpoint{{Address: "10.0.9.9"}}})
	c.Normalize()
	return c
}

func TestSidecarWithEgressGetsOnlyWhatItCalls(t *testing.T) {
	c, k := NewCache(nil), kindsByName()
	builds := sidecarBuilds{t, NewBuilder()}
	publish(t, c, model.RoleSidecar, builds.of(config(0)))
	scoped, all := newSidecar(t, c, "default/b"), newClient(t, c, model.RoleSidecar)
	for _, cl := range []*client{scoped, all} {
		cl.watch(k["clusters"].URL, "")
	}
	if got := names(scoped.recv()); !slices.Equal(got, []string{"b.default:80/v1"}) {
		t.Errorf("a sidecar calling b got clusters %v", got)
	}
	if got := names(all.recv()); len(got) != 3 {
		t.Errorf("a sidecar calling every service got clusters %v, want 3", got)
	}
	scoped.watch(k["scoped_routes"].URL, "")
	for _, name := range names(scoped.recv()) {
		if !strings.HasPrefix(name, translators.SidecarHTTPListener+"/b") {
			t.Errorf("a sidecar calling b got scope %s", name)
		}
	}

	publish(t, c, model.RoleSidecar, builds.of(withVersion(config(0), 0, "v3")))
	if got := names(all.recv()); len(got) != 4 {
		t.Errorf("after a's new version, a sidecar calling every service got clusters %v, want 4", got)
	}
	scoped.quiet("a new version of a to a sidecar calling b")

	publish(t, c, model.RoleSidecar, builds.of(withVersion(withVersion(config(0), 0, "v3"), 1, "v2")))
	if got := names(scoped.recv()); !slices.Equal(got, []string{"b.default:80/v1", "b.default:80/v2"}) {
		t.Errorf("after b's new version, a sidecar calling b got clusters %v", got)
	}
	publish(t, c, model.RoleSidecar, builds.of(withoutB(config(0))))
	if got := names(scoped.next(k["clusters"].URL)); len(got) != 0 {
		t.Errorf("after b was removed, a sidecar calling b got clusters %v, want none", got)
	}
	if views, exhausted := c.EgressViews(); views != 1 || exhausted != 0 {
		t.Errorf("%d views, %d sidecars without one; want 1 and 0", views, exhausted)
	}
}

func TestEgressViewsAreBounded(t *testing.T) {
	c, k := NewCache(nil, WithEgressViews(1)), kindsByName()
	publish(t, c, model.RoleSidecar, sidecarBuilds{t, NewBuilder()}.of(config(0)))
	first := newSidecar(t, c, "default/a")
	first.watch(k["clusters"].URL, "")
	first.recv() // and watches again

	second := newSidecar(t, c, "default/b")
	second.watch(k["clusters"].URL, "")
	if got := names(second.recv()); len(got) != 3 {
		t.Errorf("with no room for its view, a sidecar got clusters %v, want every one", got)
	}
	if _, exhausted := c.EgressViews(); exhausted == 0 {
		t.Error("a sidecar served without its view was not counted")
	}

	first.stop() // its stream ended: the view of a is idle
	req := &discoveryv3.DiscoveryRequest{Node: newSidecar(t, c, "default/b").node, TypeUrl: k["clusters"].URL}
	if got := c.ResponseVersion(model.RoleSidecar, req, "7"); got != "7" {
		t.Errorf("versioning a response of a view that is gone gave %q, want the cache's own version", got)
	}
	if _, ok := c.views.byID["default/b"]; ok {
		t.Error("versioning a response made a view")
	}
	third := newSidecar(t, c, "default/b")
	third.watch(k["clusters"].URL, "")
	if got := names(third.recv()); !slices.Equal(got, []string{"b.default:80/v1"}) {
		t.Errorf("an idle view did not make way: a sidecar calling b got clusters %v", got)
	}
}

// next receives responses, acknowledged, until one of the type.
func (cl *client) next(typeURL string) *discoveryv3.DiscoveryResponse {
	cl.t.Helper()
	for {
		if r := cl.recv(); r.GetTypeUrl() == typeURL {
			return r
		}
	}
}

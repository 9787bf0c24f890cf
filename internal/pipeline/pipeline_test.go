package pipeline

import (
	"context"
	"errors"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"testing"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

func service(name string, port uint32) model.Service {
	return model.Service{Name: name, Port: port, Versions: []model.Version{{Name: "v1", Endpoints: []model.Endpoint{{Address: "10.0.0.1"}}}}}
}

func newPipeline(sources ...string) (*Pipeline, *snapshot.Cache, *metrics.Metrics) {
	cache, m := snapshot.NewCache(nil), metrics.New()
	return New(cache, m, WithSources(sources...)), cache, m
}

// built runs the build a publication asked for, as Start does.
func built(p *Pipeline) {
	select {
	case <-p.kick:
		p.rebuild()
	default:
	}
}

func clusters(c *snapshot.Cache, role model.Role) int {
	if s := c.Current(role); s != nil {
		return len(s.Resources(types.Cluster))
	}
	return -1
}

func TestWaitsForEverySourceThenMerges(t *testing.T) {
	p, cache, _ := newPipeline("file", "kubernetes")
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80)}})
	built(p)
	if clusters(cache, model.RoleSidecar) != -1 || p.Status().Ready {
		t.Fatal("published before every source had published")
	}
	// A gateway in one source may route to a service of the other.
	p.Publish("kubernetes", &model.Config{
		Services: []model.Service{service("b", 80)},
		Gateways: []model.Gateway{{Name: "gw", Port: 8080, Routes: []model.GatewayRoute{{
			Match: model.RouteMatch{PathPrefix: "/"}, Service: model.ServiceRef{Name: "a"},
		}}}},
	})
	built(p)
	select {
	case <-p.Ready():
	default:
		t.Fatal("not ready after every source published")
	}
	if n := clusters(cache, model.RoleSidecar); n != 2 {
		t.Errorf("sidecar has %d clusters, want both sources' services", n)
	}
}

func TestRejectionsKeepTheLastGoodSnapshot(t *testing.T) {
	p, cache, m := newPipeline("file")
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80)}})
	built(p)
	good := cache.Current(model.RoleGRPC)

	p.Reject("file", errors.Join(&model.Error{Pos: "f.yaml:3", Message: "bad"}, &model.Error{Pos: "f.yaml:9", Message: "worse"}))
	st := p.Status()
	if st.OK() || len(st.Rejected["file"]) != 2 || testutil.ToFloat64(m.ConfigValid) != 0 {
		t.Errorf("status after a rejection: %+v", st)
	}
	// A configuration that parses but does not validate is not served either.
	bad := service("a", 80)
	bad.Versions[0].Lane = "nope"
	p.Publish("file", &model.Config{Services: []model.Service{bad}})
	built(p)
	if cache.Current(model.RoleGRPC) != good {
		t.Error("an invalid configuration replaced the snapshot")
	}
	if st := p.Status(); len(st.BuildErrors) != 2 || len(st.Rejected) != 0 {
		t.Errorf("status after an invalid configuration: %+v", st)
	}
	if got := testutil.ToFloat64(m.ConfigErrors.WithLabelValues("file")); got != 2 {
		t.Errorf("config errors = %v, want 2", got)
	}
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80), service("b", 80)}})
	built(p)
	if st := p.Status(); !st.OK() || clusters(cache, model.RoleGRPC) != 2 || testutil.ToFloat64(m.ConfigValid) != 1 {
		t.Errorf("a fixed configuration did not clear the errors: %+v", st)
	}
}

func TestWarningsAreShownUntilCleared(t *testing.T) {
	p, _, m := newPipeline("kubernetes")
	p.Publish("kubernetes", &model.Config{})
	built(p)
	p.Warn("kubernetes", errors.New("Service default/a: annotation graylane.io/timeout: bad duration"))
	p.Warn("kubernetes", errors.New("Service default/a: annotation graylane.io/timeout: bad duration"))
	if st := p.Status(); st.OK() || len(st.Warnings["kubernetes"]) != 1 {
		t.Errorf("status with a warning: %+v", st)
	}
	if n := testutil.ToFloat64(m.ConfigErrors.WithLabelValues("kubernetes")); n != 1 {
		t.Errorf("the same warning twice counted %v times, want once", n)
	}
	p.Warn("kubernetes", nil)
	if st := p.Status(); !st.OK() {
		t.Errorf("status after clearing: %+v", st)
	}
}

// blockingFilters holds a build of the edge role until released.
type blockingFilters struct{ release chan struct{} }

func (f blockingFilters) EdgeFilters(*model.Config, *model.Gateway) ([]*hcmv3.HttpFilter, []*corev3.TypedExtensionConfig, error) {
	<-f.release
	return nil, nil, nil
}

func TestStatusAndReadinessDoNotWaitForABuild(t *testing.T) {
	cache, m := snapshot.NewCache(nil), metrics.New()
	f := blockingFilters{release: make(chan struct{})}
	p := New(cache, m, WithSources("file"), WithTranslatorOptions(translators.WithEdgeFilters(f)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- p.Start(ctx) }()
	p.Publish("file", &model.Config{
		Services: []model.Service{service("a", 80)},
		Gateways: []model.Gateway{{Name: "gw", Port: 8080, Routes: []model.GatewayRoute{{Service: model.ServiceRef{Name: "a"}}}}},
	})
	answered := make(chan Status)
	go func() { answered <- p.Status() }()
	select {
	case st := <-answered:
		if st.Ready {
			t.Error("ready before the first build finished")
		}
	case <-time.After(time.Second):
		t.Error("Status waited for a build")
	}
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80), service("b", 80)}})
	close(f.release)
	select {
	case <-p.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("not ready after the build was released")
	}
	eventually(t, func() bool { return clusters(cache, model.RoleSidecar) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start: %v", err)
	}
}

func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

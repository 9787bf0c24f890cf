package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
)

func observed(sources ...string) (*Pipeline, *snapshot.Cache, *metrics.Metrics, *observer.ObservedLogs) {
	core, logs := observer.New(zap.InfoLevel)
	cache, m := snapshot.NewCache(nil), metrics.New()
	return New(cache, m, WithSources(sources...), WithLogger(zap.New(core))), cache, m, logs
}

func configErrors(m *metrics.Metrics, source string) float64 {
	return testutil.ToFloat64(m.ConfigErrors.WithLabelValues(source))
}

func TestASourceEmptiedByAccidentKeepsItsServices(t *testing.T) {
	p, cache, m, logs := observed("file")
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80), service("b", 80)}})
	built(p)
	good := cache.Current(model.RoleSidecar)

	emptied := &model.Config{Origin: model.NewOrigin("c.yaml:1", map[string]string{"services": "c.yaml:3"})}
	p.Publish("file", emptied)
	built(p)
	p.Publish("file", emptied)
	if cache.Current(model.RoleSidecar) != good {
		t.Fatal("a configuration without services withdrew the served ones")
	}
	st := p.Status()
	want := "c.yaml:3: the configuration has no services, while 2 of this source's are served"
	if len(st.Rejected["file"]) != 1 || !strings.HasPrefix(st.Rejected["file"][0], want) {
		t.Errorf("status: %+v\nwant a rejection starting %q", st, want)
	}
	if n := configErrors(m, "file"); n != 1 || logs.FilterMessage("configuration rejected").Len() != 1 {
		t.Errorf("the same emptied configuration twice: counted %v, logged %d; want once", n, logs.FilterMessage("configuration rejected").Len())
	}

	// Said explicitly, it withdraws them.
	p.Publish("file", &model.Config{NoServices: true})
	built(p)
	if n := clusters(cache, model.RoleSidecar); n != 0 || !p.Status().OK() {
		t.Errorf("services: none left %d clusters, status %+v", n, p.Status())
	}
	if logs.FilterMessage("configuration accepted again").Len() != 1 {
		t.Error("the fixed configuration was not logged")
	}
	// Nothing is served any more: no services is no accident now.
	p.Publish("file", &model.Config{})
	built(p)
	if !p.Status().OK() {
		t.Errorf("status: %+v", p.Status())
	}
}

func TestEachSourceKeepsItsOwnServices(t *testing.T) {
	p, cache, _, _ := observed("file", "kubernetes")
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80)}})
	built(p)
	p.Publish("kubernetes", &model.Config{Services: []model.Service{service("b", 80)}})
	built(p)
	// The merged configuration would still have b, but a would be gone.
	p.Publish("file", &model.Config{})
	built(p)
	if n := clusters(cache, model.RoleSidecar); n != 2 || len(p.Status().Rejected["file"]) != 1 {
		t.Errorf("the file source emptied: %d clusters, status %+v", n, p.Status())
	}
	// A source that never had services may have none.
	p2, _, _, _ := observed("file", "kubernetes")
	p2.Publish("file", &model.Config{Gateways: nil})
	built(p2)
	p2.Publish("kubernetes", &model.Config{Services: []model.Service{service("b", 80)}})
	p2.Publish("file", &model.Config{LaneHeader: "x-lane"})
	built(p2)
	if !p2.Status().OK() {
		t.Errorf("a file of settings only was rejected: %+v", p2.Status())
	}
}

func TestTheSameProblemsAreLoggedAndCountedOnce(t *testing.T) {
	p, _, m, logs := observed("file", "kubernetes")
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80)}})
	built(p)
	p.Publish("kubernetes", &model.Config{})
	broken := errors.Join(&model.Error{Pos: "f.yaml:3", Message: "bad"}, &model.Error{Pos: "f.yaml:9", Message: "worse"})
	for range 3 {
		p.Reject("file", broken)
	}
	if n, lines := configErrors(m, "file"), logs.FilterMessage("configuration rejected").Len(); n != 1 || lines != 2 {
		t.Errorf("one rejection made 3 times: counted %v, logged %d lines; want 1 and 2", n, lines)
	}
	p.Reject("file", &model.Error{Pos: "f.yaml:3", Message: "bad"})
	if n := configErrors(m, "file"); n != 2 {
		t.Errorf("a different rejection counted %v in all, want 2", n)
	}

	// A merged configuration that does not validate, rebuilt by another
	// source's changes, is logged and counted once too.
	bad := service("c", 80)
	bad.Versions[0].Lane = "nope"
	p.Publish("file", &model.Config{Services: []model.Service{service("a", 80), bad}})
	built(p)
	for range 3 {
		p.Publish("kubernetes", &model.Config{})
		built(p)
	}
	if n := configErrors(m, "kubernetes") + configErrors(m, "file"); n != 3 {
		t.Errorf("an invalid merge rebuilt 4 times counted %v configuration errors in all, want 3", n)
	}
	if n := testutil.ToFloat64(m.SnapshotBuildErrors); n != 4 {
		t.Errorf("%v failed builds counted, want 4", n)
	}
	if logs.FilterMessage("configuration accepted again").Len() != 0 {
		t.Error("accepted again while still broken")
	}
}

func TestAFixLogsEvenWhenItChangesNoSnapshot(t *testing.T) {
	p, _, _, logs := observed("file")
	good := &model.Config{Services: []model.Service{service("a", 80)}}
	p.Publish("file", good)
	built(p)
	p.Reject("file", &model.Error{Pos: "f.yaml:1", Message: "bad"})
	p.Publish("file", good)
	built(p)
	entries := logs.FilterMessage("configuration accepted again").All()
	if len(entries) != 1 || entries[0].ContextMap()["source"] != "file" {
		t.Errorf("fixing the file logged %v", entries)
	}
	if logs.FilterMessage("snapshots published").Len() != 1 {
		t.Error("an unchanged snapshot was published again")
	}
}

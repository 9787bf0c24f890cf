package pipeline

import (
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/graylane/graylane/model"
)

func laneConfig(canaryEndpoints ...model.Endpoint) *model.Config {
	s := service("web", 80)
	s.Versions = append(s.Versions, model.Version{Name: "v2", Lane: "canary", Endpoints: canaryEndpoints})
	return &model.Config{Lanes: []model.Lane{{Name: "canary"}}, Services: []model.Service{s}}
}

func TestLaneFallbackIsReported(t *testing.T) {
	p, _, m := newPipeline("file")
	gaugeOf := func() float64 { return testutil.ToFloat64(m.LaneFallback.WithLabelValues("web.default:80", "v2")) }

	p.Publish("file", laneConfig(model.Endpoint{Address: "10.0.0.2"}))
	built(p)
	if got := gaugeOf(); got != 0 || len(p.Status().LaneFallbacks) != 0 {
		t.Errorf("with an endpoint: gauge %v, status %v", got, p.Status().LaneFallbacks)
	}
	p.Publish("file", laneConfig())
	built(p)
	if got := gaugeOf(); got != 1 || !slices.Equal(p.Status().LaneFallbacks, []string{"web.default:80/v2"}) {
		t.Errorf("without endpoints: gauge %v, status %v", got, p.Status().LaneFallbacks)
	}
	p.Publish("file", laneConfig(model.Endpoint{Address: "10.0.0.3"}))
	built(p)
	if got := gaugeOf(); got != 0 || len(p.Status().LaneFallbacks) != 0 {
		t.Errorf("with an endpoint again: gauge %v, status %v", got, p.Status().LaneFallbacks)
	}
	p.Publish("file", &model.Config{Services: []model.Service{service("other", 80)}})
	built(p)
	if n := testutil.CollectAndCount(m.LaneFallback); n != 0 {
		t.Errorf("%d fallback series left after the lane version went away", n)
	}
}

package file

import (
	"maps"
	"testing"

	"github.com/graylane/graylane/model"
)

func TestRouteRuleVersionIsAWholeSplit(t *testing.T) {
	cfg, err := Parse("a.yaml", []byte(`
services:
  - name: reviews
    port: 9080
    versions: [{name: v1}, {name: v2}]
    routes:
      - match: {pathPrefix: /beta}
        version: v2
      - match: {pathPrefix: /both}
        version: v2
        weights: {v1: 50, v2: 50}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs := cfg.Services[0].Routes
	if want := map[string]model.Weight{"v2": model.WeightFull}; !maps.Equal(rs[0].Weights, want) {
		t.Errorf("version: v2 became weights %v, want %v", rs[0].Weights, want)
	}
	cfg.Normalize()
	if err := model.Validate(cfg); err == nil {
		t.Error("version with weights validated; the split no longer makes 100%")
	}
}

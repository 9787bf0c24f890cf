package kubernetes

import (
	"github.com/graylane/graylane/model"
)

// validate checks lanes, services and gateways as the pipeline will:
// normalized, by model.Validate. None is modified.
func validate(lanes []model.Lane, services []model.Service, gateways []model.Gateway) error {
	cfg := (&model.Config{Lanes: lanes, Services: services, Gateways: gateways}).DeepCopy()
	cfg.Normalize()
	return model.Validate(cfg)
}

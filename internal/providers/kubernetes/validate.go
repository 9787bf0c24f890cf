package kubernetes

import (
	"github.com/graylane/graylane/model"
)

// validate checks lanes and services as the pipeline will: normalized, by
// model.Validate. Neither is modified.
func validate(lanes []model.Lane, services []model.Service) error {
	cfg := (&model.Config{Lanes: lanes, Services: services}).DeepCopy()
	cfg.Normalize()
	return model.Validate(cfg)
}

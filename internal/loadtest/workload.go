package loadtest

import (
	"fmt"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
)

// Change kinds.
const (
	// ChangeWeight changes the split of one service that gRPC clients use.
	ChangeWeight = "weight"
	// ChangeEndpoint moves an endpoint of that service.
	ChangeEndpoint = "endpoint"
	// ChangeUnrelated changes the split of the one service no gRPC client
	// uses.
	ChangeUnrelated = "unrelated"
)

// ChangeKinds lists the change kinds, in the order a run makes them.
func ChangeKinds() []string { return []string{ChangeWeight, ChangeEndpoint, ChangeUnrelated} }

// workload is the configuration served: benchconfig's n services, changed
// one service at a time. gRPC clients dial every service but the last,
// which the unrelated change changes.
type workload struct {
	cfg *model.Config
}

func newWorkload(services int) (*workload, error) {
	if services < 2 {
		return nil, fmt.Errorf("%d services: want at least 2 (one is used by no gRPC client)", services)
	}
	return &workload{cfg: benchconfig.Generate(services)}, nil
}

// dialed are the listeners gRPC clients dial: every service's but the
// last.
func (w *workload) dialed() []string {
	var out []string
	for i := range len(w.cfg.Services) - 1 {
		out = append(out, w.cfg.Services[i].Key())
	}
	return out
}

// change makes a change of the kind and returns the service it changed.
func (w *workload) change(kind string) (string, error) {
	switch kind {
	case ChangeWeight:
		return w.flipWeights(0), nil
	case ChangeEndpoint:
		s := &w.cfg.Services[0]
		s.Versions[0].Endpoints[0].Port++
		return s.Key(), nil
	case ChangeUnrelated:
		return w.flipWeights(len(w.cfg.Services) - 1), nil
	}
	return "", fmt.Errorf("unknown change %q: want one of %v", kind, ChangeKinds())
}

// flipWeights moves a service's split from 90/10 to 50/50 and back.
func (w *workload) flipWeights(i int) string {
	s := &w.cfg.Services[i]
	if s.Weights["v1"] == 5000 {
		s.Weights = map[string]model.Weight{"v1": 9000, "v2": 1000}
	} else {
		s.Weights = map[string]model.Weight{"v1": 5000, "v2": 5000}
	}
	return s.Key()
}

// yaml writes the configuration in the file format.
func (w *workload) yaml() ([]byte, error) { return benchconfig.YAML(w.cfg) }

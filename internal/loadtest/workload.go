package loadtest

import (
	"fmt"
	"maps"

	yaml "go.yaml.in/yaml/v4"

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

// The configuration file's format, the part of it the workload uses.
type (
	docFile struct {
		LaneHeader string       `yaml:"laneHeader,omitempty"`
		Lanes      []docLane    `yaml:"lanes"`
		Services   []docService `yaml:"services"`
		Gateways   []docGateway `yaml:"gateways"`
	}
	docLane struct {
		Name   string     `yaml:"name"`
		Weight float64    `yaml:"weight"`
		Sticky *docSticky `yaml:"sticky,omitempty"`
	}
	docSticky struct {
		Header string `yaml:"header"`
	}
	docService struct {
		Name      string             `yaml:"name"`
		Namespace string             `yaml:"namespace"`
		Port      uint32             `yaml:"port"`
		Protocol  string             `yaml:"protocol"`
		Versions  []docVersion       `yaml:"versions"`
		Weights   map[string]float64 `yaml:"weights,omitempty"`
		Policy    docPolicy          `yaml:"policy"`
	}
	docVersion struct {
		Name      string        `yaml:"name"`
		Lane      string        `yaml:"lane,omitempty"`
		Endpoints []docEndpoint `yaml:"endpoints,flow"`
	}
	docEndpoint struct {
		Address string `yaml:"address"`
		Port    uint32 `yaml:"port,omitempty"`
		Weight  uint32 `yaml:"weight,omitempty"`
		Zone    string `yaml:"zone,omitempty"`
	}
	docPolicy struct {
		Timeout string      `yaml:"timeout,omitempty"`
		Retries *docRetries `yaml:"retries,omitempty,flow"`
	}
	docRetries struct {
		Attempts uint32 `yaml:"attempts"`
	}
	docGateway struct {
		Name   string     `yaml:"name"`
		Port   uint32     `yaml:"port"`
		Routes []docRoute `yaml:"routes"`
	}
	docRoute struct {
		Match   docMatch `yaml:"match,flow"`
		Service string   `yaml:"service"`
	}
	docMatch struct {
		PathPrefix string `yaml:"pathPrefix"`
	}
)

// yaml writes the configuration in the file format.
func (w *workload) yaml() ([]byte, error) {
	d := docFile{LaneHeader: w.cfg.LaneHeader}
	for _, l := range w.cfg.Lanes {
		dl := docLane{Name: l.Name, Weight: l.Weight.Percent()}
		if l.Sticky != nil {
			dl.Sticky = &docSticky{Header: l.Sticky.Header}
		}
		d.Lanes = append(d.Lanes, dl)
	}
	for i := range w.cfg.Services {
		d.Services = append(d.Services, serviceDoc(&w.cfg.Services[i]))
	}
	for _, g := range w.cfg.Gateways {
		dg := docGateway{Name: g.Name, Port: g.Port}
		for _, r := range g.Routes {
			dg.Routes = append(dg.Routes, docRoute{Match: docMatch{PathPrefix: r.Match.PathPrefix},
				Service: r.Service.Name + "." + r.Service.Namespace})
		}
		d.Gateways = append(d.Gateways, dg)
	}
	return yaml.Marshal(d)
}

func serviceDoc(s *model.Service) docService {
	ds := docService{Name: s.Name, Namespace: s.Namespace, Port: s.Port, Protocol: string(s.Protocol)}
	if len(s.Weights) > 0 {
		ds.Weights = map[string]float64{}
		for v, wt := range maps.All(s.Weights) {
			ds.Weights[v] = wt.Percent()
		}
	}
	if s.Policy.Timeout > 0 {
		ds.Policy.Timeout = s.Policy.Timeout.String()
	}
	if s.Policy.Retries != nil {
		ds.Policy.Retries = &docRetries{Attempts: s.Policy.Retries.Attempts}
	}
	for _, v := range s.Versions {
		dv := docVersion{Name: v.Name, Lane: v.Lane}
		for _, e := range v.Endpoints {
			dv.Endpoints = append(dv.Endpoints, docEndpoint{Address: e.Address, Port: e.Port, Weight: e.Weight, Zone: e.Zone})
		}
		ds.Versions = append(ds.Versions, dv)
	}
	return ds
}

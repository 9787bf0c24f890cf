package benchconfig

import (
	"maps"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// The configuration file's format, the part of it the benchmark
// configurations use.
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

// YAML writes a configuration of the kind Generate makes in the file
// format (lanes, services with their versions, weights, timeout and
// retries, gateways with path-prefix routes).
func YAML(c *model.Config) ([]byte, error) {
	d := docFile{LaneHeader: c.LaneHeader}
	for _, l := range c.Lanes {
		dl := docLane{Name: l.Name, Weight: l.Weight.Percent()}
		if l.Sticky != nil {
			dl.Sticky = &docSticky{Header: l.Sticky.Header}
		}
		d.Lanes = append(d.Lanes, dl)
	}
	for i := range c.Services {
		d.Services = append(d.Services, serviceDoc(&c.Services[i]))
	}
	for _, g := range c.Gateways {
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

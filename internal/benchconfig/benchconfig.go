// Package benchconfig generates large configurations for benchmarks: n
// services of three versions (a baseline and two lanes) with three
// endpoints each, and a gateway that routes to every service; and writes
// them in the file format.
package benchconfig

import (
	"fmt"

	"github.com/graylane/graylane/model"
)

// Generate returns a normalized, valid configuration of n services.
func Generate(n int) *model.Config {
	c := &model.Config{
		Lanes: []model.Lane{
			{Name: "canary", Weight: 1000, Sticky: &model.Sticky{Header: "x-user-id"}},
			{Name: "beta", Weight: 100},
		},
	}
	gw := model.Gateway{Name: "public", Port: 8080}
	for i := range n {
		name := fmt.Sprintf("svc-%05d", i)
		c.Services = append(c.Services, service(name, i))
		gw.Routes = append(gw.Routes, model.GatewayRoute{
			Match:   model.RouteMatch{PathPrefix: "/" + name},
			Service: model.ServiceRef{Name: name},
		})
	}
	c.Gateways = []model.Gateway{gw}
	c.Normalize()
	if err := model.Validate(c); err != nil {
		panic(err)
	}
	return c
}

func service(name string, i int) model.Service {
	s := model.Service{
		Name: name, Port: 8080, Protocol: model.ProtocolHTTP,
		Weights: map[string]model.Weight{"v1": 9000, "v2": 1000},
		Policy:  model.Policy{Timeout: 5e9, Retries: &model.Retries{Attempts: 2}},
	}
	for v, lane := range []string{"", "canary", "beta"} {
		ver := model.Version{Name: fmt.Sprintf("v%d", v+1), Lane: lane}
		for e := range 3 {
			ver.Endpoints = append(ver.Endpoints, model.Endpoint{
				Address: fmt.Sprintf("10.%d.%d.%d", i/250, i%250, v*3+e+1), Zone: fmt.Sprintf("zone-%d", e%2),
			})
		}
		s.Versions = append(s.Versions, ver)
	}
	return s
}

package file

import (
	"time"

	"github.com/graylane/graylane/model"
)

// toModel converts a decoded document; t is its node tree.
func toModel(doc *document, t tree) *model.Config {
	c := &model.Config{
		LaneHeader:     doc.LaneHeader,
		LaneBaggageKey: doc.LaneBaggageKey,
		SidecarPort:    doc.SidecarPort,
		Origin:         t.origin(),
	}
	for i := range doc.Lanes {
		c.Lanes = append(c.Lanes, toLane(&doc.Lanes[i], t.key("lanes").item(i)))
	}
	for i := range doc.Services {
		c.Services = append(c.Services, toService(&doc.Services[i], t.key("services").item(i)))
	}
	for i := range doc.Gateways {
		c.Gateways = append(c.Gateways, toGateway(&doc.Gateways[i], t.key("gateways").item(i)))
	}
	return c
}

func toLane(d *laneDoc, t tree) model.Lane {
	l := model.Lane{Name: d.Name, Weight: model.Weight(d.Weight), Origin: t.origin()}
	if s := d.Sticky; s != nil {
		l.Sticky = &model.Sticky{Header: s.Header, Cookie: s.Cookie, CookieMaxAge: time.Duration(s.MaxAge)}
	}
	for _, m := range d.Match {
		l.Match = append(l.Match, model.MatchRule{Header: toNameValue(m.Header), Cookie: toNameValue(m.Cookie)})
	}
	return l
}

func toNameValue(d *nameValueDoc) *model.NameValue {
	if d == nil {
		return nil
	}
	return &model.NameValue{Name: d.Name, Value: d.Value}
}

func toService(d *serviceDoc, t tree) model.Service {
	s := model.Service{
		Name: d.Name, Namespace: d.Namespace, Port: d.Port,
		Protocol: model.Protocol(d.Protocol), Origin: t.origin(),
	}
	for i, v := range d.Versions {
		vt := t.key("versions").item(i)
		ver := model.Version{Name: v.Name, Lane: v.Lane, Origin: vt.origin()}
		for j, e := range v.Endpoints {
			ver.Endpoints = append(ver.Endpoints, model.Endpoint{
				Address: e.Address, Port: e.Port, Weight: e.Weight, Zone: e.Zone,
				Origin: vt.key("endpoints").item(j).origin(),
			})
		}
		s.Versions = append(s.Versions, ver)
	}
	for i, m := range d.Match {
		sm := model.ServiceMatch{Version: m.Version, Origin: t.key("match").item(i).origin()}
		for _, h := range m.Headers {
			sm.Headers = append(sm.Headers, model.NameValue{Name: h.Name, Value: h.Value})
		}
		s.Matches = append(s.Matches, sm)
	}
	if len(d.Weights) > 0 {
		s.Weights = make(map[string]model.Weight, len(d.Weights))
		for name, w := range d.Weights {
			s.Weights[name] = model.Weight(w)
		}
	}
	if d.Policy != nil {
		s.Policy = toPolicy(d.Policy)
	}
	return s
}

func toGateway(d *gatewayDoc, t tree) model.Gateway {
	g := model.Gateway{Name: d.Name, Port: d.Port, TrustLaneHeader: d.TrustLaneHeader, Origin: t.origin()}
	for i, r := range d.Routes {
		route := model.GatewayRoute{
			Match:   model.RouteMatch{PathPrefix: r.Match.PathPrefix, Path: r.Match.Path},
			Service: parseServiceRef(r.Service, r.Port),
			Origin:  t.key("routes").item(i).origin(),
		}
		for _, h := range r.Match.Headers {
			route.Match.Headers = append(route.Match.Headers, model.NameValue{Name: h.Name, Value: h.Value})
		}
		g.Routes = append(g.Routes, route)
	}
	return g
}

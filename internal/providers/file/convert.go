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
		Origin:         t.topOrigin(),
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
		Protocol: model.Protocol(d.Protocol), Origin: t.origin("versions", "match", "routes", "mirror"),
	}
	for i, v := range d.Versions {
		vt := t.key("versions").item(i)
		ver := model.Version{Name: v.Name, Lane: v.Lane, Origin: vt.origin("endpoints")}
		for j, e := range v.Endpoints {
			ver.Endpoints = append(ver.Endpoints, model.Endpoint{
				Address: e.Address, Port: e.Port, Weight: uint32(e.Weight), Zone: e.Zone,
				Origin: vt.key("endpoints").item(j).origin(),
			})
		}
		s.Versions = append(s.Versions, ver)
	}
	for i, m := range d.Match {
		sm := model.ServiceMatch{Version: m.Version, Origin: t.key("match").item(i).origin()}
		sm.Headers = toNameValues(m.Headers)
		s.Matches = append(s.Matches, sm)
	}
	s.Weights = toWeights(d.Weights)
	for i := range d.Routes {
		s.Routes = append(s.Routes, toServiceRoute(&d.Routes[i], t.key("routes").item(i)))
	}
	s.Mirrors = toMirrors(d.Mirror, t.key("mirror"))
	if d.Policy != nil {
		s.Policy = toPolicy(d.Policy)
	}
	return s
}

func toGateway(d *gatewayDoc, t tree) model.Gateway {
	g := model.Gateway{Name: d.Name, Port: d.Port, TrustLaneHeader: d.TrustLaneHeader, Origin: t.origin("routes", "tls.certificates")}
	if d.TLS != nil {
		g.TLS = toTLS(d.TLS, t.key("tls"))
	}
	for i := range d.Routes {
		g.Routes = append(g.Routes, toRoute(&d.Routes[i], t.key("routes").item(i)))
	}
	return g
}

func toRoute(r *routeDoc, t tree) model.GatewayRoute {
	return model.GatewayRoute{
		Hostnames: r.Hostnames,
		Match:     toMatch(&r.Match),
		Service:   parseServiceRef(r.Service, r.Port),
		Weights:   toWeights(r.Weights),
		Action:    toAction(&r.actionDoc, t),
		Origin:    t.origin("mirror"),
	}
}

// toTLS converts a gateway's TLS settings. Certificate files are relative
// to the configuration file's folder; Read reads them.
func toTLS(d *tlsDoc, t tree) *model.GatewayTLS {
	out := &model.GatewayTLS{RedirectPort: d.RedirectPort}
	for i, c := range d.Certificates {
		cert := model.Certificate{Name: c.Name, Hostnames: c.Hostnames, Origin: t.key("certificates").item(i).origin()}
		cert.CertFile, cert.KeyFile = t.relative(c.CertFile), t.relative(c.KeyFile)
		cert.From = cert.CertFile + ", " + cert.KeyFile
		out.Certificates = append(out.Certificates, cert)
	}
	return out
}

func toMatch(d *routeMatchDoc) model.RouteMatch {
	return model.RouteMatch{
		PathPrefix: d.PathPrefix, Path: d.Path, PathRegex: d.PathRegex,
		Headers: toValueMatches(d.Headers), Query: toValueMatches(d.Query), Method: d.Method,
	}
}

func toValueMatches(ds []valueMatchDoc) []model.ValueMatch {
	var out []model.ValueMatch
	for _, d := range ds {
		out = append(out, model.ValueMatch{Name: d.Name, Value: d.Value, Regex: d.Regex})
	}
	return out
}

// toServiceRoute converts a service's route rule; version: V is short for
// weights: {V: 100} (written with weights, the two are added and the
// weights no longer make 100).
func toServiceRoute(d *serviceRouteDoc, t tree) model.ServiceRoute {
	r := model.ServiceRoute{Weights: toWeights(d.Weights), Action: toAction(&d.actionDoc, t), Origin: t.origin("mirror")}
	if d.Version != "" {
		if r.Weights == nil {
			r.Weights = map[string]model.Weight{}
		}
		r.Weights[d.Version] += model.WeightFull
	}
	if d.Match != nil {
		r.Matches = []model.RouteMatch{toMatch(d.Match)}
	}
	return r
}

func toAction(d *actionDoc, t tree) model.RouteAction {
	a := model.RouteAction{
		Timeout: time.Duration(d.Timeout), BackendTimeout: time.Duration(d.BackendTimeout),
		RequestHeaders: toHeaderModifier(d.RequestHeaders), ResponseHeaders: toHeaderModifier(d.ResponseHeaders),
		Mirrors: toMirrors(d.Mirror, t.key("mirror")),
	}
	if r := d.Rewrite; r != nil {
		a.Rewrite = &model.Rewrite{Hostname: r.Hostname, FullPath: r.FullPath, PathPrefix: r.PathPrefix}
	}
	return a
}

func toHeaderModifier(d *headerModifierDoc) *model.HeaderModifier {
	if d == nil {
		return nil
	}
	return &model.HeaderModifier{Set: toNameValues(d.Set), Add: toNameValues(d.Add), Remove: d.Remove}
}

func toNameValues(ds []nameValueDoc) []model.NameValue {
	var out []model.NameValue
	for _, d := range ds {
		out = append(out, model.NameValue{Name: d.Name, Value: d.Value})
	}
	return out
}

func toMirrors(ds []mirrorDoc, t tree) []model.Mirror {
	var out []model.Mirror
	for i, d := range ds {
		out = append(out, model.Mirror{Version: d.Version, Percent: model.Weight(d.Percent), Origin: t.item(i).origin()})
	}
	return out
}

func toWeights(ws map[string]percent) map[string]model.Weight {
	if len(ws) == 0 {
		return nil
	}
	out := make(map[string]model.Weight, len(ws))
	for name, w := range ws {
		out[name] = model.Weight(w)
	}
	return out
}

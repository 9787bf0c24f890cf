package model

import (
	"maps"
	"slices"
)

// DeepCopy returns a copy of the configuration that shares no mutable state
// with c. Origins are immutable and shared.
func (c *Config) DeepCopy() *Config {
	if c == nil {
		return nil
	}
	out := *c
	out.Lanes = slices.Clone(c.Lanes)
	for i := range out.Lanes {
		out.Lanes[i] = c.Lanes[i].deepCopy()
	}
	out.Services = slices.Clone(c.Services)
	for i := range out.Services {
		out.Services[i] = c.Services[i].deepCopy()
	}
	out.Gateways = slices.Clone(c.Gateways)
	for i := range out.Gateways {
		out.Gateways[i] = c.Gateways[i].deepCopy()
	}
	return &out
}

func (g Gateway) deepCopy() Gateway {
	if g.TLS != nil {
		tls := *g.TLS
		tls.Certificates = slices.Clone(tls.Certificates)
		for i := range tls.Certificates {
			c := &tls.Certificates[i]
			c.Hostnames, c.Chain, c.Key = slices.Clone(c.Hostnames), slices.Clone(c.Chain), slices.Clone(c.Key)
		}
		g.TLS = &tls
	}
	g.Routes = slices.Clone(g.Routes)
	for i := range g.Routes {
		r := &g.Routes[i]
		r.Hostnames = slices.Clone(r.Hostnames)
		r.Match = r.Match.deepCopy()
		r.Weights = maps.Clone(r.Weights)
		r.Action = r.Action.deepCopy()
	}
	return g
}

func (m RouteMatch) deepCopy() RouteMatch {
	m.Headers = slices.Clone(m.Headers)
	m.Query = slices.Clone(m.Query)
	return m
}

func (a RouteAction) deepCopy() RouteAction {
	a.RequestHeaders = a.RequestHeaders.deepCopy()
	a.ResponseHeaders = a.ResponseHeaders.deepCopy()
	a.Rewrite = clonePtr(a.Rewrite)
	a.Mirrors = slices.Clone(a.Mirrors)
	return a
}

func (h *HeaderModifier) deepCopy() *HeaderModifier {
	if h == nil {
		return nil
	}
	return &HeaderModifier{Set: slices.Clone(h.Set), Add: slices.Clone(h.Add), Remove: slices.Clone(h.Remove)}
}

func (l Lane) deepCopy() Lane {
	l.Sticky = clonePtr(l.Sticky)
	l.Match = slices.Clone(l.Match)
	for i := range l.Match {
		l.Match[i].Header = clonePtr(l.Match[i].Header)
		l.Match[i].Cookie = clonePtr(l.Match[i].Cookie)
	}
	return l
}

func (s Service) deepCopy() Service {
	s.Versions = slices.Clone(s.Versions)
	for i := range s.Versions {
		s.Versions[i].Endpoints = slices.Clone(s.Versions[i].Endpoints)
	}
	s.Weights = maps.Clone(s.Weights)
	s.Mirrors = slices.Clone(s.Mirrors)
	s.Routes = slices.Clone(s.Routes)
	for i := range s.Routes {
		r := &s.Routes[i]
		r.Matches = slices.Clone(r.Matches)
		for j := range r.Matches {
			r.Matches[j] = r.Matches[j].deepCopy()
		}
		r.Weights = maps.Clone(r.Weights)
		r.Action = r.Action.deepCopy()
	}
	s.Matches = slices.Clone(s.Matches)
	for i := range s.Matches {
		s.Matches[i].Headers = slices.Clone(s.Matches[i].Headers)
	}
	p := &s.Policy
	p.HashOn = clonePtr(p.HashOn)
	p.Retries = clonePtr(p.Retries)
	if p.Retries != nil {
		p.Retries.RetryOn = slices.Clone(p.Retries.RetryOn)
	}
	p.CircuitBreaker = clonePtr(p.CircuitBreaker)
	p.OutlierDetection = clonePtr(p.OutlierDetection)
	p.RateLimit = clonePtr(p.RateLimit)
	return s
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

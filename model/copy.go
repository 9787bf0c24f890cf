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
		g := &out.Gateways[i]
		g.Routes = slices.Clone(g.Routes)
		for j := range g.Routes {
			g.Routes[j].Match.Headers = slices.Clone(g.Routes[j].Match.Headers)
		}
	}
	return &out
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

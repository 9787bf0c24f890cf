package model

import (
	"maps"
	"reflect"
	"slices"
)

// Equal reports whether s and o have the same content, origins included.
// A nil list or map equals an empty one. It is what the translators'
// memo asks of every service on every change, so it is written out field
// by field rather than left to reflection, which costs ten times as much;
// a test fails when a field is added to the model and not compared here.
// Lists that are the very same (a service copied shallowly, as Merge and
// Reuse do) are equal without a look inside.
func (s *Service) Equal(o *Service) bool {
	return s.Name == o.Name && s.Namespace == o.Namespace && s.Port == o.Port &&
		s.Protocol == o.Protocol && s.Origin == o.Origin &&
		equalFunc(s.Versions, o.Versions, Version.equal) &&
		equalFunc(s.Matches, o.Matches, ServiceMatch.equal) &&
		equalMaps(s.Weights, o.Weights) &&
		equalFunc(s.Routes, o.Routes, ServiceRoute.equal) &&
		slices.Equal(s.Mirrors, o.Mirrors) &&
		s.Policy.equal(&o.Policy)
}

// SameRouting reports whether s and o are Equal but for the endpoints of
// their versions: whether they route requests alike, which endpoint churn,
// the most frequent change, leaves as it is.
func (s *Service) SameRouting(o *Service) bool {
	a, b := *s, *o
	a.Versions, b.Versions = nil, nil
	return a.Equal(&b) && equalFunc(s.Versions, o.Versions, Version.sameButEndpoints)
}

func (v Version) sameButEndpoints(o Version) bool {
	return v.Name == o.Name && v.Lane == o.Lane && v.Origin == o.Origin
}

// equalMaps is maps.Equal, at once true for the very same map.
func equalMaps(a, b map[string]Weight) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true
	}
	return maps.Equal(a, b)
}

// equalFunc is slices.EqualFunc, at once true for the very same list.
func equalFunc[E any](a, b []E, eq func(E, E) bool) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return slices.EqualFunc(a, b, eq)
}

func (v Version) equal(o Version) bool {
	return v.Name == o.Name && v.Lane == o.Lane && v.Origin == o.Origin &&
		equalFunc(v.Endpoints, o.Endpoints, func(a, b Endpoint) bool { return a == b })
}

func (m ServiceMatch) equal(o ServiceMatch) bool {
	return m.Version == o.Version && m.Origin == o.Origin && slices.Equal(m.Headers, o.Headers)
}

func (r ServiceRoute) equal(o ServiceRoute) bool {
	return r.Origin == o.Origin && equalMaps(r.Weights, o.Weights) &&
		slices.EqualFunc(r.Matches, o.Matches, RouteMatch.equal) && r.Action.equal(&o.Action)
}

func (m RouteMatch) equal(o RouteMatch) bool {
	return m.PathPrefix == o.PathPrefix && m.Path == o.Path && m.PathRegex == o.PathRegex &&
		m.Method == o.Method && slices.Equal(m.Headers, o.Headers) && slices.Equal(m.Query, o.Query)
}

func (a *RouteAction) equal(o *RouteAction) bool {
	return a.Timeout == o.Timeout && a.BackendTimeout == o.BackendTimeout &&
		a.RequestHeaders.equal(o.RequestHeaders) && a.ResponseHeaders.equal(o.ResponseHeaders) &&
		ptrEqual(a.Rewrite, o.Rewrite) && slices.Equal(a.Mirrors, o.Mirrors)
}

func (h *HeaderModifier) equal(o *HeaderModifier) bool {
	if h == o || h == nil || o == nil {
		return h == o
	}
	return slices.Equal(h.Set, o.Set) && slices.Equal(h.Add, o.Add) && slices.Equal(h.Remove, o.Remove)
}

func (p *Policy) equal(o *Policy) bool {
	return p.LoadBalancer == o.LoadBalancer && p.ConnectTimeout == o.ConnectTimeout && p.Timeout == o.Timeout &&
		ptrEqual(p.HashOn, o.HashOn) && p.Retries.equal(o.Retries) && ptrEqual(p.CircuitBreaker, o.CircuitBreaker) &&
		ptrEqual(p.OutlierDetection, o.OutlierDetection) && ptrEqual(p.RateLimit, o.RateLimit)
}

func (r *Retries) equal(o *Retries) bool {
	if r == o || r == nil || o == nil {
		return r == o
	}
	return r.Attempts == o.Attempts && r.PerTryTimeout == o.PerTryTimeout && slices.Equal(r.RetryOn, o.RetryOn)
}

// ptrEqual reports whether p and o are both nil or point to equal values.
func ptrEqual[T comparable](p, o *T) bool {
	if p == o || p == nil || o == nil {
		return p == o
	}
	return *p == *o
}

// Equal reports whether r and o have the same content, origins included,
// as Service.Equal does.
func (r *GatewayRoute) Equal(o *GatewayRoute) bool {
	return r.Service == o.Service && r.Origin == o.Origin && slices.Equal(r.Hostnames, o.Hostnames) &&
		r.Match.equal(o.Match) && equalMaps(r.Weights, o.Weights) && r.Action.equal(&o.Action)
}

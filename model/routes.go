package model

import "time"

// RouteMatch selects requests: every condition that is set must hold. At
// most one of PathPrefix, Path and PathRegex is set; none matches any path.
type RouteMatch struct {
	PathPrefix string
	// Path is an exact path.
	Path string
	// PathRegex is an RE2 expression the whole path must match.
	PathRegex string
	Headers   []ValueMatch
	// Query tests query parameters.
	Query []ValueMatch
	// Method is an HTTP method such as GET; "" matches any.
	Method string
}

// IsAll reports whether the match selects every request.
func (m *RouteMatch) IsAll() bool {
	anyPath := m.Path == "" && m.PathRegex == "" && (m.PathPrefix == "" || m.PathPrefix == "/")
	return anyPath && m.Method == "" && len(m.Headers)+len(m.Query) == 0
}

// ValueMatch tests a header or query parameter: equal to Value, or, with
// Regex, wholly matched by the RE2 expression Value.
type ValueMatch struct {
	Name  string
	Value string
	Regex bool
}

// RouteAction is what a route does to the requests it takes besides
// choosing where they go. The zero RouteAction does nothing.
type RouteAction struct {
	// RequestHeaders and ResponseHeaders change headers on the way.
	RequestHeaders  *HeaderModifier
	ResponseHeaders *HeaderModifier
	Rewrite         *Rewrite
	// Timeout bounds the whole request, retries included; BackendTimeout
	// bounds each try. Zero keeps the service's policy.
	Timeout        time.Duration
	BackendTimeout time.Duration
	// Mirrors copy a share of the requests to versions of the service;
	// their responses are discarded. Proxyless gRPC clients do not mirror.
	Mirrors []Mirror
}

// IsZero reports whether the action does nothing.
func (a *RouteAction) IsZero() bool {
	return a.RequestHeaders == nil && a.ResponseHeaders == nil && a.Rewrite == nil &&
		a.Timeout == 0 && a.BackendTimeout == 0 && len(a.Mirrors) == 0
}

// HeaderModifier sets, adds and removes headers. Set replaces a header's
// values; Add appends a value.
type HeaderModifier struct {
	Set    []NameValue
	Add    []NameValue
	Remove []string
}

// Rewrite changes a request before it is forwarded: the Host header, and
// the path, wholly (FullPath) or the part a PathPrefix match matched
// (PathPrefix). At most one of FullPath and PathPrefix is set.
type Rewrite struct {
	Hostname   string
	FullPath   string
	PathPrefix string
}

// Mirror sends a copy of a share of requests to a version of the service.
type Mirror struct {
	Version string
	// Percent is the share of requests copied.
	Percent Weight
	Origin  Origin
}

// ServiceRoute is a rule of a service's routing. A request that matches it
// (any of its matches; none matches every request) gets its action; sent
// untagged, it is split by the route's weights. Routes are checked in
// order, before the service's header matches and weights.
type ServiceRoute struct {
	Matches []RouteMatch
	// Weights split untagged requests among versions; empty sends them by
	// the service's own weights.
	Weights map[string]Weight
	Action  RouteAction
	Origin  Origin
}

package translators

import (
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/graylane/graylane/model"
)

// valueMatcher is a model query test as a string matcher; only Envoy
// matches query parameters.
func valueMatcher(m model.ValueMatch) *matcherv3.StringMatcher {
	if m.Regex {
		return &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: m.Value}}}
	}
	return &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: m.Value}}
}

// methodHeader is the pseudo-header Envoy matches a request's method by.
const methodHeader = ":method"

// grpcMethod is the method of every gRPC call.
const grpcMethod = "POST"

// baseMatch is what every route of a block matches before the routing
// rules add headers: a path (prefix, exact or regex), headers and query
// parameters.
type baseMatch struct {
	path    *routev3.RouteMatch // its path specifier only
	headers []*routev3.HeaderMatcher
	query   []*routev3.QueryParameterMatcher
}

// prefixMatch matches every request whose path starts with prefix.
func prefixMatch(prefix string) baseMatch {
	return baseMatch{path: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: prefix}}}
}

// routeMatch is a model match on top of a block's default path prefix.
// ok is false when the role's clients can never satisfy the match, so
// that the caller drops it rather than widen it: proxyless gRPC calls
// carry no query string and are always POST.
func (t *translator) routeMatch(m *model.RouteMatch, defaultPrefix string) (baseMatch, bool) {
	b := baseMatch{path: pathSpecifier(m, defaultPrefix)}
	grpc := t.role == model.RoleGRPC
	if grpc && (len(m.Query) > 0 || (m.Method != "" && m.Method != grpcMethod)) {
		return b, false
	}
	for _, h := range m.Headers {
		b.headers = append(b.headers, t.headerValue(h))
	}
	if m.Method != "" && !grpc {
		b.headers = append(b.headers, t.headerExact(methodHeader, m.Method))
	}
	for _, q := range m.Query {
		b.query = append(b.query, &routev3.QueryParameterMatcher{
			Name:                         q.Name,
			QueryParameterMatchSpecifier: &routev3.QueryParameterMatcher_StringMatch{StringMatch: valueMatcher(q)},
		})
	}
	return b, true
}

// headerValue is a model header test.
func (t *translator) headerValue(h model.ValueMatch) *routev3.HeaderMatcher {
	if h.Regex {
		return t.headerRegex(h.Name, h.Value)
	}
	return t.headerExact(h.Name, h.Value)
}

// pathSpecifier is a match carrying the model match's path test.
func pathSpecifier(m *model.RouteMatch, defaultPrefix string) *routev3.RouteMatch {
	switch {
	case m.Path != "":
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: m.Path}}
	case m.PathRegex != "":
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: m.PathRegex}}}
	case m.PathPrefix != "":
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: m.PathPrefix}}
	}
	return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: defaultPrefix}}
}

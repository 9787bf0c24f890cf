package translators

import (
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/graylane/graylane/model"
)

// Every header match of a route is built by the functions below, in the
// form its role's clients accept. Envoy gets HeaderMatcher.string_match.
// Proxyless gRPC clients get the original fields, exact_match,
// safe_regex_match and present_match: gRPC stacks released before 2023
// (gRPC C-core 1.51 among them: Python, C++, Ruby and PHP) reject a route
// whose matcher uses string_match, and every gRPC stack reads the original
// fields, which the xDS API still defines. docs/compatibility.md lists
// what each stack does.

// headerExact matches a request whose header name is exactly value.
func (t *translator) headerExact(name, value string) *routev3.HeaderMatcher {
	if t.role == model.RoleGRPC {
		return &routev3.HeaderMatcher{
			Name: name,
			//lint:ignore SA1019 string_match is unknown to gRPC stacks older than 2023; see above.
			HeaderMatchSpecifier: &routev3.HeaderMatcher_ExactMatch{ExactMatch: value},
		}
	}
	return stringMatch(name, &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: value}})
}

// headerRegex matches a request whose header name has a value that the RE2
// regular expression re matches as a whole: Envoy and every gRPC stack
// match the entire value, so `canary` does not match `canary-2`.
//
// grpc-js anchors the expression by writing ^re$, which an alternation
// escapes (^a|b$ matches any value starting with a): proxyless clients get
// re in a group, ^(?:re)$ for grpc-js, which means the same everywhere.
func (t *translator) headerRegex(name, re string) *routev3.HeaderMatcher {
	if t.role == model.RoleGRPC {
		return &routev3.HeaderMatcher{
			Name: name,
			//lint:ignore SA1019 string_match is unknown to gRPC stacks older than 2023; see above.
			HeaderMatchSpecifier: &routev3.HeaderMatcher_SafeRegexMatch{SafeRegexMatch: &matcherv3.RegexMatcher{Regex: "(?:" + re + ")"}},
		}
	}
	return stringMatch(name, &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{
		SafeRegex: &matcherv3.RegexMatcher{Regex: re},
	}})
}

// headerPresent matches a request that has the header name, whatever its
// value. Every client reads present_match.
func (t *translator) headerPresent(name string) *routev3.HeaderMatcher {
	return &routev3.HeaderMatcher{Name: name, HeaderMatchSpecifier: &routev3.HeaderMatcher_PresentMatch{PresentMatch: true}}
}

func stringMatch(name string, m *matcherv3.StringMatcher) *routev3.HeaderMatcher {
	return &routev3.HeaderMatcher{Name: name, HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{StringMatch: m}}
}

// exactHeaders matches every header of hs by exact value.
func (t *translator) exactHeaders(hs []model.NameValue) []*routev3.HeaderMatcher {
	if len(hs) == 0 {
		return nil
	}
	out := make([]*routev3.HeaderMatcher, 0, len(hs))
	for _, h := range hs {
		out = append(out, t.headerExact(h.Name, h.Value))
	}
	return out
}

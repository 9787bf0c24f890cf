package kubernetes

import (
	"fmt"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// parsedRoute is what Graylane reads in an HTTPRoute, once per build: the
// rule that splits untagged traffic, the header match rules, what it does
// not support, and the state of each of its Service parentRefs.
type parsedRoute struct {
	obj         *gatewayv1.HTTPRoute
	split       *splitRule
	matches     []headerMatch
	unsupported []string
	parents     []*parentState
}

// splitRule is a rule that matches every request: its backendRefs'
// weights split the untagged traffic.
type splitRule struct {
	pos      string
	backends []gatewayv1.HTTPBackendRef
}

// headerMatch is one match of a rule with header matches and one backend:
// a model.ServiceMatch once its backend is resolved.
type headerMatch struct {
	pos         string
	headers     []model.NameValue
	backend     gatewayv1.HTTPBackendRef
	rule, match int
}

func parseRoute(r *gatewayv1.HTTPRoute) *parsedRoute {
	pr := &parsedRoute{obj: r}
	for i := range r.Spec.Rules {
		pr.rule(i, &r.Spec.Rules[i])
	}
	return pr
}

func (pr *parsedRoute) rule(i int, rule *gatewayv1.HTTPRouteRule) {
	pos := fmt.Sprintf("%s: spec.rules[%d]", objPos("HTTPRoute", pr.obj), i)
	if why := unsupportedRule(rule); why != "" {
		pr.unsupported = append(pr.unsupported, fmt.Sprintf("spec.rules[%d]: %s", i, why))
		return
	}
	if matchesAll(rule.Matches) {
		if pr.split == nil { // a later rule matching everything never applies
			pr.split = &splitRule{pos: pos, backends: rule.BackendRefs}
		}
		return
	}
	backends := weighted(rule.BackendRefs)
	if len(backends) != 1 {
		pr.unsupported = append(pr.unsupported, fmt.Sprintf("spec.rules[%d]: a rule with header matches needs exactly one backendRef with a weight above 0", i))
		return
	}
	for j, m := range rule.Matches {
		pr.matches = append(pr.matches, headerMatch{
			pos: fmt.Sprintf("%s.matches[%d]", pos, j), headers: headersOf(m.Headers),
			backend: backends[0], rule: i, match: j,
		})
	}
}

// unsupportedRule says what of a rule Graylane cannot serve, or "".
func unsupportedRule(rule *gatewayv1.HTTPRouteRule) string {
	switch {
	case len(rule.Filters) > 0:
		return "filters are not supported"
	case rule.Timeouts != nil:
		return "timeouts are not supported; use the Service's graylane.io/timeout annotation"
	case rule.Retry != nil:
		return "retry is not supported; use the Service's graylane.io/retries annotation"
	case rule.SessionPersistence != nil:
		return "sessionPersistence is not supported; use a Lane's sticky setting"
	}
	for _, b := range rule.BackendRefs {
		if len(b.Filters) > 0 {
			return "backendRef filters are not supported"
		}
	}
	withHeaders := 0
	for _, m := range rule.Matches {
		if why := unsupportedMatch(m); why != "" {
			return why
		}
		if len(m.Headers) > 0 {
			withHeaders++
		}
	}
	if withHeaders > 0 && withHeaders < len(rule.Matches) {
		return "a rule's matches must all test headers, or none"
	}
	return ""
}

func unsupportedMatch(m gatewayv1.HTTPRouteMatch) string {
	if p := m.Path; p != nil && (p.Type == nil || *p.Type != gatewayv1.PathMatchPathPrefix || p.Value == nil || *p.Value != "/") {
		return "path matches other than PathPrefix / are not supported"
	}
	if m.Method != nil || len(m.QueryParams) > 0 {
		return "method and queryParams matches are not supported"
	}
	for _, h := range m.Headers {
		if h.Type != nil && *h.Type != gatewayv1.HeaderMatchExact {
			return "header matches other than Exact are not supported"
		}
	}
	return ""
}

// matchesAll reports whether a rule matches every request.
func matchesAll(ms []gatewayv1.HTTPRouteMatch) bool {
	for _, m := range ms {
		if len(m.Headers) > 0 {
			return false
		}
	}
	return true
}

// weighted lists the backendRefs that receive traffic.
func weighted(refs []gatewayv1.HTTPBackendRef) []gatewayv1.HTTPBackendRef {
	var out []gatewayv1.HTTPBackendRef
	for _, b := range refs {
		if weightOf(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}

// weightOf is a backendRef's weight; unset is 1.
func weightOf(b gatewayv1.HTTPBackendRef) int64 {
	if b.Weight == nil {
		return 1
	}
	return int64(*b.Weight)
}

// headersOf converts header matches; HTTP header names are case
// insensitive and Graylane's are lower case.
func headersOf(hs []gatewayv1.HTTPHeaderMatch) []model.NameValue {
	out := make([]model.NameValue, 0, len(hs))
	for _, h := range hs {
		out = append(out, model.NameValue{Name: strings.ToLower(string(h.Name)), Value: h.Value})
	}
	return out
}

package kubernetes

import (
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// The route kinds Graylane reads.
const (
	kindHTTPRoute = "HTTPRoute"
	kindGRPCRoute = "GRPCRoute"
)

// parsedRoute is what Graylane reads in an HTTPRoute or a GRPCRoute, once
// per build: its rules, the rules it cannot serve, and the state of each of
// its parentRefs that Graylane serves.
type parsedRoute struct {
	kind      string
	obj       client.Object
	hostnames []string
	refs      []gatewayv1.ParentReference
	rules     []*parsedRule
	parents   []*parentState
}

func (pr *parsedRoute) pos() string { return objPos(pr.kind, pr.obj) }

// parsedRule is one rule, converted: its matches, backends and action.
type parsedRule struct {
	route *parsedRoute
	index int
	pos   string
	// matches are the rule's matches; none matches every request.
	matches  []ruleMatch
	backends []backendRef
	action   model.RouteAction
	mirrors  []mirrorRef
	redirect *gatewayv1.HTTPRequestRedirectFilter
	// fields are the positions of the action's fields, for its origin.
	fields map[string]string
	// dropped says why Graylane does not serve the rule, or "".
	dropped string
	// notes are what of the rule is left out, the rest being served.
	notes []string
	// grpcLimits are what proxyless gRPC clients do not do of the rule.
	grpcLimits []string
}

// ruleMatch is one match of a rule with its rank among matches.
type ruleMatch struct {
	match model.RouteMatch
	index int
	rank  rank
}

// backendRef is a backendRef of a rule with its weight.
type backendRef struct {
	ref    gatewayv1.BackendObjectReference
	weight int64
	pos    string
}

// mirrorRef is a RequestMirror filter: where and how much it copies.
type mirrorRef struct {
	ref     gatewayv1.BackendObjectReference
	percent model.Weight
	pos     string
}

// matchesAll reports whether the rule matches every request.
func (r *parsedRule) matchesAll() bool {
	if len(r.matches) == 0 {
		return true
	}
	for _, m := range r.matches {
		if m.match.IsAll() {
			return true
		}
	}
	return false
}

// served reports whether the rule is served.
func (r *parsedRule) served() bool { return r.dropped == "" }

func parseHTTPRoute(r *gatewayv1.HTTPRoute) *parsedRoute {
	pr := &parsedRoute{kind: kindHTTPRoute, obj: r, hostnames: hostnamesOf(r.Spec.Hostnames), refs: r.Spec.ParentRefs}
	for i := range r.Spec.Rules {
		rule := &r.Spec.Rules[i]
		pr.rules = append(pr.rules, pr.newRule(i, func(pr *parsedRule) {
			pr.httpMatches(rule.Matches)
			pr.filters(rule.Filters, "filters")
			pr.httpBackends(rule.BackendRefs)
			pr.timeouts(rule.Timeouts)
			pr.optional(rule.Retry != nil, "retry is not supported (the Service's graylane.io/retries annotation applies); it is left out")
			pr.optional(rule.SessionPersistence != nil, "sessionPersistence is not supported (a Lane's sticky setting keeps users in a lane); it is left out")
		}))
	}
	return pr
}

func parseGRPCRoute(r *gatewayv1.GRPCRoute) *parsedRoute {
	pr := &parsedRoute{kind: kindGRPCRoute, obj: r, hostnames: hostnamesOf(r.Spec.Hostnames), refs: r.Spec.ParentRefs}
	for i := range r.Spec.Rules {
		rule := &r.Spec.Rules[i]
		pr.rules = append(pr.rules, pr.newRule(i, func(pr *parsedRule) {
			pr.grpcMatches(rule.Matches)
			pr.filters(grpcFilters(rule.Filters), "filters")
			pr.grpcBackends(rule.BackendRefs)
			pr.optional(rule.SessionPersistence != nil, "sessionPersistence is not supported (a Lane's sticky setting keeps users in a lane); it is left out")
		}))
	}
	return pr
}

// newRule converts rule i with fill; the first problem that drops the rule
// stops the conversion.
func (pr *parsedRoute) newRule(i int, fill func(*parsedRule)) *parsedRule {
	r := &parsedRule{route: pr, index: i, pos: fmt.Sprintf("%s: spec.rules[%d]", pr.pos(), i), fields: map[string]string{}}
	fill(r)
	return r
}

// drop records the first reason a rule is not served.
func (r *parsedRule) drop(format string, args ...any) {
	if r.dropped == "" {
		r.dropped = fmt.Sprintf(format, args...)
	}
}

// optional notes a part of a rule Graylane leaves out, when present.
func (r *parsedRule) optional(present bool, note string) {
	if present {
		r.notes = append(r.notes, note)
	}
}

func (r *parsedRule) httpBackends(refs []gatewayv1.HTTPBackendRef) {
	for j, b := range refs {
		pos := fmt.Sprintf("%s.backendRefs[%d]", r.pos, j)
		r.backendFilters(b.Filters, pos)
		r.backends = append(r.backends, backendRef{ref: b.BackendObjectReference, weight: weightOf(b.Weight), pos: pos})
	}
}

func (r *parsedRule) grpcBackends(refs []gatewayv1.GRPCBackendRef) {
	for j, b := range refs {
		pos := fmt.Sprintf("%s.backendRefs[%d]", r.pos, j)
		r.backendFilters(grpcFilters(b.Filters), pos)
		r.backends = append(r.backends, backendRef{ref: b.BackendObjectReference, weight: weightOf(b.Weight), pos: pos})
	}
}

// backendFilters handles the filters of one backendRef: a response header
// change (Flagger sets its session cookie so) is left out alone; anything
// else changes the requests one backend gets, and drops the rule.
func (r *parsedRule) backendFilters(fs []gatewayv1.HTTPRouteFilter, pos string) {
	for k, f := range fs {
		if f.Type == gatewayv1.HTTPRouteFilterResponseHeaderModifier {
			r.notes = append(r.notes, fmt.Sprintf("%s.filters[%d]: a ResponseHeaderModifier of one backendRef is not supported (a Lane's sticky setting keeps users in a lane); it is left out",
				strings.TrimPrefix(pos, r.pos+"."), k))
			continue
		}
		r.drop("%s.filters[%d]: %s filters of a backendRef are not supported", strings.TrimPrefix(pos, r.pos+"."), k, f.Type)
	}
}

// weightOf is a backendRef's weight; unset is 1.
func weightOf(w *int32) int64 {
	if w == nil {
		return 1
	}
	return int64(*w)
}

// grpcFilters are a GRPCRoute's filters as the HTTPRoute filters they are
// a subset of.
func grpcFilters(fs []gatewayv1.GRPCRouteFilter) []gatewayv1.HTTPRouteFilter {
	out := make([]gatewayv1.HTTPRouteFilter, 0, len(fs))
	for _, f := range fs {
		out = append(out, gatewayv1.HTTPRouteFilter{
			Type:                  gatewayv1.HTTPRouteFilterType(f.Type),
			RequestHeaderModifier: f.RequestHeaderModifier, ResponseHeaderModifier: f.ResponseHeaderModifier,
			RequestMirror: f.RequestMirror, ExtensionRef: f.ExtensionRef,
		})
	}
	return out
}

func hostnamesOf(hs []gatewayv1.Hostname) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, strings.ToLower(string(h)))
	}
	return out
}

package kubernetes

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// rank orders matches as Gateway API ranks them, most specific first. For
// HTTPRoutes: an exact path, then a regular expression, then the longest
// prefix; then a method; then the most headers; then the most query
// parameters. For GRPCRoutes: the longest service, then the longest
// method, then the most headers.
type rank [5]int

// Path kinds, most specific first when compared as rank[0].
const (
	pathPrefix = iota
	pathRegex
	pathExact
)

// compareRanks orders a before b when a is more specific.
func compareRanks(a, b rank) int {
	for i := range a {
		if c := cmp.Compare(b[i], a[i]); c != 0 {
			return c
		}
	}
	return 0
}

func (r *parsedRule) httpMatches(ms []gatewayv1.HTTPRouteMatch) {
	for j, m := range ms {
		rm, why := httpMatch(m)
		if why != "" {
			r.drop("matches[%d]: %s", j, why)
			return
		}
		r.matches = append(r.matches, ruleMatch{match: rm, index: j, rank: httpRank(rm)})
	}
}

func httpMatch(m gatewayv1.HTTPRouteMatch) (model.RouteMatch, string) {
	var out model.RouteMatch
	if p := m.Path; p != nil && p.Value != nil {
		switch t := ptrOr(p.Type, gatewayv1.PathMatchPathPrefix); t {
		case gatewayv1.PathMatchExact:
			out.Path = *p.Value
		case gatewayv1.PathMatchPathPrefix:
			out.PathPrefix = *p.Value
		case gatewayv1.PathMatchRegularExpression:
			out.PathRegex = *p.Value
		default:
			return out, "path match type " + string(t) + " is not supported"
		}
	}
	if m.Method != nil {
		out.Method = string(*m.Method)
	}
	seen := map[string]bool{}
	for _, h := range m.Headers {
		vm, why := valueMatch(strings.ToLower(string(h.Name)), h.Value, string(ptrOr(h.Type, gatewayv1.HeaderMatchExact)))
		if why != "" {
			return out, "header " + why
		}
		if !seen[vm.Name] { // Gateway API: only the first of equal names counts
			seen[vm.Name] = true
			out.Headers = append(out.Headers, vm)
		}
	}
	for _, q := range m.QueryParams {
		vm, why := valueMatch(string(q.Name), q.Value, string(ptrOr(q.Type, gatewayv1.QueryParamMatchExact)))
		if why != "" {
			return out, "query parameter " + why
		}
		out.Query = append(out.Query, vm)
	}
	return out, ""
}

// valueMatch converts a header or query parameter match of type typ.
func valueMatch(name, value, typ string) (model.ValueMatch, string) {
	switch typ {
	case "Exact":
		return model.ValueMatch{Name: name, Value: value}, ""
	case "RegularExpression":
		return model.ValueMatch{Name: name, Value: value, Regex: true}, ""
	}
	return model.ValueMatch{}, "match type " + typ + " is not supported"
}

func httpRank(m model.RouteMatch) rank {
	var r rank
	switch {
	case m.Path != "":
		r[0], r[1] = pathExact, len(m.Path)
	case m.PathRegex != "":
		r[0], r[1] = pathRegex, len(m.PathRegex)
	default:
		r[0], r[1] = pathPrefix, len(cmp.Or(m.PathPrefix, "/"))
	}
	if m.Method != "" {
		r[2] = 1
	}
	r[3], r[4] = len(m.Headers), len(m.Query)
	return r
}

func (r *parsedRule) grpcMatches(ms []gatewayv1.GRPCRouteMatch) {
	for j, m := range ms {
		rm, rk, why := grpcMatch(m)
		if why != "" {
			r.drop("matches[%d]: %s", j, why)
			return
		}
		r.matches = append(r.matches, ruleMatch{match: rm, index: j, rank: rk})
	}
}

// grpcMatch converts a GRPCRoute match: its service and method become the
// request path /SERVICE/METHOD, matched exactly, by prefix or by regular
// expression.
func grpcMatch(m gatewayv1.GRPCRouteMatch) (model.RouteMatch, rank, string) {
	var out model.RouteMatch
	var rk rank
	if mm := m.Method; mm != nil {
		svc, method := ptrOr(mm.Service, ""), ptrOr(mm.Method, "")
		rk[0], rk[1] = len(svc), len(method)
		switch t := ptrOr(mm.Type, gatewayv1.GRPCMethodMatchExact); {
		case t == gatewayv1.GRPCMethodMatchRegularExpression:
			out.PathRegex = "/" + cmp.Or(svc, "[^/]+") + "/" + cmp.Or(method, "[^/]+")
		case t != gatewayv1.GRPCMethodMatchExact:
			return out, rk, "method match type " + string(t) + " is not supported"
		case svc != "" && method != "":
			out.Path = "/" + svc + "/" + method
		case svc != "":
			out.PathPrefix = "/" + svc + "/"
		case method != "":
			out.PathRegex = "/[^/]+/" + regexp.QuoteMeta(method)
		}
	}
	seen := map[string]bool{}
	for _, h := range m.Headers {
		vm, why := valueMatch(strings.ToLower(string(h.Name)), h.Value, string(ptrOr(h.Type, gatewayv1.GRPCHeaderMatchExact)))
		if why != "" {
			return out, rk, "header " + why
		}
		if !seen[vm.Name] {
			seen[vm.Name] = true
			out.Headers = append(out.Headers, vm)
		}
	}
	rk[2] = len(out.Headers)
	return out, rk, ""
}

// ptrOr is *p, or def when p is nil.
func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// rankedMatch is a match of a rule, ready to be ordered among every
// match of the routes on one Service port or gateway host.
type rankedMatch struct {
	rule  *parsedRule
	match ruleMatch
}

// sortMatches orders matches as Gateway API does: the most specific
// first, then the oldest route, then rule and match order.
func sortMatches(ms []rankedMatch) {
	slices.SortStableFunc(ms, func(a, b rankedMatch) int {
		return cmp.Or(compareRanks(a.match.rank, b.match.rank), olderRoute(a.rule.route, b.rule.route),
			cmp.Compare(a.rule.index, b.rule.index), cmp.Compare(a.match.index, b.match.index))
	})
}

// olderRoute orders routes as Gateway API resolves conflicts: by creation
// time, then by namespace and name.
func olderRoute(a, b *parsedRoute) int {
	ta, tb := a.obj.GetCreationTimestamp().Time, b.obj.GetCreationTimestamp().Time
	return cmp.Or(ta.Compare(tb), cmp.Compare(a.obj.GetNamespace(), b.obj.GetNamespace()), cmp.Compare(a.obj.GetName(), b.obj.GetName()))
}

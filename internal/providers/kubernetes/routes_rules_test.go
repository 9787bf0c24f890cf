package kubernetes

import (
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/model"
)

// pathMatch is an HTTPRoute match on a path.
func pathMatch(typ gatewayv1.PathMatchType, value string) gatewayv1.HTTPRouteMatch {
	return gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{Type: &typ, Value: &value}}
}

// routeSummary writes a service route as "MATCHES -> WEIGHTS", for
// comparing orders.
func routeSummary(r model.ServiceRoute) string {
	var ms []string
	for _, m := range r.Matches {
		s := m.Path + m.PathPrefix + m.PathRegex
		if m.Method != "" {
			s += " " + m.Method
		}
		for _, h := range m.Headers {
			s += " " + h.Name
		}
		for _, q := range m.Query {
			s += " ?" + q.Name
		}
		ms = append(ms, strings.TrimSpace(s))
	}
	return strings.Join(ms, "|") + " -> " + weightsText(r.Weights)
}

func weightsText(ws map[string]model.Weight) string {
	var out []string
	for _, v := range []string{"v1", "v2"} {
		if w, ok := ws[v]; ok {
			out = append(out, v+"="+w.String())
		}
	}
	return strings.Join(out, ",")
}

func TestRouteRulesMapInGatewayAPIPrecedence(t *testing.T) {
	objs := reviews()
	v1, v2 := kubetest.Backend("reviews", 9080, 1), kubetest.Backend("reviews-v2", 9080, 1)
	exact := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchExact, "/api/v1/health")}, BackendRefs: []gatewayv1.HTTPBackendRef{v1}}
	regex := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchRegularExpression, "/items/[0-9]+")}, BackendRefs: []gatewayv1.HTTPBackendRef{v2}}
	long := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchPathPrefix, "/api/v1")}, BackendRefs: []gatewayv1.HTTPBackendRef{v1, v2},
		Timeouts: &gatewayv1.HTTPRouteTimeouts{Request: new(gatewayv1.Duration("5s")), BackendRequest: new(gatewayv1.Duration("2s"))}}
	method := gatewayv1.HTTPRouteMatch{Method: new(gatewayv1.HTTPMethodPost)}
	query := gatewayv1.HTTPRouteMatch{QueryParams: []gatewayv1.HTTPQueryParamMatch{{Name: "debug", Value: "1"}}}
	regexHeader := gatewayv1.HTTPRouteMatch{Headers: []gatewayv1.HTTPHeaderMatch{{Name: "User-Agent", Type: new(gatewayv1.HeaderMatchRegularExpression), Value: ".*Firefox.*"}}}
	mixed := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{query, method, regexHeader}, BackendRefs: []gatewayv1.HTTPBackendRef{v2},
		Filters: []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterRequestHeaderModifier, RequestHeaderModifier: &gatewayv1.HTTPHeaderFilter{
			Set: []gatewayv1.HTTPHeader{{Name: "X-Api", Value: "v1"}}, Remove: []string{"X-Debug"}}}}}
	objs = append(objs, route("rules", time.Minute, kubetest.ServiceParent("reviews", 9080), mixed, long, regex, exact))
	res := buildFrom(t, testBuilder(), objs...)
	if res.problems != nil {
		t.Fatalf("problems: %v", res.problems)
	}
	s := service(t, res, "reviews.shop:9080")
	var got []string
	for _, r := range s.Routes {
		got = append(got, routeSummary(r))
	}
	if len(s.Routes) < 5 || len(s.Matches) != 0 {
		t.Fatalf("routes = %v, matches = %v", got, s.Matches)
	}
	checkOrder(t, got)
	if w := s.Weights; w["v1"] != 9000 {
		t.Errorf("weights = %v: the match-all rule still splits the rest", w)
	}
	for _, r := range s.Routes {
		switch {
		case len(r.Matches) > 0 && r.Matches[0].PathPrefix == "/api/v1":
			if r.Action.Timeout != 5*time.Second || r.Action.BackendTimeout != 2*time.Second {
				t.Errorf("timeouts = %v/%v", r.Action.Timeout, r.Action.BackendTimeout)
			}
		case len(r.Matches) > 0 && r.Matches[0].Method == "POST":
			if h := r.Action.RequestHeaders; h == nil || !reflect.DeepEqual(h.Set, []model.NameValue{{Name: "x-api", Value: "v1"}}) || h.Remove[0] != "x-debug" {
				t.Errorf("request headers = %+v", h)
			}
		}
	}
	c := condition(t, res, "rules", 0, gatewayv1.RouteConditionAccepted)
	wantCondition(t, c, metav1.ConditionTrue, gatewayv1.RouteReasonAccepted,
		"proxyless gRPC clients do not apply header modifiers (spec.rules[0]), method matches (spec.rules[0]), query parameter matches (spec.rules[0])")
	if err := validate(res.config.Lanes, res.config.Services, nil); err != nil {
		t.Errorf("the model does not validate: %v", err)
	}
}

// checkOrder checks that service routes come in Gateway API's order of
// precedence: exact path, regular expression, longest prefix, method,
// most headers, most query parameters.
func checkOrder(t *testing.T, got []string) {
	t.Helper()
	joined := strings.Join(got, "\n")
	order := []string{"/api/v1/health ->", "/items/[0-9]+ ->", "/api/v1 ->", "POST ->", "user-agent", "?debug ->"}
	last := -1
	for _, o := range order {
		i := strings.Index(joined, o)
		if i < 0 || i < last {
			t.Fatalf("routes in the wrong order, %q misplaced:\n%s", o, joined)
		}
		last = i
	}
}

func TestRuleTheModelRejectsIsDroppedAlone(t *testing.T) {
	objs := reviews()
	bad := kubetest.HeaderRule("x-canary", "yes", kubetest.Backend("reviews-v2", 9080, 1))
	badRegex := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchRegularExpression, "/a(")},
		BackendRefs: []gatewayv1.HTTPBackendRef{kubetest.Backend("reviews-v2", 9080, 1)}}
	good := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchPathPrefix, "/v2")},
		BackendRefs: []gatewayv1.HTTPBackendRef{kubetest.Backend("reviews-v2", 9080, 1)}}
	objs = append(objs, route("mixed", time.Minute, serviceParent("reviews"), bad, badRegex, good))
	res := buildFrom(t, testBuilder(), objs...)
	s := service(t, res, "reviews.shop:9080")
	if len(s.Routes) != 2 || s.Routes[0].Matches[0].PathPrefix != "/v2" || s.Weights["v1"] != 9000 {
		t.Errorf("routes = %+v, weights %v: want /v2 and x-beta served, the bad rules dropped", s.Routes, s.Weights)
	}
	wantCondition(t, condition(t, res, "mixed", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue, gatewayv1.RouteReasonAccepted, "2 of 3 rules are not served")
	pi := condition(t, res, "mixed", 0, gatewayv1.RouteConditionPartiallyInvalid)
	wantCondition(t, pi, metav1.ConditionTrue, gatewayv1.RouteReasonUnsupportedValue, `Dropped Rule(s): spec.rules[0]: match header "x-canary" is the lane header`)
	wantCondition(t, pi, metav1.ConditionTrue, gatewayv1.RouteReasonUnsupportedValue, `spec.rules[1]: pathRegex "/a(" is not an RE2 regular expression`)
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue, gatewayv1.RouteReasonAccepted, "Accepted by Graylane")
	wantProblems(t, res.problems, `HTTPRoute shop/mixed: spec.rules[0].matches[0]: service reviews.shop:9080: route 4: match header "x-canary" is the lane header`)
}

func TestFlaggerSessionAffinityKeepsItsRules(t *testing.T) {
	objs := reviews()
	cookie := gatewayv1.HTTPRouteMatch{Headers: []gatewayv1.HTTPHeaderMatch{{Name: "Cookie", Type: new(gatewayv1.HeaderMatchRegularExpression), Value: ".*flagger-cookie.*fkYFgbdCGP.*"}}}
	sticky := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{cookie},
		BackendRefs: []gatewayv1.HTTPBackendRef{kubetest.Backend("reviews", 9080, 0), kubetest.Backend("reviews-v2", 9080, 100)}}
	weighted := kubetest.WeightRule(kubetest.Backend("reviews", 9080, 90), kubetest.Backend("reviews-v2", 9080, 10))
	weighted.Matches = []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchPathPrefix, "/")}
	weighted.BackendRefs[1].Filters = []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterResponseHeaderModifier,
		ResponseHeaderModifier: &gatewayv1.HTTPHeaderFilter{Add: []gatewayv1.HTTPHeader{{Name: "Set-Cookie", Value: "flagger-cookie=fkYFgbdCGP; Max-Age=21600"}}}}}
	objs[len(objs)-1] = route("reviews", time.Hour, kubetest.ServiceParent("reviews", 9080), sticky, weighted)
	res := buildFrom(t, testBuilder(), objs...)
	s := service(t, res, "reviews.shop:9080")
	if len(s.Routes) != 1 || !s.Routes[0].Matches[0].Headers[0].Regex || s.Routes[0].Weights["v2"] != model.WeightFull || s.Weights["v2"] != 1000 {
		t.Errorf("routes = %+v, weights = %v", s.Routes, s.Weights)
	}
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue, gatewayv1.RouteReasonAccepted,
		"spec.rules[1]: backendRefs[1].filters[0]: a ResponseHeaderModifier of one backendRef is not supported")
}

func TestGRPCRouteMapsMethodsHeadersAndWeights(t *testing.T) {
	objs := reviews()
	objs = objs[:len(objs)-1]
	svc, method := "reviews.Reviews", "Get"
	grpcBackend := func(name string, w int32) gatewayv1.GRPCBackendRef {
		b := kubetest.Backend(name, 9080, w)
		return gatewayv1.GRPCBackendRef{BackendRef: b.BackendRef}
	}
	r := &gatewayv1.GRPCRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews-grpc", Generation: 3, CreationTimestamp: metav1.NewTime(epoch())},
		Spec: gatewayv1.GRPCRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{kubetest.ServiceParent("reviews", 9080)}},
			Rules: []gatewayv1.GRPCRouteRule{
				{Matches: []gatewayv1.GRPCRouteMatch{{Method: &gatewayv1.GRPCMethodMatch{Service: &svc, Method: &method}}},
					BackendRefs: []gatewayv1.GRPCBackendRef{grpcBackend("reviews-v2", 1)}},
				{Matches: []gatewayv1.GRPCRouteMatch{{Method: &gatewayv1.GRPCMethodMatch{Service: &svc}, Headers: []gatewayv1.GRPCHeaderMatch{
					{Name: "x-tier", Type: new(gatewayv1.GRPCHeaderMatchRegularExpression), Value: "gold|silver"}}}},
					BackendRefs: []gatewayv1.GRPCBackendRef{grpcBackend("reviews-v2", 1)}},
				{BackendRefs: []gatewayv1.GRPCBackendRef{grpcBackend("reviews", 70), grpcBackend("reviews-v2", 30)}},
			},
		},
	}
	objs = append(objs, r)
	res := buildFrom(t, testBuilder(), objs...)
	if res.problems != nil {
		t.Fatalf("problems: %v", res.problems)
	}
	s := service(t, res, "reviews.shop:9080")
	if len(s.Routes) != 2 || s.Routes[0].Matches[0].Path != "/reviews.Reviews/Get" || s.Routes[1].Matches[0].PathPrefix != "/reviews.Reviews/" ||
		!s.Routes[1].Matches[0].Headers[0].Regex {
		t.Errorf("routes = %+v, want the exact method first, then the service with a header", s.Routes)
	}
	if s.Weights["v1"] != 7000 {
		t.Errorf("weights = %v", s.Weights)
	}
	var got routeResult
	for _, rr := range res.routes {
		if rr.key.kind == kindGRPCRoute {
			got = rr
		}
	}
	if got.generation != 3 || len(got.parents) != 1 || got.parents[0].Conditions[0].Status != metav1.ConditionTrue {
		t.Errorf("GRPCRoute status = %+v", got)
	}
}

func TestHTTPAndGRPCRoutesDoNotMergeOnAPort(t *testing.T) {
	objs := reviews() // the HTTPRoute is an hour old
	grpc := &gatewayv1.GRPCRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "younger", Generation: 1, CreationTimestamp: metav1.NewTime(epoch())},
		Spec: gatewayv1.GRPCRouteSpec{CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{kubetest.ServiceParent("reviews", 9080)}},
			Rules: []gatewayv1.GRPCRouteRule{{BackendRefs: []gatewayv1.GRPCBackendRef{{BackendRef: kubetest.Backend("reviews-v2", 9080, 1).BackendRef}}}}},
	}
	res := buildFrom(t, testBuilder(), append(objs, client.Object(grpc))...)
	if w := service(t, res, "reviews.shop:9080").Weights; w["v1"] != 9000 {
		t.Errorf("weights = %v: the older HTTPRoute applies", w)
	}
	var got routeResult
	for _, rr := range res.routes {
		if rr.key.Name == "younger" {
			got = rr
		}
	}
	if c := got.parents[0].Conditions[0]; c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "an HTTPRoute and a GRPCRoute do not merge") {
		t.Errorf("GRPCRoute Accepted = %+v", c)
	}
}

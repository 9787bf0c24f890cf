package kubernetes

import (
	"github.com/graylane/graylane/internal/kubetest"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// condition finds a condition of a route's parent status.
func condition(t *testing.T, res *result, route string, parent int, typ gatewayv1.RouteConditionType) metav1.Condition {
	t.Helper()
	for _, r := range res.routes {
		if r.key.Name != route {
			continue
		}
		if parent >= len(r.parents) {
			t.Fatalf("route %s has %d parent statuses", route, len(r.parents))
		}
		for _, c := range r.parents[parent].Conditions {
			if c.Type == string(typ) {
				return c
			}
		}
	}
	t.Fatalf("route %s has no %s condition for parent %d: %+v", route, typ, parent, res.routes)
	return metav1.Condition{}
}

func wantCondition(t *testing.T, c metav1.Condition, status metav1.ConditionStatus, reason gatewayv1.RouteConditionReason, msg string) {
	t.Helper()
	if c.Status != status || c.Reason != string(reason) || !strings.Contains(c.Message, msg) {
		t.Errorf("%s = %s/%s %q, want %s/%s containing %q", c.Type, c.Status, c.Reason, c.Message, status, reason, msg)
	}
}

func TestRouteStatusPerServiceParent(t *testing.T) {
	objs := reviews()
	gateway := gatewayv1.ParentReference{Name: "public"}
	both := route("two-parents", time.Minute, serviceParent("nowhere"), kubetest.WeightRule(kubetest.Backend("reviews", 9080, 1)))
	both.Spec.ParentRefs = append(both.Spec.ParentRefs, gateway, serviceParent("reviews-v2"))
	res := buildFrom(t, testBuilder(), append(objs, both)...)
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue, gatewayv1.RouteReasonAccepted, "Accepted")
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionResolvedRefs), metav1.ConditionTrue, gatewayv1.RouteReasonResolvedRefs, "")
	wantCondition(t, condition(t, res, "two-parents", 0, gatewayv1.RouteConditionAccepted),
		metav1.ConditionFalse, gatewayv1.RouteReasonNoMatchingParent, "Service shop/nowhere does not exist")
	wantCondition(t, condition(t, res, "two-parents", 1, gatewayv1.RouteConditionAccepted),
		metav1.ConditionFalse, gatewayv1.RouteReasonNoMatchingParent, "is a version of reviews")
	for _, r := range res.routes {
		if r.key.Name == "two-parents" && len(r.parents) != 2 {
			t.Errorf("want a status for each Service parentRef only, not the Gateway's: %+v", r.parents)
		}
	}
}

func TestRouteOnEveryPortNamesTheVersionsWithoutThePort(t *testing.T) {
	objs := reviews()
	objs[len(objs)-1].(*gatewayv1.HTTPRoute).Spec.ParentRefs[0].Port = nil
	res := buildFrom(t, testBuilder(), objs...)
	if w := service(t, res, "reviews.shop:8081").Weights; w["v1"] != model.WeightFull {
		t.Errorf("admin weights = %v, want all to the baseline", w)
	}
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionResolvedRefs), metav1.ConditionFalse,
		gatewayv1.RouteReasonBackendNotFound, "Service shop/reviews-v2 has no port matching port 8081 of reviews; set the parentRef's port")
}

func TestBackendThatNamesNoVersionLeavesItsShareToTheOthers(t *testing.T) {
	objs := reviews()
	objs[len(objs)-2] = kubetest.Lane("other", "5", 0) // the canary lane is gone
	res := buildFrom(t, testBuilder(), objs...)
	s := service(t, res, "reviews.shop:9080")
	if len(s.Versions) != 1 || !reflect.DeepEqual(s.Weights, map[string]model.Weight{"v1": model.WeightFull}) || len(s.Matches) != 0 {
		t.Errorf("service = %+v: without its Lane the canary version is left out, its share goes to the baseline", s)
	}
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionResolvedRefs), metav1.ConditionFalse,
		gatewayv1.RouteReasonBackendNotFound, `Service shop/reviews-v2 is left out: label graylane.io/lane: lane "canary" has no accepted Lane`)
	wantProblems(t, res.problems, `Service shop/reviews-v2: label graylane.io/lane: lane "canary" has no accepted Lane; the version is left out`)
}

func TestUnsupportedFilterDropsItsRuleAlone(t *testing.T) {
	b := testBuilder()
	objs := reviews()
	buildFrom(t, b, objs...)
	r := objs[len(objs)-1].(*gatewayv1.HTTPRoute).DeepCopy()
	r.Generation = 2
	r.Spec.Rules[1].BackendRefs[0].Weight = new(int32(50))
	r.Spec.Rules[1].BackendRefs[1].Weight = new(int32(50))
	ext := kubetest.HeaderRule("x-ext", "1", kubetest.Backend("reviews-v2", 9080, 1))
	ext.Filters = []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterExtensionRef, ExtensionRef: &gatewayv1.LocalObjectReference{Name: "x"}}}
	r.Spec.Rules = append(r.Spec.Rules, ext)
	objs[len(objs)-1] = r
	res := buildFrom(t, b, objs...)
	s := service(t, res, "reviews.shop:9080")
	if w := s.Weights; w["v1"] != 5000 {
		t.Errorf("weights = %v, want the new 50/50: the rest of the route keeps routing", w)
	}
	if len(s.Matches) != 1 || s.Matches[0].Headers[0].Name != "x-beta" {
		t.Errorf("matches = %+v, want x-beta's only", s.Matches)
	}
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue,
		gatewayv1.RouteReasonAccepted, "1 of 3 rules are not served")
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionPartiallyInvalid), metav1.ConditionTrue,
		gatewayv1.RouteReasonUnsupportedValue, "Dropped Rule(s): spec.rules[2]: filters[0]: ExtensionRef filters are not supported")
	wantProblems(t, res.problems, "HTTPRoute shop/reviews: spec.rules[2]: filters[0]: ExtensionRef filters are not supported; the rule is not served")
}

func TestRouteProblemFoundByValidationIsTheRoutes(t *testing.T) {
	objs := reviews()
	objs = append(objs, route("lane-header", time.Minute, serviceParent("reviews"), kubetest.HeaderRule("x-canary", "yes", kubetest.Backend("reviews-v2", 9080, 1))))
	res := buildFrom(t, testBuilder(), objs...)
	wantCondition(t, condition(t, res, "lane-header", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionFalse,
		gatewayv1.RouteReasonUnsupportedValue, `no rule is served: spec.rules[0]: header "x-canary" is the lane header`)
	wantCondition(t, condition(t, res, "reviews", 0, gatewayv1.RouteConditionAccepted), metav1.ConditionTrue,
		gatewayv1.RouteReasonAccepted, "Accepted by Graylane")
	if s := service(t, res, "reviews.shop:9080"); len(s.Matches) != 1 || s.Weights["v1"] != 9000 {
		t.Errorf("service = %+v: the rest of the Service keeps routing", s)
	}
}

func TestHeaderMatchesOfSeveralRoutesInGatewayAPIOrder(t *testing.T) {
	objs := reviews()
	two := kubetest.HeaderRule("x-a", "1", kubetest.Backend("reviews", 9080, 1))
	two.Matches[0].Headers = append(two.Matches[0].Headers, gatewayv1.HTTPHeaderMatch{Name: "x-b", Value: "2"})
	objs = append(objs,
		route("newer", time.Minute, serviceParent("reviews"), kubetest.HeaderRule("x-c", "3", kubetest.Backend("reviews", 9080, 1)), two,
			kubetest.WeightRule(kubetest.Backend("reviews-v2", 9080, 1))),
		route("oldest", 2*time.Hour, serviceParent("reviews"), kubetest.HeaderRule("x-d", "4", kubetest.Backend("reviews-v2", 9080, 1))))
	res := buildFrom(t, testBuilder(), objs...)
	s := service(t, res, "reviews.shop:9080")
	var got []string
	for _, m := range s.Matches {
		got = append(got, m.Headers[0].Name+"->"+m.Version)
	}
	if want := "x-a->v1 x-d->v2 x-beta->v2 x-c->v1"; strings.Join(got, " ") != want {
		t.Errorf("matches = %v, want %s (most headers, then oldest route)", got, want)
	}
	if s.Weights["v1"] != 9000 {
		t.Errorf("weights = %v: the oldest route's split wins", s.Weights)
	}
}

func TestPolicyAnnotationsDecodeAsTheFileFormat(t *testing.T) {
	b := testBuilder()
	objs := reviews()
	parent := objs[0].(*corev1.Service)
	parent.Annotations = map[string]string{
		"graylane.io/retries": "{attempts: 2, retryOn: [unavailable]}", "graylane.io/timeout": "5s",
		"kubectl.kubernetes.io/last-applied-configuration": "{}",
	}
	res := buildFrom(t, b, objs...)
	s := service(t, res, "reviews.shop:9080")
	if s.Policy.Timeout != 5*time.Second || s.Policy.Retries == nil || s.Policy.Retries.Attempts != 2 {
		t.Fatalf("policy = %+v", s.Policy)
	}
	bad := parent.DeepCopy()
	bad.Annotations["graylane.io/timeout"] = "soon"
	bad.Annotations["graylane.io/hashOn"] = "{header: x-user}"
	objs[0] = bad
	objs = append(objs, slice("reviews-c", "reviews", "grpc", 7001, kubetest.Endpoint("10.0.0.5", "ready", "")))
	res = buildFrom(t, b, objs...)
	s = service(t, res, "reviews.shop:9080")
	if s.Policy.Timeout != 5*time.Second || s.Policy.HashOn != nil {
		t.Errorf("policy = %+v, want the last good one", s.Policy)
	}
	if got := addresses(version(t, s, "v1")); len(got) != 3 {
		t.Errorf("endpoints = %v: a Service kept at its last good state still follows its EndpointSlices", got)
	}
	wantProblems(t, res.problems, `Service shop/reviews: annotation graylane.io/timeout: duration "soon" must look like 250ms, 5s or 1m30s`)
	bad = bad.DeepCopy()
	bad.Annotations["graylane.io/timeout"] = "1s"
	objs[0] = bad
	res = buildFrom(t, b, objs...)
	wantProblems(t, res.problems, "Service shop/reviews: annotation graylane.io/hashOn: service reviews.shop:9080: hashOn needs loadBalancer ring_hash or maglev")
	var _ client.Object = bad
}

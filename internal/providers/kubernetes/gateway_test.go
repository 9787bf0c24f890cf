package kubernetes

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/model"
)

// edge is the reviews set-up with a Gateway of Graylane's class in
// namespace edge: HTTP on 80 and HTTPS on 443 for shop.example.com (whose
// HTTP listener only redirects to HTTPS), HTTPS on 8443 with a Secret
// that does not exist, and a Gateway of another controller's class.
func edge(secret *corev1.Secret) []client.Object {
	redirect := gatewayv1.HTTPRouteRule{Filters: []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterRequestRedirect,
		RequestRedirect: &gatewayv1.HTTPRequestRedirectFilter{Scheme: new("https"), StatusCode: new(301)}}}}
	web := kubetest.Route(ns, "web", epoch(), kubetest.GatewayParent("edge", "public", "https"),
		kubetest.WeightRule(kubetest.Backend("reviews", 9080, 90), kubetest.Backend("reviews-v2", 9080, 10)))
	web.Spec.Hostnames = []gatewayv1.Hostname{"shop.example.com", "other.example.org"}
	objs := append(reviews(),
		kubetest.GatewayClass("graylane", kubetest.GatewayController),
		kubetest.GatewayClass("other", "example.com/gateway"),
		kubetest.Gateway("edge", "public", "graylane",
			kubetest.Listener("http", 80, "shop.example.com", ""),
			kubetest.Listener("https", 443, "shop.example.com", "shop-tls"),
			kubetest.Listener("admin", 8443, "", "missing")),
		kubetest.Gateway("edge", "theirs", "other", kubetest.Listener("http", 80, "", "")),
		kubetest.Route("edge", "to-https", epoch(), kubetest.GatewayParent("edge", "public", "http"), redirect),
		web,
	)
	if secret != nil {
		objs = append(objs, secret)
	}
	return objs
}

func gatewayOf(t *testing.T, res *result, name string) *model.Gateway {
	t.Helper()
	for i := range res.config.Gateways {
		if res.config.Gateways[i].Name == name {
			return &res.config.Gateways[i]
		}
	}
	t.Fatalf("no gateway %s in %+v (problems: %v)", name, res.config.Gateways, res.problems)
	return nil
}

func TestGatewayListenersMapToEdgeGateways(t *testing.T) {
	secret := kubetest.TLSSecret("edge", "shop-tls", "shop.example.com")
	res := buildFrom(t, testBuilder(), edge(secret)...)
	if len(res.config.Gateways) != 1 {
		t.Fatalf("gateways = %+v, want one: 443 with 80 as its redirect port, 8443 without its certificate", res.config.Gateways)
	}
	g := gatewayOf(t, res, "edge-public-443")
	if g.Port != 443 || g.TLS == nil || g.TLS.RedirectPort != 80 || len(g.TLS.Certificates) != 1 {
		t.Fatalf("gateway = %+v", g)
	}
	c := g.TLS.Certificates[0]
	if c.Name != "edge.public.https" || !slices.Equal(c.Hostnames, []string{"shop.example.com"}) || c.From != "Secret edge/shop-tls" ||
		!bytes.Equal(c.Chain, secret.Data["tls.crt"]) {
		t.Errorf("certificate = %s %v %s", c.Name, c.Hostnames, c.From)
	}
	if len(g.Routes) != 1 {
		t.Fatalf("routes = %+v", g.Routes)
	}
	r := g.Routes[0]
	if !slices.Equal(r.Hostnames, []string{"shop.example.com"}) || r.Service != (model.ServiceRef{Name: "reviews", Namespace: "shop", Port: 9080}) ||
		r.Weights["v1"] != 9000 || r.Weights["v2"] != 1000 {
		t.Errorf("route = %+v: want the listener's hostname, reviews' versions split 90/10", r)
	}
	if err := validate(res.config.Lanes, res.config.Services, res.config.Gateways); err != nil {
		t.Errorf("the model does not validate: %v", err)
	}
	if len(res.gateways) != 1 || len(res.classes) != 1 {
		t.Fatalf("statuses for %d gateways and %d classes, want Graylane's only", len(res.gateways), len(res.classes))
	}
	gs := res.gateways[0]
	wantCond(t, gs.conditions, "Accepted", metav1.ConditionTrue, "ListenersNotValid", "admin")
	wantCond(t, gs.conditions, "Programmed", metav1.ConditionTrue, "Programmed", "")
	for _, l := range gs.listeners {
		switch l.Name {
		case "http", "https":
			if l.AttachedRoutes != 1 {
				t.Errorf("listener %s: %d routes attached", l.Name, l.AttachedRoutes)
			}
			wantCond(t, l.Conditions, "Programmed", metav1.ConditionTrue, "Programmed", "")
		case "admin":
			wantCond(t, l.Conditions, "ResolvedRefs", metav1.ConditionFalse, "InvalidCertificateRef", "Secret edge/missing does not exist")
			wantCond(t, l.Conditions, "Programmed", metav1.ConditionFalse, "Invalid", "")
		}
	}
	for _, rr := range res.routes {
		if rr.key.Name == "web" || rr.key.Name == "to-https" {
			p := rr.parents[0]
			if p.ControllerName != GatewayControllerName || p.Conditions[0].Status != metav1.ConditionTrue {
				t.Errorf("route %s parent status %+v", rr.key.Name, p)
			}
		}
	}
}

func wantCond(t *testing.T, cs []metav1.Condition, typ string, status metav1.ConditionStatus, reason, msg string) {
	t.Helper()
	for _, c := range cs {
		if c.Type == typ {
			if c.Status != status || c.Reason != reason || !strings.Contains(c.Message, msg) {
				t.Errorf("%s = %s/%s %q, want %s/%s with %q", typ, c.Status, c.Reason, c.Message, status, reason, msg)
			}
			return
		}
	}
	t.Errorf("no %s condition in %+v", typ, cs)
}

func TestRotatedSecretChangesOnlyTheCertificate(t *testing.T) {
	b := testBuilder()
	first := buildFrom(t, b, edge(kubetest.TLSSecret("edge", "shop-tls", "shop.example.com"))...)
	rotated := kubetest.TLSSecret("edge", "shop-tls", "shop.example.com")
	second := buildFrom(t, b, edge(rotated)...)
	g1, g2 := copyGateway(gatewayOf(t, first, "edge-public-443")), copyGateway(gatewayOf(t, second, "edge-public-443"))
	if bytes.Equal(g1.TLS.Certificates[0].Chain, g2.TLS.Certificates[0].Chain) || !bytes.Equal(g2.TLS.Certificates[0].Key, rotated.Data["tls.key"]) {
		t.Fatal("the rotated certificate is not served")
	}
	g1.TLS.Certificates[0].Chain, g1.TLS.Certificates[0].Key = nil, nil
	g2.TLS.Certificates[0].Chain, g2.TLS.Certificates[0].Key = nil, nil
	if !reflect.DeepEqual(g1, g2) {
		t.Errorf("a rotation changed more than the certificate's bytes:\n%+v\n%+v", g1, g2)
	}

	// The Secret turns invalid: the listener keeps its last good pair.
	broken := rotated.DeepCopy()
	broken.Data["tls.key"] = []byte("not a key")
	third := buildFrom(t, b, edge(broken)...)
	g3 := gatewayOf(t, third, "edge-public-443")
	if !bytes.Equal(g3.TLS.Certificates[0].Key, rotated.Data["tls.key"]) {
		t.Error("a broken Secret replaced the last good key")
	}
	for _, l := range third.gateways[0].listeners {
		if l.Name == "https" {
			wantCond(t, l.Conditions, "ResolvedRefs", metav1.ConditionFalse, "InvalidCertificateRef", "its last good certificate stays in effect")
		}
	}
}

func copyGateway(g *model.Gateway) *model.Gateway {
	return &(&model.Config{Gateways: []model.Gateway{*g}}).DeepCopy().Gateways[0]
}

func TestGatewayRouteRulesTakeTheListenerHostnamesAndOrder(t *testing.T) {
	objs := edge(kubetest.TLSSecret("edge", "shop-tls", "shop.example.com"))
	api := kubetest.Route(ns, "api", epoch().Add(time.Minute), kubetest.GatewayParent("edge", "public", "https"),
		gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchPathPrefix, "/api")},
			BackendRefs: []gatewayv1.HTTPBackendRef{kubetest.Backend("reviews-v2", 9080, 1)},
			Filters: []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterURLRewrite, URLRewrite: &gatewayv1.HTTPURLRewriteFilter{
				Path: &gatewayv1.HTTPPathModifier{Type: gatewayv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: new("/v2")}}}}},
		gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{pathMatch(gatewayv1.PathMatchPathPrefix, "/mixed")},
			BackendRefs: []gatewayv1.HTTPBackendRef{kubetest.Backend("reviews", 9080, 1), kubetest.Backend("ratings", 9080, 1)}})
	objs = append(objs, api, svc("ratings", nil, kubetest.Port("grpc", 9080, "")))
	res := buildFrom(t, testBuilder(), objs...)
	g := gatewayOf(t, res, "edge-public-443")
	if len(g.Routes) != 2 || g.Routes[0].Match.PathPrefix != "/api" || g.Routes[0].Action.Rewrite == nil || g.Routes[0].Action.Rewrite.PathPrefix != "/v2" {
		t.Fatalf("routes = %+v: want /api (with its rewrite) before /", g.Routes)
	}
	wantCondition(t, condition(t, res, "api", 0, gatewayv1.RouteConditionPartiallyInvalid), metav1.ConditionTrue,
		gatewayv1.RouteReasonUnsupportedValue, "spec.rules[1]: backendRefs name versions of reviews.shop:9080 and of ratings.shop:9080; a rule routes to one Service")
}

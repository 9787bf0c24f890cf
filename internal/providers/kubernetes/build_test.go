package kubernetes

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/model"
)

// reviews is the canary set-up the docs walk through: a baseline Service, a
// version Service in the canary lane, the Lane, and a route splitting 90/10
// with a header rule.
func reviews() []client.Object {
	return []client.Object{
		svc("reviews", map[string]string{LabelVersion: "v1"}, kubetest.Port("grpc", 9080, ""), kubetest.Port("admin", 8081, "kubernetes.io/http")),
		slice("reviews-a", "reviews", "grpc", 7001,
			kubetest.Endpoint("10.0.0.1", "ready", "a"), kubetest.Endpoint("10.0.0.2", "not-ready", ""), kubetest.Endpoint("10.0.0.3", "terminating", "")),
		slice("reviews-b", "reviews", "grpc", 7001, kubetest.Endpoint("10.0.0.1", "ready", "a"), kubetest.Endpoint("10.0.0.4", "ready", "")),
		slice("reviews-admin", "reviews", "admin", 9901, kubetest.Endpoint("10.0.0.1", "ready", "a")),
		svc("reviews-v2", map[string]string{LabelVersionOf: "reviews", LabelVersion: "v2", LabelLane: "canary"}, kubetest.Port("grpc", 9080, "")),
		slice("reviews-v2-a", "reviews-v2", "grpc", 7001, kubetest.Endpoint("10.0.1.1", "ready", "b")),
		kubetest.Lane("canary", "12.5", 0),
		route("reviews", time.Hour, kubetest.ServiceParent("reviews", 9080),
			kubetest.HeaderRule("X-Beta", "true", kubetest.Backend("reviews-v2", 9080, 1)),
			kubetest.WeightRule(kubetest.Backend("reviews", 9080, 90), kubetest.Backend("reviews-v2", 9080, 10))),
	}
}

func TestServicesVersionsLanesAndRoutesMapToTheModel(t *testing.T) {
	res := buildFrom(t, testBuilder(), reviews()...)
	if res.problems != nil {
		t.Fatalf("problems: %v", res.problems)
	}
	if len(res.config.Lanes) != 1 || res.config.Lanes[0].Name != "canary" || res.config.Lanes[0].Weight != 1250 {
		t.Errorf("lanes = %+v, want canary at 12.5%%", res.config.Lanes)
	}
	grpc := service(t, res, "reviews.shop:9080")
	if grpc.Protocol != model.ProtocolGRPC {
		t.Errorf("protocol = %s, want grpc from the port name", grpc.Protocol)
	}
	if got := addresses(version(t, grpc, "v1")); !slices.Equal(got, []string{"10.0.0.1:7001@a", "10.0.0.4:7001"}) {
		t.Errorf("baseline endpoints = %v: want the ready ones, once each, on the slice port", got)
	}
	if v2 := version(t, grpc, "v2"); v2.Lane != "canary" || !slices.Equal(addresses(v2), []string{"10.0.1.1:7001@b"}) {
		t.Errorf("canary version = %+v", v2)
	}
	if want := map[string]model.Weight{"v1": 9000, "v2": 1000}; !reflect.DeepEqual(grpc.Weights, want) {
		t.Errorf("weights = %v, want %v", grpc.Weights, want)
	}
	want := []model.ServiceMatch{{Headers: []model.NameValue{{Name: "x-beta", Value: "true"}}, Version: "v2"}}
	if len(grpc.Matches) != 1 || !reflect.DeepEqual(grpc.Matches[0].Headers, want[0].Headers) || grpc.Matches[0].Version != "v2" {
		t.Errorf("matches = %+v, want %+v", grpc.Matches, want)
	}
	admin := service(t, res, "reviews.shop:8081")
	if admin.Protocol != model.ProtocolHTTP || len(admin.Versions) != 1 || admin.Weights != nil || len(admin.Matches) != 0 {
		t.Errorf("admin port = %+v: the version Service has no such port, the route is for the other", admin)
	}
	if err := validate(res.config.Lanes, res.config.Services, res.config.Gateways); err != nil {
		t.Errorf("the model does not validate: %v", err)
	}
}

func TestProtocolFromAppProtocolThenPortName(t *testing.T) {
	cases := []struct {
		name, app string
		want      model.Protocol
	}{
		{"web", "kubernetes.io/h2c", model.ProtocolGRPC},
		{"grpc", "kubernetes.io/http", model.ProtocolHTTP},
		{"http", "tcp", model.ProtocolTCP},
		{"grpc-api", "", model.ProtocolGRPC},
		{"http2", "", model.ProtocolGRPC},
		{"tcp-db", "", model.ProtocolTCP},
		{"http-web", "example.com/custom", model.ProtocolHTTP},
		{"grpcish", "", model.ProtocolHTTP},
		{"", "", model.ProtocolHTTP},
	}
	for _, c := range cases {
		p := kubetest.Port(c.name, 80, c.app)
		if got := protocolOf(&p); got != c.want {
			t.Errorf("port %q appProtocol %q: %s, want %s", c.name, c.app, got, c.want)
		}
	}
}

func TestSharesAreExactAndAddUpTo100(t *testing.T) {
	cases := []struct {
		in   []int64
		want []model.Weight
	}{
		{[]int64{90, 10}, []model.Weight{9000, 1000}},
		{[]int64{1, 2}, []model.Weight{3333, 6667}},
		{[]int64{1, 1, 1}, []model.Weight{3334, 3333, 3333}},
		{[]int64{0, 5}, []model.Weight{0, 10000}},
		{[]int64{1000000, 1}, []model.Weight{10000, 0}},
		{[]int64{999, 1}, []model.Weight{9990, 10}},
		{[]int64{0, 0}, nil},
	}
	for _, c := range cases {
		if got := shares(c.in); !slices.Equal(got, c.want) {
			t.Errorf("shares(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestLanelessVersionServiceIsTheBaseline(t *testing.T) {
	res := buildFrom(t, testBuilder(),
		svc("podinfo", nil, kubetest.Port("http", 9898, "")),
		slice("podinfo-x", "podinfo", "http", 9898, kubetest.Endpoint("10.1.0.9", "ready", "")),
		svc("podinfo-primary", map[string]string{LabelVersionOf: "podinfo", LabelVersion: "primary"}, kubetest.Port("http", 9898, "")),
		slice("podinfo-primary-x", "podinfo-primary", "http", 9898, kubetest.Endpoint("10.1.0.1", "ready", "")),
		svc("podinfo-canary", map[string]string{LabelVersionOf: "podinfo", LabelLane: "canary"}, kubetest.Port("web", 9898, "")),
		slice("podinfo-canary-x", "podinfo-canary", "web", 8080, kubetest.Endpoint("10.1.0.2", "ready", "")),
		kubetest.Lane("canary", "0", 0),
		route("podinfo", time.Hour, serviceParent("podinfo"),
			kubetest.WeightRule(kubetest.Backend("podinfo-primary", 9898, 3), kubetest.Backend("podinfo-canary", 9898, 1))),
	)
	if res.problems != nil {
		t.Fatal(res.problems)
	}
	s := service(t, res, "podinfo.shop:9898")
	if len(s.Versions) != 2 || version(t, s, "primary").Lane != "" {
		t.Fatalf("versions = %+v, want primary as the baseline instead of podinfo's own endpoints", s.Versions)
	}
	if got := addresses(version(t, s, "primary")); !slices.Equal(got, []string{"10.1.0.1:9898"}) {
		t.Errorf("baseline endpoints = %v, want the primary Service's", got)
	}
	if got := addresses(version(t, s, "podinfo-canary")); !slices.Equal(got, []string{"10.1.0.2:8080"}) {
		t.Errorf("canary (named after its Service, port matched by number) = %v", got)
	}
	if want := map[string]model.Weight{"primary": 7500, "podinfo-canary": 2500}; !reflect.DeepEqual(s.Weights, want) {
		t.Errorf("weights = %v, want %v", s.Weights, want)
	}
}

func TestTwoLanelessVersionsKeepTheLastGoodState(t *testing.T) {
	b := testBuilder()
	objs := []client.Object{
		svc("cart", nil, kubetest.Port("http", 80, "")),
		svc("cart-blue", map[string]string{LabelVersionOf: "cart", LabelVersion: "blue"}, kubetest.Port("http", 80, "")),
		slice("cart-blue-x", "cart-blue", "http", 8080, kubetest.Endpoint("10.2.0.1", "ready", "")),
	}
	first := buildFrom(t, b, objs...)
	if version(t, service(t, first, "cart.shop:80"), "blue").Lane != "" {
		t.Fatal("blue is not the baseline")
	}
	objs = append(objs,
		svc("cart-green", map[string]string{LabelVersionOf: "cart", LabelVersion: "green"}, kubetest.Port("http", 80, "")),
		slice("cart-blue-y", "cart-blue", "http", 8080, kubetest.Endpoint("10.2.0.2", "ready", "")))
	second := buildFrom(t, b, objs...)
	wantProblems(t, second.problems, "Service shop/cart: Services cart-blue, cart-green are all versions of it without a graylane.io/lane label",
		"Service shop/cart has problems; its last good configuration stays in effect")
	s := service(t, second, "cart.shop:80")
	if len(s.Versions) != 1 || s.Versions[0].Name != "blue" {
		t.Errorf("versions = %+v, want the last good state", s.Versions)
	}
	if got := addresses(&s.Versions[0]); !slices.Equal(got, []string{"10.2.0.1:8080", "10.2.0.2:8080"}) {
		t.Errorf("endpoints = %v: the last good state still follows its EndpointSlices", got)
	}
	third := buildFrom(t, testBuilder(), objs...)
	if len(third.config.Services) != 0 {
		t.Errorf("without a last good state the Service must be left out: %v", third.config.Services)
	}
}

// wantProblems fails unless every want is the text of one of err's problems.
func wantProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	var got []string
	for _, e := range model.Errors(err) {
		got = append(got, e.Error())
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no problem says %q; problems:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestTCPServicesOnOnePortLeaveTheLaterOut(t *testing.T) {
	db := func(ns string) *corev1.Service {
		s := svc("db", nil, kubetest.Port("tcp-postgres", 5432, ""))
		s.Namespace = ns
		return s
	}
	res := buildFrom(t, testBuilder(), db("alpha"), db("beta"))
	if len(res.config.Services) != 1 || res.config.Services[0].Namespace != "alpha" {
		t.Errorf("services = %v, want alpha's only", res.config.Services)
	}
	wantProblems(t, res.problems, "Service beta/db: spec.ports[0]: service db.beta:5432: tcp port 5432 is also used by tcp service db.alpha:5432",
		"Service beta/db has problems; it is left out until they are fixed")
}

package translators_test

import (
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// ruleRoutes translates testdata/service-routes for a role and returns the
// routes of reviews' route rules by rule number ("1", "2", ...).
func ruleRoutes(t *testing.T, role model.Role) map[string][]*routev3.Route {
	t.Helper()
	cfg := loadCase(t, "testdata/service-routes.in.yaml")
	res, err := translators.Translate(cfg, role)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*routev3.Route{}
	for _, rc := range res.Routes {
		for _, vh := range rc.GetVirtualHosts() {
			for _, r := range vh.GetRoutes() {
				rest, ok := strings.CutPrefix(r.GetName(), "reviews.default:9080/route/")
				if ok {
					n, _, _ := strings.Cut(rest, "/")
					out[n] = append(out[n], r)
				}
			}
		}
	}
	return out
}

// TestGRPCNeverWidensARule: a proxyless gRPC client cannot test a query
// and always sends POST, so a rule matching a query (4) or GET (6) is left
// out rather than written without that test, and a rule matching POST (5)
// is kept without the method test, which every call passes.
func TestGRPCNeverWidensARule(t *testing.T) {
	sidecar, grpc := ruleRoutes(t, model.RoleSidecar), ruleRoutes(t, model.RoleGRPC)
	for _, n := range []string{"1", "2", "3", "4", "5", "6"} {
		if len(sidecar[n]) == 0 {
			t.Errorf("sidecar lacks rule %s", n)
		}
	}
	for _, n := range []string{"4", "6"} {
		if len(grpc[n]) > 0 {
			t.Errorf("grpc has rule %s, which no gRPC call can match: %v", n, grpc[n][0].GetMatch())
		}
	}
	for _, r := range grpc["5"] {
		for _, h := range r.GetMatch().GetHeaders() {
			if h.GetName() == ":method" {
				t.Errorf("grpc route %s tests the method", r.GetName())
			}
		}
		if r.GetMatch().GetPrefix() != "/write" {
			t.Errorf("grpc route %s lost its path: %v", r.GetName(), r.GetMatch())
		}
	}
	for _, rs := range grpc {
		for _, r := range rs {
			a := r.GetRoute()
			if len(r.GetRequestHeadersToAdd())+len(r.GetResponseHeadersToAdd())+len(a.GetRequestMirrorPolicies()) > 0 ||
				a.GetPrefixRewrite() != "" || a.GetRegexRewrite() != nil || a.GetHostRewriteLiteral() != "" || a.GetTimeout() != nil {
				t.Errorf("grpc route %s carries what gRPC clients do not apply", r.GetName())
			}
		}
	}
}

//lint:file-ignore SA1019 the grpc role serves the deprecated fields on purpose (see headers.go).

package translators

import (
	"regexp"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/graylane/graylane/model"
)

func translatorFor(role model.Role) *translator {
	return newTranslator(&model.Config{LaneHeader: "x-canary"}, role, options{}, nil)
}

func TestHeaderMatchersTakeTheFormOfTheRole(t *testing.T) {
	for _, role := range []model.Role{model.RoleGRPC, model.RoleSidecar, model.RoleEdge} {
		tr := translatorFor(role)
		exact, regex, present := tr.headerExact("x-a", "v"), tr.headerRegex("x-a", "a|b"), tr.headerPresent("x-a")
		if role == model.RoleGRPC {
			if exact.GetExactMatch() != "v" || regex.GetSafeRegexMatch().GetRegex() != "(?:a|b)" {
				t.Errorf("grpc: exact %v, regex %v; want exact_match v and safe_regex_match (?:a|b)", exact, regex)
			}
		} else if exact.GetStringMatch().GetExact() != "v" || regex.GetStringMatch().GetSafeRegex().GetRegex() != "a|b" {
			t.Errorf("%s: exact %v, regex %v; want string_match exact v and safe_regex a|b", role, exact, regex)
		}
		if !present.GetPresentMatch() {
			t.Errorf("%s: present %v, want present_match", role, present)
		}
		for _, m := range []*routev3.HeaderMatcher{exact, regex, present} {
			if err := m.ValidateAll(); err != nil || m.GetName() != "x-a" {
				t.Errorf("%s: %v: %v", role, m, err)
			}
		}
	}
}

// TestRegexMatchesTheWholeValueInEveryStack checks that the grpc role's
// regex means the same under each stack's anchoring as the expression does
// under Envoy's whole-value match: grpc-js compiles ^EXPR$, grpc-go
// ^(?:EXPR)$, C-core and grpc-java match the whole value.
func TestRegexMatchesTheWholeValueInEveryStack(t *testing.T) {
	values := []string{"", "a", "b", "ab", "xa", "bx", "canary", "canary-2", "lane=canary,x=1", "x=1,lane=canary"}
	for _, re := range []string{"a|b", "canary", "(^|.*,)lane=canary(,.*|$)", "a*"} {
		served := translatorFor(model.RoleGRPC).headerRegex("x", re).GetSafeRegexMatch().GetRegex()
		whole := regexp.MustCompile("^(?:" + re + ")$")
		grpcJS := regexp.MustCompile("^" + served + "$")
		grpcGo := regexp.MustCompile("^(?:" + served + ")$")
		for _, v := range values {
			want := whole.MatchString(v)
			if grpcJS.MatchString(v) != want || grpcGo.MatchString(v) != want {
				t.Errorf("regex %q served as %q on %q: grpc-js %v, grpc-go %v, whole-value match %v",
					re, served, v, grpcJS.MatchString(v), grpcGo.MatchString(v), want)
			}
		}
	}
	// Unwrapped, grpc-js would read a|b as (^a)|(b$).
	if regexp.MustCompile("^a|b$").MatchString("ax") == regexp.MustCompile("^(?:a|b)$").MatchString("ax") {
		t.Error("the unwrapped alternation is not the hazard the group avoids")
	}
}

func TestWeightedClustersCarryTheirTotalForProxylessClients(t *testing.T) {
	to := []target{{"a", 7000}, {"b", 2999}, {"c", 1}}
	if wc := weightedClusters(to, true); wc.GetTotalWeight().GetValue() != 10000 {
		t.Errorf("total_weight = %v, want the weights' sum 10000", wc.GetTotalWeight())
	}
	if wc := weightedClusters(to, false); wc.GetTotalWeight() != nil {
		t.Errorf("total_weight = %v for Envoy, want it unset (deprecated there)", wc.GetTotalWeight())
	}
}

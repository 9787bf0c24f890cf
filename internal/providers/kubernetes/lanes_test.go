package kubernetes

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/graylane/graylane/internal/kubetest"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/model"
)

func laneNames(lanes []model.Lane) []string {
	var out []string
	for _, l := range lanes {
		out = append(out, l.Name+"="+l.Weight.String())
	}
	return out
}

func TestLanesInOrderThenName(t *testing.T) {
	sticky := kubetest.Lane("beta", "5", 0)
	sticky.Spec.Sticky = &graylanev1alpha1.Sticky{Cookie: "uid"}
	res := buildFrom(t, testBuilder(), kubetest.Lane("canary", "10", 1), sticky, kubetest.Lane("alpha", "0.25", 0))
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"alpha=0.25", "beta=5", "canary=10"}) {
		t.Errorf("lanes = %v, want by order then name", got)
	}
	if s := res.config.Lanes[1].Sticky; s == nil || s.Cookie != "uid" {
		t.Errorf("sticky = %+v", s)
	}
	for _, r := range res.lanes {
		if len(r.problems) != 0 {
			t.Errorf("lane %s: %v", r.name, r.problems)
		}
	}
}

func TestInvalidLaneKeepsItsLastAcceptedSpec(t *testing.T) {
	b := testBuilder()
	buildFrom(t, b, kubetest.Lane("canary", "10", 0))
	bad := kubetest.Lane("canary", "10.555", 0)
	bad.Generation = 2
	res := buildFrom(t, b, bad, kubetest.Lane("fresh", "101", 0))
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"canary=10"}) {
		t.Errorf("lanes = %v, want canary at its last accepted weight and fresh left out", got)
	}
	wantProblems(t, res.problems,
		`Lane canary: spec.weight: lane canary: "10.555" must be a number from 0 to 100 with at most 2 decimals`,
		"Lane canary: not accepted; its last accepted spec stays in effect",
		`Lane fresh: spec.weight: lane fresh: "101" must be a number from 0 to 100 with at most 2 decimals`,
		"Lane fresh: not accepted; it is left out until it is fixed")
	for _, r := range res.lanes {
		if len(r.problems) == 0 || r.kept != (r.name == "canary") {
			t.Errorf("lane result %+v", r)
		}
	}
}

func TestLaneValidatedWithTheLanesBeforeIt(t *testing.T) {
	cookie := kubetest.Lane("late", "50", 2)
	cookie.Spec.Sticky = &graylanev1alpha1.Sticky{Header: "X-User", MaxAge: &metav1.Duration{Duration: -time.Second}}
	res := buildFrom(t, testBuilder(), kubetest.Lane("a", "60", 0), kubetest.Lane("b", "50", 1), cookie)
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"a=60"}) {
		t.Errorf("lanes = %v: b would take the total over 100%%", got)
	}
	wantProblems(t, res.problems,
		"Lane b: spec.weight: lane b: lane weights add up to 110% with this lane, more than 100%",
		`Lane late: spec.sticky: lane late: sticky header "X-User" is not a lower-case header name`,
		"Lane late: spec.sticky.maxAge: lane late: sticky maxAge must not be negative")
}

func TestPercentKeepsTheTextAsWritten(t *testing.T) {
	for raw, want := range map[string]uint32{`12.5`: 1250, `"0.25"`: 25, `10`: 1000, `null`: 0} {
		var p graylanev1alpha1.Percent
		if err := p.UnmarshalJSON([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if w, err := p.Hundredths(); err != nil || w != want {
			t.Errorf("%s: weight %v, %v; want %v", raw, w, err, want)
		}
		if out, _ := p.MarshalJSON(); string(out) != raw {
			t.Errorf("%s written back as %s", raw, out)
		}
	}
	for _, raw := range []string{`12.555`, `"ten"`, `{"a":1}`, `[1]`, `true`, `-1`, `1e1`} {
		var p graylanev1alpha1.Percent
		if err := p.UnmarshalJSON([]byte(raw)); err != nil {
			t.Fatalf("%s must decode (and be reported by Hundredths): %v", raw, err)
		}
		if _, err := p.Hundredths(); err == nil {
			t.Errorf("%s: no error", raw)
		}
	}
}

// following is the reviews set-up whose canary Lane follows the route.
func following(v1, v2 int32) []client.Object {
	objs := reviews()
	lane := kubetest.Lane("canary", "", 0)
	lane.Spec.WeightFrom = &graylanev1alpha1.WeightFrom{Namespace: ns, Name: "reviews"}
	objs[len(objs)-2] = lane
	objs[len(objs)-1] = route("reviews", time.Hour, kubetest.ServiceParent("reviews", 9080),
		kubetest.HeaderRule("X-Beta", "true", kubetest.Backend("reviews-v2", 9080, 1)),
		kubetest.WeightRule(kubetest.Backend("reviews", 9080, v1), kubetest.Backend("reviews-v2", 9080, v2)))
	return objs
}

func TestLaneWeightFollowsTheRouteSplit(t *testing.T) {
	b := testBuilder()
	for _, step := range []struct {
		v1, v2 int32
		want   model.Weight
	}{{100, 0, 0}, {90, 10, 1000}, {50, 50, 5000}, {0, 100, 10000}, {100, 0, 0}, {2, 1, 3333}} {
		res := buildFrom(t, b, following(step.v1, step.v2)...)
		if len(res.config.Lanes) != 1 || res.config.Lanes[0].Weight != step.want {
			t.Errorf("route %d/%d: lanes %v, want canary at %s", step.v1, step.v2, laneNames(res.config.Lanes), step.want)
		}
		r := res.lanes[0]
		if r.follows == nil || r.follows.rule != "HTTPRoute shop/reviews: spec.rules[1]" || r.weight != step.want || len(r.problems) != 0 {
			t.Errorf("lane result %+v %+v", r, r.follows)
		}
	}
}

func TestLaneWithoutItsRouteTakesNothing(t *testing.T) {
	objs := following(50, 50)
	objs = objs[:len(objs)-1]
	res := buildFrom(t, testBuilder(), objs...)
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"canary=0"}) {
		t.Errorf("lanes = %v", got)
	}
	if f := res.lanes[0].follows; f == nil || f.reason != graylanev1alpha1.ReasonRouteNotFound || !strings.Contains(f.problem, "HTTPRoute shop/reviews does not exist") {
		t.Errorf("follows = %+v", f)
	}
	c := laneConditions(res.lanes[0])
	if len(c) != 2 || c[1].Type != "ResolvedRefs" || c[1].Status != metav1.ConditionFalse {
		t.Errorf("conditions = %+v", c)
	}
}

func TestLaneWithWeightAndWeightFromKeepsItsLastSpec(t *testing.T) {
	b := testBuilder()
	buildFrom(t, b, following(90, 10)...)
	objs := following(50, 50)
	lane := objs[len(objs)-2].(*graylanev1alpha1.Lane)
	lane.Spec.Weight = graylanev1alpha1.NewPercent("20")
	res := buildFrom(t, b, objs...)
	if got := laneNames(res.config.Lanes); !slices.Equal(got, []string{"canary=50"}) {
		t.Errorf("lanes = %v: the last accepted spec still follows the route", got)
	}
	wantProblems(t, res.problems, "Lane canary: spec.weight: lane canary: weight and weightFrom exclude each other")
}

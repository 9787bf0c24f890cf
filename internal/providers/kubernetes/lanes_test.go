package kubernetes

import (
	"github.com/graylane/graylane/internal/kubetest"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	for raw, want := range map[string]model.Weight{`12.5`: 1250, `"0.25"`: 25, `10`: 1000, `null`: 0} {
		var p graylanev1alpha1.Percent
		if err := p.UnmarshalJSON([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if w, err := p.Weight(); err != nil || w != want {
			t.Errorf("%s: weight %v, %v; want %v", raw, w, err, want)
		}
		if out, _ := p.MarshalJSON(); string(out) != raw {
			t.Errorf("%s written back as %s", raw, out)
		}
	}
	for _, raw := range []string{`12.555`, `"ten"`, `{"a":1}`, `[1]`, `true`, `-1`, `1e1`} {
		var p graylanev1alpha1.Percent
		if err := p.UnmarshalJSON([]byte(raw)); err != nil {
			t.Fatalf("%s must decode (and be reported by Weight): %v", raw, err)
		}
		if _, err := p.Weight(); err == nil {
			t.Errorf("%s: no error", raw)
		}
	}
}

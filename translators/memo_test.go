package translators_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// mutations change a configuration the ways users do; each keeps it valid.
var mutations = []func(c *model.Config, r *rand.Rand){
	func(c *model.Config, r *rand.Rand) { // a weight change
		s := &c.Services[r.IntN(len(c.Services))]
		w := model.Weight(r.IntN(10001))
		s.Weights = map[string]model.Weight{"v1": model.WeightFull - w, "v2": w}
	},
	func(c *model.Config, r *rand.Rand) { // an endpoint moves
		v := &c.Services[r.IntN(len(c.Services))].Versions[r.IntN(3)]
		v.Endpoints = append([]model.Endpoint(nil), v.Endpoints...)
		v.Endpoints[0].Port = uint32(1 + r.IntN(60000))
	},
	func(c *model.Config, r *rand.Rand) { // a policy change
		c.Services[r.IntN(len(c.Services))].Policy.Timeout = time.Duration(1+r.IntN(5)) * time.Second
	},
	func(c *model.Config, r *rand.Rand) { // a service goes
		i := r.IntN(len(c.Services))
		c.Services = append(c.Services[:i:i], c.Services[i+1:]...)
		c.Gateways[0].Routes = routesTo(c)
	},
	func(c *model.Config, r *rand.Rand) { // a service comes, maybe sharing a name
		s := benchconfig.Generate(1).Services[0]
		s.Name, s.Port = fmt.Sprintf("new-%d", r.IntN(5)), uint32(9000+r.IntN(3))
		if c.Service(model.ServiceRef{Name: s.Name, Namespace: s.Namespace, Port: s.Port}) == nil {
			c.Services = append(c.Services, s)
		}
		c.Gateways[0].Routes = routesTo(c)
	},
	func(c *model.Config, r *rand.Rand) { // the lane header changes
		if r.IntN(2) == 0 {
			c.LaneHeader = fmt.Sprintf("x-lane-%d", r.IntN(3))
		}
	},
}

func routesTo(c *model.Config) []model.GatewayRoute {
	var out []model.GatewayRoute
	for i := range c.Services {
		s := &c.Services[i]
		out = append(out, model.GatewayRoute{
			Match:   model.RouteMatch{PathPrefix: "/" + s.Key()},
			Service: model.ServiceRef{Name: s.Name, Namespace: s.Namespace, Port: s.Port},
		})
	}
	return out
}

// TestMemoChangesNothing translates a sequence of changed configurations
// with a Memo and without, and wants the same bytes every time; each role
// now and then skips a configuration.
func TestMemoChangesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cfg := benchconfig.Generate(30)
	memo := translators.NewMemo()
	for step := range 120 {
		cfg = cfg.DeepCopy()
		mutations[r.IntN(len(mutations))](cfg, r)
		cfg.Normalize()
		if err := model.Validate(cfg); err != nil {
			t.Fatalf("step %d: the mutation broke the configuration: %v", step, err)
		}
		for _, role := range model.AllRoles() {
			if r.IntN(4) == 0 {
				continue // this role skips the configuration, as after a failed build
			}
			fresh, err := translators.Translate(cfg, role, laneFilter())
			if err != nil {
				t.Fatal(err)
			}
			memoized, err := translators.Translate(cfg, role, laneFilter(), translators.WithMemo(memo))
			if err != nil {
				t.Fatal(err)
			}
			if !equalRuns(encode(t, fresh), encode(t, memoized)) {
				t.Fatalf("step %d, %s: the memoized translation differs", step, role)
			}
		}
	}
}

// TestMemoReusesUnchangedServices checks that the memo does its job: an
// unchanged service keeps the very same messages.
func TestMemoReusesUnchangedServices(t *testing.T) {
	cfg := benchconfig.Generate(10)
	memo := translators.NewMemo()
	first, _ := translators.Translate(cfg, model.RoleGRPC, translators.WithMemo(memo))
	next := cfg.DeepCopy()
	next.Services[3].Policy.Timeout *= 2
	second, _ := translators.Translate(next, model.RoleGRPC, translators.WithMemo(memo))
	reused := 0
	for i := range first.Clusters {
		if first.Clusters[i] == second.Clusters[i] {
			reused++
		}
	}
	if reused != len(first.Clusters)-3 {
		t.Errorf("%d of %d clusters reused, want all but the changed service's 3", reused, len(first.Clusters))
	}
}

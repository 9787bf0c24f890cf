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
		if len(v.Endpoints) == 0 {
			return
		}
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
	for step := range 200 {
		cfg = cfg.DeepCopy()
		all := append(mutations[:len(mutations):len(mutations)], routeMutations...)
		all[r.IntN(len(all))](cfg, r)
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

// routeMutations change routes, mirrors, endpoints and gateways.
var routeMutations = []func(c *model.Config, r *rand.Rand){
	func(c *model.Config, r *rand.Rand) { // a service's route rules change
		s := &c.Services[r.IntN(len(c.Services))]
		s.Routes = randomRules(r)
	},
	func(c *model.Config, r *rand.Rand) { // a service mirrors, or stops
		s := &c.Services[r.IntN(len(c.Services))]
		s.Mirrors = randomMirrors(r)
	},
	func(c *model.Config, r *rand.Rand) { // a lane version loses or regains its endpoints
		v := &c.Services[r.IntN(len(c.Services))].Versions[1+r.IntN(2)]
		if len(v.Endpoints) > 0 {
			v.Endpoints = nil
		} else {
			v.Endpoints = []model.Endpoint{{Address: fmt.Sprintf("10.200.0.%d", 1+r.IntN(200)), Port: 8080, Weight: 1}}
		}
	},
	func(c *model.Config, r *rand.Rand) { // a gateway route mirrors, changes its action or hostnames
		g := &c.Gateways[0]
		gr := &g.Routes[r.IntN(len(g.Routes))]
		gr.Action = model.RouteAction{Mirrors: randomMirrors(r), Timeout: time.Duration(r.IntN(3)) * time.Second}
		gr.Hostnames = [][]string{nil, {"a.example.com"}, {"*.example.com", "b.example.com"}}[r.IntN(3)]
		if r.IntN(2) == 0 {
			gr.Weights = map[string]model.Weight{"v1": 5000, "v3": 5000}
		} else {
			gr.Weights = nil
		}
	},
}

func randomMirrors(r *rand.Rand) []model.Mirror {
	var out []model.Mirror
	for _, v := range []string{"v1", "v2", "v3"} {
		if r.IntN(3) == 0 {
			out = append(out, model.Mirror{Version: v, Percent: model.Weight(1 + r.IntN(10000))})
		}
	}
	return out
}

func randomRules(r *rand.Rand) []model.ServiceRoute {
	matches := []model.RouteMatch{
		{PathPrefix: "/api"},
		{Path: "/exact", Method: "GET"},
		{PathRegex: "/v[0-9]+/.*", Headers: []model.ValueMatch{{Name: "x-tier", Value: "gold"}}},
		{PathPrefix: "/q", Query: []model.ValueMatch{{Name: "debug", Value: "1"}}},
		{Method: "POST"},
	}
	var out []model.ServiceRoute
	for range r.IntN(3) {
		rule := model.ServiceRoute{Matches: []model.RouteMatch{matches[r.IntN(len(matches))]}}
		switch r.IntN(4) {
		case 0:
			rule.Weights = map[string]model.Weight{"v1": 5000, "v2": 5000}
		case 1:
			rule.Action.Timeout = time.Second
		case 2:
			rule.Action.RequestHeaders = &model.HeaderModifier{Set: []model.NameValue{{Name: "x-route", Value: "1"}}}
		default:
			rule.Action.Mirrors = randomMirrors(r)
		}
		out = append(out, rule)
	}
	return out
}

// TestMemoReusesUnchangedGatewayRoutes: at the edge, the routes of a
// gateway route whose route and service did not change are the very same.
func TestMemoReusesUnchangedGatewayRoutes(t *testing.T) {
	cfg := benchconfig.Generate(10)
	memo := translators.NewMemo()
	first, _ := translators.Translate(cfg, model.RoleEdge, translators.WithMemo(memo))
	next := cfg.DeepCopy()
	next.Services[3].Policy.Timeout *= 2
	second, _ := translators.Translate(next, model.RoleEdge, translators.WithMemo(memo))
	before, after := first.Routes[0].VirtualHosts[0].Routes, second.Routes[0].VirtualHosts[0].Routes
	reused := 0
	for i := range before {
		if before[i] == after[i] {
			reused++
		}
	}
	perService := len(before) / 10
	if reused != len(before)-perService {
		t.Errorf("%d of %d routes reused, want all but the changed service's %d", reused, len(before), perService)
	}
}

// TestEndpointChurnKeepsTheGatewayRoutes: routes do not depend on
// endpoints, so a change of endpoints alone keeps a gateway's route
// configuration, the very same message, while the service's endpoints
// follow.
func TestEndpointChurnKeepsTheGatewayRoutes(t *testing.T) {
	cfg := benchconfig.Generate(10)
	memo := translators.NewMemo()
	first, _ := translators.Translate(cfg, model.RoleEdge, translators.WithMemo(memo))
	next := cfg.DeepCopy()
	next.Services[3].Versions[0].Endpoints[0].Port = 9999
	second, _ := translators.Translate(next, model.RoleEdge, translators.WithMemo(memo))
	if first.Routes[0] != second.Routes[0] {
		t.Error("an endpoint change built the gateway's route configuration again")
	}
	changed := 0
	for i := range first.Endpoints {
		if first.Endpoints[i] != second.Endpoints[i] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the changed endpoints were not built again")
	}
	last := next.DeepCopy()
	last.Services[3].Weights = map[string]model.Weight{"v1": 5000, "v2": 5000}
	third, _ := translators.Translate(last, model.RoleEdge, translators.WithMemo(memo))
	if third.Routes[0] == second.Routes[0] {
		t.Error("a weight change kept the gateway's route configuration")
	}
}

// TestRolesShareEndpointAssignments translates a configuration for every
// role with one Memo, and wants the very same endpoint assignment messages
// in each: they do not depend on the role, and one check serves them all.
func TestRolesShareEndpointAssignments(t *testing.T) {
	cfg := benchconfig.Generate(10)
	memo := translators.NewMemo()
	var first *translators.Resources
	for _, role := range model.AllRoles() {
		res, err := translators.Translate(cfg, role, translators.WithMemo(memo))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		if len(res.Endpoints) != len(first.Endpoints) {
			t.Fatalf("%s: %d endpoint assignments, %d for the first role", role, len(res.Endpoints), len(first.Endpoints))
		}
		for i := range res.Endpoints {
			if res.Endpoints[i] != first.Endpoints[i] {
				t.Errorf("%s: endpoint assignment %s is a message of its own", role, res.Endpoints[i].GetClusterName())
			}
		}
	}
}

package pipeline

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// changes edit a configuration as a source hands a change over: the
// services it did not touch are the very same structs and lists (shared
// with the configuration before), the one it touched is a copy.
var changes = []func(c *model.Config, r *rand.Rand){
	func(c *model.Config, r *rand.Rand) { // a weight moves
		s := touch(c, r)
		w := model.Weight(r.IntN(10001))
		s.Weights = map[string]model.Weight{"v1": model.WeightFull - w, "v2": w}
	},
	func(c *model.Config, r *rand.Rand) { // an endpoint moves
		s := touch(c, r)
		s.Versions[0].Endpoints[0].Port = uint32(1 + r.IntN(60000))
	},
	func(c *model.Config, r *rand.Rand) { // a service goes
		i := r.IntN(len(c.Services))
		c.Services = slices.Delete(slices.Clone(c.Services), i, i+1)
		c.Gateways = routesTo(c)
	},
	func(c *model.Config, r *rand.Rand) { // a service comes
		s := benchconfig.Generate(1).Services[0]
		s.Name = fmt.Sprintf("new-%d", r.IntN(1000))
		if c.Service(model.ServiceRef{Name: s.Name, Namespace: s.Namespace, Port: s.Port}) == nil {
			c.Services = append(slices.Clone(c.Services), s)
			c.Gateways = routesTo(c)
		}
	},
	func(c *model.Config, r *rand.Rand) { // a lane is renamed
		c.Lanes = slices.Clone(c.Lanes)
		c.Lanes[1].Name = fmt.Sprintf("beta-%d", r.IntN(3))
	},
	func(c *model.Config, r *rand.Rand) { // a broken service, refused
		touch(c, r).Port = 0
	},
	func(c *model.Config, r *rand.Rand) { // the lane header changes
		c.LaneHeader = []string{"x-canary", "x-lane"}[r.IntN(2)]
	},
	func(c *model.Config, r *rand.Rand) { // a service's protocol changes
		touch(c, r).Protocol = []model.Protocol{model.ProtocolHTTP, model.ProtocolGRPC}[r.IntN(2)]
	},
	func(c *model.Config, r *rand.Rand) { // a version moves to another lane, maybe none
		touch(c, r).Versions[2].Lane = []string{"beta", "canary", "gamma"}[r.IntN(3)]
	},
	func(c *model.Config, r *rand.Rand) { // a name gets a second port: routes without a port are ambiguous
		s := c.DeepCopy().Services[r.IntN(len(c.Services))]
		s.Port = 9000 + uint32(r.IntN(2))
		c.Services = append(slices.Clone(c.Services), s)
		c.Normalize()
	},
	func(c *model.Config, r *rand.Rand) { // a gateway route changes
		g := touchGateway(c, r)
		if len(g.Routes) == 0 {
			return
		}
		rt := &g.Routes[r.IntN(len(g.Routes))]
		switch r.IntN(4) {
		case 0:
			rt.Hostnames = [][]string{nil, {"a.example.com"}, {"*.example.com", "b.example.com"}}[r.IntN(3)]
		case 1:
			rt.Weights = []map[string]model.Weight{nil, {"v1": 5000, "v3": 5000}}[r.IntN(2)]
		case 2:
			rt.Action = model.RouteAction{Timeout: time.Duration(r.IntN(3)) * time.Second}
			if r.IntN(2) == 0 {
				rt.Action.Mirrors = []model.Mirror{{Version: "v2", Percent: model.WeightFull}}
			}
		default:
			s := c.Services[r.IntN(len(c.Services))]
			rt.Service = model.ServiceRef{Name: s.Name, Namespace: s.Namespace, Port: []uint32{0, s.Port}[r.IntN(2)]}
		}
	},
	func(c *model.Config, r *rand.Rand) { // a gateway comes, goes or is renamed
		switch i := r.IntN(len(c.Gateways)); r.IntN(3) {
		case 0:
			g := c.Gateways[i]
			g.Name, g.Port = fmt.Sprintf("gw-%d", r.IntN(3)), 7000+uint32(r.IntN(1000))
			c.Gateways = append(slices.Clone(c.Gateways), g)
		case 1:
			if len(c.Gateways) > 1 {
				c.Gateways = slices.Delete(slices.Clone(c.Gateways), i, i+1)
			}
		default:
			touchGateway(c, r).Name = fmt.Sprintf("gw-%d", r.IntN(3))
		}
		c.Normalize()
	},
}

// touchGateway copies a random gateway's routes, in place, and returns
// the gateway.
func touchGateway(c *model.Config, r *rand.Rand) *model.Gateway {
	c.Gateways = slices.Clone(c.Gateways)
	g := &c.Gateways[r.IntN(len(c.Gateways))]
	g.Routes = slices.Clone(g.Routes)
	return g
}

// touch copies a random service deeply, in place, and returns it.
func touch(c *model.Config, r *rand.Rand) *model.Service {
	c.Services = slices.Clone(c.Services)
	i := r.IntN(len(c.Services))
	c.Services[i] = c.DeepCopy().Services[i]
	return &c.Services[i]
}

func routesTo(c *model.Config) []model.Gateway {
	g := c.Gateways[0]
	g.Name = "public"
	g.Routes = nil
	for _, s := range c.Services {
		g.Routes = append(g.Routes, model.GatewayRoute{
			Match:   model.RouteMatch{PathPrefix: "/" + s.Key()},
			Service: model.ServiceRef{Name: s.Name, Namespace: s.Namespace, Port: s.Port},
		})
	}
	return []model.Gateway{g}
}

// TestIncrementalBuildsEqualColdOnes applies random changes, some refused,
// and wants after each the cold build's problems, or every role's
// snapshot versions as a cold build of the same configuration gives them:
// what the builder remembers (the memo, reused and revalidated services,
// gateway routes and route checks) changes nothing.
func TestIncrementalBuildsEqualColdOnes(t *testing.T) {
	for seed := range uint64(2) {
		r := rand.New(rand.NewPCG(seed, 4))
		cfg := benchconfig.Generate(80) // the gateway is checked route by route
		b, accepted := newBuilder(), 0
		for step := range 120 {
			next := *cfg
			changes[r.IntN(len(changes))](&next, r)
			got, err := b.build([]*model.Config{&next}, nil)
			want, coldErr := Build([]*model.Config{&next})
			if fmt.Sprint(err) != fmt.Sprint(coldErr) {
				t.Fatalf("seed %d, step %d: incremental build: %v; cold build: %v", seed, step, err, coldErr)
			}
			if err != nil {
				continue
			}
			cfg, accepted = &next, accepted+1
			for _, role := range model.AllRoles() {
				sameVersions(t, fmt.Sprintf("seed %d, step %d, %s", seed, step, role), got.Snapshots[role], want.Snapshots[role])
			}
		}
		t.Logf("seed %d: %d of 120 changes accepted", seed, accepted)
		if accepted < 60 {
			t.Errorf("seed %d: %d of 120 changes accepted, too few to test building on the last", seed, accepted)
		}
	}
}

func sameVersions(t *testing.T, what string, got, want *snapshot.Snapshot) {
	t.Helper()
	for _, k := range translators.Kinds() {
		if got.Version(k.Type) != want.Version(k.Type) || got.Len(k.Type) != want.Len(k.Type) {
			t.Errorf("%s: %s version %s (%d), cold %s (%d)", what, k.Name, got.Version(k.Type), got.Len(k.Type), want.Version(k.Type), want.Len(k.Type))
		}
	}
}

package pipeline

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

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
// and wants every role's snapshot versions after each to be those of a
// cold build of the same configuration: what the builder remembers (the
// memo, reused and revalidated services, route checks) changes nothing.
func TestIncrementalBuildsEqualColdOnes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cfg := benchconfig.Generate(80) // the gateway is checked route by route
	b := newBuilder()
	for step := range 120 {
		next := *cfg
		changes[r.IntN(len(changes))](&next, r)
		got, err := b.build([]*model.Config{&next}, nil)
		want, coldErr := Build([]*model.Config{&next})
		if (err == nil) != (coldErr == nil) {
			t.Fatalf("step %d: incremental build: %v; cold build: %v", step, err, coldErr)
		}
		if err != nil {
			continue
		}
		cfg = &next
		for _, role := range model.AllRoles() {
			sameVersions(t, fmt.Sprintf("step %d, %s", step, role), got.Snapshots[role], want.Snapshots[role])
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

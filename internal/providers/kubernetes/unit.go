package kubernetes

import (
	"slices"

	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// Kinds of units.
const (
	unitService = "Service"
	unitGateway = "Gateway"
)

// unitKey names a unit: the kind and name of the object it is built
// around.
type unitKey struct {
	Kind string
	types.NamespacedName
}

func (k unitKey) String() string { return k.Kind + " " + k.NamespacedName.String() }

func serviceKey(n types.NamespacedName) unitKey { return unitKey{Kind: unitService, NamespacedName: n} }
func gatewayKey(n types.NamespacedName) unitKey { return unitKey{Kind: unitGateway, NamespacedName: n} }

// unit is what one object maps to, checked, kept at its last good state
// and left out as a whole: a Service together with the Services that are
// its versions, its policy annotations and the routes attached to it (a
// model service per TCP port); or a Gateway with the routes attached to
// it (a model gateway per port). A rule of a route that the model's checks
// find fault with is dropped alone, and the unit built again.
type unit struct {
	key      unitKey
	services []model.Service
	gateways []model.Gateway
	// sources says where each version's endpoints are read from, by
	// "SERVICE-KEY/VERSION".
	sources map[string]endpointSource
	// certs says which Secret each certificate is read from, by name.
	certs map[string]types.NamespacedName
	// positions are every position the unit's origins name, to tell which
	// unit a problem of a whole configuration is about.
	positions map[string]bool
	// rules are the route rules positions belong to, to drop a rule alone.
	rules map[string]rulePlace
	// errs keep the unit at its last good state; warnings were worked
	// around.
	errs     []error
	warnings []error
	// fallback is set on a last good state in use again.
	fallback bool
}

// rulePlace is a rule as one parent serves it.
type rulePlace struct {
	rule   *parsedRule
	parent *parentState
}

// endpointSource is a Service port whose EndpointSlices hold a version's
// endpoints.
type endpointSource struct {
	Service types.NamespacedName `json:"service"`
	Port    string               `json:"port"`
}

func newUnit(key unitKey) *unit {
	return &unit{key: key, sources: map[string]endpointSource{}, certs: map[string]types.NamespacedName{},
		positions: map[string]bool{}, rules: map[string]rulePlace{}}
}

// origin builds an Origin and remembers its positions as the unit's.
func (u *unit) origin(pos string, fields map[string]string) model.Origin {
	u.positions[pos] = true
	for _, p := range fields {
		u.positions[p] = true
	}
	return model.NewOrigin(pos, fields)
}

// ruleOrigin is origin for what a rule becomes, its positions the rule's.
func (u *unit) ruleOrigin(place rulePlace, pos string, fields map[string]string) model.Origin {
	u.rules[pos] = place
	for _, p := range fields {
		u.rules[p] = place
	}
	return u.origin(pos, fields)
}

// refreshed is the unit as it was, with every version's endpoints and
// every certificate read again: a unit kept at its last good state still
// follows its endpoints and its Secrets.
func (u *unit) refreshed(w *world, read func(types.NamespacedName) keyPair) *unit {
	out := &unit{key: u.key, sources: u.sources, certs: u.certs, positions: u.positions, rules: map[string]rulePlace{}, fallback: true}
	for _, s := range u.services {
		s.Versions = slices.Clone(s.Versions)
		for i := range s.Versions {
			src := u.sources[s.Key()+"/"+s.Versions[i].Name]
			s.Versions[i].Endpoints = endpointsOf(w.slices[src.Service], src.Port)
		}
		out.services = append(out.services, s)
	}
	for _, g := range u.gateways {
		out.gateways = append(out.gateways, withCertificates(g, u.certs, read))
	}
	return out
}

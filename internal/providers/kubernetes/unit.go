package kubernetes

import (
	"slices"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// unit is what one Service maps to, together with the Services that are
// its versions, its policy annotations and the HTTPRoutes attached to it:
// a model service per TCP port. A unit is checked, kept at its last good
// state and left out as a whole.
type unit struct {
	key      types.NamespacedName
	services []model.Service
	// sources says where each version's endpoints are read from, by
	// "SERVICE-KEY/VERSION".
	sources map[string]endpointSource
	// positions are every position the unit's origins name, to tell which
	// unit a problem of a whole configuration is about.
	positions map[string]bool
	// errs keep the unit at its last good state; warnings were worked
	// around.
	errs     []error
	warnings []error
	// fallback is set on a last good state in use again.
	fallback bool
}

// endpointSource is a Service port whose EndpointSlices hold a version's
// endpoints.
type endpointSource struct {
	service types.NamespacedName
	port    string
}

func newUnit(key types.NamespacedName) *unit {
	return &unit{key: key, sources: map[string]endpointSource{}, positions: map[string]bool{}}
}

// origin builds an Origin and remembers its positions as the unit's.
func (u *unit) origin(pos string, fields map[string]string) model.Origin {
	u.positions[pos] = true
	for _, p := range fields {
		u.positions[p] = true
	}
	return model.NewOrigin(pos, fields)
}

// refreshed is the unit as it was, with every version's endpoints read
// again: a unit kept at its last good state still follows its endpoints.
func (u *unit) refreshed(all map[types.NamespacedName][]discoveryv1.EndpointSlice) *unit {
	out := &unit{key: u.key, sources: u.sources, positions: u.positions, fallback: true}
	for _, s := range u.services {
		s.Versions = slices.Clone(s.Versions)
		for i := range s.Versions {
			src := u.sources[s.Key()+"/"+s.Versions[i].Name]
			s.Versions[i].Endpoints = endpointsOf(all[src.service], src.port)
		}
		out.services = append(out.services, s)
	}
	return out
}

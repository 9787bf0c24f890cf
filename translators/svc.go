package translators

import (
	"slices"
	"sync"

	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"

	"github.com/graylane/graylane/model"
)

// svc is a service with the names translation needs, computed once.
type svc struct {
	*model.Service
	key      string
	host     string   // name.namespace
	clusters []string // cluster name of each version, by index
	baseline int      // index of the baseline version
	// built is, by role slot, what a Memo remembers the service built to.
	built [roleSlots]*built
	// routing numbers how the service routes, for a Memo: the same for
	// views of it that differ in endpoints alone.
	routing uint64
	// assignments are each version's endpoint assignment, which do not
	// depend on the role: made by the first role that needs them, the
	// same messages for the others, which a Memo's roles share.
	assignments func() []*endpointv3.ClusterLoadAssignment
}

// roleSlots is the number of roles.
const roleSlots = 3

func newSvc(s *model.Service) *svc {
	out := &svc{Service: s, key: s.Key(), host: s.Host(), clusters: make([]string, len(s.Versions))}
	for i := range s.Versions {
		out.clusters[i] = out.key + "/" + s.Versions[i].Name
		if s.Versions[i].Lane == "" {
			out.baseline = i
		}
	}
	out.assignments = sync.OnceValue(out.loadAssignments)
	return out
}

// loadAssignments makes each version's endpoint assignment.
func (s *svc) loadAssignments() []*endpointv3.ClusterLoadAssignment {
	eps := newServiceEndpoints(s, fallbackPolicy)
	out := make([]*endpointv3.ClusterLoadAssignment, len(s.Versions))
	for i := range s.Versions {
		out[i] = eps.loadAssignment(s.clusters[i], i)
	}
	return out
}

// versionIndex is the index of the named version; the baseline's when the
// name is unknown, which Validate rules out.
func (s *svc) versionIndex(name string) int {
	for i := range s.Versions {
		if s.Versions[i].Name == name {
			return i
		}
	}
	return s.baseline
}

// mirrorCluster is where copies of requests to version i go: the version's
// own cluster for the baseline, and for a lane version a cluster of its own
// without the fallback to the baseline, so that a copy never reaches the
// baseline, which the original request may have reached already.
func (s *svc) mirrorCluster(i int) string {
	if i == s.baseline {
		return s.clusters[i]
	}
	return s.clusters[i] + mirrorSuffix
}

// mirrorSuffix names a lane version's mirror cluster after its cluster.
const mirrorSuffix = "/mirror"

// mirroredVersions are the indexes of the lane versions that ms, or the
// versions named in extra, mirror requests to, in version order.
func mirroredVersions(s *svc, ms []model.Mirror, extra []string) []int {
	var out []int
	for i := range s.Versions {
		name := s.Versions[i].Name
		if i != s.baseline && (slices.Contains(extra, name) || slices.ContainsFunc(ms, func(m model.Mirror) bool { return m.Version == name })) {
			out = append(out, i)
		}
	}
	return out
}

// routeMirrors are the versions s's route rules mirror requests to.
func routeMirrors(s *svc) []string {
	var out []string
	for i := range s.Routes {
		for _, m := range s.Routes[i].Action.Mirrors {
			out = append(out, m.Version)
		}
	}
	return out
}

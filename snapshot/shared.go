package snapshot

import (
	"sync"

	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
)

// SharedChecks lets the builders of one configuration's roles check an
// endpoint assignment once: a translators.Memo hands every role the same
// assignment messages of a service, as they do not depend on the role.
// Make one for each configuration built, and drop it after.
type SharedChecks struct {
	checks sync.Map // *endpointv3.ClusterLoadAssignment -> checked
}

// NewSharedChecks returns an empty SharedChecks.
func NewSharedChecks() *SharedChecks { return &SharedChecks{} }

// check checks a resource, or recalls the check of an endpoint
// assignment another role's build made.
func (s *SharedChecks) check(r types.Resource, known routeMemos) checked {
	cla, ok := r.(*endpointv3.ClusterLoadAssignment)
	if s == nil || !ok {
		return check(r, known)
	}
	if c, ok := s.checks.Load(cla); ok {
		return c.(checked)
	}
	c := check(r, known)
	s.checks.Store(cla, c)
	return c
}

// BuildOption changes how a Builder builds one snapshot.
type BuildOption func(*buildOptions)

type buildOptions struct {
	shared *SharedChecks
}

// WithSharedChecks shares the checks of endpoint assignments with the
// other builds given the same SharedChecks.
func WithSharedChecks(s *SharedChecks) BuildOption {
	return func(o *buildOptions) { o.shared = s }
}

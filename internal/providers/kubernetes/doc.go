// Package kubernetes is Graylane's Kubernetes source: it reads Services,
// their EndpointSlices, Lanes (graylane.io/v1alpha1) and Gateway API
// HTTPRoutes attached to Services (GAMMA), and publishes the whole model
// they describe, the same model the file source produces.
//
// Mapping (docs/kubernetes.md has the user's view):
//   - each TCP port of a Service is a service NAME.NAMESPACE:PORT, its
//     ready EndpointSlice endpoints the baseline version's endpoints;
//   - a Service labelled graylane.io/version-of: PARENT is a version of
//     PARENT, in the lane its graylane.io/lane label names; without a lane
//     it is the baseline instead of PARENT's own endpoints;
//   - a Lane is a release lane;
//   - an HTTPRoute whose parentRef is the Service splits untagged traffic
//     by its backendRefs' weights and adds header match rules;
//   - graylane.io/FIELD annotations of a Service are its policy, decoded
//     as the file format's policy.
//
// Every object is checked on its own with model.Validate: an object that is
// not valid is reported (Publisher.Warn, and the status of Lanes and
// HTTPRoutes) and its last good state stays in effect.
//
// Watches go through a controller-runtime cache; bursts of events are
// coalesced into one rebuild. Every replica serves from its own watch; only
// status writing needs a leader, elected with a Lease.
package kubernetes

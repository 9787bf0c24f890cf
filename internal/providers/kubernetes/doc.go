// Package kubernetes is Graylane's Kubernetes source: it reads Services,
// their EndpointSlices, Lanes (graylane.io/v1alpha1), Gateway API routes
// (HTTPRoute, GRPCRoute) attached to Services (GAMMA) or to Gateways of a
// GatewayClass Graylane owns, and the TLS Secrets those Gateways name, and
// publishes the whole model they describe, the same model the file source
// produces.
//
// Mapping (docs/kubernetes.md has the user's view):
//   - each TCP port of a Service is a service NAME.NAMESPACE:PORT, its
//     ready EndpointSlice endpoints the baseline version's endpoints;
//   - a Service labelled graylane.io/version-of: PARENT is a version of
//     PARENT, in the lane its graylane.io/lane label names; without a lane
//     it is the baseline instead of PARENT's own endpoints;
//   - a Lane is a release lane; with weightFrom, its weight is the share a
//     route's split gives the lane's version Services;
//   - a route's rules attached to a Service are the service's split and
//     routes, in Gateway API's order of precedence;
//   - each port of a Gateway of a GatewayClass whose controllerName is
//     graylane.io/gateway-controller is an edge gateway, its HTTPS
//     listeners' certificates read from Secrets;
//   - graylane.io/FIELD annotations of a Service are its policy, decoded
//     as the file format's policy.
//
// Every object is checked with model.Validate, and a problem is kept as
// small as it can be: a rule Graylane cannot serve is dropped alone; a
// Service (with its versions and the rules it serves), a Gateway, a Lane
// or a certificate that is not valid is reported (Publisher.Warn, and the
// statuses) and its last good state stays in effect. Last good states are
// kept in ConfigMaps of Graylane's namespace, so that they survive
// restarts and are the same on every replica.
//
// Watches go through a controller-runtime cache; bursts of events are
// coalesced into one rebuild. Every replica serves from its own watch;
// only writing (statuses and last good states) needs a leader, elected
// with a Lease.
package kubernetes

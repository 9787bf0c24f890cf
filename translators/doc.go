// Package translators turns a validated model.Config into the Envoy v3
// resources each role of client receives.
//
// Translation is a pure function: no I/O, no globals, and the same Config
// always yields the same resources in the same order, with every Any
// marshalled deterministically. Every hop routes a request for a service the
// same way:
//
//  1. lane header with value L, and the service has a version in lane L:
//     that version;
//  2. lane header with any other value (including "stable"): the baseline;
//  3. no lane header: the same two by the W3C baggage member
//     graylane-lane=L, if there is one;
//  4. untagged: split among versions by the service's weights.
//
// A service's route rules are checked first: a request that matches one
// gets its action, and untagged, its split. A lane version's endpoints
// fall back to the baseline's (EDS priorities) while it has none.
//
// The snapshot package validates and versions what Translate returns.
package translators

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
//  3. no lane header: split among versions by the service's weights.
//
// The snapshot package validates and versions what Translate returns.
package translators

// Package lane holds the decision logic of Graylane's edge lane filter,
// independent of any proxy-wasm SDK so that it can be unit-tested, fuzzed
// and shared by both filter entry points.
//
// The filter puts every request that enters the edge Envoy into a release
// lane by setting the lane header (default "x-canary") and the member
// "graylane-lane=<lane>" of the W3C baggage header; every later hop routes
// by either. The decision, for each request, is:
//
//  1. Unless the configuration trusts incoming lanes, an incoming lane header
//     and baggage lane member are ignored and overwritten. When they are
//     trusted, the lane header, else the baggage member, is kept.
//  2. The match rules of the lanes, lanes in order and rules in order: the
//     first lane with a matching rule takes the request.
//  3. The weights, lanes in order: lane i takes the request when
//     Hash(lane name, sticky key) mod 10000 < T_i, where
//     T_i = round(10000 * w_i / (100 - sum_{j<i} w_j)) so that every lane gets
//     its weight as an absolute share of edge traffic. For the first lane T is
//     exactly weight x 100.
//  4. A lane whose sticky key is absent from the request uses a random draw
//     against the same threshold. A missing sticky cookie is generated, used
//     for the decision and returned to the client with Set-Cookie.
//  5. A request in no lane goes to the "stable" lane.
//
// Table.Baggage builds the baggage header to forward (see RewriteBaggage).
//
// Parse turns the plugin configuration JSON into an immutable Table; a Table
// is built completely before it is used, so a bad configuration never leaves
// a filter half-configured.
package lane

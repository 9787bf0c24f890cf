// Package lanefilter delivers the edge's lane filter: it adds the filter,
// configured by ECDS, before the router of every edge listener, and builds
// the matching TypedExtensionConfig (envoy.extensions.filters.http.wasm.v3.Wasm)
// whose plugin configuration is the lanes of the configuration. A lane
// weight change then changes that resource alone: no listener, route or
// cluster version moves.
//
// The filter itself, a proxy-wasm module in Go, lives in cmd/wasm-filter, a
// module of its own; the control plane writes the filter's configuration
// with that module's lane package and checks it with the filter's parser.
package lanefilter

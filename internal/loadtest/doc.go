// Package loadtest is Graylane's own xDS load tool, behind `xds bench`.
//
// It serves a generated configuration (n services, see
// internal/benchconfig) from a file through a control plane started in
// this process, connects a fleet of simulated clients to it over real
// gRPC ADS streams, applies changes by rewriting the file, and measures
// what each change costs: the time from the change being read to the last
// client's ACK of it, the responses pushed and to whom, and the control
// plane's memory per connected client. The same fleet can be run against
// a bare go-control-plane SnapshotCache serving the same translated
// resources, for a side-by-side ratio.
//
// The fleet runs in a process of its own (the same binary, started again
// in fleet mode and driven over its standard input and output), so that
// the memory measured in the control plane's process is the control
// plane's alone. Its clients subscribe as real ones do: a proxyless gRPC
// client asks for one service's listener by name and follows the
// references it receives (route configuration, clusters, endpoints); an
// Envoy sidecar subscribes to every listener and cluster and follows them
// to route configurations and endpoints; an edge Envoy does the same and
// also follows its listeners to the lane filter's extension config. Many
// clients share one gRPC connection (one stream each) to keep the tool's
// own cost low.
package loadtest

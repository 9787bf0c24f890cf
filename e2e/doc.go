// Package e2e holds Graylane's end-to-end tests: a control plane on
// loopback serving a configuration file, or the objects of a real
// Kubernetes API server (envtest, shared by the package's tests), gRPC
// backends that report who answered, and proxyless gRPC clients dialing
// xds:/// targets through the control plane: grpc-go's own xDS client, and
// for the interop tests (interop_test.go) grpc-js with @grpc/grpc-js-xds
// (interop/node) and gRPC C-core through Debian's python3-grpcio
// (interop/python), run as subprocesses that speak JSON lines; and the lane
// filter compiled to wasm, run on wazero with the configuration the edge is
// served.
package e2e

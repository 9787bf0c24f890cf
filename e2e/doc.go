// Package e2e holds Graylane's end-to-end tests: a control plane on
// loopback serving a configuration file, or the objects of a real
// Kubernetes API server (envtest, shared by the package's tests), gRPC
// backends that report who answered, grpc-go's own xDS client dialing
// xds:/// targets through the control plane, and the lane filter compiled
// to wasm, run on wazero with the configuration the edge is served.
package e2e

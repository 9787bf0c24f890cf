// Package e2e holds Graylane's end-to-end tests: a control plane on
// loopback serving a configuration file, or the objects of a real
// Kubernetes API server (envtest, shared by the package's tests), gRPC
// backends that report who answered, and grpc-go's own xDS client dialing
// xds:/// targets through the control plane.
package e2e

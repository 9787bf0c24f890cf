package model

import "fmt"

// Role is what a connecting xDS client is; every client of a role receives
// the same resources.
type Role string

// Roles of connecting clients.
const (
	// RoleGRPC is a proxyless gRPC client: one API listener per HTTP or
	// gRPC service.
	RoleGRPC Role = "grpc"
	// RoleSidecar is an Envoy sidecar: one outbound listener that routes by
	// Host to every service.
	RoleSidecar Role = "sidecar"
	// RoleEdge is an Envoy at the edge: the gateways' listeners with the
	// lane filter.
	RoleEdge Role = "edge"
)

// AllRoles lists every role in a stable order.
func AllRoles() []Role { return []Role{RoleGRPC, RoleSidecar, RoleEdge} }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range AllRoles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want grpc, sidecar or edge)", s)
}

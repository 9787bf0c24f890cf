package snapshot

import (
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"

	"github.com/graylane/graylane/model"
)

// RoleMetadataKey is the node metadata field that sets a client's role.
const RoleMetadataKey = "role"

// RoleOf returns the role of a connecting node: its metadata "role" when
// set, else grpc for gRPC clients (user agent "gRPC ..."), else sidecar.
func RoleOf(node *corev3.Node) (model.Role, error) {
	if v, ok := node.GetMetadata().GetFields()[RoleMetadataKey]; ok {
		return model.ParseRole(v.GetStringValue())
	}
	if strings.HasPrefix(node.GetUserAgentName(), "gRPC") {
		return model.RoleGRPC, nil
	}
	return model.RoleSidecar, nil
}

// RoleHash keys go-control-plane's cache by role, so that every node of a
// role shares one snapshot. A node with an unknown role gets a key no
// snapshot is ever set for; the server refuses its stream first.
type RoleHash struct{}

var _ cachev3.NodeHash = RoleHash{}

// ID returns the node's role.
func (RoleHash) ID(node *corev3.Node) string {
	role, err := RoleOf(node)
	if err != nil {
		return "invalid-role"
	}
	return string(role)
}

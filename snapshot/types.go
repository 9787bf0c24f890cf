package snapshot

import (
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
)

// ServedTypes lists the resource types Graylane serves, in the order a new
// snapshot reaches clients.
func ServedTypes() []types.ResponseType {
	return []types.ResponseType{types.Cluster, types.Endpoint, types.ExtensionConfig, types.Listener, types.Route}
}

// TypeURL returns the type URL of a response type Graylane serves.
func TypeURL(t types.ResponseType) string {
	switch t {
	case types.Cluster:
		return resourcev3.ClusterType
	case types.Endpoint:
		return resourcev3.EndpointType
	case types.ExtensionConfig:
		return resourcev3.ExtensionConfigType
	case types.Listener:
		return resourcev3.ListenerType
	case types.Route:
		return resourcev3.RouteType
	}
	return ""
}

// ShortName is a type's short name for logs, metrics and status: "clusters".
func ShortName(typeURL string) string {
	switch typeURL {
	case resourcev3.ClusterType:
		return "clusters"
	case resourcev3.EndpointType:
		return "endpoints"
	case resourcev3.ExtensionConfigType:
		return "extension_configs"
	case resourcev3.ListenerType:
		return "listeners"
	case resourcev3.RouteType:
		return "routes"
	}
	return "unknown"
}

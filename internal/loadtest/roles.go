package loadtest

import (
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
)

// how a client subscribes to a type.
type how uint8

const (
	// never: the client does not ask for the type.
	never how = iota
	// wildcard: every resource of the type.
	wildcard
	// byGivenName: the names the client starts with (the listener a
	// proxyless gRPC client dials).
	byGivenName
	// byReference: the names the resources of another type refer to.
	byReference
)

// behaviour is how the clients of a role subscribe, as the real ones do.
type behaviour struct {
	how  [numTypes]how
	from [numTypes]xdsType // for byReference: the type whose resources name it
	// first are the types asked for on connecting, in order.
	first []xdsType
	// next lists, by type, the types whose names its resources give.
	next [numTypes][]xdsType
}

// behaviours by role:
//   - a proxyless gRPC client asks for the listener it dials, then follows
//     it to its route configuration, the route configuration to clusters
//     and the clusters to endpoints, each by name;
//   - an Envoy sidecar asks for every cluster, listener and scoped route
//     configuration, and follows them to endpoints and route
//     configurations by name;
//   - an edge Envoy does the same, and follows its listeners to the lane
//     filter's extension config too.
var behaviours = map[model.Role]*behaviour{
	model.RoleGRPC: link(behaviour{
		how:   [numTypes]how{typeListener: byGivenName, typeRoute: byReference, typeCluster: byReference, typeEndpoint: byReference},
		from:  [numTypes]xdsType{typeRoute: typeListener, typeCluster: typeRoute, typeEndpoint: typeCluster},
		first: []xdsType{typeListener},
	}),
	model.RoleSidecar: link(behaviour{
		how: [numTypes]how{typeCluster: wildcard, typeListener: wildcard, typeScopedRoute: wildcard,
			typeEndpoint: byReference, typeRoute: byReference},
		from:  [numTypes]xdsType{typeEndpoint: typeCluster, typeRoute: typeScopedRoute},
		first: []xdsType{typeCluster, typeListener, typeScopedRoute},
	}),
	model.RoleEdge: link(behaviour{
		how: [numTypes]how{typeCluster: wildcard, typeListener: wildcard, typeEndpoint: byReference, typeRoute: byReference,
			typeExtension: byReference},
		from:  [numTypes]xdsType{typeEndpoint: typeCluster, typeRoute: typeListener, typeExtension: typeListener},
		first: []xdsType{typeCluster, typeListener},
	}),
}

// link lists the types followed from each type.
func link(b behaviour) *behaviour {
	for u := range numTypes {
		if b.how[u] == byReference {
			b.next[b.from[u]] = append(b.next[b.from[u]], u)
		}
	}
	return &b
}

// followers are the types whose names come from the resources of type t.
func (b *behaviour) followers(t xdsType) []xdsType { return b.next[t] }

// node is how a client of the role presents itself: a proxyless gRPC
// client by its user agent, an Envoy by the role in its metadata, and a
// sidecar that calls some services only by its egress.
func node(role model.Role, id int, calls []string) *corev3.Node {
	name := "bench-" + string(role) + "-" + strconv.Itoa(id)
	if role == model.RoleGRPC {
		return &corev3.Node{Id: name, Cluster: "bench", UserAgentName: "gRPC Go"}
	}
	fields := map[string]any{snapshot.RoleMetadataKey: string(role)}
	if calls != nil {
		egress := make([]any, len(calls))
		for i, key := range calls {
			egress[i] = egressEntry(key)
		}
		fields[snapshot.EgressMetadataKey] = egress
	}
	md, _ := structpb.NewStruct(fields)
	return &corev3.Node{Id: name, Cluster: "bench", UserAgentName: "envoy", Metadata: md}
}

// egressEntry is the egress entry NAMESPACE/NAME:PORT of a service key
// NAME.NAMESPACE:PORT.
func egressEntry(key string) string {
	host, port, _ := strings.Cut(key, ":")
	name, namespace, _ := strings.Cut(host, ".")
	return namespace + "/" + name + ":" + port
}

package loadtest

import (
	"fmt"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/graylane/graylane/translators"
)

// xdsType is a resource type the clients know, in the order of typeURLs.
type xdsType uint8

const (
	typeListener xdsType = iota
	typeRoute
	typeCluster
	typeEndpoint
	typeExtension
	typeSecret
	typeScopedRoute
	numTypes
)

var typeURLs = [numTypes]string{
	resourcev3.ListenerType, resourcev3.RouteType, resourcev3.ClusterType,
	resourcev3.EndpointType, resourcev3.ExtensionConfigType, resourcev3.SecretType,
	resourcev3.ScopedRouteType,
}

// typeOf returns the type of a type URL.
func typeOf(url string) (xdsType, bool) {
	i := slices.Index(typeURLs[:], url)
	return xdsType(i), i >= 0
}

// url is the type's URL.
func (t xdsType) url() string { return typeURLs[t] }

// name is the type's name in reports: "clusters", as in Graylane's metrics.
func (t xdsType) name() string { return translators.KindName(typeURLs[t]) }

// resourceInfo is what a client reads from one resource: its name and
// the names of the resources of other types it refers to.
type resourceInfo struct {
	name string
	refs [numTypes][]string
}

// infoCache reads each distinct resource once for the whole fleet: every
// client of a role receives the same bytes.
type infoCache struct {
	mu sync.Mutex
	m  map[uint64]*resourceInfo
}

func newInfoCache() *infoCache { return &infoCache{m: map[uint64]*resourceInfo{}} }

// get reads a resource of type t from its encoding.
func (c *infoCache) get(t xdsType, value []byte) (*resourceInfo, error) {
	h := xxhash.New()
	_, _ = h.Write([]byte{byte(t)})
	_, _ = h.Write(value)
	key := h.Sum64()
	c.mu.Lock()
	info, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return info, nil
	}
	info, err := readResource(t, value)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = info
	c.mu.Unlock()
	return info, nil
}

// readResource decodes a resource and lists its references.
func readResource(t xdsType, value []byte) (*resourceInfo, error) {
	msg := newMessage(t)
	if err := proto.Unmarshal(value, msg); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", t.name(), err)
	}
	info := &resourceInfo{}
	switch m := msg.(type) {
	case *listenerv3.Listener:
		info.name = m.GetName()
		listenerRefs(m, info)
	case *routev3.RouteConfiguration:
		info.name = m.GetName()
		info.refs[typeCluster] = routeClusters(m)
	case *clusterv3.Cluster:
		info.name = m.GetName()
		info.refs[typeEndpoint] = clusterEndpoints(m)
	case *endpointv3.ClusterLoadAssignment:
		info.name = m.GetClusterName()
	case *corev3.TypedExtensionConfig:
		info.name = m.GetName()
	case *tlsv3.Secret:
		info.name = m.GetName()
	case *routev3.ScopedRouteConfiguration:
		info.name = m.GetName()
		info.refs[typeRoute] = []string{m.GetRouteConfigurationName()}
	}
	return info, nil
}

func newMessage(t xdsType) proto.Message {
	switch t {
	case typeListener:
		return &listenerv3.Listener{}
	case typeRoute:
		return &routev3.RouteConfiguration{}
	case typeCluster:
		return &clusterv3.Cluster{}
	case typeEndpoint:
		return &endpointv3.ClusterLoadAssignment{}
	case typeExtension:
		return &corev3.TypedExtensionConfig{}
	case typeScopedRoute:
		return &routev3.ScopedRouteConfiguration{}
	default:
		return &tlsv3.Secret{}
	}
}

// listenerRefs reads the HTTP connection managers of a listener (its API
// listener's, or its filter chains'): the route configurations they take
// from RDS and the HTTP filters they take from ECDS.
func listenerRefs(l *listenerv3.Listener, info *resourceInfo) {
	hcms := []*anypb.Any{l.GetApiListener().GetApiListener()}
	for _, fc := range append(slices.Clone(l.GetFilterChains()), l.GetDefaultFilterChain()) {
		for _, f := range fc.GetFilters() {
			hcms = append(hcms, f.GetTypedConfig())
		}
	}
	for _, a := range hcms {
		m := &hcmv3.HttpConnectionManager{}
		if a == nil || !a.MessageIs(m) || a.UnmarshalTo(m) != nil {
			continue
		}
		if name := m.GetRds().GetRouteConfigName(); name != "" {
			info.refs[typeRoute] = append(info.refs[typeRoute], name)
		}
		for _, f := range m.GetHttpFilters() {
			if f.GetConfigDiscovery() != nil {
				info.refs[typeExtension] = append(info.refs[typeExtension], f.GetName())
			}
		}
	}
}

// routeClusters lists the clusters a route configuration sends or mirrors
// requests to.
func routeClusters(rc *routev3.RouteConfiguration) []string {
	var out []string
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			a := r.GetRoute()
			if c := a.GetCluster(); c != "" {
				out = append(out, c)
			}
			for _, wc := range a.GetWeightedClusters().GetClusters() {
				out = append(out, wc.GetName())
			}
			for _, m := range a.GetRequestMirrorPolicies() {
				out = append(out, m.GetCluster())
			}
		}
	}
	return out
}

// clusterEndpoints names the endpoints an EDS cluster asks for.
func clusterEndpoints(c *clusterv3.Cluster) []string {
	if c.GetType() != clusterv3.Cluster_EDS {
		return nil
	}
	if n := c.GetEdsClusterConfig().GetServiceName(); n != "" {
		return []string{n}
	}
	return []string{c.GetName()}
}

// nameSet builds sorted, deduplicated name lists and shares equal ones
// among the clients that hold them.
type nameSet struct {
	mu sync.Mutex
	m  map[uint64][]string
}

func newNameSet() *nameSet { return &nameSet{m: map[uint64][]string{}} }

// union returns the sorted union of refs of type t over infos, shared.
func (s *nameSet) union(t xdsType, infos func(yield func(*resourceInfo) bool)) []string {
	var names []string
	for info := range infos {
		names = append(names, info.refs[t]...)
	}
	slices.Sort(names)
	return s.intern(slices.Compact(names))
}

// intern returns the shared list equal to names.
func (s *nameSet) intern(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	h := xxhash.New()
	for _, n := range names {
		_, _ = h.WriteString(n)
		_, _ = h.Write([]byte{0})
	}
	key := h.Sum64()
	s.mu.Lock()
	defer s.mu.Unlock()
	if shared, ok := s.m[key]; ok && slices.Equal(shared, names) {
		return shared
	}
	s.m[key] = names
	return names
}

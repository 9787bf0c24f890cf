package snapshot

import (
	"errors"
	"fmt"
	"slices"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/types/known/anypb"
)

// refs collects the names each type's resources refer to.
type refs struct {
	endpoints  map[string]bool // EDS names of clusters
	routes     map[string]bool // RDS names of listeners, API listeners included
	clusters   map[string]bool // clusters named by routes and TCP proxies
	extensions map[string]bool // ECDS names of HTTP filters
	errs       []error
}

// checkReferences fails unless every reference in the snapshot resolves and
// every endpoint, route and extension config is referred to. Unlike
// go-control-plane's Snapshot.Consistent it follows the route
// configurations of API listeners, which proxyless gRPC clients use.
func checkReferences(s *Snapshot) error {
	r := &refs{endpoints: map[string]bool{}, routes: map[string]bool{}, clusters: map[string]bool{}, extensions: map[string]bool{}}
	for _, c := range s.Resources(types.Cluster) {
		r.cluster(c.(*clusterv3.Cluster))
	}
	for _, l := range s.Resources(types.Listener) {
		r.listener(l.(*listenerv3.Listener))
	}
	for _, rc := range s.Resources(types.Route) {
		r.routeConfig(rc.(*routev3.RouteConfiguration))
	}
	r.match("cluster", r.clusters, s.Resources(types.Cluster), false)
	r.match("endpoints", r.endpoints, s.Resources(types.Endpoint), true)
	r.match("route configuration", r.routes, s.Resources(types.Route), true)
	r.match("extension config", r.extensions, s.Resources(types.ExtensionConfig), true)
	return errors.Join(r.errs...)
}

// match reports referenced names that do not exist and, when exact, existing
// resources nothing refers to, in name order.
func (r *refs) match(kind string, referenced map[string]bool, have map[string]types.Resource, exact bool) {
	var missing, unused []string
	for name := range referenced {
		if _, ok := have[name]; !ok {
			missing = append(missing, name)
		}
	}
	if exact && len(have) != len(referenced)-len(missing) {
		for name := range have {
			if !referenced[name] {
				unused = append(unused, name)
			}
		}
	}
	for _, name := range slices.Sorted(slices.Values(missing)) {
		r.errs = append(r.errs, fmt.Errorf("%s %q is referenced but not generated", kind, name))
	}
	for _, name := range slices.Sorted(slices.Values(unused)) {
		r.errs = append(r.errs, fmt.Errorf("%s %q is generated but nothing refers to it", kind, name))
	}
}

func (r *refs) cluster(c *clusterv3.Cluster) {
	if c.GetType() != clusterv3.Cluster_EDS {
		return
	}
	name := c.GetEdsClusterConfig().GetServiceName()
	if name == "" {
		name = c.GetName()
	}
	r.endpoints[name] = true
}

func (r *refs) listener(l *listenerv3.Listener) {
	if api := l.GetApiListener().GetApiListener(); api != nil {
		r.typedConfig(api)
	}
	for _, fc := range l.GetFilterChains() {
		for _, f := range fc.GetFilters() {
			r.typedConfig(f.GetTypedConfig())
		}
	}
}

// typedConfig follows a network filter's (or API listener's) configuration.
func (r *refs) typedConfig(a *anypb.Any) {
	msg, err := a.UnmarshalNew()
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("unreadable %s: %w", a.GetTypeUrl(), err))
		return
	}
	switch m := msg.(type) {
	case *hcmv3.HttpConnectionManager:
		r.hcm(m)
	case *tcpproxyv3.TcpProxy:
		if c := m.GetCluster(); c != "" {
			r.clusters[c] = true
		}
		for _, wc := range m.GetWeightedClusters().GetClusters() {
			r.clusters[wc.GetName()] = true
		}
	}
}

func (r *refs) hcm(m *hcmv3.HttpConnectionManager) {
	if rds := m.GetRds(); rds != nil {
		r.routes[rds.GetRouteConfigName()] = true
	}
	if rc := m.GetRouteConfig(); rc != nil {
		r.routeConfig(rc)
	}
	for _, f := range m.GetHttpFilters() {
		if cd := f.GetConfigDiscovery(); cd != nil {
			r.extensions[f.GetName()] = true
		}
	}
}

func (r *refs) routeConfig(rc *routev3.RouteConfiguration) {
	for _, vh := range rc.GetVirtualHosts() {
		for _, rt := range vh.GetRoutes() {
			a := rt.GetRoute()
			if c := a.GetCluster(); c != "" {
				r.clusters[c] = true
			}
			for _, wc := range a.GetWeightedClusters().GetClusters() {
				r.clusters[wc.GetName()] = true
			}
		}
	}
}

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

// references are the names one resource refers to, by the type they name.
type references struct {
	endpoints  []string // EDS names of a cluster
	routes     []string // RDS names of a listener, API listeners included
	clusters   []string // clusters named by routes and TCP proxies
	extensions []string // ECDS names of HTTP filters
}

func (r references) empty() bool {
	return len(r.endpoints)+len(r.routes)+len(r.clusters)+len(r.extensions) == 0
}

// referencesOf reads what a resource refers to.
func referencesOf(r types.Resource) (references, error) {
	var refs references
	var err error
	switch m := r.(type) {
	case *clusterv3.Cluster:
		refs.cluster(m)
	case *listenerv3.Listener:
		err = refs.listener(m)
	case *routev3.RouteConfiguration:
		refs.routeConfig(m)
	}
	return refs, err
}

func (r *references) cluster(c *clusterv3.Cluster) {
	if c.GetType() != clusterv3.Cluster_EDS {
		return
	}
	name := c.GetEdsClusterConfig().GetServiceName()
	if name == "" {
		name = c.GetName()
	}
	r.endpoints = append(r.endpoints, name)
}

func (r *references) listener(l *listenerv3.Listener) error {
	var errs []error
	if api := l.GetApiListener().GetApiListener(); api != nil {
		errs = append(errs, r.typedConfig(api))
	}
	for _, fc := range l.GetFilterChains() {
		for _, f := range fc.GetFilters() {
			errs = append(errs, r.typedConfig(f.GetTypedConfig()))
		}
	}
	return errors.Join(errs...)
}

// typedConfig follows a network filter's (or API listener's) configuration.
func (r *references) typedConfig(a *anypb.Any) error {
	msg, err := a.UnmarshalNew()
	if err != nil {
		return fmt.Errorf("unreadable %s: %w", a.GetTypeUrl(), err)
	}
	switch m := msg.(type) {
	case *hcmv3.HttpConnectionManager:
		r.hcm(m)
	case *tcpproxyv3.TcpProxy:
		if c := m.GetCluster(); c != "" {
			r.clusters = append(r.clusters, c)
		}
		for _, wc := range m.GetWeightedClusters().GetClusters() {
			r.clusters = append(r.clusters, wc.GetName())
		}
	}
	return nil
}

func (r *references) hcm(m *hcmv3.HttpConnectionManager) {
	if rds := m.GetRds(); rds != nil {
		r.routes = append(r.routes, rds.GetRouteConfigName())
	}
	if rc := m.GetRouteConfig(); rc != nil {
		r.routeConfig(rc)
	}
	for _, f := range m.GetHttpFilters() {
		if f.GetConfigDiscovery() != nil {
			r.extensions = append(r.extensions, f.GetName())
		}
	}
}

func (r *references) routeConfig(rc *routev3.RouteConfiguration) {
	for _, vh := range rc.GetVirtualHosts() {
		for _, rt := range vh.GetRoutes() {
			a := rt.GetRoute()
			if c := a.GetCluster(); c != "" {
				r.clusters = append(r.clusters, c)
			}
			for _, wc := range a.GetWeightedClusters().GetClusters() {
				r.clusters = append(r.clusters, wc.GetName())
			}
		}
	}
}

// checkReferences fails unless every reference in the snapshot resolves and
// every endpoint, route and extension config is referred to. Unlike
// go-control-plane's Snapshot.Consistent it follows the route
// configurations of API listeners, which proxyless gRPC clients use.
func checkReferences(s *Snapshot) error {
	named := map[types.ResponseType]map[string]bool{}
	for _, t := range []types.ResponseType{types.Cluster, types.Endpoint, types.Route, types.ExtensionConfig} {
		named[t] = make(map[string]bool, s.Len(t))
	}
	for _, st := range s.sets {
		if st == nil {
			continue
		}
		for _, r := range st.refs {
			addAll(named[types.Endpoint], r.endpoints)
			addAll(named[types.Route], r.routes)
			addAll(named[types.Cluster], r.clusters)
			addAll(named[types.ExtensionConfig], r.extensions)
		}
	}
	var errs []error
	errs = append(errs, match("cluster", named[types.Cluster], s.sets[types.Cluster], false)...)
	errs = append(errs, match("endpoints", named[types.Endpoint], s.sets[types.Endpoint], true)...)
	errs = append(errs, match("route configuration", named[types.Route], s.sets[types.Route], true)...)
	errs = append(errs, match("extension config", named[types.ExtensionConfig], s.sets[types.ExtensionConfig], true)...)
	return errors.Join(errs...)
}

func addAll(set map[string]bool, names []string) {
	for _, n := range names {
		set[n] = true
	}
}

// match reports referenced names that do not exist and, when exact, existing
// resources nothing refers to, in name order.
func match(kind string, referenced map[string]bool, have *set, exact bool) []error {
	var missing, unused []string
	for name := range referenced {
		if _, ok := have.items[name]; !ok {
			missing = append(missing, name)
		}
	}
	if exact && len(have.items) != len(referenced)-len(missing) {
		for name := range have.items {
			if !referenced[name] {
				unused = append(unused, name)
			}
		}
	}
	var errs []error
	for _, name := range slices.Sorted(slices.Values(missing)) {
		errs = append(errs, fmt.Errorf("%s %q is referenced but not generated", kind, name))
	}
	for _, name := range slices.Sorted(slices.Values(unused)) {
		errs = append(errs, fmt.Errorf("%s %q is generated but nothing refers to it", kind, name))
	}
	return errs
}

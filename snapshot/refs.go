package snapshot

import (
	"errors"
	"fmt"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/types/known/anypb"
)

// ref is a name one resource refers to, and the type it names.
type ref struct {
	t    types.ResponseType
	name string
}

// references are the names one resource refers to, in the order read: the
// EDS names of a cluster, the RDS names of a listener (API listeners
// included), the clusters of routes (mirrors included) and TCP proxies,
// the ECDS names of HTTP filters, the SDS names of TLS contexts. Most
// resources refer to one name or none, so a list costs less than a map.
type references []ref

func (r *references) add(t types.ResponseType, name string) { *r = append(*r, ref{t, name}) }

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
	case *routev3.ScopedRouteConfiguration:
		refs.add(types.Route, m.GetRouteConfigurationName())
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
	r.add(types.Endpoint, name)
}

func (r *references) listener(l *listenerv3.Listener) error {
	var errs []error
	if api := l.GetApiListener().GetApiListener(); api != nil {
		errs = append(errs, r.typedConfig(api))
	}
	for _, fc := range l.GetFilterChains() {
		errs = append(errs, r.transportSocket(fc.GetTransportSocket()))
		for _, f := range fc.GetFilters() {
			errs = append(errs, r.typedConfig(f.GetTypedConfig()))
		}
	}
	return errors.Join(errs...)
}

// transportSocket follows a filter chain's TLS context to the SDS secrets
// it names.
func (r *references) transportSocket(ts *corev3.TransportSocket) error {
	if ts == nil {
		return nil
	}
	msg, err := ts.GetTypedConfig().UnmarshalNew()
	if err != nil {
		return fmt.Errorf("unreadable %s: %w", ts.GetTypedConfig().GetTypeUrl(), err)
	}
	if tls, ok := msg.(*tlsv3.DownstreamTlsContext); ok {
		for _, sds := range tls.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs() {
			r.add(types.Secret, sds.GetName())
		}
	}
	return nil
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
			r.add(types.Cluster, c)
		}
		for _, wc := range m.GetWeightedClusters().GetClusters() {
			r.add(types.Cluster, wc.GetName())
		}
	}
	return nil
}

func (r *references) hcm(m *hcmv3.HttpConnectionManager) {
	if rds := m.GetRds(); rds != nil {
		r.add(types.Route, rds.GetRouteConfigName())
	}
	if rc := m.GetRouteConfig(); rc != nil {
		r.routeConfig(rc)
	}
	for _, f := range m.GetHttpFilters() {
		if f.GetConfigDiscovery() != nil {
			r.add(types.ExtensionConfig, f.GetName())
		}
	}
}

func (r *references) routeConfig(rc *routev3.RouteConfiguration) {
	for _, vh := range rc.GetVirtualHosts() {
		for _, rt := range vh.GetRoutes() {
			r.route(rt)
		}
	}
}

// route reads the clusters a route sends or mirrors requests to.
func (r *references) route(rt *routev3.Route) {
	a := rt.GetRoute()
	if c := a.GetCluster(); c != "" {
		r.add(types.Cluster, c)
	}
	for _, wc := range a.GetWeightedClusters().GetClusters() {
		r.add(types.Cluster, wc.GetName())
	}
	for _, m := range a.GetRequestMirrorPolicies() {
		r.add(types.Cluster, m.GetCluster())
	}
}

package translators

import (
	"slices"
	"strconv"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"
)

// sidecarAddress is where a sidecar listens for its application's
// outbound calls.
const sidecarAddress = "127.0.0.1"

// sidecar serves Envoy sidecars: one outbound HTTP listener that routes by
// Host to every HTTP or gRPC service, and one TCP listener per TCP service
// on the service's port.
//
// The HTTP listener picks a service's route configuration by the Host
// header, through scoped routes (SRDS): each service has a route
// configuration of its own, and a scope per Host value that reaches it. A
// change to one service then sends sidecars that service's routes alone,
// not the routes of every service.
func (t *translator) sidecar() {
	rateLimit := false
	hosts := t.idx.hosts
	for i, s := range t.services {
		// A service's host names depend on its name's other ports and
		// namespaces.
		t.add(t.piece(s, t.idx.sidecarExtra[i], func() *Piece { return t.sidecarService(s, hosts) }))
		rateLimit = rateLimit || s.Protocol.IsHTTP() && s.Policy.RateLimit != nil
	}
	m := t.scopedHCM(SidecarHTTPListener, t.envoyFilters(rateLimit))
	t.out.Listeners = append(t.out.Listeners, t.httpListener(SidecarHTTPListener, sidecarAddress, t.cfg.SidecarPort, m))
}

func (t *translator) sidecarService(s *svc, hosts hostCounts) *Piece {
	p := &Piece{Key: s.key}
	t.versionClusters(s, p, mirroredVersions(s, s.Mirrors, routeMirrors(s)))
	if !s.Protocol.IsHTTP() {
		p.Listeners = []*listenerv3.Listener{t.tcpListener(s)}
		return p
	}
	// The rate limit sits on the virtual host: one bucket per service,
	// whichever lane route a request takes.
	name := SidecarRouteConfig(s.key)
	p.Routes = []*routev3.RouteConfiguration{{Name: name, VirtualHosts: []*routev3.VirtualHost{{
		Name:                 s.key,
		Domains:              []string{"*"},
		Routes:               t.serviceRoutes(s, "/", s.key),
		TypedPerFilterConfig: t.rateLimitConfig(s),
	}}}}
	p.ScopedRoutes = scopes(domains(s, hosts), name)
	return p
}

// scopes are the scopes that send each host to a route configuration,
// made in one allocation per part: a service has eight of them.
func scopes(hosts []string, routeConfig string) []*routev3.ScopedRouteConfiguration {
	n := len(hosts)
	out, scope := make([]*routev3.ScopedRouteConfiguration, n), make([]routev3.ScopedRouteConfiguration, n)
	key, frag := make([]routev3.ScopedRouteConfiguration_Key, n), make([]routev3.ScopedRouteConfiguration_Key_Fragment, n)
	str, frags := make([]routev3.ScopedRouteConfiguration_Key_Fragment_StringKey, n), make([]*routev3.ScopedRouteConfiguration_Key_Fragment, n)
	for i, host := range hosts {
		str[i].StringKey = host
		frag[i].Type, frags[i] = &str[i], &frag[i]
		key[i].Fragments = frags[i : i+1 : i+1]
		scope[i].Name, scope[i].RouteConfigurationName, scope[i].Key = SidecarHTTPListener+"/"+host, routeConfig, &key[i]
		out[i] = &scope[i]
	}
	return out
}

// domains are the Host values that reach s: its name qualified by namespace
// (and the Kubernetes forms), with the port, and without it when the
// service has one port; the bare name too when no other namespace has it.
func domains(s *svc, hosts hostCounts) []string {
	names := []string{s.host, s.host + ".svc", s.host + ".svc.cluster.local"}
	if hosts.namespaces[s.Name] == 1 {
		names = append(names, s.Name)
	}
	port := ":" + strconv.FormatUint(uint64(s.Port), 10)
	out := make([]string, 0, 2*len(names))
	for _, n := range names {
		out = append(out, n+port)
		if hosts.ports[s.host] == 1 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// hostCounts counts, among HTTP services, the ports of each name.namespace
// and the namespaces of each name.
type hostCounts struct {
	ports      map[string]int
	namespaces map[string]int
}

func countHosts(svcs []*svc) hostCounts {
	h := hostCounts{ports: map[string]int{}, namespaces: map[string]int{}}
	for _, s := range svcs {
		if !s.Protocol.IsHTTP() {
			continue
		}
		if h.ports[s.host]++; h.ports[s.host] == 1 {
			h.namespaces[s.Name]++
		}
	}
	return h
}

// tcpListener proxies a TCP service's port to its versions, split by
// weight: a TCP connection carries no lane header.
func (t *translator) tcpListener(s *svc) *listenerv3.Listener {
	tp := &tcpproxyv3.TcpProxy{StatPrefix: statName(s.key)}
	to := splitTargets(s, s.Weights)
	if len(to) == 1 {
		tp.ClusterSpecifier = &tcpproxyv3.TcpProxy_Cluster{Cluster: to[0].cluster}
	} else {
		wc := &tcpproxyv3.TcpProxy_WeightedCluster{}
		for _, tg := range to {
			wc.Clusters = append(wc.Clusters, &tcpproxyv3.TcpProxy_WeightedCluster_ClusterWeight{Name: tg.cluster, Weight: uint32(tg.weight)})
		}
		tp.ClusterSpecifier = &tcpproxyv3.TcpProxy_WeightedClusters{WeightedClusters: wc}
	}
	return &listenerv3.Listener{
		Name:    s.key,
		Address: socketAddress(sidecarAddress, s.Port),
		FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{
			Name:       wellknown.TCPProxy,
			ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: t.anyOf(tp)},
		}}}},
	}
}

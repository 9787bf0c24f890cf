package translators

import (
	"fmt"
	"slices"
	"strconv"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"

	"github.com/graylane/graylane/model"
)

// sidecarAddress is where a sidecar listens for its application's
// outbound calls.
const sidecarAddress = "127.0.0.1"

// sidecar serves Envoy sidecars: one outbound HTTP listener that routes by
// Host to every HTTP or gRPC service, and one TCP listener per TCP service
// on the service's port.
func (t *translator) sidecar() {
	var http []*model.Service
	rc := &routev3.RouteConfiguration{Name: SidecarHTTPListener}
	for i := range t.cfg.Services {
		s := &t.cfg.Services[i]
		t.addService(s)
		if !s.Protocol.IsHTTP() {
			t.out.Listeners = append(t.out.Listeners, t.tcpListener(s))
			continue
		}
		http = append(http, s)
		// The rate limit sits on the virtual host: one bucket per service,
		// whichever lane route a request takes.
		rc.VirtualHosts = append(rc.VirtualHosts, &routev3.VirtualHost{
			Name:                 s.Key(),
			Domains:              t.domains(s),
			Routes:               t.serviceRoutes(s, prefixMatch("/"), s.Key()),
			TypedPerFilterConfig: t.rateLimitConfig(s),
		})
	}
	m := hcm(SidecarHTTPListener, SidecarHTTPListener, t.envoyFilters(http))
	t.out.Listeners = append(t.out.Listeners, t.httpListener(SidecarHTTPListener, sidecarAddress, t.cfg.SidecarPort, m))
	t.out.Routes = append(t.out.Routes, rc)
	t.checkDomains(rc)
}

// domains are the Host values that reach s: its name qualified by namespace
// (and the Kubernetes forms), with the port, and without it when the
// service has one port; the bare name too when no other namespace has it.
func (t *translator) domains(s *model.Service) []string {
	names := []string{s.Host(), s.Host() + ".svc", s.Host() + ".svc.cluster.local"}
	ports, namespaces := t.portsAndNamespaces(s.Name, s.Namespace)
	if namespaces == 1 {
		names = append(names, s.Name)
	}
	port := ":" + strconv.FormatUint(uint64(s.Port), 10)
	var out []string
	for _, n := range names {
		out = append(out, n+port)
		if ports == 1 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// portsAndNamespaces counts the HTTP ports of name.namespace and the
// namespaces that have an HTTP service called name.
func (t *translator) portsAndNamespaces(name, namespace string) (ports, namespaces int) {
	seen := map[string]bool{}
	for i := range t.cfg.Services {
		s := &t.cfg.Services[i]
		if s.Name != name || !s.Protocol.IsHTTP() {
			continue
		}
		if s.Namespace == namespace {
			ports++
		}
		seen[s.Namespace] = true
	}
	return ports, len(seen)
}

// checkDomains guards Envoy's rule that a domain belongs to one virtual host.
func (t *translator) checkDomains(rc *routev3.RouteConfiguration) {
	owner := map[string]string{}
	for _, vh := range rc.VirtualHosts {
		for _, d := range vh.Domains {
			if other, dup := owner[d]; dup {
				t.fail(fmt.Errorf("domain %q of %s is also a domain of %s", d, vh.Name, other))
			}
			owner[d] = vh.Name
		}
	}
}

// tcpListener proxies a TCP service's port to its versions, split by
// weight: a TCP connection carries no lane header.
func (t *translator) tcpListener(s *model.Service) *listenerv3.Listener {
	tp := &tcpproxyv3.TcpProxy{StatPrefix: statName(s.Key())}
	to := splitTargets(s)
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
		Name:    s.Key(),
		Address: socketAddress(sidecarAddress, s.Port),
		FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{
			Name:       wellknown.TCPProxy,
			ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: t.anyOf(tp)},
		}}}},
	}
}

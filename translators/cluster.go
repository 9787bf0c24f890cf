package translators

import (
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// httpProtocolOptionsKey is where Envoy looks for a cluster's upstream HTTP
// protocol options.
const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// versionClusters builds a cluster and its endpoints for every version of
// s into p: a lane version's endpoints fall back to the baseline's. The
// lane versions at the indexes mirrored also get a mirror cluster, with
// their own endpoints only.
func (t *translator) versionClusters(s *svc, p *piece, mirrored []int) {
	cb, od := circuitBreakers(s.Policy.CircuitBreaker), outlierDetection(s.Policy.OutlierDetection)
	base := &s.Versions[s.baseline]
	for i := range s.Versions {
		name := s.clusters[i]
		p.clusters = append(p.clusters, t.cluster(s, name, cb, od))
		p.endpoints = append(p.endpoints, versionLoadAssignment(name, &s.Versions[i], base))
	}
	for _, i := range mirrored {
		name := s.mirrorCluster(i)
		p.clusters = append(p.clusters, t.cluster(s, name, cb, od))
		p.endpoints = append(p.endpoints, loadAssignment(name, s.Versions[i].Endpoints))
	}
}

// add appends a service's piece to the output.
func (t *translator) add(p piece) {
	t.out.Clusters = append(t.out.Clusters, p.clusters...)
	t.out.Endpoints = append(t.out.Endpoints, p.endpoints...)
	t.out.Listeners = append(t.out.Listeners, p.listeners...)
	t.out.Routes = append(t.out.Routes, p.routes...)
}

// cluster is one version's cluster; its versions share cb and od.
func (t *translator) cluster(s *svc, name string, cb *clusterv3.CircuitBreakers, od *clusterv3.OutlierDetection) *clusterv3.Cluster {
	c := &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{EdsConfig: t.shared.ads, ServiceName: name},
		LbPolicy:             t.lbPolicy(s.Policy.LoadBalancer),
		CircuitBreakers:      cb,
		OutlierDetection:     od,
	}
	if t.role == model.RoleGRPC {
		return c // proxyless clients ignore the Envoy-only settings below
	}
	c.AltStatName = statName(name)
	c.ConnectTimeout = durationOrNil(s.Policy.ConnectTimeout)
	if s.Protocol == model.ProtocolGRPC {
		c.TypedExtensionProtocolOptions = t.shared.http2
	}
	return c
}

// lbPolicy maps the load balancer. Proxyless gRPC clients have no maglev or
// random balancer: they get ring_hash (same hashing, same stickiness) and
// round_robin instead.
func (t *translator) lbPolicy(lb model.LoadBalancer) clusterv3.Cluster_LbPolicy {
	switch lb {
	case model.LBLeastRequest:
		return clusterv3.Cluster_LEAST_REQUEST
	case model.LBRingHash:
		return clusterv3.Cluster_RING_HASH
	case model.LBMaglev:
		if t.role == model.RoleGRPC {
			return clusterv3.Cluster_RING_HASH
		}
		return clusterv3.Cluster_MAGLEV
	case model.LBRandom:
		if t.role == model.RoleGRPC {
			return clusterv3.Cluster_ROUND_ROBIN
		}
		return clusterv3.Cluster_RANDOM
	}
	return clusterv3.Cluster_ROUND_ROBIN
}

func http2Options() *upstreamhttpv3.HttpProtocolOptions {
	return &upstreamhttpv3.HttpProtocolOptions{
		UpstreamProtocolOptions: &upstreamhttpv3.HttpProtocolOptions_ExplicitHttpConfig_{
			ExplicitHttpConfig: &upstreamhttpv3.HttpProtocolOptions_ExplicitHttpConfig{
				ProtocolConfig: &upstreamhttpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{
					Http2ProtocolOptions: &corev3.Http2ProtocolOptions{},
				},
			},
		},
	}
}

func circuitBreakers(cb *model.CircuitBreaker) *clusterv3.CircuitBreakers {
	if cb == nil {
		return nil
	}
	return &clusterv3.CircuitBreakers{Thresholds: []*clusterv3.CircuitBreakers_Thresholds{{
		Priority:           corev3.RoutingPriority_DEFAULT,
		MaxConnections:     u32OrNil(cb.MaxConnections),
		MaxPendingRequests: u32OrNil(cb.MaxPendingRequests),
		MaxRequests:        u32OrNil(cb.MaxRequests),
		MaxRetries:         u32OrNil(cb.MaxRetries),
	}}}
}

func outlierDetection(od *model.OutlierDetection) *clusterv3.OutlierDetection {
	if od == nil {
		return nil
	}
	return &clusterv3.OutlierDetection{
		Consecutive_5Xx:    u32OrNil(od.Consecutive5xx),
		Interval:           durationOrNil(od.Interval),
		BaseEjectionTime:   durationOrNil(od.BaseEjectionTime),
		MaxEjectionPercent: u32OrNil(od.MaxEjectionPercent),
	}
}

// loadAssignment lists endpoints (sorted by zone) at priority 0.
func loadAssignment(name string, eps []model.Endpoint) *endpointv3.ClusterLoadAssignment {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	appendLocalities(cla, eps, 0, "")
	return cla
}

// appendLocalities groups endpoints (sorted by zone) into one locality per
// zone, at a priority. Each locality weighs the sum of its endpoints'
// weights: proxyless gRPC clients drop localities without a weight.
func appendLocalities(cla *endpointv3.ClusterLoadAssignment, eps []model.Endpoint, priority uint32, subZone string) {
	batch := newEndpointBatch(len(eps))
	for start := 0; start < len(eps); {
		end, weight := start, uint32(0)
		for ; end < len(eps) && eps[end].Zone == eps[start].Zone; end++ {
			weight += eps[end].Weight
		}
		loc := &endpointv3.LocalityLbEndpoints{
			Locality:            &corev3.Locality{Zone: eps[start].Zone, SubZone: subZone},
			LoadBalancingWeight: wrapperspb.UInt32(weight),
			LbEndpoints:         make([]*endpointv3.LbEndpoint, 0, end-start),
			Priority:            priority,
		}
		for i := start; i < end; i++ {
			loc.LbEndpoints = append(loc.LbEndpoints, batch.endpoint(i, &eps[i]))
		}
		cla.Endpoints = append(cla.Endpoints, loc)
		start = end
	}
}

// endpointBatch holds the messages of a version's endpoints, allocated
// together: seven messages an endpoint, but seven allocations a version.
type endpointBatch struct {
	lb      []endpointv3.LbEndpoint
	host    []endpointv3.LbEndpoint_Endpoint
	ep      []endpointv3.Endpoint
	addr    []corev3.Address
	socket  []corev3.Address_SocketAddress
	sa      []corev3.SocketAddress
	portVal []corev3.SocketAddress_PortValue
}

func newEndpointBatch(n int) *endpointBatch {
	return &endpointBatch{
		lb: make([]endpointv3.LbEndpoint, n), host: make([]endpointv3.LbEndpoint_Endpoint, n),
		ep: make([]endpointv3.Endpoint, n), addr: make([]corev3.Address, n),
		socket: make([]corev3.Address_SocketAddress, n), sa: make([]corev3.SocketAddress, n),
		portVal: make([]corev3.SocketAddress_PortValue, n),
	}
}

// endpoint is endpoint i; a weight of 1, every proxy's default, is left out.
func (b *endpointBatch) endpoint(i int, e *model.Endpoint) *endpointv3.LbEndpoint {
	b.portVal[i].PortValue = e.Port
	b.sa[i].Address, b.sa[i].PortSpecifier = e.Address, &b.portVal[i]
	b.socket[i].SocketAddress = &b.sa[i]
	b.addr[i].Address = &b.socket[i]
	b.ep[i].Address = &b.addr[i]
	b.host[i].Endpoint = &b.ep[i]
	lb := &b.lb[i]
	lb.HostIdentifier = &b.host[i]
	if e.Weight > 1 {
		lb.LoadBalancingWeight = wrapperspb.UInt32(e.Weight)
	}
	return lb
}

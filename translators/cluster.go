package translators

import (
	"cmp"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// httpProtocolOptionsKey is where Envoy looks for a cluster's upstream HTTP
// protocol options.
const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// addService adds a cluster and its endpoints for every version of s.
func (t *translator) addService(s *model.Service) {
	for i := range s.Versions {
		v := &s.Versions[i]
		name := ClusterName(s, v)
		t.out.Clusters = append(t.out.Clusters, t.cluster(s, name))
		t.out.Endpoints = append(t.out.Endpoints, loadAssignment(name, v))
	}
}

func (t *translator) cluster(s *model.Service, name string) *clusterv3.Cluster {
	p := &s.Policy
	c := &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{EdsConfig: adsSource(), ServiceName: name},
		LbPolicy:             t.lbPolicy(p.LoadBalancer),
		CircuitBreakers:      circuitBreakers(p.CircuitBreaker),
		OutlierDetection:     outlierDetection(p.OutlierDetection),
	}
	if t.role == model.RoleGRPC {
		return c // proxyless clients ignore the Envoy-only settings below
	}
	c.AltStatName = statName(name)
	c.ConnectTimeout = durationOrNil(p.ConnectTimeout)
	if s.Protocol == model.ProtocolGRPC {
		c.TypedExtensionProtocolOptions = map[string]*anypb.Any{httpProtocolOptionsKey: t.anyOf(http2Options())}
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

// loadAssignment groups a version's endpoints by zone. Each locality weighs
// the sum of its endpoints' weights: proxyless gRPC clients drop localities
// without a weight.
func loadAssignment(name string, v *model.Version) *endpointv3.ClusterLoadAssignment {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	var current *endpointv3.LocalityLbEndpoints
	var weight uint32
	for i := range v.Endpoints {
		e := &v.Endpoints[i] // sorted by zone
		if current == nil || current.GetLocality().GetZone() != e.Zone {
			current = &endpointv3.LocalityLbEndpoints{Locality: &corev3.Locality{Zone: e.Zone}}
			cla.Endpoints = append(cla.Endpoints, current)
			weight = 0
		}
		weight += e.Weight
		current.LoadBalancingWeight = wrapperspb.UInt32(weight)
		current.LbEndpoints = append(current.LbEndpoints, lbEndpoint(e))
	}
	return cla
}

func lbEndpoint(e *model.Endpoint) *endpointv3.LbEndpoint {
	return &endpointv3.LbEndpoint{
		HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{
			Address: socketAddress(e.Address, e.Port),
		}},
		LoadBalancingWeight: wrapperspb.UInt32(cmp.Or(e.Weight, 1)),
	}
}

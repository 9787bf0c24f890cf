package translators

import (
	"sync"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	leastrequestv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/load_balancing_policies/least_request/v3"
	roundrobinv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/load_balancing_policies/round_robin/v3"
	wrrlocalityv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/load_balancing_policies/wrr_locality/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/model"
)

// httpProtocolOptionsKey is where Envoy looks for a cluster's upstream HTTP
// protocol options.
const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// versionClusters builds a cluster and its endpoints for every version of
// s into p: a lane version's endpoints fall back to the baseline's. The
// lane versions at the indexes mirrored also get a mirror cluster, with
// their own endpoints only.
func (t *translator) versionClusters(s *svc, p *Piece, mirrored []int) {
	cb, od := circuitBreakers(s.Policy.CircuitBreaker), outlierDetection(s.Policy.OutlierDetection)
	for i := range s.Versions {
		p.Clusters = append(p.Clusters, t.cluster(s, s.clusters[i], cb, od))
	}
	p.Endpoints = append(p.Endpoints, s.assignments()...)
	if len(mirrored) == 0 {
		return
	}
	eps := newServiceEndpoints(s, fallbackPolicy)
	for _, i := range mirrored {
		name := s.mirrorCluster(i)
		p.Clusters = append(p.Clusters, t.cluster(s, name, cb, od))
		p.Endpoints = append(p.Endpoints, &endpointv3.ClusterLoadAssignment{ClusterName: name, Endpoints: eps.own(i)})
	}
}

// add adds a piece to the output.
func (t *translator) add(p *Piece) { t.out.Pieces = append(t.out.Pieces, p) }

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
		if s.Policy.LoadBalancer == model.LBLeastRequest {
			c.LoadBalancingPolicy = leastRequestOrRoundRobin()
		}
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
// round_robin instead. Not every gRPC stack has least_request: the grpc
// role offers it in load_balancing_policy, with round_robin as the
// fallback there and in lb_policy (see leastRequestOrRoundRobin).
func (t *translator) lbPolicy(lb model.LoadBalancer) clusterv3.Cluster_LbPolicy {
	switch lb {
	case model.LBLeastRequest:
		if t.role == model.RoleGRPC {
			return clusterv3.Cluster_ROUND_ROBIN
		}
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

// leastRequestOrRoundRobin is least_request for the gRPC stacks that have
// it, round_robin for the others. A stack that reads load_balancing_policy
// takes the first policy of a list it knows: wrr_locality, the form gRPC
// gives its legacy balancers (localities picked by weight), whose
// endpoint picking policy is least_request, else round_robin. A stack that
// does not read the field uses lb_policy, ROUND_ROBIN; the legacy value
// LEAST_REQUEST would make those without it reject the cluster. The
// message is built once and shared, read-only, by every translation.
var leastRequestOrRoundRobin = sync.OnceValue(func() *clusterv3.LoadBalancingPolicy {
	return lbPolicies(typedExtension("envoy.load_balancing_policies.wrr_locality", &wrrlocalityv3.WrrLocality{
		EndpointPickingPolicy: lbPolicies(
			typedExtension("envoy.load_balancing_policies.least_request", &leastrequestv3.LeastRequest{}),
			typedExtension("envoy.load_balancing_policies.round_robin", &roundrobinv3.RoundRobin{}),
		),
	}))
})

func lbPolicies(configs ...*corev3.TypedExtensionConfig) *clusterv3.LoadBalancingPolicy {
	p := &clusterv3.LoadBalancingPolicy{}
	for _, c := range configs {
		p.Policies = append(p.Policies, &clusterv3.LoadBalancingPolicy_Policy{TypedExtensionConfig: c})
	}
	return p
}

// typedExtension names a constant configuration, which always marshals.
func typedExtension(name string, m proto.Message) *corev3.TypedExtensionConfig {
	a, err := MarshalAny(m)
	if err != nil {
		panic(err)
	}
	return &corev3.TypedExtensionConfig{Name: name, TypedConfig: a}
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

package translators

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// zoneGroup is the endpoints of a version in one zone, and their total
// weight.
type zoneGroup struct {
	zone   string
	weight uint32
	eps    []*endpointv3.LbEndpoint
}

// groupByZone builds the messages of endpoints (sorted by zone), grouped
// by zone.
func groupByZone(eps []model.Endpoint) []zoneGroup {
	batch := newEndpointBatch(len(eps))
	lbs := make([]*endpointv3.LbEndpoint, len(eps))
	zones := 0
	for i := range eps {
		lbs[i] = batch.endpoint(i, &eps[i])
		if i == 0 || eps[i].Zone != eps[i-1].Zone {
			zones++
		}
	}
	groups := make([]zoneGroup, 0, zones)
	for start := 0; start < len(eps); {
		end, weight := start, uint32(0)
		for ; end < len(eps) && eps[end].Zone == eps[start].Zone; end++ {
			weight += eps[end].Weight
		}
		groups = append(groups, zoneGroup{zone: eps[start].Zone, weight: weight, eps: lbs[start:end:end]})
		start = end
	}
	return groups
}

// localities makes a locality of each group, at a priority, in the
// sub-zone given. Each weighs the sum of its endpoints' weights: proxyless
// gRPC clients drop localities without a weight. Its messages are
// allocated together.
func localities(groups []zoneGroup, priority uint32, subZone string) []*endpointv3.LocalityLbEndpoints {
	n := len(groups)
	locs, ids, weights := make([]endpointv3.LocalityLbEndpoints, n), make([]corev3.Locality, n), make([]wrapperspb.UInt32Value, n)
	out := make([]*endpointv3.LocalityLbEndpoints, n)
	for i, g := range groups {
		ids[i].Zone, ids[i].SubZone = g.zone, subZone
		weights[i].Value = g.weight
		locs[i].Locality, locs[i].LoadBalancingWeight, locs[i].LbEndpoints, locs[i].Priority = &ids[i], &weights[i], g.eps, priority
		out[i] = &locs[i]
	}
	return out
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

package loadtest

import (
	"fmt"
	"maps"
	"slices"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
)

// sotwWire speaks state-of-the-world ADS: every request carries the whole
// subscription of its type, and the version and nonce of the last
// response of the type.
type sotwWire struct {
	c       *client
	stream  discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	node    *corev3.Node // sent with the first request only, as gRPC does
	cache   *infoCache
	version [numTypes]string
	nonce   [numTypes]string
}

var _ wire = (*sotwWire)(nil)

func (s *sotwWire) request(t xdsType, _, next []string) error {
	req := &discoveryv3.DiscoveryRequest{Node: s.node, TypeUrl: t.url(), ResourceNames: next,
		VersionInfo: s.version[t], ResponseNonce: s.nonce[t]}
	s.node = nil
	return s.stream.Send(req)
}

func (s *sotwWire) receive() (response, error) {
	resp, err := s.stream.Recv()
	if err != nil {
		return response{}, err
	}
	t, ok := typeOf(resp.GetTypeUrl())
	if !ok {
		return response{}, fmt.Errorf("response of unknown type %s", resp.GetTypeUrl())
	}
	r := response{t: t, whole: true}
	for _, a := range resp.GetResources() {
		info, err := s.cache.get(t, a.GetValue())
		if err != nil {
			return response{}, err
		}
		r.infos = append(r.infos, info)
		r.bytes += len(a.GetValue())
	}
	s.version[t], s.nonce[t] = resp.GetVersionInfo(), resp.GetNonce()
	ack := &discoveryv3.DiscoveryRequest{TypeUrl: resp.GetTypeUrl(), ResourceNames: s.c.names[t],
		VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}
	return r, s.stream.Send(ack)
}

// deltaWire speaks incremental ADS: requests name what is added to and
// removed from a subscription, responses carry what changed, and the
// client keeps the resources it needs to follow references from.
type deltaWire struct {
	stream discoveryv3.AggregatedDiscoveryService_DeltaAggregatedResourcesClient
	node   *corev3.Node
	cache  *infoCache
	asked  [numTypes]bool
	// view holds, for the types others are followed from, every resource
	// received and not removed, by name.
	view [numTypes]map[string]*resourceInfo
}

var (
	_ wire   = (*deltaWire)(nil)
	_ holder = (*deltaWire)(nil)
)

func newDeltaWire(b *behaviour, stream discoveryv3.AggregatedDiscoveryService_DeltaAggregatedResourcesClient,
	n *corev3.Node, cache *infoCache) *deltaWire {
	w := &deltaWire{stream: stream, node: n, cache: cache}
	for t := range numTypes {
		if len(b.followers(t)) > 0 {
			w.view[t] = map[string]*resourceInfo{}
		}
	}
	return w
}

func (d *deltaWire) request(t xdsType, prev, next []string) error {
	req := &discoveryv3.DeltaDiscoveryRequest{Node: d.node, TypeUrl: t.url()}
	d.node = nil
	if !d.asked[t] {
		d.asked[t] = true
		req.ResourceNamesSubscribe = next
	} else {
		req.ResourceNamesSubscribe = missing(next, prev)
		req.ResourceNamesUnsubscribe = missing(prev, next)
	}
	return d.stream.Send(req)
}

// missing lists the names of a that b lacks; both are sorted.
func missing(a, b []string) []string {
	var out []string
	for _, n := range a {
		if _, ok := slices.BinarySearch(b, n); !ok {
			out = append(out, n)
		}
	}
	return out
}

func (d *deltaWire) receive() (response, error) {
	resp, err := d.stream.Recv()
	if err != nil {
		return response{}, err
	}
	t, ok := typeOf(resp.GetTypeUrl())
	if !ok {
		return response{}, fmt.Errorf("response of unknown type %s", resp.GetTypeUrl())
	}
	r := response{t: t, removed: resp.GetRemovedResources()}
	for _, res := range resp.GetResources() {
		value := res.GetResource().GetValue()
		info, err := d.cache.get(t, value)
		if err != nil {
			return response{}, err
		}
		r.infos = append(r.infos, info)
		r.bytes += len(value)
	}
	d.keep(r)
	ack := &discoveryv3.DeltaDiscoveryRequest{TypeUrl: resp.GetTypeUrl(), ResponseNonce: resp.GetNonce()}
	return r, d.stream.Send(ack)
}

// keep updates the view of the response's type.
func (d *deltaWire) keep(r response) {
	v := d.view[r.t]
	if v == nil {
		return
	}
	for _, info := range r.infos {
		v[info.name] = info
	}
	for _, n := range r.removed {
		delete(v, n)
	}
}

func (d *deltaWire) held(t xdsType) func(yield func(*resourceInfo) bool) {
	return maps.Values(d.view[t])
}

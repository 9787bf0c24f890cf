package translators

import (
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
)

// grpc serves proxyless gRPC clients: for every HTTP or gRPC service an API
// listener named after the service key (the client dials xds:///KEY) with a
// route configuration of the same name, and the service's clusters.
func (t *translator) grpc() {
	for _, s := range t.services {
		if s.Protocol.IsHTTP() {
			t.add(t.piece(s, "", func() *Piece { return t.grpcService(s) }))
		}
	}
}

func (t *translator) grpcService(s *svc) *Piece {
	p := &Piece{Key: s.key}
	t.versionClusters(s, p, nil) // proxyless gRPC clients do not mirror
	key := s.key
	m := t.hcm(key, key, []*hcmv3.HttpFilter{t.shared.router})
	p.Listeners = []*listenerv3.Listener{{
		Name:        key,
		ApiListener: &listenerv3.ApiListener{ApiListener: t.anyOf(m)},
	}}
	p.Routes = []*routev3.RouteConfiguration{{
		Name: key,
		VirtualHosts: []*routev3.VirtualHost{{
			Name:    key,
			Domains: []string{"*"},
			Routes:  t.serviceRoutes(s, "", key),
		}},
	}}
	return p
}

package translators

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsinspectorv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"

	"github.com/graylane/graylane/model"
)

// httpsPort is the port HTTPS URLs leave out.
const httpsPort = 443

// httpsListener serves m over TLS on the gateway's port: a filter chain
// per certificate, chosen by the name the client asks for (SNI), which
// the TLS inspector reads; the certificate without hostnames serves every
// other name. Each chain names its certificate's SDS secret, so that a
// rotated certificate changes the secret alone, not the listener.
func (t *translator) httpsListener(g *model.Gateway, name string, m *hcmv3.HttpConnectionManager) *listenerv3.Listener {
	hcm := []*listenerv3.Filter{{Name: wellknown.HTTPConnectionManager, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: t.anyOf(m)}}}
	l := &listenerv3.Listener{Name: name, Address: socketAddress(edgeAddress, g.Port)}
	for i := range g.TLS.Certificates {
		c := &g.TLS.Certificates[i]
		fc := &listenerv3.FilterChain{Name: CertificateSecret(c), Filters: hcm, TransportSocket: t.tlsTransport(c)}
		if len(c.Hostnames) > 0 {
			fc.FilterChainMatch = &listenerv3.FilterChainMatch{ServerNames: c.Hostnames}
			l.ListenerFilters = []*listenerv3.ListenerFilter{{
				Name:       wellknown.TlsInspector,
				ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: t.anyOf(&tlsinspectorv3.TlsInspector{})},
			}}
		}
		l.FilterChains = append(l.FilterChains, fc)
	}
	return l
}

// tlsTransport terminates TLS with a certificate sent by SDS over ADS,
// offering HTTP/2 and HTTP/1.1.
func (t *translator) tlsTransport(c *model.Certificate) *corev3.TransportSocket {
	ctx := &tlsv3.DownstreamTlsContext{CommonTlsContext: &tlsv3.CommonTlsContext{
		TlsCertificateSdsSecretConfigs: []*tlsv3.SdsSecretConfig{{Name: CertificateSecret(c), SdsConfig: t.shared.ads}},
		AlpnProtocols:                  []string{"h2", "http/1.1"},
	}}
	return &corev3.TransportSocket{
		Name:       wellknown.TransportSocketTLS,
		ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: t.anyOf(ctx)},
	}
}

// certificateSecrets are the SDS secrets of a gateway's certificates, the
// chain and the key inline.
func certificateSecrets(tls *model.GatewayTLS) []*tlsv3.Secret {
	out := make([]*tlsv3.Secret, 0, len(tls.Certificates))
	for i := range tls.Certificates {
		c := &tls.Certificates[i]
		out = append(out, &tlsv3.Secret{
			Name: CertificateSecret(c),
			Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
				CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: c.Chain}},
				PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: c.Key}},
			}},
		})
	}
	return out
}

// redirectListener is a gateway's plain HTTP port: every request is
// redirected to the same URL over HTTPS on the gateway's port.
func (t *translator) redirectListener(g *model.Gateway) {
	name := GatewayRedirectListener(g)
	redirect := &routev3.RedirectAction{SchemeRewriteSpecifier: &routev3.RedirectAction_HttpsRedirect{HttpsRedirect: true}}
	if g.Port != httpsPort {
		redirect.PortRedirect = g.Port
	}
	t.out.Routes = append(t.out.Routes, &routev3.RouteConfiguration{Name: name, VirtualHosts: []*routev3.VirtualHost{{
		Name: name, Domains: []string{"*"},
		Routes: []*routev3.Route{{
			Name:   name + "/https",
			Match:  &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			Action: &routev3.Route_Redirect{Redirect: redirect},
		}},
	}}})
	m := t.hcm(name, name, []*hcmv3.HttpFilter{t.shared.router})
	edgeSettings(m)
	t.out.Listeners = append(t.out.Listeners, t.httpListener(name, edgeAddress, g.TLS.RedirectPort, m))
}

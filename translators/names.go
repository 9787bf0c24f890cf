package translators

import "github.com/graylane/graylane/model"

// Resource names. They are part of what clients see (a proxyless gRPC
// client dials xds:///SERVICE-KEY), so they are stable across releases.

// ClusterName names the cluster of one version of a service:
// "reviews.default:9080/v2".
func ClusterName(s *model.Service, v *model.Version) string { return s.Key() + "/" + v.Name }

// statName is a cluster name without the dots and colons that Envoy's stat
// tag extraction would split it at: "reviews_default_9080_v2".
func statName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '.' || c == ':' || c == '/' {
			b[i] = '_'
		}
	}
	return string(b)
}

// SidecarHTTPListener names the sidecar's outbound HTTP listener and its
// scoped routes.
const SidecarHTTPListener = "sidecar_http"

// SidecarRouteConfig names a service's route configuration on sidecars:
// "sidecar_http/reviews.default:9080". Its scopes are named after the Host
// values that reach it: "sidecar_http/reviews.default:9080",
// "sidecar_http/reviews".
func SidecarRouteConfig(key string) string { return SidecarHTTPListener + "/" + key }

// GatewayListener names a gateway's listener and its route configuration.
func GatewayListener(g *model.Gateway) string { return "gateway_" + g.Name }

// GatewayRedirectListener names the plain HTTP listener of a gateway with
// TLS that redirects to HTTPS, and its route configuration.
func GatewayRedirectListener(g *model.Gateway) string { return "gateway_" + g.Name + "_redirect" }

// CertificateSecret names the SDS secret of a gateway's certificate. It
// depends on the certificate's name alone, so that a rotated certificate
// keeps it: proxies receive a new secret and no new listener.
func CertificateSecret(c *model.Certificate) string { return "certificate_" + c.Name }

// MirrorCluster names the cluster that copies of requests to a lane
// version go to: "reviews.default:9080/v2/mirror".
func MirrorCluster(s *model.Service, v *model.Version) string {
	return ClusterName(s, v) + mirrorSuffix
}

package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/graylane/graylane/model"
)

// protocolOf decides a Service port's protocol: from its appProtocol when
// Graylane knows it, else from its name's prefix (Istio's convention:
// grpc, grpc-api, http-web, tcp-db), else http.
func protocolOf(p *corev1.ServicePort) model.Protocol {
	if p.AppProtocol != nil {
		if proto, ok := appProtocol(strings.ToLower(*p.AppProtocol)); ok {
			return proto
		}
	}
	name := strings.ToLower(p.Name)
	for _, prefix := range []string{"grpc", "http2", "http", "tcp"} {
		if name == prefix || strings.HasPrefix(name, prefix+"-") {
			proto, _ := appProtocol(prefix)
			return proto
		}
	}
	return model.ProtocolHTTP
}

// appProtocol maps the appProtocol values Graylane knows. HTTP/2 in clear
// text is served as grpc, the protocol whose clusters speak HTTP/2.
func appProtocol(v string) (model.Protocol, bool) {
	switch v {
	case "grpc", "http2", "h2c", "kubernetes.io/h2c":
		return model.ProtocolGRPC, true
	case "http", "http1", "kubernetes.io/http", "kubernetes.io/ws":
		return model.ProtocolHTTP, true
	case "tcp", "tls", "https", "kubernetes.io/wss":
		return model.ProtocolTCP, true
	}
	return "", false
}

// isTCP reports whether a Service port carries TCP, the only transport
// Graylane routes.
func isTCP(p *corev1.ServicePort) bool { return p.Protocol == "" || p.Protocol == corev1.ProtocolTCP }

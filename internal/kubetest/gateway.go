package kubetest

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/internal/testcert"
)

// GatewayController is the controllerName of Graylane's GatewayClasses.
const GatewayController = "graylane.io/gateway-controller"

// GatewayClass is a GatewayClass of controller.
func GatewayClass(name, controller string) *gatewayv1.GatewayClass {
	return &gatewayv1.GatewayClass{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec:       gatewayv1.GatewayClassSpec{ControllerName: gatewayv1.GatewayController(controller)},
	}
}

// Gateway is a Gateway of class with listeners.
func Gateway(ns, name, class string, listeners ...gatewayv1.Listener) *gatewayv1.Gateway {
	return &gatewayv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: 1},
		Spec:       gatewayv1.GatewaySpec{GatewayClassName: gatewayv1.ObjectName(class), Listeners: listeners},
	}
}

// Listener is an HTTP listener, or an HTTPS one terminating TLS with the
// Secret secret when secret is not empty; hostname may be empty. It takes
// routes from every namespace.
func Listener(name string, port int32, hostname, secret string) gatewayv1.Listener {
	all := gatewayv1.NamespacesFromAll
	l := gatewayv1.Listener{Name: gatewayv1.SectionName(name), Port: gatewayv1.PortNumber(port), Protocol: gatewayv1.HTTPProtocolType,
		AllowedRoutes: &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: &all}}}
	if hostname != "" {
		h := gatewayv1.Hostname(hostname)
		l.Hostname = &h
	}
	if secret != "" {
		l.Protocol = gatewayv1.HTTPSProtocolType
		l.TLS = &gatewayv1.ListenerTLSConfig{CertificateRefs: []gatewayv1.SecretObjectReference{{Name: gatewayv1.ObjectName(secret)}}}
	}
	return l
}

// GatewayParent is a parentRef to a Gateway's listener (section may be
// empty: every listener).
func GatewayParent(ns, name, section string) gatewayv1.ParentReference {
	group, kind, namespace := gatewayv1.Group(gatewayv1.GroupName), gatewayv1.Kind("Gateway"), gatewayv1.Namespace(ns)
	ref := gatewayv1.ParentReference{Group: &group, Kind: &kind, Namespace: &namespace, Name: gatewayv1.ObjectName(name)}
	if section != "" {
		s := gatewayv1.SectionName(section)
		ref.SectionName = &s
	}
	return ref
}

// TLSSecret is a kubernetes.io/tls Secret with a fresh certificate for
// hosts, signed by a fresh CA.
func TLSSecret(ns, name string, hosts ...string) *corev1.Secret {
	leaf := testcert.NewCA("kubetest").Leaf(hosts...)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: leaf.Chain, corev1.TLSPrivateKeyKey: leaf.Key},
	}
}

package kubernetes

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// resolve finds the version of p a reference names on port, or records
// why it names none in the parentRef's status.
func (m *mapper) resolve(a attachment, b gatewayv1.BackendObjectReference, p *corev1.Service, port int32, byService map[string]string) (string, bool) {
	problem := m.backendProblem(a.route.obj.GetNamespace(), b, p, port, byService)
	if problem == nil {
		return byService[string(b.Name)], true
	}
	a.parent.unresolved[refName(b)] = *problem
	return "", false
}

func refName(b gatewayv1.BackendObjectReference) string {
	if b.Namespace != nil {
		return string(*b.Namespace) + "/" + string(b.Name)
	}
	return string(b.Name)
}

// isServiceBackend reports whether a reference names a Service, the only
// backend kind Graylane routes to.
func isServiceBackend(b gatewayv1.BackendObjectReference) bool {
	return (b.Group == nil || *b.Group == "" || *b.Group == "core") && (b.Kind == nil || *b.Kind == "Service")
}

func (m *mapper) backendProblem(ns string, b gatewayv1.BackendObjectReference, p *corev1.Service, port int32, byService map[string]string) *refProblem {
	key := types.NamespacedName{Namespace: ns, Name: string(b.Name)}
	switch {
	case !isServiceBackend(b):
		return &refProblem{gatewayv1.RouteReasonInvalidKind, fmt.Sprintf("backendRef %s is not a Service", b.Name)}
	case b.Namespace != nil && string(*b.Namespace) != ns:
		return &refProblem{gatewayv1.RouteReasonRefNotPermitted, fmt.Sprintf("backendRef %s/%s is in another namespace than its Service", *b.Namespace, b.Name)}
	case byService[string(b.Name)] != "":
		return nil
	case m.services[key] == nil:
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s does not exist", key)}
	case m.leftOut[key] != "":
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is left out: %s", key, m.leftOut[key])}
	case m.services[key].Labels[LabelVersionOf] != p.Name:
		return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s is not a version of %s (label %s: %s)", key, p.Name, LabelVersionOf, p.Name)}
	}
	return &refProblem{gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("Service %s has no port matching port %d of %s; set the parentRef's port", key, port, p.Name)}
}
